/**
 * inboxRule.disable — turn off the suspect inbox rule, addressed by its id (never its name). The rule is first
 * resolved (inbox-rule-resolve.ts): exact id, else a unique name + content match; ambiguous, changed or gone rules
 * go to a human. Graph PATCH `isEnabled:false` where Graph can change the rule; Exchange `Disable-InboxRule` for
 * hidden or Graph-read-only rules, which also deletes the mailbox's Outlook client-side rules (so that path is
 * only partly reversible).
 */
import type { Json } from "../engine/machine.js";
import type { RuleTarget } from "../model/hit.js";
import { contentFingerprint, normalizeExoRule, normalizeGraphRule } from "../rules/normalize.js";
import { resolveRuleFolders } from "../rules/graph-folders.js";
import { resolveRule } from "./inbox-rule-resolve.js";
import { ActionError, defineAction, pollUntil, type ActionContext } from "./types.js";

type Input = RuleTarget;

/** The resolved rule a plan acts on. */
interface Resolved {
  transport: "graph" | "exchange";
  ruleIdentity?: string;
  graphRuleId?: string;
}

async function resolveForWrite(ctx: ActionContext, input: Input): Promise<Resolved & { enabled: boolean }> {
  const r = await resolveRule(ctx, input);
  const name = JSON.stringify(input.ruleName);
  if (r.status === "gone")
    throw new ActionError(`the rule ${name} no longer exists (by id, or by name and content)`, "target-gone");
  if (r.status === "ambiguous")
    throw new ActionError(
      `${r.candidates} rules named ${name} have the detected content: a responder must choose`,
      "ambiguous",
    );
  if (r.status === "changed")
    throw new ActionError(
      `the rule ${name} changed since it was detected (${r.detail}); a responder must look at it`,
      "target-changed",
    );
  // Graph can change the rule only when it lists it with its content (not hidden, not read-only).
  const graphId = r.graphRuleId ?? (r.status === "exact" ? input.graphRuleId : undefined);
  if (graphId && !input.hidden && !input.graphReadOnly)
    return {
      transport: "graph",
      graphRuleId: graphId,
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

function resolvedOf(target: Json | undefined): Resolved {
  const t = (target ?? {}) as { transport?: string; ruleIdentity?: string; graphRuleId?: string };
  if (t.transport !== "graph" && t.transport !== "exchange")
    throw new Error("the plan carries no resolved rule");
  return {
    transport: t.transport,
    ...(t.ruleIdentity ? { ruleIdentity: t.ruleIdentity } : {}),
    ...(t.graphRuleId ? { graphRuleId: t.graphRuleId } : {}),
  };
}

/** Re-reads the resolved rule by its id on its transport: enabled state and content fingerprint. */
async function readRule(
  ctx: ActionContext,
  mailboxId: string,
  r: Resolved,
): Promise<{ enabled: boolean; fingerprint: string }> {
  const so = ctx.signal ? { signal: ctx.signal } : {};
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
    if (
      (e as { kind?: string; category?: string }).kind === "notFound" ||
      (e as { category?: string }).category === "NotFound"
    )
      throw new ActionError("the rule was removed after planning", "target-gone");
    throw e;
  }
}

function checkSame(input: Input, live: { fingerprint: string }): void {
  if (live.fingerprint !== input.contentFingerprint)
    throw new ActionError(
      `the rule ${JSON.stringify(input.ruleName)} changed since it was planned (content fingerprint differs); a responder must look at it`,
      "target-changed",
    );
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
    const so = ctx.signal ? { signal: ctx.signal } : {};
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
    const so = ctx.signal ? { signal: ctx.signal } : {};
    if (r.transport === "graph")
      await ctx.graph.updateMessageRule(input.mailboxId, r.graphRuleId!, { isEnabled: true }, so);
    else
      await ctx.exchange!.enableInboxRule(input.mailboxId, r.ruleIdentity!, {
        deleteOutlookClientRules: true,
        ...so,
      });
  },
});
