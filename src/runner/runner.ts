/**
 * The playbook runner: one actor per hit, persisted after every event with the machine id and version beside
 * it, resumable after a crash. Effects go through the journal so a restored in-flight step (xstate re-runs a
 * restored promise actor with its saved input) cannot apply an effect twice.
 */
import { randomUUID } from "node:crypto";
import { createActor, fromPromise, toPromise, type Snapshot } from "xstate";
import { getAction } from "../actions/registry.js";
import { idempotencyKey, type ActionContext } from "../actions/types.js";
import type { AuditLogger } from "../audit/log.js";
import {
  createPlaybookMachine,
  FINAL_STATES,
  machineIdentity,
  type ExecuteStepInput,
  type ExecuteStepOutput,
  type Json,
  type PlanStepsInput,
  type RunContext,
  type RunMode,
  type StepPlan,
  type VerifyStepResult,
  type VerifyStepsInput,
} from "../engine/machine.js";
import { hitSchema, type Hit } from "../model/hit.js";
import type { Playbook } from "../playbooks/schema.js";
import type { RunStore } from "../store/run-store.js";

export interface Guardrails {
  protectedAccounts: string[];
  maxContainmentsPerRun: number;
}

export interface RunnerOptions {
  store: RunStore;
  audit: AuditLogger;
  playbook: Playbook;
  actionCtx: ActionContext;
  guardrails: Guardrails;
  now?: () => Date;
  newRunId?: () => string;
  /** A containment budget shared across runners (default: this runner's own guardrails.maxContainmentsPerRun). */
  budget?: { take(): boolean };
}

export interface StepReport {
  id: string;
  action: string;
  outcome: string;
  transport?: string;
  reversibility?: string;
  before?: Json;
  after?: Json;
  verified?: boolean;
  observed?: Json;
  warnings: string[];
  error?: string;
}

export interface RunReport {
  runId: string;
  hitKey: string;
  user: string;
  mode: RunMode;
  state: string;
  playbook: string;
  steps: StepReport[];
  approvals: Json[];
  hold?: string;
  error?: string;
}

const NA_PLAN: StepPlan = {
  transport: "none",
  before: null,
  after: null,
  noop: true,
  reversibility: "reversible",
  idempotencyKey: "",
  warnings: [],
};

const asHit = (json: unknown): Hit => hitSchema.parse(json);

function requireAction(id: string) {
  const a = getAction(id);
  if (!a) throw new Error(`unknown action ${id}`);
  return a;
}

function actionInput(actionId: string, hit: Hit): unknown {
  const input = requireAction(actionId).inputFromHit(hit);
  if (input === undefined) throw new Error(`action ${actionId} does not apply to a ${hit.target.kind} hit`);
  return input;
}

export class PlaybookRunner {
  private readonly now: () => Date;
  private readonly newRunId: () => string;
  private containments = 0;
  private readonly budget: { take(): boolean };

  constructor(private readonly opts: RunnerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.newRunId = opts.newRunId ?? (() => randomUUID());
    this.budget = opts.budget ?? {
      take: () => this.containments++ < this.opts.guardrails.maxContainmentsPerRun,
    };
  }

  /** The machine with this runner's effect implementations. */
  machine() {
    const { actionCtx: ctx, store, audit } = this.opts;
    const withSignal = (signal: AbortSignal): ActionContext => ({ ...ctx, signal });
    return createPlaybookMachine(this.opts.playbook).provide({
      actors: {
        planSteps: fromPromise<StepPlan[], PlanStepsInput>(async ({ input, signal }) => {
          const hit = asHit(input.hit);
          const plans: StepPlan[] = [];
          for (const step of input.steps) {
            if (!step.applies) {
              plans.push(NA_PLAN);
              continue;
            }
            const action = requireAction(step.action);
            const ai = actionInput(step.action, hit);
            const p = await action.plan(withSignal(signal), ai);
            plans.push({
              ...p,
              idempotencyKey: idempotencyKey(ctx.tenantId, action.id, action.targetId(ai)),
            });
          }
          audit.info("planned", { runId: input.runId, hitKey: hit.hitKey, plans });
          return plans;
        }),
        executeStep: fromPromise<ExecuteStepOutput, ExecuteStepInput>(async ({ input, signal }) => {
          const hit = asHit(input.hit);
          const step = input.step;
          const plan = step.plan!;
          const action = requireAction(step.action);
          const ai = actionInput(step.action, hit);
          const key = plan.idempotencyKey;
          const journal = store.getEffect(key);
          // An irreversible effect already applied (by this or any run) is never applied again; reversible ones
          // are idempotent by live state: run() re-reads and reports a repeat as already done.
          if (journal?.status === "done" && action.reversibility === "irreversible") {
            audit.info("step.already-done", { runId: input.runId, step: step.id, key, by: journal.runId });
            return {
              before: (journal.before ?? null) as Json,
              after: (journal.after ?? null) as Json,
              alreadyDone: true,
            };
          }
          if (journal?.status === "started")
            audit.warn("step.resumed", {
              runId: input.runId,
              step: step.id,
              key,
              note: "a previous attempt did not finish",
            });
          store.putEffect(
            {
              key,
              runId: input.runId,
              stepId: step.id,
              actionId: action.id,
              status: "started",
              before: plan.before,
              after: null,
            },
            this.now().toISOString(),
          );
          audit.info("step.start", {
            runId: input.runId,
            step: step.id,
            action: action.id,
            transport: plan.transport,
            key,
          });
          const r = await action.run(withSignal(signal), ai, plan);
          store.putEffect(
            {
              key,
              runId: input.runId,
              stepId: step.id,
              actionId: action.id,
              status: "done",
              before: r.before,
              after: r.after,
            },
            this.now().toISOString(),
          );
          audit.info("step.done", {
            runId: input.runId,
            step: step.id,
            alreadyDone: r.alreadyDone,
            before: r.before,
            after: r.after,
          });
          return r;
        }),
        verifySteps: fromPromise<VerifyStepResult[], VerifyStepsInput>(async ({ input, signal }) => {
          const hit = asHit(input.hit);
          const out: VerifyStepResult[] = [];
          for (const step of input.steps) {
            if (step.outcome !== "done" && step.outcome !== "already-done") continue;
            const action = requireAction(step.action);
            const v = await action.verify(withSignal(signal), actionInput(step.action, hit), step.plan!, {
              before: step.before ?? null,
              after: step.after ?? null,
            });
            out.push({ id: step.id, ok: v.ok, observed: v.observed });
          }
          audit.info("verified", { runId: input.runId, results: out });
          return out;
        }),
      },
    });
  }

  private holdFor(hit: Hit, mode: RunMode): string | undefined {
    if (mode !== "execute") return undefined;
    const prot = this.opts.guardrails.protectedAccounts.map((a) => a.toLowerCase());
    if (prot.includes(hit.user.upn.toLowerCase()) || prot.includes(hit.user.id.toLowerCase()))
      return `protected account ${hit.user.upn}: never contained unattended`;
    if (!this.budget.take())
      return `containment budget of ${this.opts.guardrails.maxContainmentsPerRun} runs per invocation is spent`;
    return undefined;
  }

  /** Runs (or resumes) one hit through the playbook to a final state. */
  async run(hit: Hit, mode: RunMode, resume?: { runId: string; snapshot: unknown }): Promise<RunReport> {
    const { store, audit, playbook } = this.opts;
    const ident = machineIdentity(playbook);
    const runId = resume?.runId ?? this.newRunId();
    let hold: string | undefined;
    if (!resume) {
      hold = this.holdFor(hit, mode);
    }
    const machine = this.machine();
    const input = { runId, mode, hit: hit as unknown as { [k: string]: Json }, ...(hold ? { hold } : {}) };
    // On restore the input is ignored: the persisted context carries it.
    const actor = resume
      ? createActor(machine, { input, snapshot: resume.snapshot as Snapshot<unknown> })
      : createActor(machine, { input });
    const save = () => {
      const snap = actor.getSnapshot();
      store.saveRun(
        {
          runId,
          hitKey: hit.hitKey,
          tenantId: hit.tenantId,
          userUpn: hit.user.upn,
          mode,
          machineId: ident.id,
          machineVersion: ident.version,
          state: String(snap.value),
          snapshot: actor.getPersistedSnapshot(),
          hit,
        },
        this.now().toISOString(),
      );
    };
    let lastState = "";
    const sub = actor.subscribe({
      next: (snap) => {
        save();
        const state = String(snap.value);
        if (state !== lastState) {
          audit.info("run.state", { runId, hitKey: hit.hitKey, state });
          lastState = state;
        }
      },
      error: () => undefined,
    });
    audit.info(resume ? "run.resume" : "run.start", {
      runId,
      hitKey: hit.hitKey,
      mode,
      playbook: ident.id,
      version: ident.version,
      hold,
    });
    actor.start();
    save();
    try {
      await toPromise(actor);
    } catch {
      // The machine maps actor errors to the failed state; an escape here is recorded below.
    }
    save();
    sub.unsubscribe();
    const snap = actor.getSnapshot();
    const report = toReport(runId, hit, mode, playbook, String(snap.value), snap.context);
    audit.info("run.end", { runId, state: report.state, error: report.error });
    return report;
  }

  /** Restores every run the store holds in a non-final state (a crash or kill mid-run) and finishes it. */
  async resumePending(): Promise<RunReport[]> {
    const ident = machineIdentity(this.opts.playbook);
    const pending = this.opts.store
      .listRuns()
      .filter((r) => !(FINAL_STATES as readonly string[]).includes(r.state) && r.machineId === ident.id);
    const out: RunReport[] = [];
    for (const r of pending) {
      if (r.machineVersion !== ident.version)
        throw new Error(
          `run ${r.runId} was persisted by machine version ${r.machineVersion}, this playbook is ${ident.version}: refusing to restore it`,
        );
      out.push(await this.run(asHit(r.hit), r.mode as RunMode, { runId: r.runId, snapshot: r.snapshot }));
    }
    return out;
  }

  /** Undoes a run's reversible effects from their stored before-images, newest first. */
  async rollback(
    runId: string,
  ): Promise<{ stepId: string; actionId: string; outcome: string; error?: string }[]> {
    const { store, audit, actionCtx } = this.opts;
    const run = store.getRun(runId);
    if (!run) throw new Error(`no run ${runId} in the store`);
    const hit = asHit(run.hit);
    const results: { stepId: string; actionId: string; outcome: string; error?: string }[] = [];
    for (const e of store.listEffects(runId).reverse()) {
      const action = requireAction(e.actionId);
      if (e.status !== "done") {
        results.push({
          stepId: e.stepId,
          actionId: e.actionId,
          outcome: e.status === "compensated" ? "already-rolled-back" : "not-applied",
        });
        continue;
      }
      if (!action.compensate) {
        results.push({ stepId: e.stepId, actionId: e.actionId, outcome: "irreversible" });
        continue;
      }
      try {
        await action.compensate(
          actionCtx,
          actionInput(e.actionId, hit),
          (e.before ?? null) as Json,
          e.target as Json | undefined,
        );
        store.putEffect({ ...e, status: "compensated", after: e.before }, this.now().toISOString());
        audit.info("rollback.step", { runId, step: e.stepId, action: e.actionId, restored: e.before });
        results.push({ stepId: e.stepId, actionId: e.actionId, outcome: "rolled-back" });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        audit.error("rollback.failed", { runId, step: e.stepId, error });
        results.push({ stepId: e.stepId, actionId: e.actionId, outcome: "failed", error });
      }
    }
    return results;
  }
}

function toReport(
  runId: string,
  hit: Hit,
  mode: RunMode,
  playbook: Playbook,
  state: string,
  ctx: RunContext,
): RunReport {
  return {
    runId,
    hitKey: hit.hitKey,
    user: hit.user.upn,
    mode,
    state,
    playbook: playbook.metadata.id,
    steps: ctx.steps.map((s) => ({
      id: s.id,
      action: s.action,
      outcome: s.outcome,
      ...(s.plan && s.plan.transport !== "none"
        ? { transport: s.plan.transport, reversibility: s.plan.reversibility }
        : {}),
      ...(s.before !== undefined ? { before: s.before } : {}),
      ...(s.after !== undefined ? { after: s.after } : {}),
      ...(s.verified !== undefined ? { verified: s.verified } : {}),
      ...(s.observed !== undefined ? { observed: s.observed } : {}),
      warnings: s.plan?.warnings ?? [],
      ...(s.error ? { error: s.error } : {}),
    })),
    approvals: ctx.approvals,
    ...(ctx.hold ? { hold: ctx.hold } : {}),
    ...(ctx.error ? { error: ctx.error } : {}),
  };
}
