/**
 * inboxRule.remove — delete a suspect inbox rule, only once its full before-image is stored: the plan reads the
 * rule's Graph view (conditions, exceptions, actions) and its Exchange projection and returns them as `before`;
 * run refuses a plan without them. Graph `DELETE …/messageRules/{id}` where Graph can change the rule, else
 * `Remove-InboxRule` by RuleIdentity (which deletes the mailbox's Outlook client-side rules too). Compensation
 * re-creates the rule through Graph `POST …/messageRules` from the before-image — with a new id, so partly
 * reversible; a hidden or Graph-read-only rule has no Graph view to re-create from, so removing it is
 * irreversible (the plan says which). Exchange's own rules are refused (recognised by what they are).
 */
import type { GraphMessageRule } from "../adapters/graph/client.js";
import type { Json } from "../engine/machine.js";
import type { RuleTarget } from "../model/hit.js";
import { resolveRuleFolders } from "../rules/graph-folders.js";
import { contentFingerprint, normalizeGraphRule } from "../rules/normalize.js";
import {
  exchangeRuleLimit,
  exchangeRuleWarning,
  checkSame,
  readRuleState,
  refuseSystemRule,
  refuseSeveral,
  resolveForWrite,
  resolvedOf,
  signalOf,
  type RuleRemover,
} from "./inbox-rule-common.js";
import { readRuleViews } from "./inbox-rule-read.js";
import { ActionError, defineAction, pollUntil, type ActionContext } from "./types.js";

interface BeforeImage {
  exists: true;
  transport: "graph" | "exchange";
  enabled: boolean;
  recreatable: boolean;
  graph: GraphMessageRule | null;
  exchange: { name: string } | null;
}

const asJson = (v: unknown): Json => JSON.parse(JSON.stringify(v ?? null)) as Json;

/** Graph can re-create the rule only from a view that shows its content (not hidden, not read-only). */
const recreatable = (g: GraphMessageRule | undefined, input: RuleTarget) =>
  !!g && !input.hidden && !g.isReadOnly && g.actions !== undefined && g.actions !== null;

function imageOf(before: Json): BeforeImage | undefined {
  if (!before || typeof before !== "object" || Array.isArray(before) || before.exists !== true)
    return undefined;
  const b = before as unknown as BeforeImage;
  return b.graph || b.exchange ? b : undefined;
}

async function sameRuleExists(ctx: ActionContext, input: RuleTarget, name: string): Promise<boolean> {
  const so = signalOf(ctx);
  const rules = (await ctx.graph.listMessageRules(input.mailboxId, so)).filter((r) => r.displayName === name);
  if (rules.length === 0) return false;
  const folders = await resolveRuleFolders(ctx.graph, input.mailboxId, rules, so);
  return rules.some(
    (r) =>
      contentFingerprint(normalizeGraphRule(r, ctx.tenantDomains, (id) => folders.get(id))) ===
      input.contentFingerprint,
  );
}

export const inboxRuleRemove = defineAction<RuleTarget>({
  id: "inboxRule.remove",
  scope: "object",
  description:
    "Delete the suspect inbox rule after storing its full before-image (Graph view and Exchange projection).",
  permissions: {
    graph: ["MailboxSettings.ReadWrite", "Mail.ReadBasic.All"],
    exchange: ["Exchange.ManageAsApp"],
  },
  reversibility: "partly-reversible",
  attendedOnly: true,
  limits: [
    "Prefer inboxRule.disable: it keeps the rule as evidence and is fully reversible.",
    "Compensation re-creates the rule through Graph from the before-image with a new id (and a new RuleIdentity); audit records of the old rule do not point at it.",
    "Hidden and Graph-read-only rules cannot be re-created through Graph: removing them is irreversible.",
    exchangeRuleLimit("Remove-InboxRule"),
    "Exchange's own rules (junk, out-of-office, delegate: hidden, doing only what those do) are refused, whatever their name.",
  ],
  inputFromHit: (hit) => (hit.target.kind === "inboxRule" ? hit.target : undefined),
  targetId: (i) => `${i.mailboxId}/rule/${i.ruleIdentity ?? i.graphRuleId ?? i.contentFingerprint}`,

  async plan(ctx, input) {
    const { enabled, more, ...resolved } = await resolveForWrite(ctx, input);
    refuseSeveral(input, more.length, "remove");
    const graphRuleId = resolved.graphRuleId ?? input.graphRuleId;
    const views = await readRuleViews(ctx, input.mailboxId, {
      ...(graphRuleId ? { graphRuleId } : {}),
      ...(resolved.ruleIdentity ? { ruleIdentity: resolved.ruleIdentity } : {}),
    });
    if (!views.graph && !views.exchange)
      throw new ActionError("the rule could not be read for its before-image", "target-gone");
    if (views.exchange) refuseSystemRule(views.exchange, input.hidden, ctx.tenantDomains);
    const canRecreate = recreatable(views.graph, input);
    const before: BeforeImage = {
      exists: true,
      transport: resolved.transport,
      enabled,
      recreatable: canRecreate,
      graph: views.graph ?? null,
      exchange: views.exchange ?? null,
    };
    const warnings = [
      canRecreate
        ? "compensation re-creates the rule through Graph from the before-image, with a new id"
        : "this rule is hidden or read-only in Graph: it cannot be re-created, removal is irreversible (prefer inboxRule.disable)",
      ...(resolved.transport === "exchange" ? [exchangeRuleWarning("Remove-InboxRule")] : []),
    ];
    return {
      transport: resolved.transport,
      target: { ...resolved },
      before: asJson(before),
      after: { exists: false },
      noop: false,
      reversibility: canRecreate ? "partly-reversible" : "irreversible",
      warnings,
    };
  },

  async run(ctx, input, plan) {
    if (!imageOf(plan.before))
      throw new ActionError("no before-image of the rule is stored: plan the removal first", "precondition");
    const r = resolvedOf(plan.target);
    const live = await readRuleState(ctx, input.mailboxId, r);
    if (!live) return { before: plan.before, after: { exists: false }, alreadyDone: true };
    checkSame(input, live);
    const so = signalOf(ctx);
    if (r.transport === "graph") await ctx.graph.deleteMessageRule(input.mailboxId, r.graphRuleId!, so);
    else {
      const x: RuleRemover | undefined = ctx.exchange;
      if (!x?.removeInboxRule)
        throw new ActionError("the Exchange client cannot run Remove-InboxRule", "no-transport");
      await x.removeInboxRule(input.mailboxId, r.ruleIdentity!, { deleteOutlookClientRules: true, ...so });
    }
    return { before: plan.before, after: { exists: false }, alreadyDone: false };
  },

  async verify(ctx, input, plan) {
    const r = resolvedOf(plan.target);
    const v = await pollUntil(
      ctx,
      () => readRuleState(ctx, input.mailboxId, r),
      (l) => l === undefined,
    );
    return {
      ok: v.ok,
      observed: (v.value ? { exists: true, enabled: v.value.enabled } : { exists: false }) as Json,
    };
  },

  /** Re-creates the rule through Graph from the stored view (a new id); idempotent: an identical rule is kept. */
  async compensate(ctx, input, before) {
    const b = imageOf(before);
    if (!b) return;
    const g = b.graph;
    if (!b.recreatable || !g || !g.actions)
      throw new ActionError(
        `the rule ${JSON.stringify(input.ruleName)} was hidden or read-only in Graph: it cannot be re-created (irreversible)`,
        "precondition",
      );
    if (await sameRuleExists(ctx, input, g.displayName)) return;
    await ctx.graph.createMessageRule(
      input.mailboxId,
      {
        displayName: g.displayName,
        sequence: g.sequence ?? 1,
        isEnabled: g.isEnabled,
        actions: g.actions,
        ...(g.conditions ? { conditions: g.conditions } : {}),
        ...(g.exceptions ? { exceptions: g.exceptions } : {}),
      },
      signalOf(ctx),
    );
  },
});
