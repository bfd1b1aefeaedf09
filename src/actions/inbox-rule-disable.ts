/**
 * inboxRule.disable — turn off the suspect inbox rule, addressed by its id (never its name). Graph PATCH
 * `isEnabled:false` where Graph can change the rule; Exchange `Disable-InboxRule` for hidden or Graph-read-only
 * rules, which also deletes the mailbox's Outlook client-side rules (so that path is only partly reversible).
 * Before changing anything the live rule's content fingerprint must still match the hit's.
 */
import { GraphApiError } from "../adapters/graph/errors.js";
import type { RuleTarget } from "../model/hit.js";
import { resolveRuleFolders } from "../rules/graph-folders.js";
import { contentFingerprint, normalizeExoRule, normalizeGraphRule } from "../rules/normalize.js";
import { ActionError, defineAction, pollUntil, type ActionContext } from "./types.js";

type Input = RuleTarget;

interface LiveRule {
  transport: "graph" | "exchange";
  enabled: boolean;
  fingerprint: string;
}

export function ruleTransport(input: Input, ctx: ActionContext): "graph" | "exchange" {
  if (input.graphRuleId && !input.graphReadOnly && !input.hidden) return "graph";
  if (input.ruleIdentity && ctx.exchange) return "exchange";
  throw new ActionError(
    input.ruleIdentity
      ? "this rule can only be changed through Exchange Online, which is not configured"
      : "the rule has neither a Graph id Graph can change nor an Exchange RuleIdentity",
    "no-transport",
  );
}

const isGone = (e: unknown) =>
  (e instanceof GraphApiError && e.kind === "notFound") ||
  (e instanceof Error && "category" in e && (e as { category: unknown }).category === "NotFound");

export async function readRule(
  ctx: ActionContext,
  input: Input,
  transport: "graph" | "exchange",
): Promise<LiveRule> {
  const so = ctx.signal ? { signal: ctx.signal } : {};
  try {
    if (transport === "graph") {
      const r = await ctx.graph.getMessageRule(input.mailboxId, input.graphRuleId!, so);
      const folders = await resolveRuleFolders(ctx.graph, input.mailboxId, [r], so);
      const normal = normalizeGraphRule(r, ctx.tenantDomains, (id) => folders.get(id));
      return { transport, enabled: r.isEnabled, fingerprint: contentFingerprint(normal) };
    }
    const r = await ctx.exchange!.getInboxRule(input.mailboxId, input.ruleIdentity!, so);
    return {
      transport,
      enabled: r.enabled,
      fingerprint: contentFingerprint(normalizeExoRule(r, ctx.tenantDomains)),
    };
  } catch (e) {
    if (isGone(e))
      throw new ActionError(`the rule ${JSON.stringify(input.ruleName)} no longer exists`, "target-gone");
    throw e;
  }
}

function checkSame(input: Input, live: LiveRule): void {
  if (live.fingerprint !== input.contentFingerprint)
    throw new ActionError(
      `the rule ${JSON.stringify(input.ruleName)} changed since it was detected (content fingerprint differs); a responder must look at it`,
      "target-changed",
    );
}

export const inboxRuleDisable = defineAction<Input>({
  id: "inboxRule.disable",
  scope: "object",
  description: "Disable the suspect inbox rule (by id), keeping it as evidence.",
  permissions: {
    graph: ["MailboxSettings.ReadWrite", "Mail.ReadBasic.All"],
    exchange: ["Exchange.ManageAsApp"],
  },
  reversibility: "reversible",
  limits: [
    "Disabling keeps the rule as evidence; an attacker who still holds a token can enable it again: revoke sessions too.",
    "Through Exchange (hidden or Graph-read-only rules) Disable-InboxRule deletes the user's Outlook client-side rules.",
  ],
  inputFromHit: (hit) => (hit.target.kind === "inboxRule" ? hit.target : undefined),
  targetId: (i) => `${i.mailboxId}/rule/${i.ruleIdentity ?? i.graphRuleId ?? i.contentFingerprint}`,

  async plan(ctx, input) {
    const transport = ruleTransport(input, ctx);
    const live = await readRule(ctx, input, transport);
    checkSame(input, live);
    const warnings =
      transport === "exchange"
        ? ["Disable-InboxRule deletes the mailbox's Outlook client-side rules (not restorable by mailwarden)"]
        : [];
    return {
      transport,
      before: { enabled: live.enabled },
      after: { enabled: false },
      noop: !live.enabled,
      reversibility: transport === "exchange" ? "partly-reversible" : "reversible",
      warnings,
    };
  },

  async run(ctx, input, plan) {
    const transport = plan.transport as "graph" | "exchange";
    const live = await readRule(ctx, input, transport);
    checkSame(input, live);
    if (!live.enabled) return { before: { enabled: false }, after: { enabled: false }, alreadyDone: true };
    const so = ctx.signal ? { signal: ctx.signal } : {};
    if (transport === "graph")
      await ctx.graph.updateMessageRule(input.mailboxId, input.graphRuleId!, { isEnabled: false }, so);
    else
      await ctx.exchange!.disableInboxRule(input.mailboxId, input.ruleIdentity!, {
        deleteOutlookClientRules: true,
        ...so,
      });
    return { before: { enabled: true }, after: { enabled: false }, alreadyDone: false };
  },

  async verify(ctx, input, plan) {
    const transport = plan.transport as "graph" | "exchange";
    const r = await pollUntil(
      ctx,
      () => readRule(ctx, input, transport),
      (l) => !l.enabled,
    );
    return { ok: r.ok, observed: { enabled: r.value.enabled } };
  },

  async compensate(ctx, input, before) {
    if (!before || typeof before !== "object" || Array.isArray(before) || before.enabled !== true) return;
    const transport = ruleTransport(input, ctx);
    const so = ctx.signal ? { signal: ctx.signal } : {};
    if (transport === "graph")
      await ctx.graph.updateMessageRule(input.mailboxId, input.graphRuleId!, { isEnabled: true }, so);
    else
      await ctx.exchange!.enableInboxRule(input.mailboxId, input.ruleIdentity!, {
        deleteOutlookClientRules: true,
        ...so,
      });
  },
});
