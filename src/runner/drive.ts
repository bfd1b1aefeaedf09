/**
 * Drives one run: the playbook's machine with the journal-backed effect actors, under the run's lease. After
 * every event the snapshot is committed together with the journal entries and effect rows of that transition
 * (one transaction, fenced by the lease: a process that lost its lease stops before its next write). A run that
 * reaches `waiting` is left there (persisted) unless its gates open now; a HALT (kill switch, SIGTERM) ends it
 * `halted` after the current step.
 */
import { randomUUID } from "node:crypto";
import { createActor, type Snapshot } from "xstate";
import type { ActionContext } from "../actions/types.js";
import type { AuditLogger } from "../audit/log.js";
import {
  createPlaybookMachine,
  machineIdentity,
  type Approval,
  type RunMode,
  type StepInstance,
  type StepState,
} from "../engine/machine.js";
import type { Playbook } from "../playbooks/schema.js";
import {
  LeaseLostError,
  type CaseStore,
  type EffectWrite,
  type JournalInput,
  type RunRow,
} from "../store/types.js";
import { aftercareSchedule, pollFor } from "./aftercare.js";
import { effectActors } from "./effects.js";
import { toReport, type RunReport } from "./report.js";

export interface DriveEnv {
  store: CaseStore;
  audit: AuditLogger;
  actionCtx: ActionContext;
  leaseMs: number;
  /** Aborted on SIGTERM / kill switch: the run halts after (or abandons) its current step. */
  stop?: AbortSignal;
  /** Recomputes a waiting step's gate now (undefined: it may run). */
  regate?: (step: StepInstance) => string | undefined;
  /** The config's kill switch (guardrails.halt), when set: no step writes. */
  configHalt?: string;
  /** A waiting step's approval timed out with onTimeout escalate (raise a notice; it keeps waiting). */
  onEscalate?: (run: RunRow, steps: StepState[]) => void;
  /** A person's decision on waiting steps (src/runner/approvals.ts), applied when the run reaches `waiting`. */
  decision?: {
    kind: "approve" | "reject";
    stepKeys: string[];
    by: string;
    reason: string;
    planHashes: Record<string, string>;
  };
}

export interface NewRunSpec {
  caseId: string;
  user: { id: string; upn: string };
  mode: RunMode;
  steps: StepInstance[];
  hitKeys: string[];
  /** A follow-up run's lane (`<playbook>#N`): one active run per case and lane. Default: the playbook's id. */
  lane?: string;
  /** Entries (gathered context, the assessment) the run's first commit carries with its snapshot. */
  journal?: JournalInput[];
}

/** Starts a new run of `playbook` for a case; undefined when the case already has an active run of it. */
export async function startRun(
  env: DriveEnv,
  playbook: Playbook,
  spec: NewRunSpec,
): Promise<RunReport | undefined> {
  const ident = machineIdentity(playbook);
  const runId = randomUUID();
  const input = { runId, caseId: spec.caseId, mode: spec.mode, steps: spec.steps };
  const probe = createActor(createPlaybookMachine(playbook), { input });
  const row = env.store.createRun(
    {
      runId,
      caseId: spec.caseId,
      playbook: spec.lane ?? playbook.metadata.id,
      mode: spec.mode,
      machineId: ident.id,
      machineVersion: ident.version,
      state: "planning",
      // The initial snapshot (not started): enough to restore if the process dies before the first event.
      snapshot: probe.getPersistedSnapshot(),
      input: { ...input, user: spec.user, hitKeys: spec.hitKeys },
    },
    env.leaseMs,
  );
  if (!row) return undefined;
  return drive(
    env,
    playbook,
    row,
    false,
    (spec.journal ?? []).map((j) => ({ ...j, runId })),
  );
}

/** Resumes a stored run (its lease must be held by this store's actor). */
export function resumeRun(env: DriveEnv, playbook: Playbook, row: RunRow): Promise<RunReport> {
  return drive(env, playbook, row, true);
}

async function drive(
  env: DriveEnv,
  playbook: Playbook,
  row: RunRow,
  restored: boolean,
  first: JournalInput[] = [],
): Promise<RunReport> {
  const { store, audit } = env;
  const owner = store.actor;
  const abort = new AbortController();
  let decision = env.decision;
  const pending: {
    effects: EffectWrite[];
    verifications: { idemKey: string; verified: boolean }[];
    journal: JournalInput[];
  } = { effects: [], verifications: [], journal: [...first] };
  let fresh = false;
  let lost: Error | undefined;
  // The actor is created below; the intent commit needs its snapshot at that moment.
  const actorRef: { current?: { getPersistedSnapshot(): unknown } } = {};
  const actors = effectActors({
    store,
    audit,
    actionCtx: { ...env.actionCtx, signal: abort.signal, poll: pollFor(playbook, env.actionCtx.poll) },
    pending,
    plansFresh: () => fresh,
    markPlansFresh: () => {
      fresh = true;
    },
    halted: () => {
      if (env.configHalt) return `kill switch in the config: ${env.configHalt}`;
      const h = store.getHalt();
      return h ? `kill switch set by ${h.by} at ${h.at}: ${h.reason}` : undefined;
    },
    commitNow: (effects, journal) => {
      // Anything still queued from earlier transitions goes first, in the same transaction.
      store.commit({
        run: { runId: row.runId, owner, snapshot: actorRef.current?.getPersistedSnapshot() },
        effects: [...pending.effects.splice(0), ...effects],
        verifications: pending.verifications.splice(0),
        journal: [...pending.journal.splice(0), ...journal],
      });
    },
  });
  const machine = createPlaybookMachine(playbook).provide({ actors });
  const actor = restored
    ? createActor(machine, { snapshot: row.snapshot as Snapshot<unknown>, input: row.input as never })
    : createActor(machine, {
        input: row.input as { runId: string; caseId: string; mode: RunMode; steps: StepInstance[] },
      });
  actorRef.current = actor;
  let lastState = restored ? row.state : "";
  const save = () => {
    if (lost) return;
    const snap = actor.getSnapshot();
    const state = String(snap.value);
    const journal = [...pending.journal];
    if (state !== lastState)
      journal.push({
        kind: "run.state",
        caseId: row.caseId,
        runId: row.runId,
        detail: { from: lastState || null, to: state },
      });
    const effects = [...pending.effects];
    const verifications = [...pending.verifications];
    // Contained (or partly): the re-check and the watch are scheduled with the state that ends the run.
    const aftercare =
      state !== lastState && row.mode === "execute" && (state === "done" || state === "partial")
        ? aftercareSchedule(playbook, row, env.actionCtx.now())
        : undefined;
    try {
      store.commit({
        run: { runId: row.runId, owner, state, snapshot: actor.getPersistedSnapshot() },
        effects,
        verifications,
        journal,
        ...(aftercare ? { aftercare } : {}),
      });
      pending.effects.length = 0;
      pending.verifications.length = 0;
      pending.journal.length = 0;
      if (state !== lastState) audit.info("run.state", { runId: row.runId, caseId: row.caseId, state });
      lastState = state;
    } catch (e) {
      if (e instanceof LeaseLostError) {
        lost = e;
        audit.error("run.lease-lost", { runId: row.runId });
        abort.abort(e);
        return;
      }
      throw e;
    }
  };
  let waiter: (() => void) | undefined;
  const isSettled = () => {
    const snap = actor.getSnapshot();
    return !!lost || snap.status !== "active" || String(snap.value) === "waiting";
  };
  const wake = () => {
    if (waiter && isSettled()) {
      const w = waiter;
      waiter = undefined;
      w();
    }
  };
  const untilSettled = () =>
    new Promise<void>((resolve) => {
      if (isSettled()) resolve();
      else waiter = resolve;
    });
  const sub = actor.subscribe({
    next: () => {
      save();
      wake();
    },
    error: () => wake(),
    complete: () => wake(),
  });
  const heartbeat = setInterval(
    () => {
      if (!lost && !store.renewLease(row.runId, env.leaseMs)) {
        lost = new LeaseLostError(row.runId);
        abort.abort(lost);
        wake();
      }
    },
    Math.max(250, Math.floor(env.leaseMs / 3)),
  );
  heartbeat.unref();
  // SIGTERM / kill switch: the current step finishes, then the run ends halted with what was and was not done.
  const haltOnStop = () =>
    actor.send({ type: "HALT", reason: String(env.stop?.reason ?? "stopped by a signal") });
  env.stop?.addEventListener("abort", haltOnStop, { once: true });
  audit.info(restored ? "run.resume" : "run.start", {
    runId: row.runId,
    caseId: row.caseId,
    playbook: row.playbook,
    mode: row.mode,
  });
  try {
    actor.start();
    save();
    if (env.stop?.aborted) haltOnStop();
    for (;;) {
      await untilSettled();
      const snap = actor.getSnapshot();
      if (lost || snap.status !== "active") break;
      const ctx = snap.context;
      // Approval timeouts, on the runner's clock (data in the step, never a timer): before any decision.
      const due = dueSteps(ctx.steps, env.actionCtx.now());
      if (due.length) {
        const first = (k: "expire" | "fail" | "escalate") => due.filter((s) => s.onTimeout === k);
        const why = (ss: StepState[]) =>
          `no decision on ${ss.map((s) => s.key).join(", ")} within ${ss.map((s) => `${Math.round((s.timeoutMs ?? 0) / 60_000)} min`).join(", ")} of planning`;
        if (first("expire").length) {
          actor.send({ type: "EXPIRE", reason: `${why(first("expire"))} (onTimeout expire)` });
          continue;
        }
        if (first("fail").length) {
          const ss = first("fail");
          actor.send({
            type: "TIMEOUT",
            stepKeys: ss.map((s) => s.key),
            reason: `${why(ss)} (onTimeout fail)`,
          });
          continue;
        }
        const esc = first("escalate");
        pending.journal.push({
          kind: "step.escalated",
          caseId: row.caseId,
          runId: row.runId,
          detail: { steps: esc.map((s) => s.key), reason: why(esc) },
        });
        actor.send({
          type: "ESCALATE",
          stepKeys: esc.map((s) => s.key),
          at: env.actionCtx.now().toISOString(),
        });
        env.onEscalate?.(row, esc);
        continue;
      }
      // A person's decision, once: the approval names the plans it approved (executeStep re-plans and compares).
      if (decision && ctx.steps.some((s) => s.outcome === "waiting" && decision!.stepKeys.includes(s.key))) {
        const d = decision;
        decision = undefined;
        if (d.kind === "reject") actor.send({ type: "REJECT", by: d.by, reason: d.reason });
        else {
          fresh = false;
          actor.send({
            type: "RELEASE",
            approval: {
              stepKeys: d.stepKeys,
              by: d.by,
              reason: d.reason,
              at: env.actionCtx.now().toISOString(),
              planHashes: d.planHashes,
            },
          });
        }
        continue;
      }
      // Waiting: release what may run now (a gate opened since: budget, a named tenant step); else stay waiting.
      const current = ctx.steps.find((s) => s.outcome === "waiting");
      if (!current || !env.regate || env.regate(current) !== undefined) break;
      const open = ctx.steps.filter(
        (s) => (s.outcome === "waiting" || s.outcome === "planned") && s.gate && env.regate!(s) === undefined,
      );
      fresh = false; // planned before the wait: execute re-plans
      const approval: Approval = {
        stepKeys: open.map((s) => s.key),
        by: `mailwarden:${owner}`,
        reason: "released: the gate is open for this invocation",
        at: env.actionCtx.now().toISOString(),
      };
      actor.send({ type: "RELEASE", approval });
    }
  } finally {
    clearInterval(heartbeat);
    env.stop?.removeEventListener("abort", haltOnStop);
    sub.unsubscribe();
    if (!lost) save();
    actor.stop();
    if (!lost) store.releaseLease(row.runId);
  }
  if (lost) throw lost;
  const snap = actor.getSnapshot();
  const input = row.input as { user: { id: string; upn: string }; hitKeys: string[] };
  const report = toReport(row, playbook.metadata.id, String(snap.value), snap.context, input);
  audit.info("run.end", { runId: row.runId, caseId: row.caseId, state: report.state, error: report.error });
  return report;
}

/** Waiting steps whose approval timeout has passed (escalated ones only once). */
export function dueSteps(steps: StepState[], now: Date): StepState[] {
  return steps.filter((s) => {
    if (s.outcome !== "waiting" || !s.timeoutMs || !s.plan?.plannedAt) return false;
    if (s.onTimeout === "escalate" && s.escalatedAt) return false;
    return Date.parse(s.plan.plannedAt) + s.timeoutMs <= now.getTime();
  });
}
