/** Identity Protection and sign-in logs through the real Graph SDK and raw calls (apis.md A5, A6). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphClient, rejection, startTestEmulator, type TestEmulator } from "./helpers.js";
import { grantRoles, rawGraph, seedSecurityData, userByUpn } from "./graph-fixture.js";

let t: TestEmulator;
let call: ReturnType<typeof rawGraph>;

beforeAll(async () => {
  // Limits off here (tested in faults-limits.test.ts); this file tests contracts.
  t = await startTestEmulator({ faults: { limits: { identityProtection: false, signIns: false } } });
  grantRoles(t.emu);
  seedSecurityData(t.emu);
  call = rawGraph(t.emu);
});
afterAll(async () => t.stop());

describe("riskyUsers", () => {
  it("lists riskyUser entities with real types, newest first", async () => {
    const res = await graphClient(t.emu).api("/identityProtection/riskyUsers").get();
    expect(res["@odata.context"]).toMatch(/\/v1\.0\/\$metadata#identityProtection\/riskyUsers$/);
    expect(res.value).toHaveLength(2);
    const first = res.value[0];
    expect(first).toMatchObject({
      "@odata.type": "#microsoft.graph.riskyUser",
      riskLevel: "high",
      riskState: "atRisk",
      isDeleted: false,
      isProcessing: false,
    });
    expect(typeof first.riskLastUpdatedDateTime).toBe("string");
    expect(Object.keys(first)).not.toContain("history");
  });

  it("filters on riskLevel and riskState, selects, and refuses other filters", async () => {
    const high = await call("GET", "/v1.0/identityProtection/riskyUsers?$filter=riskLevel eq 'medium'");
    expect(
      (high.body as { value: { userPrincipalName: string }[] }).value.map((v) => v.userPrincipalName),
    ).toEqual(["AdeleV@contoso.com"]);
    const sel = await call(
      "GET",
      "/v1.0/identityProtection/riskyUsers?$filter=riskState eq 'atRisk' and riskLevel eq 'high'&$select=riskLevel",
    );
    expect((sel.body as { value: object[] }).value).toEqual([
      { "@odata.type": "#microsoft.graph.riskyUser", id: expect.any(String), riskLevel: "high" },
    ]);
    const bad = await call("GET", "/v1.0/identityProtection/riskyUsers?$filter=madeUp eq 'x'");
    expect(bad.status).toBe(400);
    const top = await call("GET", "/v1.0/identityProtection/riskyUsers?$top=501");
    expect(top.status).toBe(400);
  });

  it("gets one by user id, 404 for others, and lists its history", async () => {
    const megan = userByUpn(t.emu.ctx.state, "MeganB@contoso.com");
    const one = await call("GET", `/v1.0/identityProtection/riskyUsers/${megan.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: megan.id, riskLevel: "high" });
    const none = await call(
      "GET",
      "/v1.0/identityProtection/riskyUsers/00000000-0000-0000-0000-000000000000",
    );
    expect(none.status).toBe(404);
    const hist = await call("GET", `/v1.0/identityProtection/riskyUsers/${megan.id}/history`);
    expect((hist.body as { value: Record<string, unknown>[] }).value[0]).toMatchObject({
      "@odata.type": "#microsoft.graph.riskyUserHistoryItem",
      userId: megan.id,
      activity: { riskEventTypes: [], detail: "none" },
    });
  });

  it("confirmCompromised and dismiss answer 204 and change state with a history item", async () => {
    const s = t.emu.ctx.state;
    const megan = userByUpn(s, "MeganB@contoso.com");
    const alex = userByUpn(s, "AlexW@contoso.com");
    const confirm = await call("POST", "/v1.0/identityProtection/riskyUsers/confirmCompromised", {
      userIds: [alex.id],
    });
    expect(confirm.status).toBe(204);
    expect(confirm.body).toBeUndefined();
    const alexRisk = await call("GET", `/v1.0/identityProtection/riskyUsers/${alex.id}`);
    expect(alexRisk.body).toMatchObject({
      riskLevel: "high",
      riskState: "confirmedCompromised",
      riskDetail: "adminConfirmedUserCompromised",
    });
    const dismiss = await call("POST", "/v1.0/identityProtection/riskyUsers/dismiss", {
      userIds: [megan.id],
    });
    expect(dismiss.status).toBe(204);
    const meganRisk = s.riskyUsers.find((r) => r.id === megan.id);
    expect(meganRisk).toMatchObject({ riskLevel: "none", riskState: "dismissed" });
    expect(meganRisk?.history.at(-1)).toMatchObject({
      riskDetail: "adminDismissedAllRiskForUser",
      initiatedBy: t.emu.ctx.state.apps[0]?.servicePrincipalId,
    });
    const writes = t.emu.requests().filter((r) => r.method === "POST" && r.path.includes("riskyUsers"));
    expect(writes.every((r) => r.write)).toBe(true);
  });

  it("refuses a bad userIds body with 400 and needs IdentityRiskyUser.ReadWrite.All", async () => {
    for (const body of [{}, { userIds: [] }, { userIds: ["not-a-guid"] }, "{oops"]) {
      const res = await call("POST", "/v1.0/identityProtection/riskyUsers/dismiss", body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: expect.any(String), innerError: expect.any(Object) } });
    }
  });
});

describe("riskDetections", () => {
  it("pages by 20 by default with an absolute nextLink, newest first, and filters", async () => {
    const client = graphClient(t.emu);
    const page1 = await client.api("/identityProtection/riskDetections").get();
    expect(page1.value).toHaveLength(20);
    expect(page1["@odata.nextLink"]).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/identityProtection\/riskDetections\?/,
    );
    const page2 = await client.api(page1["@odata.nextLink"]).get();
    expect(page2.value).toHaveLength(5);
    expect(page2["@odata.nextLink"]).toBeUndefined();
    const times = [...page1.value, ...page2.value].map(
      (d: { detectedDateTime: string }) => d.detectedDateTime,
    );
    expect([...times].sort().reverse()).toEqual(times);
    expect(page1.value[0]).toMatchObject({
      "@odata.type": "#microsoft.graph.riskDetection",
      location: { city: "Amsterdam", countryOrRegion: "NL", geoCoordinates: null },
    });
    const f = await call(
      "GET",
      "/v1.0/identityProtection/riskDetections?$filter=riskEventType eq 'unfamiliarFeatures'",
    );
    expect((f.body as { value: unknown[] }).value).toHaveLength(1);
    const since = await call(
      "GET",
      "/v1.0/identityProtection/riskDetections?$filter=activityDateTime ge 2025-06-01T00:20:00Z&$top=500",
    );
    expect((since.body as { value: unknown[] }).value).toHaveLength(5);
  });
});

describe("signIns", () => {
  it("v1.0: interactive only, v1.0 shape, newest first", async () => {
    const res = await call("GET", "/v1.0/auditLogs/signIns");
    const value = (res.body as { value: Record<string, unknown>[] }).value;
    expect(value).toHaveLength(15);
    expect(value.every((v) => v["isInteractive"] === true)).toBe(true);
    expect(value[0]).not.toHaveProperty("uniqueTokenIdentifier");
    expect(value[0]).not.toHaveProperty("signInEventTypes");
    expect(value[0]?.["userPrincipalName"]).toBe(String(value[0]?.["userPrincipalName"]).toLowerCase());
    const times = value.map((v) => String(v["createdDateTime"]));
    expect([...times].sort().reverse()).toEqual(times);
    const bad = await call(
      "GET",
      "/v1.0/auditLogs/signIns?$filter=signInEventTypes/any(t: t eq 'nonInteractiveUser')",
    );
    expect(bad.status).toBe(400);
  });

  it("beta: non-interactive only through the signInEventTypes filter, with token id and session id", async () => {
    const plain = await call("GET", "/beta/auditLogs/signIns");
    expect((plain.body as { value: unknown[] }).value).toHaveLength(15);
    const ni = await call(
      "GET",
      `/beta/auditLogs/signIns?$filter=${encodeURIComponent("createdDateTime ge 2025-06-01T00:00:00Z and signInEventTypes/any(t: t eq 'nonInteractiveUser')")}`,
    );
    const rows = (ni.body as { value: Record<string, unknown>[] }).value;
    expect(rows).toHaveLength(15);
    expect(rows.every((r) => (r["signInEventTypes"] as string[])[0] === "nonInteractiveUser")).toBe(true);
    expect(rows[0]).toHaveProperty("uniqueTokenIdentifier");
    expect(rows[0]).toHaveProperty("sessionId");
    const both = await call(
      "GET",
      `/beta/auditLogs/signIns?$filter=${encodeURIComponent("signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')")}`,
    );
    expect((both.body as { value: unknown[] }).value).toHaveLength(30);
  });

  it("pages with $top and $skiptoken; $top over 1000 is refused", async () => {
    const client = graphClient(t.emu);
    const seen: string[] = [];
    let res = await client.api("/auditLogs/signIns").top(4).get();
    for (;;) {
      seen.push(...res.value.map((v: { id: string }) => v.id));
      if (!res["@odata.nextLink"]) break;
      expect(res["@odata.nextLink"]).toContain("$skiptoken=");
      res = await client.api(res["@odata.nextLink"]).get();
    }
    expect(new Set(seen).size).toBe(15);
    const err = await rejection(client.api("/auditLogs/signIns").top(1001).get());
    expect(err["statusCode"]).toBe(400);
  });

  it("needs AuditLog.Read.All and Directory.Read.All", async () => {
    const s = t.emu.ctx.state;
    const app = s.apps[0];
    if (!app) throw new Error("no app");
    const saved = app.graphRoles;
    app.graphRoles = ["AuditLog.Read.All"];
    try {
      const err = await rejection(graphClient(t.emu).api("/auditLogs/signIns").get());
      expect(err["statusCode"]).toBe(403);
      expect(err["code"]).toBe("Authorization_RequestDenied");
    } finally {
      app.graphRoles = saved;
    }
  });
});

describe("switchable inferred behaviours (faults file `behaviour`)", () => {
  async function put(behaviour: Record<string, boolean>): Promise<void> {
    const res = await fetch(`${t.emu.adminUrl}/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ limits: { identityProtection: false, signIns: false }, behaviour }),
    });
    expect(res.status).toBe(200);
  }

  it("beta sessionId, case-insensitive filters, confirm-creates and dismiss-clears can be switched off", async () => {
    await put({
      betaSignInSessionId: false,
      caseInsensitiveFilters: false,
      confirmCreatesRiskyUser: false,
      dismissClearsDetections: false,
    });
    try {
      const beta = await call("GET", "/beta/auditLogs/signIns?$top=1");
      expect((beta.body as { value: object[] }).value[0]).not.toHaveProperty("sessionId");
      const upper = await call("GET", "/v1.0/identityProtection/riskyUsers?$filter=riskLevel eq 'HIGH'");
      expect((upper.body as { value: unknown[] }).value).toHaveLength(0);
      const s = t.emu.ctx.state;
      const lee = userByUpn(s, "LeeG@contoso.com");
      expect(
        (await call("POST", "/v1.0/identityProtection/riskyUsers/confirmCompromised", { userIds: [lee.id] }))
          .status,
      ).toBe(204);
      expect(s.riskyUsers.some((r) => r.id === lee.id)).toBe(false);
      const adele = userByUpn(s, "AdeleV@contoso.com");
      await call("POST", "/v1.0/identityProtection/riskyUsers/dismiss", { userIds: [adele.id] });
      expect(
        s.riskDetections.filter((d) => d.userId === adele.id).every((d) => d.riskState === "atRisk"),
      ).toBe(true);
    } finally {
      await put({});
    }
    const beta = await call("GET", "/beta/auditLogs/signIns?$top=1");
    expect((beta.body as { value: object[] }).value[0]).toHaveProperty("sessionId");
  });
});
