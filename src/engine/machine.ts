/**
 * Compiles a playbook into an xstate v5 machine: pure, no I/O. A run is one case's step instances (object steps
 * once per target, user steps once per case, tenant steps once per tenant object), expanded by the runner before
 * the machine starts and given to it as typed input. Every side effect is a named promise actor (planSteps,
 * executeStep, verifySteps) whose implementation the runner provides; the context is plain JSON so the persisted
 * snapshot can be stored after every event and restored after a crash.
 *
 *   planning ──dry-run──▶ planned
 *      ▼
 *    next ──gate closed──▶ waiting ──RELEASE──▶ next      (REJECT ▶ rejected, EXPIRE ▶ expired, HALT ▶ halted)
 *      ⇅
 *   executing (one step at a time; a failed step is recorded and the run goes on with the next one)
 *      ▼
 *   verifying ──▶ done (every step done and verified) | partial (something was not) | failed (nothing was done)
 *
 * HALT (the kill switch, SIGTERM) is taken in every non-final state; an in-flight step finishes or is abandoned
 * by its actor's abort signal, and the run ends `halted`. Deadlines live as data (never an xstate `after`).
 */
import { assign, fromPromise, setup } from "xstate";
import type { Playbook } from "../playbooks/schema.js";

export const ENGINE_VERSION = 3;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type Transport = "graph" | "exchange" | "none";
export type Reversibility = "reversible" | "partly-reversible" | "irreversible";
export type Scope = "object" | "user" | "tenant";

/** What planning found for one step: the exact change, read from the live tenant, with nothing written. */
export interface StepPlan {
  transport: Transport;
  before: Json;
  after: Json;
  /** The live state already is `after`: the step is reported as already done and not executed. */
  noop: boolean;
  reversibility: Reversibility;
  idempotencyKey: string;
  warnings: string[];
  /** The live object the step acts on, as resolved at planning (e.g. a rule's ids after resolution). */
  target?: Json;
  /** When the runner planned it (its clock): an approval timeout counts from here. */
  plannedAt?: string;
}

export const STEP_OUTCOMES = [
  "pending",
  "planned",
  "skipped",
  "waiting",
  "done",
  "already-done",
  "failed",
  "not-run",
] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

/** One step of the playbook applied to one target (object, tenant) or to the case (user). */
export interface StepInstance {
  /** Unique in the run: `${stepId}` for user steps, `${stepId}@${targetKey}` otherwise. */
  key: string;
  stepId: string;
  action: string;
  scope: Scope;
  /** The case target (hit key) this instance acts on; absent for user-scope steps. */
  targetKey?: string;
  /** The action's typed input, built once from the hit(s) by the runner. */
  input: Json;
  /** Why this step may not run without a human (protected account, tenant scope, budget); absent: open. */
  gate?: string;
  /** The playbook's approval policy for this step, resolved on the case: auto or manual, and why. */
  approval?: { mode: "auto" | "manual"; why: string; severity: "low" | "medium" | "high" };
  /** Dry runs (an audit): whether an unattended run under the configured policy would do this step, and why. */
  unattended?: { auto: boolean; why: string };
  /** How long the step may wait for a human (ms from its plan) and what happens then. */
  timeoutMs?: number;
  onTimeout?: "fail" | "escalate" | "expire";
}

export interface StepState extends StepInstance {
  outcome: StepOutcome;
  /** The plan hash a person approved (src/runner/approvals.ts): the step runs only if the live plan still has it. */
  approvedPlanHash?: string;
  plan?: StepPlan;
  before?: Json;
  after?: Json;
  verified?: boolean;
  observed?: Json;
  error?: string;
  /** When its approval timeout passed and a notice escalated it (it keeps waiting). */
  escalatedAt?: string;
}

export type RunMode = "dry-run" | "execute";

export interface RunInput {
  runId: string;
  caseId: string;
  mode: RunMode;
  steps: StepInstance[];
}

export interface Approval {
  stepKeys: string[];
  by: string;
  reason: string;
  at: string;
  /** Per step key, the plan hash the person approved (absent for releases by the invocation's own flags). */
  planHashes?: Record<string, string>;
}

export interface RunContext {
  runId: string;
  caseId: string;
  mode: RunMode;
  steps: StepState[];
  index: number;
  error?: string;
  /** Why the run waits, while it waits. */
  waiting?: string;
  haltRequested?: string;
  approvals: Approval[];
}

/** planSteps' answer per step: a plan, null (the step does not apply), or why it could not be planned. */
export type PlanResult = StepPlan | { error: string } | null;

export interface PlanStepsInput {
  runId: string;
  caseId: string;
  steps: StepState[];
}
export interface ExecuteStepInput {
  runId: string;
  caseId: string;
  step: StepState;
}
export interface ExecuteStepOutput {
  before: Json;
  after: Json;
  alreadyDone: boolean;
  /** The live plan is no longer the one a person approved: nothing was written; the step waits again. */
  replanned?: StepPlan;
  /** The kill switch is on: the step was not run (nothing written) and the run halts. */
  halted?: string;
}
export interface VerifyStepsInput {
  runId: string;
  caseId: string;
  steps: StepState[];
}
export interface VerifyStepResult {
  key: string;
  ok: boolean;
  observed: Json;
  error?: string;
}

export type RunEvent =
  | { type: "RELEASE"; approval: Approval }
  | { type: "REJECT"; by: string; reason: string }
  | { type: "EXPIRE"; reason: string }
  /** Waiting steps whose approval timed out with onTimeout fail: they fail, the rest of the run goes on. */
  | { type: "TIMEOUT"; stepKeys: string[]; reason: string }
  /** Waiting steps whose approval timed out with onTimeout escalate: noted; they keep waiting. */
  | { type: "ESCALATE"; stepKeys: string[]; at: string }
  | { type: "HALT"; reason: string };

const notProvided = (name: string) =>
  fromPromise<never, unknown>(() =>
    Promise.reject(new Error(`actor ${name} was not provided by the runner`)),
  );

const errorText = (e: unknown) =>
  e instanceof Error ? e.message : typeof e === "string" ? e : JSON.stringify(e);

export function machineIdentity(p: Playbook): { id: string; version: string } {
  const stepSig = p.steps.map((s) => `${s.id}:${s.action}`).join(",");
  return {
    id: `playbook:${p.metadata.id}`,
    version: `${p.metadata.version}+engine.${ENGINE_VERSION}+${stepSig}`,
  };
}

/** States in which a run is over: the machine's final states, and `rolledBack` (set by a rollback). */
export const FINAL_STATES = [
  "planned",
  "done",
  "partial",
  "rejected",
  "expired",
  "halted",
  "failed",
] as const;
export const TERMINAL_STATES = [...FINAL_STATES, "rolledBack"] as const;
export type FinalState = (typeof FINAL_STATES)[number];
export type TerminalState = (typeof TERMINAL_STATES)[number];
export const isTerminal = (state: string): boolean => (TERMINAL_STATES as readonly string[]).includes(state);

const CARRIED = new Set<StepOutcome>(["done", "already-done"]);

/** The gate of an approved step whose live plan changed before it ran. */
export const REAPPROVE =
  "the tenant changed since this step was approved: look at the new plan and approve it again";

export function createPlaybookMachine(p: Playbook) {
  const { id } = machineIdentity(p);
  return setup({
    types: {
      context: {} as RunContext,
      input: {} as RunInput,
      events: {} as RunEvent,
    },
    actors: {
      planSteps: notProvided("planSteps") as unknown as ReturnType<
        typeof fromPromise<PlanResult[], PlanStepsInput>
      >,
      executeStep: notProvided("executeStep") as unknown as ReturnType<
        typeof fromPromise<ExecuteStepOutput, ExecuteStepInput>
      >,
      verifySteps: notProvided("verifySteps") as unknown as ReturnType<
        typeof fromPromise<VerifyStepResult[], VerifyStepsInput>
      >,
    },
    guards: {
      isDryRun: ({ context }) => context.mode === "dry-run",
      haltRequested: ({ context }) => context.haltRequested !== undefined,
      allStepsHandled: ({ context }) => context.index >= context.steps.length,
      currentGated: ({ context }) => {
        const s = context.steps[context.index];
        return s?.outcome === "planned" && s.gate !== undefined;
      },
      currentNeedsRun: ({ context }) => context.steps[context.index]?.outcome === "planned",
      replanned: ({ event }) => (event as { output?: ExecuteStepOutput }).output?.replanned !== undefined,
      haltedStep: ({ event }) => (event as { output?: ExecuteStepOutput }).output?.halted !== undefined,
      allVerified: ({ context }) =>
        context.steps.every(
          (s) => s.outcome === "skipped" || (CARRIED.has(s.outcome) && s.verified === true),
        ),
      nothingDone: ({ context }) => !context.steps.some((s) => CARRIED.has(s.outcome)),
    },
    actions: {
      requestHalt: assign({
        haltRequested: ({ event }) => (event.type === "HALT" ? event.reason : "halted"),
      }),
      markNotRun: assign({
        steps: ({ context }) =>
          context.steps.map((s) =>
            s.outcome === "planned" || s.outcome === "waiting" ? { ...s, outcome: "not-run" as const } : s,
          ),
      }),
    },
  }).createMachine({
    id,
    context: ({ input }) => ({
      runId: input.runId,
      caseId: input.caseId,
      mode: input.mode,
      steps: input.steps.map((s) => ({ ...s, outcome: "pending" as const })),
      index: 0,
      approvals: [],
    }),
    initial: "planning",
    on: { HALT: { actions: "requestHalt" } },
    states: {
      planning: {
        invoke: {
          id: "plan",
          src: "planSteps",
          input: ({ context }) => ({ runId: context.runId, caseId: context.caseId, steps: context.steps }),
          onDone: [
            {
              guard: "isDryRun",
              target: "planned",
              actions: assign({ steps: ({ context, event }) => applyPlans(context.steps, event.output) }),
            },
            {
              target: "next",
              actions: assign({ steps: ({ context, event }) => applyPlans(context.steps, event.output) }),
            },
          ],
          onError: {
            target: "failed",
            actions: assign({ error: ({ event }) => `planning: ${errorText(event.error)}` }),
          },
        },
      },
      next: {
        always: [
          { guard: "haltRequested", target: "halted" },
          { guard: "allStepsHandled", target: "verifying" },
          {
            guard: "currentGated",
            target: "waiting",
            actions: assign({
              waiting: ({ context }) => context.steps[context.index]!.gate,
              steps: ({ context }) =>
                context.steps.map((s, i) =>
                  i === context.index ? { ...s, outcome: "waiting" as const } : s,
                ),
            }),
          },
          { guard: "currentNeedsRun", target: "executing" },
          { target: "next", reenter: true, actions: assign({ index: ({ context }) => context.index + 1 }) },
        ],
      },
      waiting: {
        on: {
          RELEASE: {
            target: "next",
            actions: assign({
              steps: ({ context, event }) =>
                context.steps.map((s) =>
                  event.approval.stepKeys.includes(s.key)
                    ? {
                        ...(({ gate: _g, ...rest }) => rest)(s),
                        outcome: s.outcome === "waiting" ? ("planned" as const) : s.outcome,
                        ...(event.approval.planHashes?.[s.key]
                          ? { approvedPlanHash: event.approval.planHashes[s.key] }
                          : {}),
                      }
                    : s,
                ),
              approvals: ({ context, event }) => [...context.approvals, event.approval],
              waiting: () => undefined,
            }),
          },
          REJECT: {
            target: "rejected",
            actions: [
              "markNotRun",
              assign({ error: ({ event }) => `rejected by ${event.by}: ${event.reason}` }),
            ],
          },
          EXPIRE: {
            target: "expired",
            actions: ["markNotRun", assign({ error: ({ event }) => `expired: ${event.reason}` })],
          },
          TIMEOUT: {
            target: "next",
            actions: assign({
              steps: ({ context, event }) =>
                context.steps.map((s) =>
                  event.stepKeys.includes(s.key) && s.outcome === "waiting"
                    ? {
                        ...(({ gate: _g, ...rest }) => rest)(s),
                        outcome: "failed" as const,
                        error: `approval timed out: ${event.reason}`,
                      }
                    : s,
                ),
              waiting: () => undefined,
            }),
          },
          ESCALATE: {
            actions: assign({
              steps: ({ context, event }) =>
                context.steps.map((s) =>
                  event.stepKeys.includes(s.key) && s.outcome === "waiting" && !s.escalatedAt
                    ? { ...s, escalatedAt: event.at }
                    : s,
                ),
            }),
          },
          HALT: { target: "halted", actions: "requestHalt" },
        },
      },
      executing: {
        invoke: {
          id: "execute",
          src: "executeStep",
          input: ({ context }) => ({
            runId: context.runId,
            caseId: context.caseId,
            step: context.steps[context.index]!,
          }),
          onDone: [
            {
              // The kill switch: this step was not run; the run halts with what was and was not done.
              guard: "haltedStep",
              target: "halted",
              actions: assign({ haltRequested: ({ event }) => event.output.halted! }),
            },
            {
              // The tenant changed since a person approved this step: show the new plan and wait again.
              guard: "replanned",
              target: "waiting",
              actions: assign({
                steps: ({ context, event }) =>
                  context.steps.map((s, i) =>
                    i === context.index
                      ? {
                          ...(({ approvedPlanHash: _a, ...rest }) => rest)(s),
                          plan: event.output.replanned!,
                          before: event.output.replanned!.before,
                          after: event.output.replanned!.after,
                          outcome: "waiting" as const,
                          gate: REAPPROVE,
                        }
                      : s,
                  ),
                waiting: () => REAPPROVE,
              }),
            },
            {
              target: "next",
              actions: assign({
                steps: ({ context, event }) =>
                  context.steps.map((s, i) =>
                    i === context.index
                      ? {
                          ...s,
                          outcome: event.output.alreadyDone ? ("already-done" as const) : ("done" as const),
                          before: event.output.before,
                          after: event.output.after,
                        }
                      : s,
                  ),
                index: ({ context }) => context.index + 1,
              }),
            },
          ],
          onError: {
            // One step failing never stops the others: it is recorded and the run goes on.
            target: "next",
            actions: assign({
              steps: ({ context, event }) =>
                context.steps.map((s, i) =>
                  i === context.index
                    ? { ...s, outcome: "failed" as const, error: errorText(event.error) }
                    : s,
                ),
              index: ({ context }) => context.index + 1,
            }),
          },
        },
      },
      verifying: {
        invoke: {
          id: "verify",
          src: "verifySteps",
          input: ({ context }) => ({ runId: context.runId, caseId: context.caseId, steps: context.steps }),
          onDone: {
            target: "settle",
            actions: assign({
              steps: ({ context, event }) => applyVerification(context.steps, event.output),
            }),
          },
          onError: {
            target: "settle",
            actions: assign({ error: ({ event }) => `verify: ${errorText(event.error)}` }),
          },
        },
      },
      settle: {
        always: [
          { guard: "allVerified", target: "done" },
          {
            guard: "nothingDone",
            target: "failed",
            actions: assign({ error: ({ context }) => summary(context) }),
          },
          { target: "partial", actions: assign({ error: ({ context }) => summary(context) }) },
        ],
      },
      planned: { type: "final" },
      done: { type: "final" },
      partial: { type: "final" },
      rejected: { type: "final" },
      expired: { type: "final" },
      halted: {
        type: "final",
        entry: [
          "markNotRun",
          assign({ error: ({ context }) => `halted: ${context.haltRequested ?? "halted"}` }),
        ],
      },
      failed: { type: "final", entry: "markNotRun" },
    },
  });
}

export type PlaybookMachine = ReturnType<typeof createPlaybookMachine>;

function summary(ctx: RunContext): string {
  const failed = ctx.steps
    .filter((s) => s.outcome === "failed")
    .map((s) => `${s.key}: ${s.error ?? "failed"}`);
  const unverified = ctx.steps
    .filter((s) => CARRIED.has(s.outcome) && s.verified !== true)
    .map((s) => `${s.key}: not verified${s.error ? ` (${s.error})` : ""}`);
  return (
    [...failed, ...unverified, ...(ctx.error ? [ctx.error] : [])].join("; ") || "not every step was done"
  );
}

function applyPlans(steps: StepState[], plans: PlanResult[]): StepState[] {
  return steps.map((s, i) => {
    const plan = plans[i];
    if (plan === null) return { ...s, outcome: "skipped" as const };
    if (!plan) return { ...s, outcome: "failed" as const, error: "no plan returned" };
    if ("error" in plan) return { ...s, outcome: "failed" as const, error: `planning: ${plan.error}` };
    return {
      ...s,
      plan,
      before: plan.before,
      after: plan.after,
      outcome: plan.noop ? ("already-done" as const) : ("planned" as const),
    };
  });
}

function applyVerification(steps: StepState[], results: VerifyStepResult[]): StepState[] {
  return steps.map((s) => {
    const r = results.find((x) => x.key === s.key);
    return r ? { ...s, verified: r.ok, observed: r.observed, ...(r.error ? { error: r.error } : {}) } : s;
  });
}
