/**
 * inboxRule.enable — turn a rule back on (the compensation of inboxRule.disable, as its own action). Resolved like
 * disable (id, else a unique name + content match); Graph PATCH `isEnabled:true` where Graph can change the rule,
 * `Enable-InboxRule` otherwise — which deletes the mailbox's Outlook client-side rules, so that path is only partly
 * reversible and attended only.
 */
import type { Json } from "../engine/machine.js";
import type { RuleTarget } from "../model/hit.js";
import {
  exchangeRuleLimit,
  exchangeRuleWarning,
  checkSame,
  readRuleState,
  refuseSeveral,
  resolveForWrite,
  resolvedOf,
  setEnabled,
  type ResolvedRule,
} from "./inbox-rule-common.js";
import { ActionError, defineAction, pollUntil, type ActionContext } from "./types.js";

async function liveOrGone(ctx: ActionContext, input: RuleTarget, r: ResolvedRule) {
  const live = await readRuleState(ctx, input.mailboxId, r);
  if (!live) throw new ActionError("the rule was removed after planning", "target-gone");
  return live;
}

export const inboxRuleEnable = defineAction<RuleTarget>({
  id: "inboxRule.enable",
  scope: "object",
  description:
    "Enable an inbox rule again (resolved by id, else by name and content): the compensation of inboxRule.disable.",
  permissions: {
    graph: ["MailboxSettings.ReadWrite", "Mail.ReadBasic.All"],
    exchange: ["Exchange.ManageAsApp"],
  },
  reversibility: "partly-reversible",
  attendedOnly: true,
  limits: [
    "Through Graph it is fully reversible (inboxRule.disable).",
    exchangeRuleLimit("Enable-InboxRule"),
    "Enabling a rule an attacker made re-opens the exfiltration path: run it only as a deliberate undo.",
  ],
  inputFromHit: (hit) => (hit.target.kind === "inboxRule" ? hit.target : undefined),
  targetId: (i) => `${i.mailboxId}/rule/${i.ruleIdentity ?? i.graphRuleId ?? i.contentFingerprint}`,

  async plan(ctx, input) {
    const { enabled, more, ...resolved } = await resolveForWrite(ctx, input);
    refuseSeveral(input, more.length, "enable");
    const exchange = resolved.transport === "exchange";
    return {
      transport: resolved.transport,
      target: { ...resolved },
      before: { enabled },
      after: { enabled: true },
      noop: enabled,
      reversibility: exchange ? "partly-reversible" : "reversible",
      warnings: exchange ? [exchangeRuleWarning("Enable-InboxRule")] : [],
    };
  },

  async run(ctx, input, plan) {
    const r = resolvedOf(plan.target);
    const live = await liveOrGone(ctx, input, r);
    checkSame(input, live);
    if (live.enabled) return { before: { enabled: true }, after: { enabled: true }, alreadyDone: true };
    await setEnabled(ctx, input.mailboxId, r, true);
    return { before: { enabled: false }, after: { enabled: true }, alreadyDone: false };
  },

  async verify(ctx, input, plan) {
    const r = resolvedOf(plan.target);
    const v = await pollUntil(
      ctx,
      () => readRuleState(ctx, input.mailboxId, r),
      (l) => l?.enabled === true,
    );
    return { ok: v.ok, observed: (v.value ? { enabled: v.value.enabled } : { exists: false }) as Json };
  },

  async compensate(ctx, input, before, target) {
    if (!before || typeof before !== "object" || Array.isArray(before) || before.enabled !== false) return;
    await setEnabled(ctx, input.mailboxId, resolvedOf(target), false);
  },
});
