/**
 * Aftercare: what happens to a case after containment. A run that reaches done or partial schedules (in the same
 * commit, src/runner/drive.ts) a re-check of its done steps `verify.recheckAfter` later on the runner's clock, and
 * a watch of `watch.for`, looking every `watch.every`. The Job calls `runAftercare` at each invocation: due
 * re-checks re-verify (journal `verify.recheck`); due watch looks re-verify the run's object steps and read the
 * mailbox for the contained things coming back (journal `watch.check`). A recurrence (`watch.recurrence`) re-opens
 * the case (`case.reopened`) and returns the hits to contain again, which the Job runs through its normal path:
 * the same approvals, unattended policy, cap and budget. Each row is claimed under a lease and its next due time
 * moves in the same transaction as its journal entries, so two processes never check it twice.
 */
import type { ActionContext } from "../actions/types.js";
import type { AuditLogger } from "../audit/log.js";
import type { StepState } from "../engine/machine.js";
import { hitSchema, type Hit } from "../model/hit.js";
import { parseDuration, type Playbook } from "../playbooks/schema.js";
import type {
  AftercareRow,
  AftercareSchedule,
  AftercareUpdate,
  CaseStore,
  JournalInput,
} from "../store/types.js";
import { requireAction } from "./steps.js";
import { builtinLooks, watchLook, type WatchFinding } from "./watch-look.js";

/** The schedule of a run that reached done or partial at `now` (runner clock); undefined without verify/watch. */
export function aftercareSchedule(
  pb: Playbook,
  run: { runId: string; caseId: string },
  now: Date,
): AftercareSchedule | undefined {
  if (!pb.verify && !pb.watch) return undefined;
  const at = now.getTime();
  const iso = (ms: number) => new Date(at + ms).toISOString();
  const recheck = parseDuration(pb.verify?.recheckAfter ?? "15m");
  return {
    runId: run.runId,
    caseId: run.caseId,
    playbook: pb.metadata.id,
    verifiedAt: now.toISOString(),
    recheckDue: iso(recheck),
    ...(pb.watch
      ? {
          watchUntil: iso(parseDuration(pb.watch.for)),
          watchEveryMs: parseDuration(pb.watch.every),
          watchNext: iso(parseDuration(pb.watch.every)),
          watchLook: [...pb.watch.look],
        }
      : {}),
  };
}

/** The polling of in-run verification a playbook asks for (its `verify.attempts` / `verify.interval`). */
export function pollFor(pb: Playbook, poll: ActionContext["poll"]): ActionContext["poll"] {
  return {
    ...poll,
    ...(pb.verify?.attempts ? { attempts: pb.verify.attempts } : {}),
    ...(pb.verify?.interval ? { delayMs: parseDuration(pb.verify.interval) } : {}),
  };
}

export interface AftercareNotice {
  caseId: string;
  runId: string;
  user: { id: string; upn: string };
  summary: string;
  steps: string[];
}

export interface AftercareEnv {
  store: CaseStore;
  audit: AuditLogger;
  actionCtx: ActionContext;
  leaseMs: number;
  /** A failed re-check or a recurrence (the Job raises it as a `failed` notice). */
  notice?: (n: AftercareNotice) => void;
  stop?: AbortSignal;
}

interface RecheckResult {
  step: StepState;
  ok: boolean;
  observed: unknown;
  idemKey: string;
}

const doneSteps = (snapshot: unknown): StepState[] =>
  ((snapshot as { context?: { steps?: StepState[] } } | null)?.context?.steps ?? []).filter(
    (s) => (s.outcome === "done" || s.outcome === "already-done") && s.plan,
  );

/** Re-reads each step (its action's verify); a read that throws is not a result: the check is tried again later. */
async function reverify(env: AftercareEnv, steps: StepState[]): Promise<RecheckResult[]> {
  const out: RecheckResult[] = [];
  for (const s of steps) {
    const plan = s.plan!;
    const eff = env.store.getEffect(plan.idempotencyKey);
    if (eff?.status === "compensated") continue; // rolled back: nothing to hold
    const target = eff?.target ?? plan.target;
    // One observation: the settling time is behind us, a step that does not hold now does not hold.
    const v = await requireAction(s.action).verify(
      { ...env.actionCtx, poll: { ...env.actionCtx.poll, attempts: 1 } },
      s.input,
      { ...plan, ...(target !== undefined && target !== null ? { target: target as never } : {}) },
      { before: s.before ?? null, after: s.after ?? null, applied: eff?.applied ?? null },
    );
    out.push({ step: s, ok: v.ok, observed: v.observed, idemKey: plan.idempotencyKey });
  }
  return out;
}

/**
 * Does the due re-checks and watch looks; returns the hits of recurrences to contain again (their cases are open
 * again). Execute mode only and never under the kill switch: the Job calls it only then.
 */
export async function runAftercare(env: AftercareEnv): Promise<Hit[]> {
  const again: Hit[] = [];
  for (const due of env.store.dueAftercare(env.actionCtx.now())) {
    if (env.stop?.aborted) break;
    const row = env.store.claimAftercare(due.runId, env.actionCtx.now(), env.leaseMs);
    if (!row) continue; // checked or being checked by another process
    try {
      again.push(...(await checkOne(env, row)));
    } catch (e) {
      env.store.releaseAftercare(row.runId);
      env.audit.warn("aftercare.check-failed", { runId: row.runId, caseId: row.caseId, error: String(e) });
    }
  }
  return again;
}

async function checkOne(env: AftercareEnv, row: AftercareRow): Promise<Hit[]> {
  const { store } = env;
  const now = env.actionCtx.now();
  const at = now.toISOString();
  const run = store.getRun(row.runId);
  const kase = store.getCase(row.caseId);
  const base = { caseId: row.caseId, runId: row.runId };
  if (!run || !kase || run.state === "rolledBack") {
    store.completeAftercare(
      row.runId,
      { recheckDoneAt: at, watchEndedAt: at, watchEndReason: "rolled back" },
      { journal: [{ kind: "watch.ended", ...base, detail: { at, reason: "rolled back" } }] },
    );
    return [];
  }
  const user = (run.input as { user: { id: string; upn: string } }).user;
  const steps = doneSteps(run.snapshot);
  const journal: JournalInput[] = [];
  const verifications: { idemKey: string; verified: boolean }[] = [];
  const update: AftercareUpdate = {};
  const findings: WatchFinding[] = [];
  const hits = store.listTargets(row.caseId).map((t) => hitSchema.parse(t.hit));
  const hitOf = (key: string | undefined) => hits.find((h) => h.hitKey === key);
  let recheckFailed: RecheckResult[] = [];

  if (row.recheckDue && !row.recheckDoneAt && row.recheckDue <= at) {
    const results = await reverify(env, steps);
    for (const r of results)
      journal.push({
        kind: "verify.recheck",
        ...base,
        stepKey: r.step.key,
        actionId: r.step.action,
        idemKey: r.idemKey,
        after: r.observed,
        detail: { stepKey: r.step.key, ok: r.ok, observed: r.observed, due: row.recheckDue, at },
      });
    recheckFailed = results.filter((r) => !r.ok);
    update.recheckDoneAt = at;
    update.recheckOk = recheckFailed.length === 0;
    for (const r of recheckFailed) {
      verifications.push({ idemKey: r.idemKey, verified: false });
      if (r.step.scope === "object" && r.step.targetKey)
        findings.push({
          what: `${r.step.action} no longer holds`,
          targetKey: r.step.targetKey,
          ...(hitOf(r.step.targetKey) ? { hit: hitOf(r.step.targetKey)! } : {}),
        });
    }
  }

  if (row.watchNext && !row.watchEndedAt && row.watchNext <= at) {
    // The run's object steps still hold (a disabled rule enabled again, forwarding set again on the same object)…
    const held = await reverify(
      env,
      steps.filter((s) => s.scope === "object" && !recheckFailed.some((f) => f.step.key === s.key)),
    );
    for (const r of held.filter((x) => !x.ok)) {
      verifications.push({ idemKey: r.idemKey, verified: false });
      findings.push({
        what: `${r.step.action} no longer holds`,
        targetKey: r.step.targetKey ?? r.step.key,
        ...(hitOf(r.step.targetKey) ? { hit: hitOf(r.step.targetKey)! } : {}),
      });
    }
    // … and the mailbox holds nothing like what was contained (a rule made again, forwarding set again).
    const look = row.watchLook ?? [];
    const input = { ctx: env.actionCtx, user, hits, now };
    findings.push(...(await builtinLooks(input, look)));
    const unread: string[] = [];
    for (const l of look.filter((x) => x !== "rule" && x !== "forwarding")) {
      const fn = watchLook(l);
      if (fn) findings.push(...(await fn(input)));
      else unread.push(l);
    }
    const until = row.watchUntil ?? at;
    const ended = at >= until;
    journal.push({
      kind: "watch.check",
      ...base,
      detail: {
        at,
        findings: dedupe(findings).map((f) => ({ what: f.what, targetKey: f.targetKey, detail: f.detail })),
        ...(unread.length ? { notRead: unread.map((l) => `${l}: no reader installed`) } : {}),
      },
    });
    if (ended) {
      update.watchEndedAt = at;
      update.watchEndReason = "expired";
      journal.push({ kind: "watch.ended", ...base, detail: { at, until, reason: "expired" } });
    } else
      update.watchNext = new Date(
        Math.min(now.getTime() + (row.watchEveryMs ?? 0), Date.parse(until)),
      ).toISOString();
  }

  const recur = dedupe(findings).filter((f) => f.hit);
  // Effects of targets that came back are no longer settled: the case plans their steps again.
  for (const f of recur)
    for (const e of store.listEffects({ caseId: row.caseId }))
      if (e.status === "done" && e.verified !== false && effectTargetKey(steps, e.idemKey) === f.targetKey)
        verifications.push({ idemKey: e.idemKey, verified: false });
  // The case re-opens in the same transaction as the check's result: a check that lost its lease changes nothing.
  const { reopened, openCaseId } = store.completeAftercare(
    row.runId,
    update,
    (r) => ({
      verifications,
      journal: [
        ...journal,
        ...recur.map((f) => ({
          kind: "watch.recurrence",
          ...base,
          targetId: f.targetKey,
          detail: {
            at,
            what: f.what,
            targetKey: f.targetKey,
            reopened: r.reopened,
            ...(!r.reopened && r.openCaseId && r.openCaseId !== row.caseId
              ? { newCaseId: r.openCaseId }
              : {}),
          },
        })),
      ],
    }),
    recur.length
      ? {
          caseId: row.caseId,
          reason: `watch: ${recur.map((f) => f.what).join(", ")} (run ${row.runId.slice(0, 8)})`,
        }
      : undefined,
  );
  const joined = !reopened && openCaseId !== row.caseId ? openCaseId : undefined;
  if (recheckFailed.length && run.state === "done")
    store.setRunState(row.runId, "partial", {
      kind: "run.state",
      ...base,
      detail: {
        from: "done",
        to: "partial",
        reason: "re-check failed",
        steps: recheckFailed.map((r) => r.step.key),
      },
    });
  if (recheckFailed.length || recur.length) {
    env.audit.warn("aftercare.finding", {
      ...base,
      recheckFailed: recheckFailed.length,
      recurrences: recur.length,
    });
    env.notice?.({
      ...base,
      user,
      summary: recur.length
        ? `RECURRENCE after containment: ${recur.map((f) => f.what).join("; ")}; case ${reopened ? "re-opened" : joined ? `joined to open case ${joined}` : "open"}, containment starts again`
        : `re-check failed: ${recheckFailed.map((r) => r.step.key).join(", ")} no longer hold(s)`,
      steps: [...new Set([...recheckFailed.map((r) => r.step.key)])],
    });
  }
  return recur.map((f) => f.hit!);
}

function dedupe(fs: WatchFinding[]): WatchFinding[] {
  const seen = new Set<string>();
  return fs.filter((f) => (seen.has(f.targetKey) ? false : (seen.add(f.targetKey), true)));
}

function effectTargetKey(steps: StepState[], idemKey: string): string | undefined {
  return steps.find((s) => s.plan?.idempotencyKey === idemKey)?.targetKey;
}
