/**
 * Get-TransportRule / Disable-TransportRule / Enable-TransportRule [D]: organisation-wide mail-flow rules.
 * Identity: the rule's name or Guid (case-insensitive) [D RuleIdParameter]; Get- without Identity (or null/"") lists
 * every rule, ordered by priority; -State Enabled|Disabled filters. Objects (apis.md B2, property names [I]):
 * Name, Identity (= Name), Guid, State, Mode, Priority, Description, the rule's conditions under their parameter
 * names, BlindCopyTo, RedirectMessageTo, CopyTo, AddToRecipients, DeleteMessage, WhenChanged; sparse, Priority always
 * present. Disable-/Enable- change State (no write when it already is) and move WhenChanged to the emulator clock.
 */
import type { TenantState, TransportRuleState } from "../../state.js";
import { givenIdentity, type ServerCmdlet } from "../binding.js";
import { notFound } from "../errors.js";
import type { RestObject, RestValue } from "../json.js";
import { sparse } from "../sparse.js";
import type { Found } from "./common.js";
import { pageResults } from "./paging.js";
import { delayedWrite } from "./visibility.js";

export function renderTransportRule(rule: TransportRuleState): RestObject {
  const conditions: Record<string, RestValue> = {};
  for (const [key, value] of Object.entries(rule.conditions))
    conditions[key] = Array.isArray(value) ? [...value] : value;
  return {
    ...sparse({
      Name: rule.name,
      Identity: rule.name,
      Guid: rule.guid,
      State: rule.state,
      Mode: rule.mode,
    }),
    Priority: rule.priority,
    ...sparse({
      Description: rule.description,
      ...conditions,
      BlindCopyTo: [...rule.blindCopyTo],
      RedirectMessageTo: [...rule.redirectMessageTo],
      CopyTo: [...rule.copyTo],
      AddToRecipients: [...rule.addToRecipients],
      DeleteMessage: rule.deleteMessage,
      WhenChanged: rule.whenChanged,
    }),
  };
}

function matches(state: TenantState, identity: string): TransportRuleState[] {
  const key = identity.trim().toLowerCase();
  return state.transportRules.filter((r) => r.name.toLowerCase() === key || r.guid.toLowerCase() === key);
}

function oneTransportRule(state: TenantState, identity: string): Found<TransportRuleState> {
  const [rule] = matches(state, identity);
  return rule ? { ok: true, value: rule } : { ok: false, failure: notFound(identity) };
}

export const getTransportRule: ServerCmdlet = {
  name: "Get-TransportRule",
  parameters: {
    Identity: "Identity",
    State: ["Enabled", "Disabled"],
    ResultSize: "ResultSize",
    ExcludeConditionActionDetails: "Bool",
    DomainController: "Accepted",
  },
  run(ctx, params) {
    const identity = givenIdentity(params, "Identity");
    let rules = identity === null ? [...ctx.state.transportRules] : matches(ctx.state, identity);
    if (identity !== null && rules.length === 0) return { ok: false, failure: notFound(identity) };
    const state = params["State"];
    if (typeof state === "string") rules = rules.filter((r) => r.state === state);
    return pageResults(rules.sort((a, b) => a.priority - b.priority).map(renderTransportRule), params, 1000);
  },
};

function toggle(name: string, state: TransportRuleState["state"]): ServerCmdlet {
  return {
    name,
    parameters: { Identity: "Identity", Confirm: "Bool", DomainController: "Accepted" },
    mandatory: ["Identity"],
    run(ctx, params) {
      const found = oneTransportRule(ctx.state, givenIdentity(params, "Identity") ?? "");
      if (!found.ok) return found;
      const rule = found.value;
      if (rule.state === state) return { ok: true, value: [], write: false, warnings: [] };
      const when = ctx.clock.now().toISOString();
      delayedWrite(ctx, "rule", `transportRule:${rule.guid}`, () => {
        rule.state = state;
        rule.whenChanged = when;
      });
      return { ok: true, value: [], write: true, warnings: [] };
    },
  };
}

export const disableTransportRule = toggle("Disable-TransportRule", "Disabled");
export const enableTransportRule = toggle("Enable-TransportRule", "Enabled");
