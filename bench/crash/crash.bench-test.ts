/**
 * The long crash suite (issue 9): SIGKILL the real CLI at uniformly random moments of a run's duration, over many
 * trials on generated tenants of MW_CRASH_USERS (default 20) compromised mailboxes with emulated latency, restart
 * until done, and check every trial (test/helpers/durability.ts); then MW_CONCURRENT_TRIALS trials of two processes
 * at once. Runs until MW_CRASH_KILLS (default 300) kills have landed. Writes bench/results/crash-<date>.json.
 *
 *   npm run bench:crash
 *   MW_CRASH_KILLS=50 MW_CRASH_USERS=30 npm run bench:crash
 */
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { concurrentTrial, crashTrial, prng, type TrialResult } from "../../test/helpers/durability.js";

const USERS = Number(process.env.MW_CRASH_USERS ?? 20);
const KILLS = Number(process.env.MW_CRASH_KILLS ?? 300);
const PER_TRIAL = Number(process.env.MW_CRASH_KILLS_PER_TRIAL ?? 6);
const CONCURRENT = Number(process.env.MW_CONCURRENT_TRIALS ?? 5);
const SEED = Number(process.env.MW_CRASH_SEED ?? 20261205);

const sum = (rs: TrialResult[], f: (r: TrialResult) => number) => rs.reduce((a, r) => a + f(r), 0);

describe("crash suite (long)", () => {
  it(`${KILLS} kills on ${USERS}-mailbox tenants, then ${CONCURRENT} two-process trials`, async () => {
    const random = prng(SEED);
    const calib = await crashTrial({ users: USERS, kills: 0, expectedMs: 0, random });
    const crash: TrialResult[] = [calib];
    while (sum(crash, (r) => r.kills) < KILLS) {
      const r = await crashTrial({ users: USERS, kills: PER_TRIAL, expectedMs: calib.runMs, random });
      crash.push(r);
      record(crash, [], calib.runMs, false);
      process.stderr.write(
        `trial ${crash.length}: ${r.kills} kills (${r.killsMidStep} mid-step), dup ${r.duplicatedWrites.length}, missed ${r.missedWrites.length}, before ${r.overwrittenBeforeImages.length}, rollback ${r.rollbackRestored}\n`,
      );
    }
    const conc: TrialResult[] = [];
    for (let i = 0; i < CONCURRENT; i++) {
      conc.push(await concurrentTrial({ users: USERS }));
      record(crash, conc, calib.runMs, false);
    }
    const summary = record(crash, conc, calib.runMs, true);
    process.stderr.write(JSON.stringify(summary, null, 2) + "\n");
    expect(summary.failures).toEqual([]);
  });
});

/** Writes the results so far (after every trial, so an interrupted run still leaves its figures). */
function record(crash: TrialResult[], conc: TrialResult[], calibratedRunMs: number, complete: boolean) {
  const all = [...crash, ...conc];
  const summary = {
    complete,
    bench: "crash",
    date: new Date().toISOString(),
    commit: execSync("git rev-parse --short HEAD").toString().trim(),
    machine: { node: process.version, cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) },
    params: { users: USERS, kills: KILLS, perTrial: PER_TRIAL, seed: SEED, calibratedRunMs },
    crash: {
      trials: crash.length,
      kills: sum(crash, (r) => r.kills),
      killsMidStep: sum(crash, (r) => r.killsMidStep),
      cases: sum(crash, (r) => r.cases),
      casesClosedContained: sum(crash, (r) => r.casesClosedContained),
      writes: sum(crash, (r) => r.writes),
      duplicatedWrites: sum(crash, (r) => r.duplicatedWrites.length),
      missedWrites: sum(crash, (r) => r.missedWrites.length),
      overwrittenBeforeImages: sum(crash, (r) => r.overwrittenBeforeImages.length),
      runsDrivenTwice: sum(crash, (r) => r.runsDrivenTwice.length),
      chainsIntact: crash.filter((r) => r.chainOk).length,
      rollbacksVerified: crash.filter((r) => r.rollbackRestored).length,
    },
    concurrent: {
      trials: conc.length,
      cases: sum(conc, (r) => r.cases),
      writes: sum(conc, (r) => r.writes),
      duplicatedWrites: sum(conc, (r) => r.duplicatedWrites.length),
      runsDrivenTwice: sum(conc, (r) => r.runsDrivenTwice.length),
      overwrittenBeforeImages: sum(conc, (r) => r.overwrittenBeforeImages.length),
      exitCodes: conc.map((r) => r.exitCodes),
    },
    failures: all
      .filter(
        (r) =>
          r.duplicatedWrites.length ||
          r.missedWrites.length ||
          r.overwrittenBeforeImages.length ||
          r.runsDrivenTwice.length ||
          !r.rollbackRestored ||
          !r.chainOk,
      )
      .map((r) => ({
        dup: r.duplicatedWrites,
        missed: r.missedWrites,
        before: r.overwrittenBeforeImages,
        twice: r.runsDrivenTwice,
        rollback: r.rollbackDiffs,
      })),
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    `bench/results/crash-${summary.date.slice(0, 10)}.json`,
    JSON.stringify(summary, null, 2) + "\n",
  );
  return summary;
}
