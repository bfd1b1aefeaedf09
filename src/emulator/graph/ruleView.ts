/**
 * The Graph view of a canonical rule (apis.md A2): hidden rules are never shown; a rule whose conditions or
 * actions Graph cannot express is `isReadOnly: true` with no conditions/actions/exceptions keys; otherwise only
 * non-default members are rendered.
 */
import type { InboxRuleState } from "../state.js";
import {
  actionsExpressible,
  actionsToGraph,
  conditionsExpressible,
  predicatesToGraph,
} from "./ruleMapping.js";

export function isGraphReadOnly(rule: InboxRuleState): boolean {
  return !(
    conditionsExpressible(rule.conditions) &&
    conditionsExpressible(rule.exceptions) &&
    actionsExpressible(rule.actions)
  );
}

export function renderRule(rule: InboxRuleState): Record<string, unknown> {
  const readOnly = isGraphReadOnly(rule);
  const view: Record<string, unknown> = {
    id: rule.graphId,
    displayName: rule.name,
    sequence: rule.priority,
    isEnabled: rule.enabled,
    hasError: rule.inError,
    isReadOnly: readOnly,
  };
  if (readOnly) return view;
  const conditions = predicatesToGraph(rule.conditions);
  const actions = actionsToGraph(rule.actions);
  const exceptions = rule.exceptions ? predicatesToGraph(rule.exceptions) : {};
  if (Object.keys(conditions).length > 0) view["conditions"] = conditions;
  if (Object.keys(actions).length > 0) view["actions"] = actions;
  if (Object.keys(exceptions).length > 0) view["exceptions"] = exceptions;
  return view;
}

/** Rules Graph lists for a mailbox: visible ones, in execution order. */
export function visibleRules(rules: readonly InboxRuleState[]): InboxRuleState[] {
  return rules.filter((r) => !r.hidden).sort((a, b) => a.priority - b.priority);
}
