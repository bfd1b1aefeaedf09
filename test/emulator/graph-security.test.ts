/** alerts_v2, incidents, runHuntingQuery and the Log Analytics query face (apis.md A1, A7; Log Analytics API). */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HuntingQueryError, registerHuntingEngine } from "../../src/emulator/hunting.js";
import { kqlHuntingEngine } from "../../src/emulator/hunting-engine.js";
import { graphClient, rejection, startTestEmulator, type TestEmulator } from "./helpers.js";
import { grantRoles, rawGraph, seedSecurityData } from "./graph-fixture.js";

let t: TestEmulator;
let call: ReturnType<typeof rawGraph>;

beforeAll(async () => {
  t = await startTestEmulator({ faults: { limits: { hunting: false } } });
  grantRoles(t.emu);
  seedSecurityData(t.emu);
  const app = t.emu.ctx.state.apps[0];
  if (app) app.logAnalyticsRoles = ["Data.Read"];
  call = rawGraph(t.emu);
});
afterAll(async () => t.stop());
afterEach(() => registerHuntingEngine(kqlHuntingEngine));

type Page = { value: Record<string, unknown>[]; "@odata.nextLink"?: string };

describe("alerts_v2", () => {
  it("lists alerts newest first with the documented shape and $skip paging", async () => {
    const client = graphClient(t.emu);
    const res = (await client.api("/security/alerts_v2").top(2).get()) as Page;
    expect(res.value.map((a) => a["title"])).toEqual([
      "Suspicious inbox manipulation rule 3",
      "Suspicious inbox manipulation rule 2",
    ]);
    expect(res["@odata.nextLink"]).toMatch(/\/v1\.0\/security\/alerts_v2\?.*\$skip=2/);
    const next = (await client.api(res["@odata.nextLink"] ?? "").get()) as Page;
    expect(next.value).toHaveLength(1);
    expect(res.value[0]).toMatchObject({
      "@odata.type": "#microsoft.graph.security.alert",
      tenantId: t.emu.tenantId,
      alertWebUrl: expect.stringMatching(/^https:\/\/security\.microsoft\.com\/alerts\//),
      evidence: [{ "@odata.type": "#microsoft.graph.security.mailboxEvidence" }],
      comments: [],
    });
  });

  it("filters on documented properties only (title → 400)", async () => {
    const ok = await call("GET", "/v1.0/security/alerts_v2?$filter=severity eq 'medium'");
    expect((ok.body as Page).value).toHaveLength(1);
    const src = await call(
      "GET",
      "/v1.0/security/alerts_v2?$filter=serviceSource eq 'microsoftDefenderForOffice365' and status ne 'resolved'",
    );
    expect((src.body as Page).value).toHaveLength(3);
    const bad = await call("GET", "/v1.0/security/alerts_v2?$filter=title eq 'x'");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "BadRequest" } });
  });

  it("PATCH returns 200 with the full alert; comments return every comment", async () => {
    const id = t.emu.ctx.state.alerts[0]?.id ?? "";
    const client = graphClient(t.emu);
    const patched = await client.api(`/security/alerts_v2/${id}`).patch({
      assignedTo: "secAdmin@contoso.onmicrosoft.com",
      classification: "truePositive",
      determination: "compromisedUser",
      status: "resolved",
    });
    expect(patched).toMatchObject({
      id,
      status: "resolved",
      classification: "truePositive",
      determination: "compromisedUser",
      assignedTo: "secAdmin@contoso.onmicrosoft.com",
      title: expect.any(String),
      evidence: expect.any(Array),
    });
    expect(patched.resolvedDateTime).toBe(t.emu.ctx.clock.now().toISOString());
    await client.api(`/security/alerts_v2/${id}/comments`).post({
      "@odata.type": "microsoft.graph.security.alertComment",
      comment: "first",
    });
    const comments = await client
      .api(`/security/alerts_v2/${id}/comments`)
      .post({ "@odata.type": "microsoft.graph.security.alertComment", comment: "Demo for docs" });
    expect(comments["@odata.context"]).toContain(`security/alerts_v2('${id}')/comments`);
    expect(comments.value.map((c: { comment: string }) => c.comment)).toEqual(["first", "Demo for docs"]);
    expect(comments.value[1]).toEqual({
      comment: "Demo for docs",
      createdByDisplayName: "mailwarden responder",
      createdDateTime: expect.any(String),
    });
    const bad = await call("PATCH", `/v1.0/security/alerts_v2/${id}`, { status: "closed" });
    expect(bad.status).toBe(400);
    const unknown = await call("PATCH", `/v1.0/security/alerts_v2/${id}`, { title: "x" });
    expect(unknown.status).toBe(400);
    const missing = await call("PATCH", "/v1.0/security/alerts_v2/nope", { status: "resolved" });
    expect(missing.status).toBe(404);
  });

  it("needs SecurityAlert.ReadWrite.All to write", async () => {
    const app = t.emu.ctx.state.apps[0];
    if (!app) throw new Error("no app");
    const saved = app.graphRoles;
    app.graphRoles = ["SecurityAlert.Read.All"];
    try {
      const client = graphClient(t.emu);
      const id = t.emu.ctx.state.alerts[0]?.id ?? "";
      expect((await client.api("/security/alerts_v2").get()).value.length).toBeGreaterThan(0);
      const err = await rejection(client.api(`/security/alerts_v2/${id}`).patch({ status: "new" }));
      expect(err["statusCode"]).toBe(403);
    } finally {
      app.graphRoles = saved;
    }
  });
});

describe("incidents", () => {
  it("lists, expands alerts, PATCHes (200 + entity) and comments in the incident comment shape", async () => {
    const client = graphClient(t.emu);
    const list = (await client.api("/security/incidents").expand("alerts").get()) as Page;
    expect(list.value.map((i) => i["id"])).toEqual(["102", "101"]);
    expect((list.value[1]?.["alerts"] as unknown[]).length).toBe(2);
    const plain = (await client.api("/security/incidents/101").get()) as Record<string, unknown>;
    expect(plain).not.toHaveProperty("alerts");
    expect(plain["customTags"]).toEqual(["BEC"]);
    const patched = await client.api("/security/incidents/101").patch({
      status: "resolved",
      classification: "truePositive",
      determination: "multiStagedAttack",
      customTags: ["BEC", "contained"],
    });
    expect(patched).toMatchObject({
      id: "101",
      status: "resolved",
      customTags: ["BEC", "contained"],
      displayName: expect.any(String),
    });
    const comments = await client
      .api("/security/incidents/101/comments")
      .post({ comment: "contained by mailwarden" });
    expect(comments.value).toEqual([
      {
        comment: "contained by mailwarden",
        createdBy: "mailwarden responder",
        createdTime: expect.any(String),
      },
    ]);
    const bad = await call("GET", "/v1.0/security/incidents?$filter=displayName eq 'x'");
    expect(bad.status).toBe(400);
  });
});

describe("runHuntingQuery", () => {
  it("runs KQL on the Defender tables with the offline engine; a bad query is a 400 with Kusto's text", async () => {
    t.emu.ctx.state.logs.defender["CloudAppEvents"] = [
      {
        Timestamp: "2026-01-05T10:00:00Z",
        ActionType: "New-InboxRule",
        ApplicationId: 20893,
        AccountId: "a",
      },
      {
        Timestamp: "2026-01-05T11:00:00Z",
        ActionType: "Set-InboxRule",
        ApplicationId: 20893,
        AccountId: "b",
      },
      {
        Timestamp: "2026-01-05T12:00:00Z",
        ActionType: "New-InboxRule",
        ApplicationId: 11161,
        AccountId: "c",
      },
    ];
    const res = await call("POST", "/v1.0/security/runHuntingQuery", {
      Query:
        'CloudAppEvents | where ActionType in ("New-InboxRule", "Set-InboxRule") and ApplicationId == 20893 | count',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schema: [{ name: "Count", type: "Int64" }], results: [{ Count: 2 }] });
    const bad = await call("POST", "/v1.0/security/runHuntingQuery", {
      Query: "CloudAppEvents | take 10 | where NoSuchColumn == 1",
      Timespan: "P30D",
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: {
        code: "BadRequest",
        message: expect.stringContaining("NoSuchColumn"),
        innerError: expect.any(Object),
      },
    });
  });

  it("refuses a missing Query and a malformed Timespan", async () => {
    expect((await call("POST", "/v1.0/security/runHuntingQuery", {})).status).toBe(400);
    expect(
      (await call("POST", "/v1.0/security/runHuntingQuery", { Query: "x", Timespan: "yesterday" })).status,
    ).toBe(400);
  });

  it("runs a registered engine on the Defender tables and answers {schema, results}", async () => {
    t.emu.ctx.state.logs.defender["CloudAppEvents"] = [{ ActionType: "New-InboxRule", AccountId: "x" }];
    const seen: { query: string; tables: string[]; now: string; timespan?: string }[] = [];
    registerHuntingEngine({
      run: (query, tables, now, options) => {
        seen.push({
          query,
          tables: Object.keys(tables),
          now: now.toISOString(),
          ...(options?.timespan ? { timespan: options.timespan } : {}),
        });
        if (query.includes("bad"))
          return Promise.reject(
            new HuntingQueryError(
              "'where' operator: Failed to resolve table or column expression named 'bad'.",
            ),
          );
        return Promise.resolve({
          schema: [{ name: "ActionType", type: "String" }],
          results: (tables["CloudAppEvents"] ?? []).map((r) => ({ ActionType: r["ActionType"] })),
        });
      },
    });
    const res = await graphClient(t.emu)
      .api("/security/runHuntingQuery")
      .post({ Query: "CloudAppEvents", Timespan: "P1D" });
    expect(res).toEqual({
      "@odata.context": expect.stringMatching(/\$metadata#microsoft\.graph\.security\.huntingQueryResults$/),
      schema: [{ name: "ActionType", type: "String" }],
      results: [{ ActionType: "New-InboxRule" }],
    });
    expect(seen[0]).toMatchObject({
      query: "CloudAppEvents",
      tables: ["CloudAppEvents"],
      timespan: "P1D",
      now: t.emu.ctx.clock.now().toISOString(),
    });
    const bad = await call("POST", "/v1.0/security/runHuntingQuery", { Query: "bad" });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { message: string } }).error.message).toContain("Failed to resolve");
  });

  it("needs ThreatHunting.Read.All", async () => {
    const app = t.emu.ctx.state.apps[0];
    if (!app) throw new Error("no app");
    const saved = app.graphRoles;
    app.graphRoles = ["SecurityAlert.ReadWrite.All"];
    try {
      const err = await rejection(graphClient(t.emu).api("/security/runHuntingQuery").post({ Query: "x" }));
      expect(err["statusCode"]).toBe(403);
    } finally {
      app.graphRoles = saved;
    }
  });
});

describe("Log Analytics query face", () => {
  const WS = "b2d7a5e0-1c3f-4e8a-9d6b-0f1e2d3c4b5a";

  it("takes a token for https://api.loganalytics.io with Data.Read and runs KQL on the Sentinel tables", async () => {
    t.emu.ctx.state.logs.sentinel["SigninLogs"] = [
      { TimeGenerated: "2026-01-05T10:00:00Z", UserPrincipalName: "meganb@contoso.com", ResultType: "0" },
      { TimeGenerated: "2026-01-05T10:05:00Z", UserPrincipalName: "meganb@contoso.com", ResultType: "50126" },
      { TimeGenerated: "2026-01-05T10:06:00Z", UserPrincipalName: "alexw@contoso.com", ResultType: "0" },
    ];
    const la = rawGraph(t.emu, "https://api.loganalytics.io/.default");
    const res = await la("POST", `/v1/workspaces/${WS}/query`, {
      query:
        'SigninLogs | where ResultType == "0" | summarize n = count() by UserPrincipalName | sort by UserPrincipalName asc',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tables: [
        {
          name: "PrimaryResult",
          columns: [
            { name: "UserPrincipalName", type: "string" },
            { name: "n", type: "long" },
          ],
          rows: [
            ["alexw@contoso.com", 1],
            ["meganb@contoso.com", 1],
          ],
        },
      ],
    });
    const bad = await la("POST", `/v1/workspaces/${WS}/query`, {
      query: "NoSuchTable | take 1",
      timespan: "P1D",
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: { code: "BadArgumentError", innererror: { code: "SemanticError" } },
    });
    const log = t.emu.requests().filter((r) => r.face === "loganalytics");
    expect(log.at(-1)).toMatchObject({ method: "POST", status: 400, write: false });
  });

  it("refuses a Graph token (401) and a token without Data.Read (403)", async () => {
    const graphToken = await call("POST", `/v1/workspaces/${WS}/query`, { query: "x" });
    expect(graphToken.status).toBe(401);
    const app = t.emu.ctx.state.apps[0];
    if (!app) throw new Error("no app");
    app.logAnalyticsRoles = [];
    try {
      const la = rawGraph(t.emu, "https://api.loganalytics.io/.default");
      expect((await la("POST", `/v1/workspaces/${WS}/query`, { query: "x" })).status).toBe(403);
    } finally {
      app.logAnalyticsRoles = ["Data.Read"];
    }
  });

  it("runs a registered engine on the Sentinel tables in the tables/columns/rows shape", async () => {
    t.emu.ctx.state.logs.sentinel["SigninLogs"] = [
      { UserPrincipalName: "meganb@contoso.com", ResultType: "0" },
    ];
    registerHuntingEngine({
      run: (_q, tables) =>
        Promise.resolve({
          schema: [
            { name: "UserPrincipalName", type: "String" },
            { name: "Count", type: "Int64" },
          ],
          results: (tables["SigninLogs"] ?? []).map((r) => ({
            UserPrincipalName: r["UserPrincipalName"],
            Count: 1,
          })),
        }),
    });
    const la = rawGraph(t.emu, "https://api.loganalytics.io/.default");
    const res = await la("POST", `/v1/workspaces/${WS}/query`, { query: "SigninLogs | count" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tables: [
        {
          name: "PrimaryResult",
          columns: [
            { name: "UserPrincipalName", type: "string" },
            { name: "Count", type: "long" },
          ],
          rows: [["meganb@contoso.com", 1]],
        },
      ],
    });
    const badWs = await la("POST", "/v1/workspaces/not-a-guid/query", { query: "x" });
    expect(badWs.status).toBe(404);
    const noQuery = await la("POST", `/v1/workspaces/${WS}/query`, { timespan: "P1D" });
    expect(noQuery.status).toBe(400);
  });
});
