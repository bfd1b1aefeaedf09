/** Service limits on by default, measured on the emulator clock; each switchable; eventual consistency. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { adminJson, startTestEmulator, type TestEmulator } from "./helpers.js";
import { grantRoles, rawGraph, seedSecurityData } from "./graph-fixture.js";

let t: TestEmulator;
let call: ReturnType<typeof rawGraph>;

async function putFaults(body: unknown): Promise<void> {
  const res = await fetch(`${t.emu.adminUrl}/faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}
const advance = (ms: number) =>
  adminJson(t.emu, "/clock/advance", {
    method: "POST",
    body: JSON.stringify({ ms }),
    headers: { "content-type": "application/json" },
  });

beforeAll(async () => {
  t = await startTestEmulator();
  grantRoles(t.emu);
  seedSecurityData(t.emu);
  call = rawGraph(t.emu);
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await putFaults({});
  await advance(3_600_000);
});

describe("limits", () => {
  it("Identity Protection: 1 request/s per tenant, 429 without Retry-After; the next second is fine", async () => {
    expect((await call("GET", "/v1.0/identityProtection/riskyUsers")).status).toBe(200);
    const second = await call("GET", "/v1.0/identityProtection/riskDetections");
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBeNull();
    expect(second.body).toMatchObject({ error: { code: "TooManyRequests" } });
    await advance(1000);
    expect((await call("GET", "/v1.0/identityProtection/riskDetections")).status).toBe(200);
  });

  it("sign-ins: 5 per 10 s per app, then 429 with Retry-After; switchable", async () => {
    for (let i = 0; i < 5; i++)
      expect((await call("GET", "/v1.0/auditLogs/signIns?$top=1")).status).toBe(200);
    const sixth = await call("GET", "/v1.0/auditLogs/signIns?$top=1");
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(sixth.headers.get("retry-after"))).toBeLessThanOrEqual(10);
    await advance(10_000);
    expect((await call("GET", "/v1.0/auditLogs/signIns?$top=1")).status).toBe(200);
    await putFaults({ limits: { signIns: false } });
    for (let i = 0; i < 8; i++)
      expect((await call("GET", "/v1.0/auditLogs/signIns?$top=1")).status).toBe(200);
  });

  it("hunting: 45 calls per minute per tenant", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 46; i++)
      statuses.push((await call("POST", "/v1.0/security/runHuntingQuery", { Query: "x" })).status);
    expect(statuses.slice(0, 45).every((s) => s === 400)).toBe(true); // "x" names no table: 400, but admitted
    expect(statuses[45]).toBe(429);
  });

  it("security alerts: 150 per minute per app", async () => {
    let last = 0;
    for (let i = 0; i < 151; i++) last = (await call("GET", "/v1.0/security/alerts_v2?$top=1")).status;
    expect(last).toBe(429);
    await advance(60_000);
    expect((await call("GET", "/v1.0/security/alerts_v2?$top=1")).status).toBe(200);
  });

  it("Outlook: the 5th concurrent request of one app to one mailbox gets 429 ApplicationThrottled (MailboxConcurrency)", async () => {
    await putFaults({
      rules: [
        {
          face: "graph",
          match: "GET /users/{id}/mailFolders/inbox/messageRules",
          fault: { type: "latency", ms: 300 },
        },
      ],
    });
    // Evaluated per app and mailbox [D throttling-limits]: five at once over four mailboxes all pass.
    const spread = await Promise.all(
      ["MeganB", "AdeleV", "AlexW", "LeeG", "MeganB"].map((u) =>
        call("GET", `/v1.0/users/${u}@contoso.com/mailFolders/inbox/messageRules`),
      ),
    );
    expect(spread.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const users = ["MeganB", "MeganB", "MeganB", "MeganB", "MeganB"];
    const results = await Promise.all(
      users.map((u) => call("GET", `/v1.0/users/${u}@contoso.com/mailFolders/inbox/messageRules`)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const refused = results.find((r) => r.status === 429);
    expect(refused?.body).toMatchObject({
      error: { code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit." },
    });
    expect(refused?.headers.get("retry-after")).not.toBeNull();
    // Slots are released: the next request passes.
    expect((await call("GET", "/v1.0/users/MeganB@contoso.com/mailFolders/inbox/messageRules")).status).toBe(
      200,
    );
    await putFaults({
      limits: { outlookConcurrency: false },
      rules: [
        {
          face: "graph",
          match: "GET /users/{id}/mailFolders/inbox/messageRules",
          fault: { type: "latency", ms: 100 },
        },
      ],
    });
    const unlimited = await Promise.all(
      users.map((u) => call("GET", `/v1.0/users/${u}@contoso.com/mailFolders/inbox/messageRules`)),
    );
    expect(unlimited.every((r) => r.status === 200)).toBe(true);
  });

  it("Outlook: 10,000 requests per 10 minutes per app and mailbox", () => {
    // Exercised at the limiter directly (10,000 HTTPS calls would be slow); the face uses the same instance.
    const limits = t.emu.ctx.faults?.limits;
    if (!limits) throw new Error("no fault engine");
    const now = t.emu.ctx.clock.now().getTime();
    let admitted = 0;
    for (let i = 0; i < 10_000; i++) {
      if (limits.admit("outlook", "app", "tenant", "box@contoso.com", now).ok) admitted++;
      limits.release("outlook", "app", "box@contoso.com");
    }
    expect(admitted).toBe(10_000);
    expect(limits.admit("outlook", "app", "tenant", "box@contoso.com", now)).toMatchObject({
      ok: false,
      limit: "outlookMailbox",
    });
    expect(limits.admit("outlook", "app", "tenant", "other@contoso.com", now).ok).toBe(true);
    limits.release("outlook", "app", "other@contoso.com");
    expect(limits.admit("outlook", "app", "tenant", "box@contoso.com", now + 600_000).ok).toBe(true);
  });
});

describe("eventual consistency (switchable, default off)", () => {
  it("off: a revoke is visible at once", async () => {
    await call("POST", "/v1.0/users/AlexW@contoso.com/revokeSignInSessions");
    const u = await call("GET", "/v1.0/users/AlexW@contoso.com?$select=signInSessionsValidFromDateTime");
    expect((u.body as Record<string, string>)["signInSessionsValidFromDateTime"]).toBe(
      t.emu.ctx.clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z"),
    );
  });

  it("on: revoke and rule changes are acknowledged at once and visible after the delay", async () => {
    await putFaults({ consistency: { enabled: true, revokeDelayMs: 180_000, ruleDelayMs: 60_000 } });
    const before = await call("GET", "/v1.0/users/LeeG@contoso.com?$select=signInSessionsValidFromDateTime");
    const revoke = await call("POST", "/v1.0/users/LeeG@contoso.com/revokeSignInSessions");
    expect(revoke.status).toBe(200);
    const revokedAt = t.emu.ctx.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
    const stale = await call("GET", "/v1.0/users/LeeG@contoso.com?$select=signInSessionsValidFromDateTime");
    expect(stale.body).toEqual(before.body);
    expect(await adminJson(t.emu, "/pending")).toEqual([
      { key: expect.stringContaining("revoke"), visibleAt: expect.any(String) },
    ]);

    const rules = "/v1.0/users/AlexW@contoso.com/mailFolders/inbox/messageRules";
    const created = await call("POST", rules, {
      displayName: "later",
      sequence: 9,
      actions: { markAsRead: true },
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const listed = async () =>
      ((await call("GET", rules)).body as { value: { id: string }[] }).value.map((r) => r.id);
    expect(await listed()).not.toContain(id);
    await advance(60_000);
    expect(await listed()).toContain(id);
    const stillStale = await call(
      "GET",
      "/v1.0/users/LeeG@contoso.com?$select=signInSessionsValidFromDateTime",
    );
    expect(stillStale.body).toEqual(before.body);
    await advance(120_000);
    const fresh = await call("GET", "/v1.0/users/LeeG@contoso.com?$select=signInSessionsValidFromDateTime");
    expect((fresh.body as Record<string, string>)["signInSessionsValidFromDateTime"]).toBe(revokedAt);
  });
});
