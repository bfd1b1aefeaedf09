/**
 * Shared by inboxRule.disable, inboxRule.enable and inboxRule.remove: resolve the live rule for a write and pick the transport
 * (Graph where Graph can change the rule; Exchange for hidden or Graph-read-only rules), re-read it by its id on
 * that transport, and refuse a rule whose content changed since it was planned. Used by disable, enable and remove.
 */
import type { Json } from "../engine/machine.js";
import type { RuleTarget } from "../model/hit.js";
import { resolveRuleFolders } from "../rules/graph-folders.js";
import {
  contentFingerprint,
  normalizeExoRule,
  normalizeGraphRule,
  type ExoRuleLike,
} from "../rules/normalize.js";
import { isSystemRule } from "../rules/system.js";
import { resolveRule } from "./inbox-rule-resolve.js";
import { ActionError, type ActionContext, type ExchangeWriter } from "./types.js";

export interface ResolvedRule {
  transport: "graph" | "exchange";
  ruleIdentity?: string;
  graphRuleId?: string;
}

export { signalOf } from "./types.js";
import { signalOf } from "./types.js";

export { isNotFound } from "../adapters/errors.js";
import { isNotFound } from "../adapters/errors.js";

/**
 * Refuses a write to one of Exchange's own rules, recognised by what it is (rules/system.ts), never by its name:
 * a rule that only wears a system rule's name is contained like any other.
 */
export function refuseSystemRule(rule: ExoRuleLike, hidden: boolean, tenantDomains: readonly string[]): void {
  if (isSystemRule(normalizeExoRule(rule, tenantDomains), { hidden }))
    throw new ActionError(
      `${JSON.stringify(rule.name)} is one of Exchange's own rules (hidden, and it does only what junk, out-of-office or delegate rules do): mailwarden never touches it`,
      "precondition",
    );
}

/** A resolved rule with its state when planned. */
export type PlannedRule = ResolvedRule & { enabled: boolean };

/**
 * Resolves the hit's live rule for a write, with the transport to write it on; `more` holds every further live
 * rule with the same name and content (identical rules the attacker made again): containment acts on all of them.
 */
export async function resolveForWrite(
  ctx: ActionContext,
  input: RuleTarget,
): Promise<PlannedRule & { more: PlannedRule[] }> {
  const r = await resolveRule(ctx, input);
  const name = JSON.stringify(input.ruleName);
  if (r.status === "gone")
    throw new ActionError(`the rule ${name} no longer exists (by id, or by name and content)`, "target-gone");
  if (r.status === "changed")
    throw new ActionError(
      `the rule ${name} changed since it was detected (${r.detail}); a responder must look at it`,
      "target-changed",
    );
  // Exchange's own rules are hidden: for a hidden target, read what the live rule is before any write.
  if (input.hidden && r.ruleIdentity && ctx.exchange)
    refuseSystemRule(
      await ctx.exchange.getInboxRule(input.mailboxId, r.ruleIdentity, signalOf(ctx)),
      true,
      ctx.tenantDomains,
    );
  const graphId = r.graphRuleId ?? (r.status === "exact" ? input.graphRuleId : undefined);
  const first = transportFor(ctx, input, {
    graphRuleId: graphId,
    ruleIdentity: r.ruleIdentity,
    enabled: r.enabled,
  });
  const more = (r.also ?? []).map((x) => transportFor(ctx, input, x));
  return { ...first, more };
}

function transportFor(
  ctx: ActionContext,
  input: RuleTarget,
  r: { graphRuleId?: string | undefined; ruleIdentity?: string | undefined; enabled: boolean },
): PlannedRule {
  if (r.graphRuleId && !input.hidden && !input.graphReadOnly)
    return {
      transport: "graph",
      graphRuleId: r.graphRuleId,
      ...(r.ruleIdentity ? { ruleIdentity: r.ruleIdentity } : {}),
      enabled: r.enabled,
    };
  if (r.ruleIdentity && ctx.exchange)
    return { transport: "exchange", ruleIdentity: r.ruleIdentity, enabled: r.enabled };
  throw new ActionError(
    "this rule can only be changed through Exchange Online (hidden or read-only in Graph), which is not configured",
    "no-transport",
  );
}

/**
 * Attended single-rule actions (enable, remove) act on one rule per step: with identical live rules a responder
 * chooses (inboxRule.disable contains all of them at once).
 */
export function refuseSeveral(input: RuleTarget, more: number, verb: string): void {
  if (more > 0)
    throw new ActionError(
      `${more + 1} live rules are named ${JSON.stringify(input.ruleName)} with the detected content; inboxRule.${verb} acts on one rule: a responder must choose (inboxRule.disable contains them all)`,
      "ambiguous",
    );
}

/** The rule's key in a before-image: its transport and its id there. */
export const ruleKey = (r: ResolvedRule): string =>
  r.transport === "graph" ? `graph:${r.graphRuleId ?? ""}` : `exchange:${r.ruleIdentity ?? ""}`;

/** A plan's target: the resolved rule, and `more` identical rules when there are several. */
export function planTarget(first: ResolvedRule, more: readonly ResolvedRule[]): Json {
  const bare = (r: ResolvedRule): { [k: string]: Json } => ({
    transport: r.transport,
    ...(r.ruleIdentity ? { ruleIdentity: r.ruleIdentity } : {}),
    ...(r.graphRuleId ? { graphRuleId: r.graphRuleId } : {}),
  });
  return { ...bare(first), ...(more.length ? { more: more.map(bare) } : {}) };
}

/** Every rule a plan's target names: the resolved one first, then the identical ones. */
export function rulesOf(target: Json | undefined): ResolvedRule[] {
  const more = (target as { more?: Json[] } | null | undefined)?.more;
  return [resolvedOf(target), ...(Array.isArray(more) ? more.map((m) => resolvedOf(m)) : [])];
}

export function resolvedOf(target: Json | undefined): ResolvedRule {
  const t = (target ?? {}) as { transport?: string; ruleIdentity?: string; graphRuleId?: string };
  if (t.transport !== "graph" && t.transport !== "exchange")
    throw new Error("the plan carries no resolved rule");
  return {
    transport: t.transport,
    ...(t.ruleIdentity ? { ruleIdentity: t.ruleIdentity } : {}),
    ...(t.graphRuleId ? { graphRuleId: t.graphRuleId } : {}),
  };
}

/** The live rule by its id on its transport, or undefined when it no longer exists. */
export async function readRuleState(
  ctx: ActionContext,
  mailboxId: string,
  r: ResolvedRule,
): Promise<{ enabled: boolean; fingerprint: string } | undefined> {
  const so = signalOf(ctx);
  try {
    if (r.transport === "graph") {
      const rule = await ctx.graph.getMessageRule(mailboxId, r.graphRuleId!, so);
      const folders = await resolveRuleFolders(ctx.graph, mailboxId, [rule], so);
      return {
        enabled: rule.isEnabled,
        fingerprint: contentFingerprint(normalizeGraphRule(rule, ctx.tenantDomains, (id) => folders.get(id))),
      };
    }
    const rule = await ctx.exchange!.getInboxRule(mailboxId, r.ruleIdentity!, so);
    return {
      enabled: rule.enabled,
      fingerprint: contentFingerprint(normalizeExoRule(rule, ctx.tenantDomains)),
    };
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export function checkSame(input: RuleTarget, live: { fingerprint: string }): void {
  if (live.fingerprint !== input.contentFingerprint)
    throw new ActionError(
      `the rule ${JSON.stringify(input.ruleName)} changed since it was planned (content fingerprint differs); a responder must look at it`,
      "target-changed",
    );
}

/**
 * Every rule change through Exchange PowerShell deletes the mailbox's Outlook client-side (client-only) rules
 * (Microsoft's documentation of Disable-/Enable-/Remove-InboxRule). Graph is always preferred; the Exchange path is
 * taken only for a rule Graph cannot change, and every such plan says so in these words.
 */
export type RuleCmdlet = "Disable-InboxRule" | "Enable-InboxRule" | "Remove-InboxRule";

export function exchangeRuleWarning(cmdlet: RuleCmdlet): string {
  return `Exchange path (Graph cannot change this rule: hidden or read-only in Graph): ${cmdlet} deletes the mailbox's Outlook client-side rules (client-only rules), which mailwarden cannot restore`;
}

export function exchangeRuleLimit(cmdlet: RuleCmdlet): string {
  return `Graph is used whenever it can change the rule; a hidden or Graph-read-only rule goes through Exchange, where ${cmdlet} deletes the user's Outlook client-side rules (client-only rules), which mailwarden cannot restore.`;
}

/** Kept for inbox-rule-remove.ts: Remove-InboxRule is part of the ExchangeWriter contract. */
export type RuleRemover = ExchangeWriter;

/** Sets a resolved rule enabled or disabled on its transport (Exchange: the documented removal of Outlook client-only rules accepted). */
export async function setEnabled(ctx: ActionContext, mailboxId: string, r: ResolvedRule, enabled: boolean) {
  const so = signalOf(ctx);
  if (r.transport === "graph")
    await ctx.graph.updateMessageRule(mailboxId, r.graphRuleId!, { isEnabled: enabled }, so);
  else if (enabled)
    await ctx.exchange!.enableInboxRule(mailboxId, r.ruleIdentity!, {
      deleteOutlookClientRules: true,
      ...so,
    });
  else
    await ctx.exchange!.disableInboxRule(mailboxId, r.ruleIdentity!, {
      deleteOutlookClientRules: true,
      ...so,
    });
}
