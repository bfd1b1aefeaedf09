/**
 * Cases driven at once (`playbooks.concurrency`): the cases overlap on the tenant (seen in its request log), the
 * budget and the unattended cap still hold exactly (checked on the tenant's own state), runs are reported in the
 * hits' order, and a second invocation finds nothing left to write.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { Config } from "../../src/config/schema.js";
import type { RequestLogEntry } from "../../src/emulator/context.js";
import type { Hit } from "../../src/model/hit.js";
import { massScenario, massUsers, snapshot } from "../helpers/mass.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const USERS = 12;
let t: TestTenant;
let hits: Hit[];
const fast = { actionCtx: { poll: { attempts: 1, delayMs: 0, sleep: () => Promise.resolve() } } };

beforeEach(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mw-conc-"));
  const faults = path.join(dir, "faults.json");
  // Graph latency, so that requests of cases driven at once overlap in time.
  writeFileSync(
    faults,
    JSON.stringify({ rules: [{ face: "graph", match: "*", fault: { type: "latency", ms: 40 } }] }),
  );
  t = await startTestTenant({ scenario: massScenario(USERS), faults });
  hits = (await scanWith(t.cfg, t.handles)).hits.filter((h) => /^user\d{3}@/.test(h.user.upn));
  expect(new Set(hits.map((h) => h.user.id)).size).toBe(USERS);
}, 120_000);
afterEach(async () => {
  await t.close();
});

const cfg = (concurrency: number | undefined, maxContainmentsPerRun: number): Config => ({
  ...t.cfg,
  playbooks: { ...t.cfg.playbooks, ...(concurrency ? { concurrency } : {}) },
  guardrails: { ...t.cfg.guardrails, maxContainmentsPerRun },
});

/** Users whose containment state changed since `pre`. */
function written(pre: ReturnType<typeof snapshot>): string[] {
  const now = snapshot(t.emulator.ctx.state);
  return massUsers(t.emulator.ctx.state)
    .filter((u) => {
      const m = t.emulator.ctx.state.mailboxes.find((x) => x.userId === u.id)!;
      return (
        m.rules.some((r) => !r.system && pre.rules.get(`${m.userId}/${r.ruleIdentity}`) !== r.enabled) ||
        pre.forwarding.get(u.id) !== now.forwarding.get(u.id) ||
        pre.validFrom.get(u.id) !== now.validFrom.get(u.id)
      );
    })
    .map((u) => u.userPrincipalName);
}

/** The most Graph requests of different users in flight at one moment (from arrival and answer times). */
function maxUsersInFlight(reqs: RequestLogEntry[]): number {
  const g = reqs.filter((r) => r.face === "graph" && r.receivedMs !== undefined);
  const user = (r: RequestLogEntry) => /\/users\/([^/?]+)/.exec(r.path)?.[1]?.toLowerCase() ?? "";
  let most = 0;
  for (const r of g) {
    const users = new Set(
      g.filter((x) => x.receivedMs! <= r.receivedMs! && x.answeredMs! > r.receivedMs!).map(user),
    );
    most = Math.max(most, users.size);
  }
  return most;
}

describe("cases driven at once", () => {
  it("overlap on the tenant; the budget holds exactly; runs in the hits' order; a second invocation writes nothing", async () => {
    const pre = snapshot(t.emulator.ctx.state);
    const mark = t.mark();
    const out = await runHits(cfg(4, 7), t.handles, hits, "execute", fast);
    expect(maxUsersInFlight(t.emulator.requests().slice(mark))).toBeGreaterThan(1);
    expect(written(pre)).toHaveLength(7);
    expect(out.runs.filter((r) => r.state === "done")).toHaveLength(7);
    expect(out.runs.filter((r) => r.state === "waiting")).toHaveLength(USERS - 7);
    // The first seven cases in the hits' order took the budget, and runs are listed in that order.
    const order = [...new Set(hits.map((h) => h.user.upn.toLowerCase()))];
    expect(out.runs.map((r) => r.user.toLowerCase())).toEqual(order);
    expect(out.runs.slice(0, 7).every((r) => r.state === "done")).toBe(true);
    // The next invocation (budget enough) finishes the rest; a third writes nothing.
    await runHits(cfg(4, 25), t.handles, hits, "execute", fast);
    expect(written(pre)).toHaveLength(USERS);
    const mark3 = t.mark();
    await runHits(cfg(4, 25), t.handles, hits, "execute", fast);
    expect(t.writes(mark3)).toEqual([]);
  });

  it("one at a time by default: no two cases' Graph requests overlap", async () => {
    const mark = t.mark();
    const out = await runHits(cfg(undefined, 25), t.handles, hits, "execute", fast);
    expect(out.runs.every((r) => r.state === "done")).toBe(true);
    expect(maxUsersInFlight(t.emulator.requests().slice(mark))).toBe(1);
  });

  it("unattended: the cap holds exactly with cases driven at once", async () => {
    const pre = snapshot(t.emulator.ctx.state);
    const out = await runHits(cfg(6, 25), t.handles, hits, "execute", {
      ...fast,
      unattended: { minSeverity: "low", cap: { max: 3, windowMs: 3600_000 } },
    });
    expect(written(pre)).toHaveLength(3);
    // Session revocation waits for a person unattended (manual by default): every run waits, 3 with writes done.
    expect(out.runs.filter((r) => r.steps.some((s) => s.outcome === "done"))).toHaveLength(3);
  });
});
