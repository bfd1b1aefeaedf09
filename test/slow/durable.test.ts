/**
 * Durability with real processes on a tenant of 20+ compromised mailboxes (the short version; the long crash loop
 * with 300+ kills is bench/crash): SIGKILL at random moments with restarts, and two processes on one store at
 * once. Each trial: 0 duplicated effective writes, 0 missed writes, 0 overwritten before-images, no run driven
 * twice, every case closed as contained, the journal's chain intact, and a rollback that restores the exact
 * before-state.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import {
  BIN,
  concurrentTrial,
  crashTrial,
  latencyFaults,
  prng,
  type TrialResult,
} from "../helpers/durability.js";
import { massScenario } from "../helpers/mass.js";
import { startTestTenant } from "../helpers/tenant.js";

const USERS = 20;
let expectedMs = 0;

function expectClean(r: TrialResult) {
  expect(r.duplicatedWrites).toEqual([]);
  expect(r.missedWrites).toEqual([]);
  expect(r.overwrittenBeforeImages).toEqual([]);
  expect(r.runsDrivenTwice).toEqual([]);
  expect(r.chainOk).toBe(true);
  expect(r.casesClosedContained).toBe(r.cases);
  expect(r.cases).toBeGreaterThanOrEqual(USERS);
  expect(r.rollbackDiffs).toEqual([]);
}

describe("crash loop (SIGKILL at random moments, restart)", () => {
  it("an uninterrupted run contains every case once (and measures the run's duration)", async () => {
    const r = await crashTrial({ users: USERS, kills: 0, expectedMs: 0, random: Math.random });
    expectClean(r);
    expect(r.exitCodes).toEqual([0]);
    expectedMs = r.runMs;
  }, 240_000);

  it("killed at random moments and restarted, it ends with every case contained exactly once", async () => {
    const random = prng(Number(process.env.MW_CRASH_SEED ?? 20261205));
    let kills = 0;
    // One trial here; bench/crash runs 300+ kills (bench/results/crash-*.json).
    for (let trial = 0; trial < 1; trial++) {
      const r = await crashTrial({ users: USERS, kills: 5, expectedMs: Math.max(2_000, expectedMs), random });
      expectClean(r);
      kills += r.kills;
    }
    expect(kills).toBeGreaterThan(0);
  }, 480_000);
});

describe("two processes on one store at once", () => {
  it("never drive one run twice, never revoke twice, never overwrite a before-image", async () => {
    const r = await concurrentTrial({ users: USERS });
    expectClean(r);
    expect(r.exitCodes.every((c) => c === 0 || c === 5)).toBe(true);
  }, 240_000);
});

describe("SIGTERM during run --yes", () => {
  it("lets the current step finish, ends the run halted, starts nothing new, and the next run finishes the cases", async () => {
    const t = await startTestTenant({ scenario: massScenario(8) });
    try {
      t.emulator.ctx.faults!.replace(latencyFaults(60, 80), "sigterm test");
      const cfgFile = path.join(t.stateDir, "config.json");
      writeFileSync(cfgFile, JSON.stringify(t.config), { mode: 0o600 });
      const mark = t.mark();
      const p = execa(process.execPath, [BIN, "run", "-c", cfgFile, "--yes", "--format", "json"], {
        reject: false,
      });
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && t.writes(mark).length < 3) await new Promise((r) => setTimeout(r, 20));
      p.kill("SIGTERM");
      const r = await p;
      expect(r.exitCode).toBe(4);
      const out = JSON.parse(r.stdout) as {
        runs: { state: string; error?: string; steps: { outcome: string }[] }[];
      };
      const halted = out.runs.filter((x) => x.state === "halted");
      expect(halted).toHaveLength(1);
      expect(halted[0]!.error).toContain("SIGTERM");
      // Nothing new starts after the signal: the cases after the halted one were not run in this invocation.
      expect(out.runs.length).toBeLessThan(10);
      expect(out.runs.at(-1)!.state).toBe("halted");
      // The step in flight finished cleanly: no effect was left between its intent and its outcome.
      const store = new SqliteCaseStore(t.cfg.store.path);
      try {
        expect(store.listEffects().filter((e) => e.status === "intent")).toEqual([]);
      } finally {
        store.close();
      }
      const again = await execa(process.execPath, [BIN, "run", "-c", cfgFile, "--yes"], { reject: false });
      expect(again.exitCode).toBe(0);
      const perTarget = new Map<string, number>();
      for (const w of t.writes(mark)) {
        const k = `${w.method} ${w.operation ?? w.path}`;
        perTarget.set(k, (perTarget.get(k) ?? 0) + 1);
      }
      expect([...perTarget].filter(([, n]) => n > 1)).toEqual([]);
    } finally {
      await t.close();
    }
  }, 240_000);
});
