/**
 * Contract tests: the documented example requests of apis.md replayed against the emulator with the real Graph
 * SDK (RetryHandler on) and @azure/identity. Assertions are on the documented shapes, not on echoes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphClient, startTestEmulator, type TestEmulator } from "./helpers.js";
import { grantRoles, seedSecurityData } from "./graph-fixture.js";

let t: TestEmulator;

beforeAll(async () => {
  t = await startTestEmulator({ faults: { limits: { identityProtection: false } } });
  grantRoles(t.emu);
  seedSecurityData(t.emu);
});
afterAll(async () => t.stop());

const RULES = "/users/AdeleV@contoso.com/mailFolders/inbox/messageRules";

describe("A2 messageRules", () => {
  it("create (doc example) → 201 entity; PATCH (doc example) replaces the whole actions value", async () => {
    const client = graphClient(t.emu);
    const created = await client.api(RULES).post({
      displayName: "From partner",
      sequence: 2,
      isEnabled: true,
      conditions: { senderContains: ["adele"] },
      actions: {
        forwardTo: [{ emailAddress: { name: "Alex Wilbur", address: "AlexW@contoso.onmicrosoft.com" } }],
        stopProcessingRules: true,
      },
    });
    expect(t.emu.requests().at(-1)).toMatchObject({ method: "POST", status: 201, write: true });
    expect(Object.keys(created).sort()).toEqual(
      [
        "@odata.context",
        "actions",
        "conditions",
        "displayName",
        "hasError",
        "id",
        "isEnabled",
        "isReadOnly",
        "sequence",
      ].sort(),
    );
    const patched = await client
      .api(`${RULES}/${created.id}`)
      .patch({ displayName: "Important from partner", actions: { markImportance: "high" } });
    expect(patched["@odata.context"]).toMatch(/messageRules\/\$entity$/);
    expect(patched.displayName).toBe("Important from partner");
    expect(patched.actions).toEqual({ markImportance: "high" });
    expect(patched.conditions).toEqual(created.conditions);
    const list = await client.api(RULES).get();
    expect(list["@odata.nextLink"]).toBeUndefined();
    expect(list.value.find((r: { id: string }) => r.id === created.id)?.actions).toEqual({
      markImportance: "high",
    });
    expect(await client.api(`${RULES}/${created.id}`).delete()).toBeUndefined();
  });
});

describe("A3 revokeSignInSessions", () => {
  it("→ 200 {@odata.context …#Edm.Boolean, value: true}", async () => {
    const res = await graphClient(t.emu).api("/users/MeganB@contoso.com/revokeSignInSessions").post({});
    expect(res).toEqual({
      "@odata.context": expect.stringMatching(/\/v1\.0\/\$metadata#Edm\.Boolean$/),
      value: true,
    });
  });
});

describe("A4 users", () => {
  it("PATCH accountEnabled → 204 (the SDK resolves undefined)", async () => {
    expect(
      await graphClient(t.emu).api("/users/LeeG@contoso.com").patch({ accountEnabled: false }),
    ).toBeUndefined();
  });
});

describe("A5 Identity Protection shapes", () => {
  it("riskyUser and riskDetection carry the documented members with real types", async () => {
    const client = graphClient(t.emu);
    const ru = (await client.api("/identityProtection/riskyUsers").get()).value[0];
    expect(Object.keys(ru).sort()).toEqual(
      [
        "@odata.type",
        "id",
        "isDeleted",
        "isProcessing",
        "riskLastUpdatedDateTime",
        "riskLevel",
        "riskState",
        "riskDetail",
        "userDisplayName",
        "userPrincipalName",
      ].sort(),
    );
    expect(typeof ru.isDeleted).toBe("boolean");
    const rd = (await client.api("/identityProtection/riskDetections").top(1).get()).value[0];
    for (const k of [
      "requestId",
      "correlationId",
      "riskEventType",
      "riskState",
      "riskLevel",
      "riskDetail",
      "source",
      "detectionTimingType",
      "activity",
      "tokenIssuerType",
      "ipAddress",
      "location",
      "activityDateTime",
      "detectedDateTime",
      "lastUpdatedDateTime",
      "userId",
      "userDisplayName",
      "userPrincipalName",
      "additionalInfo",
    ])
      expect(rd).toHaveProperty(k);
    expect(typeof rd.additionalInfo).toBe("string");
    expect(JSON.parse(rd.additionalInfo)).toEqual([{ Key: "userAgent", Value: "Mozilla/5.0" }]);
  });
});

describe("A6 signIns paging", () => {
  it("PageIterator-style: follows absolute nextLinks to the end, newest first", async () => {
    const client = graphClient(t.emu);
    let res = await client.api("/auditLogs/signIns").top(5).get();
    const all: { createdDateTime: string }[] = [];
    while (true) {
      all.push(...res.value);
      const next = res["@odata.nextLink"] as string | undefined;
      if (!next) break;
      expect(next.startsWith(`${t.emu.baseUrl}/v1.0/auditLogs/signIns?`)).toBe(true);
      res = await client.api(next).get();
    }
    expect(all).toHaveLength(15);
    const times = all.map((s) => s.createdDateTime);
    expect([...times].sort().reverse()).toEqual(times);
  });
});

describe("A7 alerts_v2 / incidents", () => {
  it("PATCH returns the entity (doc example body)", async () => {
    const client = graphClient(t.emu);
    const id = t.emu.ctx.state.alerts[1]?.id ?? "";
    const res = await client.api(`/security/alerts_v2/${id}`).patch({
      assignedTo: "secAdmin@contoso.onmicrosoft.com",
      classification: "truePositive",
      determination: "malware",
      status: "inProgress",
    });
    expect(res["@odata.type"]).toBe("#microsoft.graph.security.alert");
    expect(res).toHaveProperty("evidence");
    expect(res).toHaveProperty("alertWebUrl");
    const inc = await client.api("/security/incidents/102").patch({ status: "resolved" });
    expect(inc["@odata.type"]).toBe("#microsoft.graph.security.incident");
    expect(inc.status).toBe("resolved");
  });
});

describe("A8 throttling", () => {
  it("RetryHandler honours Retry-After and sends Retry-Attempt; the second attempt succeeds", async () => {
    const res = await fetch(`${t.emu.adminUrl}/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rules: [
          {
            face: "graph",
            match: "GET /users/{id}/mailboxSettings",
            times: 1,
            fault: { type: "throttle", retryAfter: 0 },
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const seen: (string | null)[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes("/mailboxSettings")) {
        const h = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
        seen.push(h.get("Retry-Attempt"));
      }
      return original(input, init);
    };
    try {
      const settings = await graphClient(t.emu).api("/users/MeganB@contoso.com/mailboxSettings").get();
      expect(settings).toHaveProperty("timeZone");
    } finally {
      globalThis.fetch = original;
    }
    expect(seen).toEqual([null, "1"]);
    const log = t.emu.requests().filter((r) => r.path.includes("mailboxSettings"));
    expect(log.map((r) => r.status)).toEqual([429, 200]);
  });
});
