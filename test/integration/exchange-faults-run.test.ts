/**
 * Containment under transient Exchange faults (503, 429, 504, dropped connections on the write and on the verify
 * reads, plus ~10 % of all calls with a fixed seed): the
 * ExchangeClient retries writes and verify reads inside the step, so every run ends done and verified — a
 * transient failure never marks a run failed whose target converged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { Hit } from "../../src/model/hit.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let hits: Hit[];

beforeAll(async () => {
  t = await startTestTenant({
    config: (c) => ({
      ...c,
      exchange: { ...c.exchange, retry: { maxRetries: 6, baseDelayMs: 1, maxDelayMs: 5 } },
    }),
  });
  const r = await scanWith(t.cfg, t.handles);
  expect(r.notScanned).toEqual([]);
  hits = r.hits;
});
afterAll(async () => {
  await t?.close();
});

describe("run --yes with transient Exchange faults", () => {
  it("contains and verifies every hit; the faults were injected and retried", async () => {
    t.emulator.ctx.faults!.replace({
      seed: 11,
      rules: [
        // The forwarding write: 503, then a dropped connection, then through.
        { face: "exchange", match: "Set-Mailbox", times: 1, fault: { type: "unavailable", status: 503 } },
        { face: "exchange", match: "Set-Mailbox", after: 1, times: 1, fault: { type: "drop" } },
        // Reads, the verify re-reads included: every second Get-Mailbox a gateway timeout, every third
        // Get-InboxRule throttled.
        { face: "exchange", match: "Get-Mailbox", every: 2, fault: { type: "unavailable", status: 504 } },
        { face: "exchange", match: "Get-InboxRule", every: 3, fault: { type: "throttle", retryAfter: null } },
        // And ~10 % of everything else, seeded.
        { face: "exchange", probability: 0.1, fault: { type: "unavailable", status: 503 } },
      ],
    });
    const mark = t.mark();
    let out;
    try {
      out = await runHits(t.cfg, t.handles, hits, "execute", {
        actionCtx: { poll: { attempts: 3, delayMs: 0, sleep: () => Promise.resolve() } },
      });
    } finally {
      t.emulator.ctx.faults!.replace({});
    }
    // One case (run) per user.
    expect(out.runs.map((r) => [r.user, r.state, r.error])).toEqual(
      [...new Set(hits.map((h) => h.user.upn))].map((u) => [u, "done", undefined]),
    );
    for (const r of out.runs)
      for (const s of r.steps)
        if (s.outcome === "done" || s.outcome === "already-done") expect(s.verified).toBe(true);
    const adele = t.emulator.ctx.state.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
    expect(t.emulator.ctx.state.mailboxes.find((m) => m.userId === adele.id)).toMatchObject({
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
    const exchange = t.emulator
      .requests()
      .slice(mark)
      .filter((r) => r.face === "exchange");
    const failed = exchange.filter((r) => r.status !== 200).map((r) => r.status);
    expect(failed).toEqual(expect.arrayContaining([503, 444, 504]));
    expect(failed.length).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
