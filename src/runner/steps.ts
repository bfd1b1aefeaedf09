/**
 * From a case's targets to a run's step instances. An action's `scope` sets how often its step runs: object and
 * tenant steps once per target the step applies to, user steps once per case. Gates say which steps need a human:
 * a protected account (any step), a tenant-scope or attended-only step not named by the invocation, a spent budget.
 */
import { getAction } from "../actions/registry.js";
import type { ActionDefinition } from "../actions/types.js";
import type { Json, StepInstance } from "../engine/machine.js";
import { holds } from "../engine/predicate.js";
import type { Hit } from "../model/hit.js";
import { attackerMarks, inAttackerSession, type SessionMarks } from "../model/session.js";
import type { AssessResult } from "./assess.js";
import { parseDuration, type Playbook, type PlaybookStep } from "../playbooks/schema.js";

export interface CaseTarget {
  targetKey: string;
  hit: Hit;
}

/** What the runner knows of the case beyond its targets: gathered context, the assessment, the attacker's marks. */
export interface CaseExtras {
  context?: Record<string, Json>;
  assess?: AssessResult;
  /** Default: from the targets' hits. */
  marks?: SessionMarks;
}

export function requireAction(id: string): ActionDefinition<unknown> {
  const a = getAction(id);
  if (!a) throw new Error(`unknown action ${id}`);
  return a;
}

const actionTime = (h: Hit) => Date.parse(h.action.time ?? h.detectedAt) || 0;

/** The playbook's steps over the case's targets, in the playbook's order (its order is the containment order). */
export function expandSteps(
  playbook: Playbook,
  targets: CaseTarget[],
  extras: CaseExtras = {},
): StepInstance[] {
  const out: StepInstance[] = [];
  const ex = { ...extras, marks: extras.marks ?? attackerMarks(targets.map((t) => t.hit)) };
  for (const step of playbook.steps) {
    const action = requireAction(step.action);
    const scope = action.scope;
    const applicable = targets.filter(
      (t) => holds(step.if, caseFacts([t.hit], ex)) && action.inputFromHit(t.hit) !== undefined,
    );
    if (!applicable.length) continue;
    const timing = {
      ...(step.timeout ? { timeoutMs: parseDuration(step.timeout) } : {}),
      ...(step.timeout ? { onTimeout: step.onTimeout ?? ("expire" as const) } : {}),
    };
    if (scope === "user") {
      // Once per case, from the newest suspect action: whatever it revokes must postdate all of them.
      const rep = applicable.reduce((a, b) => (actionTime(b.hit) > actionTime(a.hit) ? b : a));
      out.push({
        key: step.id,
        stepId: step.id,
        action: action.id,
        scope,
        input: (action.inputFromCase?.(applicable.map((t) => t.hit)) ?? action.inputFromHit(rep.hit)) as Json,
        approval: resolveApproval(
          step,
          scope,
          caseFacts(
            applicable.map((t) => t.hit),
            ex,
          ),
        ),
        ...timing,
      });
    } else {
      for (const t of applicable)
        out.push({
          key: `${step.id}@${t.targetKey}`,
          stepId: step.id,
          action: action.id,
          scope,
          targetKey: t.targetKey,
          input: action.inputFromHit(t.hit) as Json,
          approval: resolveApproval(step, scope, caseFacts([t.hit], ex)),
          ...timing,
        });
    }
  }
  return out;
}

const SEVERITY_RANK = { low: 1, medium: 2, high: 3 } as const;
const STRENGTH_RANK = { weak: 1, medium: 2, strong: 3 } as const;
export type Severity = keyof typeof SEVERITY_RANK;

/**
 * What a step's `if` and its approval condition (`autoIf`) see: the highest severity and score of the hits the
 * step acts on, the strongest link to a sign-in, the user, the (newest) hit with its target — and whether that
 * hit was made in the attacker's session (`target.inAttackerSession`) —, the gathered context (`context.<id>`)
 * and the assessment (`assess.score`, `assess.severity`, `assess.reasons`).
 */
export interface CaseFacts {
  severity: Severity;
  score: number;
  linkStrength: "strong" | "medium" | "weak" | "none";
  user: { id: string; upn: string };
  hit: Hit;
  target: Hit["target"] & { inAttackerSession: boolean };
  context: Record<string, Json>;
  assess?: AssessResult;
}

export function caseFacts(hits: Hit[], extras: CaseExtras = {}): CaseFacts {
  const newest = hits.reduce((a, b) => (actionTime(b) > actionTime(a) ? b : a));
  const severity = hits.reduce<Severity>(
    (a, h) => (SEVERITY_RANK[h.severity] > SEVERITY_RANK[a] ? h.severity : a),
    "low",
  );
  let strength: CaseFacts["linkStrength"] = "none";
  for (const l of hits.flatMap((h) => h.links))
    if (strength === "none" || STRENGTH_RANK[l.strength] > STRENGTH_RANK[strength]) strength = l.strength;
  return {
    severity,
    score: Math.max(...hits.map((h) => h.score ?? 0)),
    linkStrength: strength,
    user: newest.user,
    hit: newest,
    target: {
      ...newest.target,
      inAttackerSession: inAttackerSession(newest, extras.marks ?? attackerMarks(hits)),
    },
    context: extras.context ?? {},
    ...(extras.assess ? { assess: extras.assess } : {}),
  };
}

/** The default policy: the targeted object is contained automatically on high severity; wider steps need a person. */
export const DEFAULT_OBJECT_APPROVAL = { autoIf: { path: "severity", equals: "high" } } as const;

/** A step's approval policy on the case: auto or manual, and the reason a person can read. */
export function resolveApproval(
  step: Pick<PlaybookStep, "id" | "approval">,
  scope: "object" | "user" | "tenant",
  facts: CaseFacts,
): { mode: "auto" | "manual"; why: string; severity: Severity } {
  const policy = step.approval ?? (scope === "object" ? DEFAULT_OBJECT_APPROVAL : "manual");
  const dflt = step.approval ? "" : " (default)";
  const severity = facts.severity;
  if (policy === "auto") return { mode: "auto", why: `approval auto${dflt}`, severity };
  if (policy === "manual")
    return {
      severity,
      mode: "manual",
      why: `approval manual${dflt}${scope !== "object" && !step.approval ? `: ${scope}-wide steps need a person` : ""}`,
    };
  const ok = holds(policy.autoIf, facts);
  return {
    severity,
    mode: ok ? "auto" : "manual",
    why: `approval autoIf ${JSON.stringify(policy.autoIf)}${dflt} ${ok ? "holds" : "does not hold"} (severity ${facts.severity}, score ${facts.score}, link ${facts.linkStrength})`,
  };
}

export interface GatePolicy {
  mode: "execute" | "dry-run";
  protectedAccounts: readonly string[];
  /** Step ids of tenant-scope or attended-only steps the invocation named explicitly. */
  namedSteps: readonly string[];
  /** Whether a human invoked this (`--yes`); unattended runs never run attended-only steps. */
  attended: boolean;
  /** Unattended (`run --auto SEVERITY`): only steps whose approval resolves to auto, on cases at least this severe. */
  unattended?: { minSeverity: Severity };
}

/** Gate texts start with these labels; the runner tells gate kinds apart by them. */
export const GATE = {
  approval: "approval:",
  cap: "blast-radius cap:",
  budget: "containment budget",
} as const;

export function isProtected(
  user: { id: string; upn: string },
  protectedAccounts: readonly string[],
): boolean {
  const prot = protectedAccounts.map((a) => a.toLowerCase());
  return prot.includes(user.upn.toLowerCase()) || prot.includes(user.id.toLowerCase());
}

/** The gate of one step, or undefined when it may run now. */
export function gateFor(
  s: Pick<StepInstance, "stepId" | "action" | "scope">,
  user: { id: string; upn: string },
  policy: GatePolicy,
): string | undefined {
  if (isProtected(user, policy.protectedAccounts))
    return `protected account ${user.upn}: never contained without a human's approval of this step`;
  const action = requireAction(s.action);
  if (s.scope === "tenant" && !policy.attended)
    return `tenant-scope step ${s.stepId} changes every mailbox: never run unattended; a person approves it`;
  if (s.scope === "tenant" && !policy.namedSteps.includes(s.stepId))
    return `tenant-scope step ${s.stepId} changes every mailbox: name it (--tenant-step ${s.stepId}) to run it; --yes alone never does`;
  if (action.attendedOnly && !policy.attended)
    return `${s.action} is attended-only: never run unattended; a person approves it`;
  return undefined;
}

/**
 * Unattended only: the gate of a step whose approval does not resolve to auto, or whose case is below the
 * invocation's severity (`--auto high` acts on high cases only). Undefined when it may run without a person.
 */
export function approvalGate(s: Pick<StepInstance, "approval">, policy: GatePolicy): string | undefined {
  if (policy.attended || !policy.unattended) return undefined;
  const a = s.approval ?? { mode: "manual" as const, why: "approval manual", severity: "low" as const };
  const severity = a.severity;
  if (a.mode !== "auto") return `${GATE.approval} ${a.why}: waits for a person`;
  const min = policy.unattended.minSeverity;
  if (SEVERITY_RANK[severity] < SEVERITY_RANK[min])
    return `${GATE.approval} severity ${severity} is below the unattended threshold (--auto ${min}): waits for a person`;
  return undefined;
}
