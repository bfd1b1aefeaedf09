/**
 * Durability trials against the real CLI (dist/cli/bin.js) as a user runs it, on a tenant with many compromised
 * mailboxes: a crash loop (SIGKILL at random points, restart until done) and two processes at once. Each trial
 * checks from the emulated tenant's request log and state, and from the store: duplicated effective writes,
 * missed writes, overwritten before-images, terminal states, the journal's chain, and that a rollback restores
 * the exact before-state. Shared by test/slow/durable.test.ts (short) and bench/crash (long, recorded).
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { createAuditLog } from "../../src/audit/log.js";
import { actionContext } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { applyRollback } from "../../src/runner/rollback.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { massScenario, snapshot, type Contained } from "./mass.js";
import { startTestTenant, type TestTenant } from "./tenant.js";

export const BIN = path.resolve("dist/cli/bin.js");

export interface TrialResult {
  users: number;
  kills: number;
  /** Kills that landed between a step's journalled intent and its outcome (the hard case). */
  killsMidStep: number;
  restarts: number;
  cases: number;
  casesClosedContained: number;
  runsDone: number;
  writes: number;
  duplicatedWrites: string[];
  missedWrites: string[];
  overwrittenBeforeImages: string[];
  runsDrivenTwice: string[];
  chainOk: boolean;
  rollbackRestored: boolean;
  rollbackDiffs: string[];
  exitCodes: number[];
  /** The whole trial (tenant, runs, checks, rollback). */
  ms: number;
  /** The last `run --yes` that ended by itself. */
  runMs: number;
}

/** Latency on every Graph and Exchange call, so that kills and the other process land inside steps. */
export function latencyFaults(graphMs: number, exchangeMs: number) {
  return {
    rules: [
      { face: "graph", match: "*", fault: { type: "latency", ms: graphMs } },
      { face: "exchange", match: "*", fault: { type: "latency", ms: exchangeMs } },
    ],
  };
}

async function tenant(
  users: number,
  faults: unknown,
): Promise<{ t: TestTenant; cfgFile: string; hitsFile: string; initial: Contained; cases: number }> {
  const t = await startTestTenant({ scenario: massScenario(users) });
  if (!t.emulator.ctx.faults) throw new Error("the emulator has no faults layer");
  t.emulator.ctx.faults.replace(faults, "durability trial");
  const cfgFile = path.join(t.stateDir, "config.json");
  writeFileSync(
    cfgFile,
    JSON.stringify({ ...t.config, store: { ...(t.config.store ?? {}), leaseSeconds: 10 } }, null, 2),
    {
      mode: 0o600,
    },
  );
  const hits = (await scanWith(t.cfg, t.handles)).hits;
  const hitsFile = path.join(t.stateDir, "hits.jsonl");
  writeFileSync(hitsFile, hits.map((h) => JSON.stringify(h)).join("\n") + "\n");
  const cases = new Set(hits.map((h) => h.user.id)).size;
  return { t, cfgFile, hitsFile, initial: snapshot(t.emulator.ctx.state), cases };
}

const runCli = (cfgFile: string, hitsFile: string): ResultPromise =>
  execa(process.execPath, [BIN, "run", "-c", cfgFile, "--hits", hitsFile, "--yes", "--format", "json"], {
    reject: false,
    timeout: 180_000,
  });

/** The writes of the log, keyed by the object they changed. */
function writesByTarget(t: TestTenant, since: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of t.writes(since)) {
    const key = w.face === "exchange" ? `exchange ${w.operation ?? w.path}` : `${w.method} ${w.path}`;
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

async function check(
  t: TestTenant,
  initial: Contained,
  since: number,
  r: Pick<TrialResult, "users" | "kills" | "killsMidStep" | "restarts" | "exitCodes" | "ms" | "runMs">,
): Promise<TrialResult> {
  const state = t.emulator.ctx.state;
  const after = snapshot(state);
  const writes = writesByTarget(t, since);
  const duplicatedWrites = [...writes].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
  // Missed: a suspect rule still enabled, forwarding still set, a compromised user never revoked.
  const missedWrites: string[] = [];
  const store = new SqliteCaseStore(t.cfg.store.path);
  try {
    const effects = store.listEffects();
    const overwritten: string[] = [];
    for (const e of effects) {
      const b = e.before as Record<string, unknown> | null;
      if (e.actionId === "inboxRule.disable" && e.applied !== false && b?.enabled !== true)
        overwritten.push(`${e.stepKey}: ${JSON.stringify(b)}`);
      if (e.actionId === "mailboxForwarding.clear") {
        const userId = e.targetId.split("/")[0]!;
        const want = initial.forwarding.get(userId);
        const str = (v: unknown) => (typeof v === "string" ? v : "");
        const got = `${str(b?.forwardingSmtpAddress)}|${str(b?.forwardingAddress)}|${String(b?.deliverToMailboxAndForward)}`;
        if (want !== got) overwritten.push(`${e.stepKey}: ${got} (was ${want})`);
      }
      if (e.actionId === "user.revokeSessions") {
        const userId = e.targetId.split("/")[0]!;
        if (b?.signInSessionsValidFromDateTime !== initial.validFrom.get(userId))
          overwritten.push(`${e.stepKey}: ${JSON.stringify(b)} (was ${initial.validFrom.get(userId)})`);
      }
    }
    const cases = store.listCases({ status: ["open", "closed"] });
    for (const c of cases) {
      const mb = state.mailboxes.find((m) => m.userId === c.userId);
      if (!mb) continue;
      for (const t2 of store.listTargets(c.caseId)) {
        const hit = t2.hit as { target: { kind: string; ruleIdentity?: string } };
        if (
          hit.target.kind === "inboxRule" &&
          mb.rules.find((x) => x.ruleIdentity === hit.target.ruleIdentity)?.enabled
        )
          missedWrites.push(`${c.userUpn}: rule ${hit.target.ruleIdentity} still enabled`);
        if (hit.target.kind === "mailboxForwarding" && (mb.forwardingSmtpAddress || mb.forwardingAddress))
          missedWrites.push(`${c.userUpn}: forwarding still set`);
      }
      if (after.validFrom.get(c.userId) === initial.validFrom.get(c.userId))
        missedWrites.push(`${c.userUpn}: sessions never revoked`);
    }
    // A run is driven twice when step entries of one run come from two writers without a lease take-over.
    const runsDrivenTwice: string[] = [];
    for (const run of store.listRuns()) {
      const j = store.journal({ runId: run.runId });
      let holder: string | undefined;
      for (const e of j) {
        if (e.kind === "lease.taken-over" || e.kind === "run.created") holder = undefined;
        if (!e.kind.startsWith("step.")) continue;
        if (holder && holder !== e.actor) {
          runsDrivenTwice.push(run.runId);
          break;
        }
        holder = e.actor;
      }
    }
    const runs = store.listRuns().filter((x) => x.mode === "execute");
    const res: TrialResult = {
      ...r,
      cases: cases.length,
      casesClosedContained: cases.filter(
        (c) => c.status === "closed" && /contained/.test(c.closeReason ?? ""),
      ).length,
      runsDone: runs.filter((x) => x.state === "done").length,
      writes: [...writes.values()].reduce((a, b) => a + b, 0),
      duplicatedWrites,
      missedWrites,
      overwrittenBeforeImages: overwritten,
      runsDrivenTwice,
      chainOk: store.verifyChain().ok,
      rollbackRestored: false,
      rollbackDiffs: [],
    };
    // Roll every case back and compare with the state before containment (sessions cannot be restored).
    const audit = createAuditLog(undefined);
    const ctx = {
      ...actionContext(t.cfg, t.handles),
      poll: { attempts: 3, delayMs: 0, sleep: () => Promise.resolve() },
    };
    for (const c of cases)
      await applyRollback({ store, audit, actionCtx: ctx, leaseMs: 10_000 }, { caseId: c.caseId });
    const back = snapshot(state);
    for (const [k, v] of initial.rules)
      if (back.rules.get(k) !== v) res.rollbackDiffs.push(`rule ${k}: ${back.rules.get(k)} (was ${v})`);
    for (const [k, v] of initial.forwarding)
      if (back.forwarding.get(k) !== v)
        res.rollbackDiffs.push(`forwarding ${k}: ${back.forwarding.get(k)} (was ${v})`);
    res.rollbackRestored = res.rollbackDiffs.length === 0;
    return res;
  } finally {
    store.close();
  }
}

/**
 * One crash-loop trial: `run --yes` is SIGKILLed at a uniformly random moment of what is left of the run (the
 * start-up plus `expectedMs` — an uninterrupted run's duration, measured with `kills: 0` — scaled by the share of
 * cases still open), at most `kills` times, restarted each time, until a run ends by itself (a run that finishes
 * before its kill moment ends the trial).
 */
export async function crashTrial(o: {
  users: number;
  kills: number;
  expectedMs: number;
  random: () => number;
  graphMs?: number;
  exchangeMs?: number;
}): Promise<TrialResult> {
  const started = Date.now();
  const { t, cfgFile, hitsFile, initial, cases } = await tenant(
    o.users,
    latencyFaults(o.graphMs ?? 15, o.exchangeMs ?? 25),
  );
  try {
    const since = t.mark();
    let kills = 0;
    let killsMidStep = 0;
    let restarts = 0;
    const exitCodes: number[] = [];
    let runMs = 0;
    for (let attempt = 0; attempt < o.kills + 10; attempt++) {
      const t0 = Date.now();
      const p = runCli(cfgFile, hitsFile);
      if (kills < o.kills) {
        // Uniform over what is left of the run: the start-up, then the share of cases still open.
        const left = openShare(t.cfg.store.path, cases);
        const at = o.random() * (STARTUP_MS + Math.max(0, o.expectedMs - STARTUP_MS) * left);
        const timer = new Promise<"kill">((r) => setTimeout(() => r("kill"), at));
        const won = await Promise.race([p.then(() => "exit" as const), timer]);
        if (won === "kill") {
          p.kill("SIGKILL");
          await p;
          kills++;
          restarts++;
          if (existsSync(t.cfg.store.path)) {
            const s = new SqliteCaseStore(t.cfg.store.path);
            try {
              if (s.listEffects().some((e) => e.status === "intent")) killsMidStep++;
            } finally {
              s.close();
            }
          }
          continue;
        }
      }
      const r = await p;
      runMs = Date.now() - t0;
      exitCodes.push(r.exitCode ?? -1);
      if (r.exitCode === 0) break;
      restarts++;
    }
    return await check(t, initial, since, {
      users: o.users,
      kills,
      killsMidStep,
      restarts,
      exitCodes,
      runMs,
      ms: Date.now() - started,
    });
  } finally {
    await t.close();
  }
}

/** A CLI start (node, SDKs, config, store) before any tenant request, on this machine kind. */
const STARTUP_MS = 1_200;

/** The share of the trial's work still to do: cases not yet closed (1 before the store exists). */
function openShare(storePath: string, totalCases: number): number {
  if (!existsSync(storePath)) return 1;
  const s = new SqliteCaseStore(storePath);
  try {
    const closed = s.listCases({ status: ["closed"] }).length;
    return Math.max(0.15, 1 - closed / Math.max(totalCases, 1));
  } finally {
    s.close();
  }
}

/** Two `run --yes` processes on one store at once, on the same hits. */
export async function concurrentTrial(o: {
  users: number;
  graphMs?: number;
  exchangeMs?: number;
}): Promise<TrialResult> {
  const started = Date.now();
  const { t, cfgFile, hitsFile, initial } = await tenant(
    o.users,
    latencyFaults(o.graphMs ?? 10, o.exchangeMs ?? 15),
  );
  try {
    const since = t.mark();
    const t0 = Date.now();
    const [a, b] = await Promise.all([runCli(cfgFile, hitsFile), runCli(cfgFile, hitsFile)]);
    const runMs = Date.now() - t0;
    const exitCodes = [a.exitCode ?? -1, b.exitCode ?? -1];
    // Whatever either process left to another (driven elsewhere) is finished by a third invocation.
    const c = await runCli(cfgFile, hitsFile);
    exitCodes.push(c.exitCode ?? -1);
    return await check(t, initial, since, {
      users: o.users,
      kills: 0,
      killsMidStep: 0,
      restarts: 0,
      exitCodes,
      runMs,
      ms: Date.now() - started,
    });
  } finally {
    await t.close();
  }
}

/** A small seeded PRNG (mulberry32) so a failing trial can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
