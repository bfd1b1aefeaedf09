/**
 * Durability with real processes on a tenant of 20+ compromised mailboxes (the short version; the long crash loop
 * with 300+ kills is bench/crash): SIGKILL at random moments with restarts, and two processes on one store at
 * once. Each trial: 0 duplicated effective writes, 0 missed writes, 0 overwritten before-images, no run driven
 * twice, every case closed as contained, the journal's chain intact, and a rollback that restores the exact
 * before-state.
 */
import { describe, expect, it } from "vitest";
import { concurrentTrial, crashTrial, prng, type TrialResult } from "../helpers/durability.js";

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
    for (let trial = 0; trial < 2; trial++) {
      const r = await crashTrial({ users: USERS, kills: 4, expectedMs: Math.max(2_000, expectedMs), random });
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
