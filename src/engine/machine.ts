/**
 * Compiles a playbook into an xstate v5 machine: pure, no I/O. Every side effect is a named promise actor
 * (planSteps, executeStep, verifySteps) whose implementation the runner provides; the context is plain JSON so
 * the persisted snapshot can be stored after every event and restored after a crash.
 *
 *   planning ──dry-run──▶ planned
 *      │ ──held────────▶ held            (a guardrail stopped it: protected account, containment budget)
 *      ▼
 *    next ⇄ executing (one step at a time; skipped and already-done steps are passed over)
 *      ▼
 *   verifying ──▶ contained | failed
 */
import { assign, fromPromise, setup } from "xstate";
import type { Playbook } from "../playbooks/schema.js";
import { holds } from "./predicate.js";

export const ENGINE_VERSION = 1;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type Transport = "graph" | "exchange" | "none";
export type Reversibility = "reversible" | "partly-reversible" | "irreversible";

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
}

export type StepOutcome = "pending" | "planned" | "skipped" | "done" | "already-done" | "held" | "failed";

export interface StepState {
  id: string;
  action: string;
  applies: boolean;
  outcome: StepOutcome;
  plan?: StepPlan;
  before?: Json;
  after?: Json;
  verified?: boolean;
  observed?: Json;
  error?: string;
}

export type RunMode = "dry-run" | "execute";

export interface RunInput {
  runId: string;
  mode: RunMode;
  /** The hit, as plain JSON. */
  hit: { [k: string]: Json };
  /** Set when a guardrail forbids writes for this run: it is planned, then held. */
  hold?: string;
}

export interface RunContext {
  runId: string;
  mode: RunMode;
  hit: { [k: string]: Json };
  hold?: string;
  steps: StepState[];
  index: number;
  error?: string;
  approvals: Json[];
}

export interface PlanStepsInput {
  runId: string;
  hit: { [k: string]: Json };
  steps: StepState[];
}
export interface ExecuteStepInput {
  runId: string;
  hit: { [k: string]: Json };
  step: StepState;
}
export interface ExecuteStepOutput {
  before: Json;
  after: Json;
  alreadyDone: boolean;
}
export interface VerifyStepsInput {
  runId: string;
  hit: { [k: string]: Json };
  steps: StepState[];
}
export interface VerifyStepResult {
  id: string;
  ok: boolean;
  observed: Json;
}

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

export function createPlaybookMachine(p: Playbook) {
  const { id } = machineIdentity(p);
  return setup({
    types: {
      context: {} as RunContext,
      input: {} as RunInput,
    },
    actors: {
      planSteps: notProvided("planSteps") as unknown as ReturnType<
        typeof fromPromise<StepPlan[], PlanStepsInput>
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
      isHeld: ({ context }) => context.hold !== undefined,
      allStepsHandled: ({ context }) => context.index >= context.steps.length,
      currentNeedsRun: ({ context }) => context.steps[context.index]?.outcome === "planned",
    },
  }).createMachine({
    id,
    context: ({ input }) => ({
      runId: input.runId,
      mode: input.mode,
      hit: input.hit,
      ...(input.hold !== undefined ? { hold: input.hold } : {}),
      steps: p.steps.map((s) => ({
        id: s.id,
        action: s.action,
        applies: holds(s.if, { hit: input.hit, target: input.hit.target }),
        outcome: "pending" as const,
      })),
      index: 0,
      approvals: [],
    }),
    initial: "planning",
    states: {
      planning: {
        invoke: {
          src: "planSteps",
          input: ({ context }) => ({ runId: context.runId, hit: context.hit, steps: context.steps }),
          onDone: [
            {
              guard: "isDryRun",
              target: "planned",
              actions: assign({
                steps: ({ context, event }) => applyPlans(context.steps, event.output, "planned"),
              }),
            },
            {
              guard: "isHeld",
              target: "held",
              actions: assign({
                steps: ({ context, event }) => applyPlans(context.steps, event.output, "held"),
              }),
            },
            {
              target: "next",
              actions: assign({
                steps: ({ context, event }) => applyPlans(context.steps, event.output, "planned"),
              }),
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
          { guard: "allStepsHandled", target: "verifying" },
          { guard: "currentNeedsRun", target: "executing" },
          { target: "next", reenter: true, actions: assign({ index: ({ context }) => context.index + 1 }) },
        ],
      },
      executing: {
        invoke: {
          src: "executeStep",
          input: ({ context }) => ({
            runId: context.runId,
            hit: context.hit,
            step: context.steps[context.index]!,
          }),
          onDone: {
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
          onError: {
            target: "failed",
            actions: assign({
              steps: ({ context, event }) =>
                context.steps.map((s, i) =>
                  i === context.index
                    ? { ...s, outcome: "failed" as const, error: errorText(event.error) }
                    : s,
                ),
              error: ({ context, event }) =>
                `step ${context.steps[context.index]?.id}: ${errorText(event.error)}`,
            }),
          },
        },
      },
      verifying: {
        invoke: {
          src: "verifySteps",
          input: ({ context }) => ({ runId: context.runId, hit: context.hit, steps: context.steps }),
          onDone: [
            {
              guard: ({ event }) => event.output.every((r) => r.ok),
              target: "contained",
              actions: assign({
                steps: ({ context, event }) => applyVerification(context.steps, event.output),
              }),
            },
            {
              target: "failed",
              actions: assign({
                steps: ({ context, event }) => applyVerification(context.steps, event.output),
                error: ({ event }) =>
                  `verification failed for ${event.output
                    .filter((r) => !r.ok)
                    .map((r) => r.id)
                    .join(", ")}`,
              }),
            },
          ],
          onError: {
            target: "failed",
            actions: assign({ error: ({ event }) => `verify: ${errorText(event.error)}` }),
          },
        },
      },
      planned: { type: "final" },
      held: { type: "final" },
      contained: { type: "final" },
      failed: { type: "final" },
    },
  });
}

export type PlaybookMachine = ReturnType<typeof createPlaybookMachine>;

export const FINAL_STATES = ["planned", "held", "contained", "failed"] as const;
export type FinalState = (typeof FINAL_STATES)[number];

function applyPlans(steps: StepState[], plans: StepPlan[], outcome: "planned" | "held"): StepState[] {
  return steps.map((s, i) => {
    if (!s.applies) return { ...s, outcome: "skipped" as const };
    const plan = plans[i];
    if (!plan) return { ...s, outcome: "failed" as const, error: "no plan returned" };
    return {
      ...s,
      plan,
      before: plan.before,
      after: plan.after,
      outcome: plan.noop ? ("already-done" as const) : outcome,
    };
  });
}

function applyVerification(steps: StepState[], results: VerifyStepResult[]): StepState[] {
  return steps.map((s) => {
    const r = results.find((x) => x.id === s.id);
    return r ? { ...s, verified: r.ok, observed: r.observed } : s;
  });
}
