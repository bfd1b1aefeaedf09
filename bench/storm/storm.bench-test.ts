/**
 * A storm of detections in unattended mode (issue 10): MW_STORM_HITS (default 1,000) hits over a generated tenant
 * of compromised mailboxes (each an attacker's forwarding rule, every other one also mailbox forwarding), fed to
 * `run --auto high` by two real processes at once, each given half of the hits, with a blast-radius cap of
 * MW_STORM_CAP (default 10) per hour. Checks, on the tenant's own state and the store: exactly the cap's number
 * of cases were written (no more, across both processes), every other case waits for a person at the cap, and
 * every hit is accounted for (taken by a run or listed with why). A third invocation changes nothing. Writes
 * bench/results/storm-<date>.json.
 *
 *   npm run bench:storm
 *   MW_STORM_HITS=200 MW_STORM_CAP=5 npm run bench:storm
 */
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { scanWith } from "../../src/cli/commands/scan.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { massScenario, massUsers, snapshot } from "../../test/helpers/mass.js";
import { startTestTenant } from "../../test/helpers/tenant.js";

const HITS = Number(process.env.MW_STORM_HITS ?? 1000);
const CAP = Number(process.env.MW_STORM_CAP ?? 10);
const BIN = path.resolve("dist/cli/bin.js");

interface RunOut {
  runs: {
    caseId: string;
    user: string;
    state: string;
    waiting?: string;
    hitKeys: string[];
    steps: { outcome: string }[];
  }[];
  hits: { hitKey: string; outcome: string }[];
  skipped: unknown[];
}

describe("detection storm (long)", () => {
  it(`${HITS} hits, two processes, cap ${CAP}`, async () => {
    // Users u each give 1 rule hit, plus a forwarding hit for even u: 1.5 hits per user.
    const users = Math.ceil(HITS / 1.5);
    const t0 = Date.now();
    const t = await startTestTenant({ scenario: massScenario(users) });
    try {
      const all = (await scanWith(t.cfg, t.handles)).hits.filter((h) => /^user\d{3,}@/.test(h.user.upn));
      const hits = all.slice(0, HITS);
      const scanMs = Date.now() - t0;
      const dir = t.stateDir;
      const cfgFile = path.join(dir, "config.json");
      writeFileSync(
        cfgFile,
        JSON.stringify({ ...t.config, unattended: { minSeverity: "high", cap: { max: CAP, window: "1h" } } }),
        { mode: 0o600 },
      );
      const halves = [hits.filter((_, i) => i % 2 === 0), hits.filter((_, i) => i % 2 === 1)];
      const files = halves.map((h, i) => {
        const f = path.join(dir, `hits-${i}.jsonl`);
        writeFileSync(f, h.map((x) => JSON.stringify(x)).join("\n") + "\n");
        return f;
      });
      const pre = snapshot(t.emulator.ctx.state);
      const before = t.mark();
      const started = Date.now();
      const outs = await Promise.all(
        files.map((f) =>
          execa(
            process.execPath,
            [BIN, "run", "-c", cfgFile, "--auto", "high", "--hits", f, "--format", "json"],
            {
              reject: false,
              timeout: 3600_000,
              maxBuffer: 1 << 30,
            },
          ),
        ),
      );
      const runMs = Date.now() - started;
      const parsed = outs.map((o) => {
        expect([4, 5], o.stderr.slice(-2000)).toContain(o.exitCode);
        return JSON.parse(o.stdout) as RunOut;
      });
      // Accounting: every hit of each process is in one of its runs or listed with why.
      const unaccounted: string[] = [];
      for (const [i, out] of parsed.entries()) {
        const seen = new Set([...out.runs.flatMap((r) => r.hitKeys), ...out.hits.map((h) => h.hitKey)]);
        for (const h of halves[i]!) if (!seen.has(h.hitKey)) unaccounted.push(h.hitKey);
      }
      // The tenant's own state: users whose rule or forwarding changed.
      const state = t.emulator.ctx.state;
      const after = snapshot(state);
      const written = massUsers(state).filter((u) => {
        const m = state.mailboxes.find((x) => x.userId === u.id)!;
        const rulesChanged = m.rules.some(
          (r) => !r.system && pre.rules.get(`${m.userId}/${r.ruleIdentity}`) !== r.enabled,
        );
        return rulesChanged || pre.forwarding.get(m.userId) !== after.forwarding.get(m.userId);
      });
      const writes = t.writes(before);
      const store = new SqliteCaseStore(t.cfg.store.path);
      let slots = 0;
      let capReached = 0;
      let chainOk = false;
      let cases = 0;
      let waitingAtCap = 0;
      try {
        slots = store.journal().filter((e) => e.kind === "auto.slot").length;
        capReached = store.journal().filter((e) => e.kind === "auto.cap-reached").length;
        chainOk = store.verifyChain().ok;
        cases = store.listCases({}).length;
        waitingAtCap = store
          .listRuns({ active: true, states: ["waiting"] })
          .filter((r) => JSON.stringify(r.snapshot).includes("blast-radius cap:")).length;
      } finally {
        store.close();
      }
      // A third invocation, the storm over: nothing more is written (the window has not passed).
      const mark2 = t.mark();
      const again = await execa(
        process.execPath,
        [BIN, "run", "-c", cfgFile, "--auto", "high", "--hits", files[0]!, "--format", "json"],
        {
          reject: false,
          timeout: 3600_000,
          maxBuffer: 1 << 30,
        },
      );
      const writesAgain = t.writes(mark2).length;
      const result = {
        date: new Date().toISOString(),
        commit: execSync("git rev-parse HEAD").toString().trim(),
        machine: {
          cpu: os.cpus()[0]?.model,
          cores: os.cpus().length,
          node: process.version,
          load: os.loadavg(),
        },
        hits: hits.length,
        users,
        processes: 2,
        cap: CAP,
        cases,
        casesWritten: written.length,
        slotsTaken: slots,
        capReachedJournalled: capReached,
        runsWaitingAtCap: waitingAtCap,
        tenantWrites: writes.length,
        revocations: writes.filter((w) => w.path.includes("revokeSignInSessions")).length,
        unaccountedHits: unaccounted.length,
        exitCodes: outs.map((o) => o.exitCode),
        thirdInvocationWrites: writesAgain,
        thirdInvocationExit: again.exitCode,
        chainOk,
        scanMs,
        runMs,
      };
      mkdirSync("bench/results", { recursive: true });
      writeFileSync(
        `bench/results/storm-${result.date.slice(0, 10)}.json`,
        `${JSON.stringify(result, null, 2)}\n`,
      );
      process.stderr.write(`${JSON.stringify(result, null, 2)}\n`);
      expect(unaccounted).toEqual([]);
      expect(slots).toBe(CAP);
      expect(written.length).toBe(CAP);
      expect(result.revocations).toBe(0);
      expect(writesAgain).toBe(0);
      expect(chainOk).toBe(true);
      expect(cases).toBe(new Set(hits.map((h) => h.user.id)).size);
      expect(waitingAtCap).toBe(cases - CAP);
    } finally {
      await t.close();
    }
  });
});
