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
import type { Playbook } from "../playbooks/schema.js";

export interface CaseTarget {
  targetKey: string;
  hit: Hit;
}

export function requireAction(id: string): ActionDefinition<unknown> {
  const a = getAction(id);
  if (!a) throw new Error(`unknown action ${id}`);
  return a;
}

const actionTime = (h: Hit) => Date.parse(h.action.time ?? h.detectedAt) || 0;

/** The playbook's steps over the case's targets, in the playbook's order (its order is the containment order). */
export function expandSteps(playbook: Playbook, targets: CaseTarget[]): StepInstance[] {
  const out: StepInstance[] = [];
  for (const step of playbook.steps) {
    const action = requireAction(step.action);
    const scope = action.scope;
    const applicable = targets.filter(
      (t) => holds(step.if, { hit: t.hit, target: t.hit.target }) && action.inputFromHit(t.hit) !== undefined,
    );
    if (!applicable.length) continue;
    if (scope === "user") {
      // Once per case, from the newest suspect action: whatever it revokes must postdate all of them.
      const rep = applicable.reduce((a, b) => (actionTime(b.hit) > actionTime(a.hit) ? b : a));
      out.push({
        key: step.id,
        stepId: step.id,
        action: action.id,
        scope,
        input: action.inputFromHit(rep.hit) as Json,
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
        });
    }
  }
  return out;
}

export interface GatePolicy {
  mode: "execute" | "dry-run";
  protectedAccounts: readonly string[];
  /** Step ids of tenant-scope or attended-only steps the invocation named explicitly. */
  namedSteps: readonly string[];
  /** Whether a human invoked this (`--yes`); unattended runs never run attended-only steps. */
  attended: boolean;
}

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
  if (s.scope === "tenant" && !policy.namedSteps.includes(s.stepId))
    return `tenant-scope step ${s.stepId} changes every mailbox: name it (--tenant-step ${s.stepId}) to run it; --yes alone never does`;
  if (action.attendedOnly && !policy.attended && !policy.namedSteps.includes(s.stepId))
    return `${s.action} is attended-only: never run unattended`;
  return undefined;
}
