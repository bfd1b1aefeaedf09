/**
 * mailwarden's own policy for 429 without Retry-After: the SDK's RetryHandler leaves it alone, the adapter retries
 * with exponential backoff and jitter on an injectable sleep, and gives up with a typed throttled error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphAdapter, throttleBackoffMs } from "../../src/adapters/graph/client.js";
import type { FaultsConfig } from "../../src/emulator/faults/config.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(async () => {
  await t.close();
});

async function faults(f: FaultsConfig): Promise<void> {
  const r = await fetch(`${t.emulator.adminUrl}/faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(f),
  });
  expect(r.status).toBe(200);
}

function adapter(sleeps: number[], throttleRetries = 4) {
  return new GraphAdapter({
    credential: t.handles.credential,
    baseUrl: t.cfg.endpoints.graphBaseUrl,
    throttleRetries,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
}

describe("429 without Retry-After", () => {
  it("backs off exponentially with jitter", () => {
    expect([0, 1, 2, 3, 10].map((a) => throttleBackoffMs(a, () => 1))).toEqual([
      2000, 4000, 8000, 16000, 30000,
    ]);
    expect(throttleBackoffMs(0, () => 0)).toBe(1000);
  });

  it("is retried by mailwarden's policy (not the SDK's fixed delays) until it succeeds", async () => {
    const adele = t.emulator.ctx.state.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
    await faults({
      rules: [
        { face: "graph", match: "GET /users/{id}", fault: { type: "throttle", retryAfter: null }, times: 2 },
      ],
    });
    try {
      const sleeps: number[] = [];
      const mark = t.mark();
      const u = await adapter(sleeps).getUser(adele.id);
      expect(u.id).toBe(adele.id);
      expect(sleeps).toHaveLength(2);
      const reqs = t.emulator
        .requests()
        .slice(mark)
        .filter((r) => r.face === "graph");
      expect(reqs.map((r) => r.status)).toEqual([429, 429, 200]);
    } finally {
      await faults({});
    }
  });

  it("gives up after its retries with a typed, retryable throttled error", async () => {
    const adele = t.emulator.ctx.state.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
    await faults({
      rules: [{ face: "graph", match: "GET /users/{id}", fault: { type: "throttle", retryAfter: null } }],
    });
    try {
      const sleeps: number[] = [];
      await expect(adapter(sleeps, 2).getUser(adele.id)).rejects.toMatchObject({
        name: "GraphApiError",
        kind: "throttled",
        retryable: true,
        status: 429,
      });
      expect(sleeps).toHaveLength(2);
    } finally {
      await faults({});
    }
  });
});

describe("a dropped connection", () => {
  it("is retried for reads and PATCH (safe to repeat), never for POST (revoke): the action's re-read decides", async () => {
    const adele = t.emulator.ctx.state.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
    const mb = t.emulator.ctx.state.mailboxes.find((m) => m.userId === adele.id)!;
    const rule = () => mb.rules.find((r) => r.name === "Accounts sync")!;
    await faults({
      rules: [
        { face: "graph", match: "GET /users/{id}", fault: { type: "drop" }, times: 1 },
        {
          face: "graph",
          match: "PATCH /users/{id}/mailFolders/inbox/messageRules/{id}",
          fault: { type: "drop" },
          times: 1,
        },
        { face: "graph", match: "POST /users/{id}/revokeSignInSessions", fault: { type: "drop" }, times: 1 },
      ],
    });
    try {
      const sleeps: number[] = [];
      const a = adapter(sleeps);
      expect((await a.getUser(adele.id)).id).toBe(adele.id);
      await a.updateMessageRule(adele.id, rule().graphId, { isEnabled: false });
      expect(rule().enabled).toBe(false);
      expect(sleeps).toHaveLength(2);
      const mark = t.mark();
      await expect(a.revokeSignInSessions(adele.id)).rejects.toMatchObject({ kind: "network" });
      expect(
        t.emulator
          .requests()
          .slice(mark)
          .filter((r) => r.path.endsWith("/revokeSignInSessions")),
      ).toHaveLength(1);
    } finally {
      rule().enabled = true;
      await faults({});
    }
  });
});
