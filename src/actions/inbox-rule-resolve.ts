/**
 * inboxRule.resolve — from a hit's target to the live rule. In order: the exact id (RuleIdentity through
 * Exchange, or the Graph id) with the same content; else a unique rule with the same name and content
 * fingerprint (a rule re-created by the attacker gets new ids); else `ambiguous` or `gone`, which go to a human.
 * Graph ids and RuleIdentity values are never converted into each other.
 */
import { isNotFound } from "../adapters/errors.js";
import type { Json } from "../engine/machine.js";
import type { RuleTarget } from "../model/hit.js";
import { resolveRuleFolders } from "../rules/graph-folders.js";
import { contentFingerprint, normalizeExoRule, normalizeGraphRule } from "../rules/normalize.js";
import { defineAction, type ActionContext, signalOf } from "./types.js";

export type Resolution =
  | {
      status: "exact" | "matched";
      ruleIdentity?: string;
      graphRuleId?: string;
      enabled: boolean;
      via: "graph" | "exchange";
    }
  | { status: "ambiguous"; candidates: number }
  | { status: "changed"; detail: string }
  | { status: "gone" };

async function byExchangeId(ctx: ActionContext, t: RuleTarget): Promise<Resolution | undefined> {
  if (!t.ruleIdentity || !ctx.exchange) return undefined;
  try {
    const r = await ctx.exchange.getInboxRule(t.mailboxId, t.ruleIdentity, signalOf(ctx));
    if (contentFingerprint(normalizeExoRule(r, ctx.tenantDomains)) !== t.contentFingerprint)
      return {
        status: "changed",
        detail: "the rule with this RuleIdentity now has other conditions or actions",
      };
    return {
      status: "exact",
      ruleIdentity: r.ruleIdentity,
      ...(t.graphRuleId ? { graphRuleId: t.graphRuleId } : {}),
      enabled: r.enabled,
      via: "exchange",
    };
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function byGraphId(ctx: ActionContext, t: RuleTarget): Promise<Resolution | undefined> {
  if (!t.graphRuleId) return undefined;
  const so = signalOf(ctx);
  try {
    const r = await ctx.graph.getMessageRule(t.mailboxId, t.graphRuleId, so);
    if (r.isReadOnly && !r.conditions && !r.actions) return undefined; // Graph cannot show its content
    const folders = await resolveRuleFolders(ctx.graph, t.mailboxId, [r], so);
    if (
      contentFingerprint(normalizeGraphRule(r, ctx.tenantDomains, (id) => folders.get(id))) !==
      t.contentFingerprint
    )
      return { status: "changed", detail: "the rule with this Graph id now has other conditions or actions" };
    return {
      status: "exact",
      graphRuleId: r.id,
      ...(t.ruleIdentity ? { ruleIdentity: t.ruleIdentity } : {}),
      enabled: r.isEnabled,
      via: "graph",
    };
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function bySearch(ctx: ActionContext, t: RuleTarget): Promise<Resolution> {
  const so = signalOf(ctx);
  if (ctx.exchange) {
    const rules = await ctx.exchange.getInboxRules(t.mailboxId, { includeHidden: true, ...so });
    const same = rules.filter(
      (r) =>
        r.name === t.ruleName &&
        contentFingerprint(normalizeExoRule(r, ctx.tenantDomains)) === t.contentFingerprint,
    );
    if (same.length === 1)
      return {
        status: "matched",
        ruleIdentity: same[0]!.ruleIdentity,
        enabled: same[0]!.enabled,
        via: "exchange",
      };
    if (same.length > 1) return { status: "ambiguous", candidates: same.length };
    return { status: "gone" };
  }
  const rules = await ctx.graph.listMessageRules(t.mailboxId, so);
  const folders = await resolveRuleFolders(ctx.graph, t.mailboxId, rules, so);
  const same = rules.filter(
    (r) =>
      r.displayName === t.ruleName &&
      contentFingerprint(normalizeGraphRule(r, ctx.tenantDomains, (id) => folders.get(id))) ===
        t.contentFingerprint,
  );
  if (same.length === 1)
    return { status: "matched", graphRuleId: same[0]!.id, enabled: same[0]!.isEnabled, via: "graph" };
  if (same.length > 1) return { status: "ambiguous", candidates: same.length };
  return { status: "gone" };
}

/** Resolves the live rule; never throws for gone/ambiguous/changed (they are outcomes a human must see). */
export async function resolveRule(ctx: ActionContext, t: RuleTarget): Promise<Resolution> {
  for (const step of [byExchangeId, byGraphId]) {
    const r = await step(ctx, t);
    if (r) return r;
  }
  return bySearch(ctx, t);
}

const asJson = (r: Resolution): Json => JSON.parse(JSON.stringify(r)) as Json;

export const inboxRuleResolve = defineAction<RuleTarget>({
  id: "inboxRule.resolve",
  scope: "object",
  description:
    "Find the live rule a hit names: exact id, else a unique name + content match; ambiguous or gone go to a human.",
  permissions: { graph: ["MailboxSettings.Read", "Mail.ReadBasic.All"], exchange: ["Exchange.ManageAsApp"] },
  readOnly: true,
  reversibility: "reversible",
  limits: ["Read-only. A rule whose name and content both changed cannot be told apart from a new rule."],
  inputFromHit: (hit) => (hit.target.kind === "inboxRule" ? hit.target : undefined),
  targetId: (i) => `${i.mailboxId}/rule/${i.ruleIdentity ?? i.graphRuleId ?? i.contentFingerprint}`,
  async plan(ctx, input) {
    const r = await resolveRule(ctx, input);
    return {
      transport: "none",
      before: asJson(r),
      after: asJson(r),
      noop: true,
      reversibility: "reversible",
      warnings: [],
    };
  },
  async run(ctx, input) {
    const r = asJson(await resolveRule(ctx, input));
    return { before: r, after: r, alreadyDone: true };
  },
  async verify(ctx, input) {
    const r = await resolveRule(ctx, input);
    return { ok: r.status === "exact" || r.status === "matched", observed: asJson(r) };
  },
});
