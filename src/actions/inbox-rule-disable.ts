/**
 * inboxRule.disable — turn off the suspect inbox rule, addressed by its id (never its name). The rule is first
 * resolved (inbox-rule-resolve.ts): exact id, else a unique name + content match; ambiguous, changed or gone rules
 * go to a human. Graph PATCH `isEnabled:false` where Graph can change the rule; Exchange `Disable-InboxRule` for
 * hidden or Graph-read-only rules, which also deletes the mailbox's Outlook client-side rules (so that path is
 * only partly reversible).
 */
import type { RuleTarget } from "../model/hit.js";
import {
  checkSame,
  readRuleState,
  refuseSystemRule,
  resolveForWrite,
  resolvedOf,
  type ResolvedRule,
} from "./inbox-rule-common.js";
import { ActionError, defineAction, pollUntil, type ActionContext, signalOf } from "./types.js";

type Input = RuleTarget;

/** Re-reads the resolved rule by its id on its transport: enabled state and content fingerprint. */
async function readRule(ctx: ActionContext, mailboxId: string, r: ResolvedRule) {
  const live = await readRuleState(ctx, mailboxId, r);
  if (!live) throw new ActionError("the rule was removed after planning", "target-gone");
  return live;
}

export const inboxRuleDisable = defineAction<Input>({
  id: "inboxRule.disable",
  scope: "object",
  description:
    "Disable the suspect inbox rule (resolved by id, else by name and content), keeping it as evidence.",
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
    refuseSystemRule(input.ruleName);
    const { enabled, ...resolved } = await resolveForWrite(ctx, input);
    const exchange = resolved.transport === "exchange";
    return {
      transport: resolved.transport,
      target: { ...resolved },
      before: { enabled },
      after: { enabled: false },
      noop: !enabled,
      reversibility: exchange ? "partly-reversible" : "reversible",
      warnings: exchange
        ? ["Disable-InboxRule deletes the mailbox's Outlook client-side rules (not restorable by mailwarden)"]
        : [],
    };
  },

  async run(ctx, input, plan) {
    const r = resolvedOf(plan.target);
    const live = await readRule(ctx, input.mailboxId, r);
    checkSame(input, live);
    if (!live.enabled) return { before: { enabled: false }, after: { enabled: false }, alreadyDone: true };
    const so = signalOf(ctx);
    if (r.transport === "graph")
      await ctx.graph.updateMessageRule(input.mailboxId, r.graphRuleId!, { isEnabled: false }, so);
    else
      await ctx.exchange!.disableInboxRule(input.mailboxId, r.ruleIdentity!, {
        deleteOutlookClientRules: true,
        ...so,
      });
    return { before: { enabled: true }, after: { enabled: false }, alreadyDone: false };
  },

  async verify(ctx, input, plan) {
    const r = resolvedOf(plan.target);
    const v = await pollUntil(
      ctx,
      () => readRule(ctx, input.mailboxId, r),
      (l) => !l.enabled,
    );
    return { ok: v.ok, observed: { enabled: v.value.enabled } };
  },

  /** Restores the before-image on the transport the step used (`target` is the plan's resolved rule). */
  async compensate(ctx, input, before, target) {
    if (!before || typeof before !== "object" || Array.isArray(before) || before.enabled !== true) return;
    const r = resolvedOf(target);
    const so = signalOf(ctx);
    if (r.transport === "graph")
      await ctx.graph.updateMessageRule(input.mailboxId, r.graphRuleId!, { isEnabled: true }, so);
    else
      await ctx.exchange!.enableInboxRule(input.mailboxId, r.ruleIdentity!, {
        deleteOutlookClientRules: true,
        ...so,
      });
  },
});
