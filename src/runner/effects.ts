/**
 * The machine's effect actors: plan (read only), execute (through the effect journal), verify (re-read). The
 * journal decides what a step may do:
 *   - an effect already done in this case is never applied again (a resumed or repeated step reports it);
 *   - before writing, an `intent` entry with the immutable before-image and the resolved target is committed in
 *     one transaction with the run's snapshot;
 *   - a step resumed after its intent re-reads the live state (the action's run() is idempotent by live state)
 *     and records what it saw as a separate observation; the before-image stays the first one;
 *   - the outcome (effect row + journal entry) is queued and committed with the snapshot of the transition it
 *     caused.
 */
import { fromPromise } from "xstate";
import type { ActionContext } from "../actions/types.js";
import { collectRequestIds } from "../adapters/request-ids.js";
import type { AuditLogger } from "../audit/log.js";
import type {
  ExecuteStepInput,
  ExecuteStepOutput,
  Json,
  PlanResult,
  PlanStepsInput,
  StepPlan,
  StepState,
  VerifyStepResult,
  VerifyStepsInput,
} from "../engine/machine.js";
import type { CaseStore, EffectWrite, JournalInput } from "../store/types.js";
import { planHash } from "./plan-hash.js";
import { requireAction } from "./steps.js";

export interface EffectEnv {
  store: CaseStore;
  audit: AuditLogger;
  actionCtx: ActionContext;
  /** Queue for the next snapshot commit (outcomes belong with the transition they cause). */
  pending: {
    effects: EffectWrite[];
    verifications: { idemKey: string; verified: boolean }[];
    journal: JournalInput[];
  };
  /** Commits now, with the run's current snapshot (intents must be durable before the write). */
  commitNow(effects: EffectWrite[], journal: JournalInput[]): void;
  /** True while the plans in the context were read by this process moments ago (no wait, no restore since). */
  plansFresh(): boolean;
  markPlansFresh(): void;
  /** Why no step may write now (the kill switch), or undefined. Read before every step. */
  halted(): string | undefined;
}

export function idempotencyKey(tenantId: string, caseId: string, actionId: string, targetId: string): string {
  return `${tenantId}:${caseId}:${actionId}:${targetId}`;
}

/** One turn of the microtask queue: the invoking transition's observers (the snapshot commit) run first. */
const settledTick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** How old a plan may be for run() to act on its before-image without reading again (RunPlan.fresh). */
export const FRESH_PLAN_MS = 30_000;

export function effectActors(env: EffectEnv) {
  const { store, audit } = env;
  // Objects a step of this run has written (or tried to): a later step on the same object reads it again.
  const touched = new Set<string>();
  // The run's own signal (lease lost) and the promise actor's (actor stopped) both abort the action's calls.
  const ctxWith = (signal: AbortSignal): ActionContext => ({
    ...env.actionCtx,
    signal: env.actionCtx.signal ? AbortSignal.any([env.actionCtx.signal, signal]) : signal,
  });

  const planOne = async (signal: AbortSignal, caseId: string, s: StepState): Promise<StepPlan> => {
    const action = requireAction(s.action);
    const p = await action.plan(ctxWith(signal), s.input);
    return {
      ...p,
      idempotencyKey: idempotencyKey(env.actionCtx.tenantId, caseId, action.id, action.targetId(s.input)),
      plannedAt: env.actionCtx.now().toISOString(),
    };
  };

  const base = (runId: string, caseId: string, s: StepState, plan: StepPlan): Omit<EffectWrite, "status"> => {
    const action = requireAction(s.action);
    return {
      idemKey: plan.idempotencyKey,
      caseId,
      runId,
      stepKey: s.key,
      actionId: action.id,
      scope: s.scope,
      targetId: action.targetId(s.input),
    };
  };

  return {
    planSteps: fromPromise<PlanResult[], PlanStepsInput>(async ({ input, signal }) => {
      const plans: PlanResult[] = [];
      for (const s of input.steps) {
        try {
          plans.push(await planOne(signal, input.caseId, s));
        } catch (e) {
          if (signal.aborted) throw e;
          plans.push({ error: errorText(e) });
        }
      }
      env.markPlansFresh();
      env.pending.journal.push({
        kind: "run.planned",
        caseId: input.caseId,
        runId: input.runId,
        detail: input.steps.map((s, i) => {
          const p = plans[i];
          return p && "error" in p
            ? { step: s.key, error: p.error }
            : {
                step: s.key,
                before: p?.before ?? null,
                after: p?.after ?? null,
                noop: p?.noop ?? null,
                gate: s.gate ?? null,
              };
        }),
      });
      audit.info("planned", { runId: input.runId, caseId: input.caseId, steps: input.steps.length });
      return plans;
    }),

    executeStep: fromPromise<ExecuteStepOutput, ExecuteStepInput>(async ({ input, signal }) => {
      // xstate starts this actor inside the transition that invoked it; let that transition's snapshot (and the
      // previous step's outcome) be committed first, so what follows reads and extends the committed record.
      await settledTick();
      const s = input.step;
      const halt = env.halted();
      if (halt) {
        env.pending.journal.push({
          caseId: input.caseId,
          runId: input.runId,
          stepKey: s.key,
          kind: "step.not-run",
          detail: { halted: halt },
        });
        audit.warn("step.halted", { runId: input.runId, step: s.key, halt });
        return { before: null, after: null, alreadyDone: false, halted: halt };
      }
      const action = requireAction(s.action);
      let plan = s.plan!;
      const key = plan.idempotencyKey;
      const prior = store.getEffect(key);
      const b = base(input.runId, input.caseId, s, plan);
      const at = {
        caseId: input.caseId,
        runId: input.runId,
        stepKey: s.key,
        actionId: action.id,
        targetId: b.targetId,
        idemKey: key,
      };
      // Irreversible effects done in this case are never applied again (the live state cannot tell); reversible
      // ones are idempotent by live state, and keep their first before-image.
      if (prior?.status === "done" && action.reversibility === "irreversible") {
        env.pending.journal.push({
          ...at,
          kind: "step.already-done",
          detail: { by: prior.runId, applied: prior.applied },
        });
        audit.info("step.already-done", {
          runId: input.runId,
          step: s.key,
          idempotencyKey: key,
          by: prior.runId,
        });
        return {
          before: prior.before as Json,
          after: prior.after as Json,
          alreadyDone: prior.applied === false,
        };
      }
      const resumed = prior?.status === "intent";
      let before: Json;
      let target: Json | undefined;
      if (resumed) {
        before = prior.before as Json;
        target = (prior.target ?? plan.target) as Json | undefined;
        env.commitNow(
          [],
          [
            {
              ...at,
              kind: "step.resumed",
              detail: { note: "a previous attempt recorded its intent and did not finish: re-reading" },
            },
          ],
        );
        audit.warn("step.resumed", { runId: input.runId, step: s.key, idempotencyKey: key });
      } else {
        if (!env.plansFresh()) {
          // Planned before a wait or a restart: the live state may have changed since. Plan again.
          plan = await planOne(signal, input.caseId, s);
          if (
            s.approvedPlanHash &&
            planHash({ action: s.action, input: s.input, plan }) !== s.approvedPlanHash
          ) {
            env.pending.journal.push({
              ...at,
              kind: "step.replanned",
              before: plan.before,
              after: plan.after,
              detail: {
                approved: s.approvedPlanHash,
                live: planHash({ action: s.action, input: s.input, plan }),
              },
            });
            audit.warn("step.replanned", {
              runId: input.runId,
              step: s.key,
              note: "the approved plan changed",
            });
            return { before: plan.before, after: plan.after, alreadyDone: false, replanned: plan };
          }
          if (plan.noop) {
            const done: EffectWrite = {
              ...b,
              status: "done",
              applied: false,
              before: plan.before,
              target: plan.target ?? null,
              after: plan.after,
            };
            env.pending.effects.push(done);
            env.pending.journal.push({
              ...at,
              kind: "step.already-done",
              before: plan.before,
              after: plan.after,
              detail: { applied: false, replanned: true },
            });
            return { before: plan.before, after: plan.after, alreadyDone: true };
          }
        }
        before = prior?.before !== undefined && prior.before !== null ? (prior.before as Json) : plan.before;
        target = plan.target;
        env.commitNow(
          [{ ...b, status: "intent", applied: null, before: plan.before, target: plan.target ?? null }],
          [
            {
              ...at,
              kind: "step.intent",
              before: plan.before,
              after: plan.after,
              detail: {
                transport: plan.transport,
                reversibility: plan.reversibility,
                target: plan.target ?? null,
                warnings: plan.warnings,
              },
            },
          ],
        );
        audit.info("step.start", {
          runId: input.runId,
          step: s.key,
          action: action.id,
          transport: plan.transport,
          idempotencyKey: key,
        });
      }
      // The plan's before-image was read by this process moments ago (planned or re-planned in this drive, no
      // resume, no earlier image of the case, no earlier write to this object in the run): run() need not re-read.
      const fresh =
        !resumed &&
        (prior?.before === undefined || prior.before === null) &&
        !touched.has(b.targetId) &&
        env.actionCtx.now().getTime() - Date.parse(plan.plannedAt ?? "") <= FRESH_PLAN_MS;
      touched.add(b.targetId);
      // The request ids of the writes this attempt makes (Graph), journalled with its outcome for the report.
      const requestIds: string[] = [];
      try {
        const r = await collectRequestIds(requestIds, () =>
          action.run(ctxWith(signal), s.input, {
            ...plan,
            before,
            ...(target !== undefined ? { target } : {}),
            ...(fresh ? { fresh } : {}),
          }),
        );
        // Resumed: whether this process or the interrupted one wrote is unknown when the re-read finds it done.
        const applied = resumed ? (r.alreadyDone ? null : true) : !r.alreadyDone;
        env.pending.effects.push({ ...b, status: "done", applied, after: r.after });
        if (resumed)
          env.pending.journal.push({
            ...at,
            kind: "step.observed",
            before: r.before,
            after: r.after,
            detail: { note: "re-read on resume" },
          });
        env.pending.journal.push({
          ...at,
          kind: applied === false ? "step.already-done" : "step.done",
          before,
          after: r.after,
          detail: { applied },
          ...(requestIds.length ? { requestIds } : {}),
        });
        audit.info("step.done", { runId: input.runId, step: s.key, applied, before, after: r.after });
        return { before, after: r.after, alreadyDone: applied === false };
      } catch (e) {
        env.pending.effects.push({ ...b, status: "failed" });
        env.pending.journal.push({
          ...at,
          kind: "step.failed",
          detail: { error: errorText(e), aborted: signal.aborted },
          ...(requestIds.length ? { requestIds } : {}),
        });
        audit.error("step.failed", { runId: input.runId, step: s.key, error: errorText(e) });
        throw e;
      }
    }),

    verifySteps: fromPromise<VerifyStepResult[], VerifyStepsInput>(async ({ input, signal }) => {
      await settledTick();
      const out: VerifyStepResult[] = [];
      for (const s of input.steps) {
        if (s.outcome !== "done" && s.outcome !== "already-done") continue;
        const action = requireAction(s.action);
        const plan = s.plan!;
        const eff = store.getEffect(plan.idempotencyKey);
        const target = (eff?.target ?? plan.target) as Json | undefined;
        let r: VerifyStepResult;
        try {
          const v = await action.verify(
            ctxWith(signal),
            s.input,
            { ...plan, ...(target !== undefined && target !== null ? { target } : {}) },
            {
              before: s.before ?? null,
              after: s.after ?? null,
              // Whether this case's effect was written by mailwarden (true), found so (false), or unknown (null).
              applied: eff?.applied ?? null,
            },
          );
          r = { key: s.key, ok: v.ok, observed: v.observed };
        } catch (e) {
          if (signal.aborted) throw e;
          r = { key: s.key, ok: false, observed: null, error: `verify: ${errorText(e)}` };
        }
        out.push(r);
        if (plan.noop && s.outcome === "already-done")
          // Found already done at planning (never executed): recorded as done by nobody, so the case knows it holds.
          env.pending.effects.push({
            ...base(input.runId, input.caseId, s, plan),
            status: "done",
            applied: false,
            before: plan.before,
            target: plan.target ?? null,
            after: plan.after,
            verified: r.ok,
          });
        else env.pending.verifications.push({ idemKey: plan.idempotencyKey, verified: r.ok });
        env.pending.journal.push({
          caseId: input.caseId,
          runId: input.runId,
          stepKey: s.key,
          actionId: action.id,
          idemKey: plan.idempotencyKey,
          kind: "step.verified",
          after: r.observed,
          detail: { ok: r.ok, ...(r.error ? { error: r.error } : {}) },
        });
      }
      audit.info("verified", { runId: input.runId, results: out });
      return out;
    }),
  };
}
