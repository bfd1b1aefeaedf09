/**
 * inboxRule.resolve — from a hit's target to the live rules. In order: the exact id (RuleIdentity through
 * Exchange, or the Graph id) with the same content; else the rules with the same name and content fingerprint (a
 * rule re-created by the attacker gets new ids). Exchange accepts several rules of one name in a mailbox, and an
 * attacker may make the same rule again and again: every further live rule with the hit's name and content is
 * returned too (`also`), so containment acts on all of them. A rule whose content differs under the same id is
 * `changed`, none left is `gone`: those go to a human. Graph ids and RuleIdentity values are never converted into
 * each other.
 */
import { isNotFound } from "../adapters/errors.js";
import type { Json } from "../engine/machine.js";
import type { RuleTarget } from "../model/hit.js";
import { resolveRuleFolders } from "../rules/graph-folders.js";
import { contentFingerprint, normalizeExoRule, normalizeGraphRule } from "../rules/normalize.js";
import { defineAction, type ActionContext, signalOf } from "./types.js";

/** One more live rule with the hit's name and content (on the transport that found it). */
export interface SameRule {
  ruleIdentity?: string;
  graphRuleId?: string;
  enabled: boolean;
}

export type Resolution =
  | {
      status: "exact" | "matched";
      ruleIdentity?: string;
      graphRuleId?: string;
      enabled: boolean;
      via: "graph" | "exchange";
      /** Further live rules with the same name and content (identical rules made again), in id order. */
      also?: SameRule[];
    }
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

/** Every live rule with the target's name and content fingerprint, in id order, on the transport `via`. */
async function sameRules(
  ctx: ActionContext,
  t: RuleTarget,
  via: "graph" | "exchange",
): Promise<{ id: string; rule: SameRule }[]> {
  const so = signalOf(ctx);
  if (via === "exchange" && ctx.exchange) {
    const rules = await ctx.exchange.getInboxRules(t.mailboxId, { includeHidden: true, ...so });
    return rules
      .filter(
        (r) =>
          r.name === t.ruleName &&
          contentFingerprint(normalizeExoRule(r, ctx.tenantDomains)) === t.contentFingerprint,
      )
      .map((r) => ({ id: r.ruleIdentity, rule: { ruleIdentity: r.ruleIdentity, enabled: r.enabled } }))
      .sort((a, b) => compareIds(a.id, b.id));
  }
  const rules = (await ctx.graph.listMessageRules(t.mailboxId, so)).filter(
    (r) => r.displayName === t.ruleName,
  );
  const folders = await resolveRuleFolders(ctx.graph, t.mailboxId, rules, so);
  return rules
    .filter(
      (r) =>
        contentFingerprint(normalizeGraphRule(r, ctx.tenantDomains, (id) => folders.get(id))) ===
        t.contentFingerprint,
    )
    .map((r) => ({ id: r.id, rule: { graphRuleId: r.id, enabled: r.isEnabled } }))
    .sort((a, b) => compareIds(a.id, b.id));
}

/** RuleIdentity values are uint64 decimals: numeric order; Graph ids: text order. */
function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

async function bySearch(ctx: ActionContext, t: RuleTarget): Promise<Resolution> {
  const via = ctx.exchange ? "exchange" : "graph";
  const [first, ...rest] = await sameRules(ctx, t, via);
  if (!first) return { status: "gone" };
  return {
    status: "matched",
    ...first.rule,
    via,
    ...(rest.length ? { also: rest.map((x) => x.rule) } : {}),
  };
}

/** The exact rule plus every other live rule with its name and content (identical rules made again). */
async function withSameRules(ctx: ActionContext, t: RuleTarget, r: Resolution): Promise<Resolution> {
  if (r.status !== "exact") return r;
  // Look where the write will go: Graph for a rule Graph can change (the fully reversible path), else Exchange.
  const via = r.graphRuleId && !t.hidden && !t.graphReadOnly ? "graph" : r.via;
  const mine = via === "graph" ? r.graphRuleId : r.ruleIdentity;
  const others = (await sameRules(ctx, t, via)).filter((x) => x.id !== mine);
  if (!others.length) return r;
  return { ...r, also: others.map((x) => x.rule) };
}

/** Resolves the live rules; never throws for gone/changed (they are outcomes a human must see). */
export async function resolveRule(ctx: ActionContext, t: RuleTarget): Promise<Resolution> {
  // Where Graph can change the rule (the write goes there), its Graph id is read first: no Exchange round trip
  // (about a second per cmdlet) for a rule Graph resolves exactly.
  const graphFirst = !!t.graphRuleId && !t.hidden && !t.graphReadOnly;
  for (const step of graphFirst ? [byGraphId, byExchangeId] : [byExchangeId, byGraphId]) {
    const r = await step(ctx, t);
    if (r) return withSameRules(ctx, t, r);
  }
  return bySearch(ctx, t);
}

const asJson = (r: Resolution): Json => JSON.parse(JSON.stringify(r)) as Json;

export const inboxRuleResolve = defineAction<RuleTarget>({
  id: "inboxRule.resolve",
  scope: "object",
  description:
    "Find the live rules a hit names: exact id, else name + content; every identical rule too; changed or gone go to a human.",
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
