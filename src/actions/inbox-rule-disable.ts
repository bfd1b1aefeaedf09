/**
 * inboxRule.disable — turn off the suspect inbox rule, addressed by its id (never its name). The rule is first
 * resolved (inbox-rule-resolve.ts): exact id, else name + content; changed or gone rules go to a human. Identical
 * live rules (the same name and content, made again by the attacker) are all disabled by the same step, each with
 * its own before-image (`before.rules`, keyed by transport and id), and all restored by its compensation. Graph PATCH `isEnabled:false` where Graph can change the rule; Exchange `Disable-InboxRule` for
 * hidden or Graph-read-only rules, which also deletes the mailbox's Outlook client-side rules (so that path is
 * only partly reversible).
 */
import type { RuleTarget } from "../model/hit.js";
import type { Json } from "../engine/machine.js";
import {
  exchangeRuleLimit,
  exchangeRuleWarning,
  checkSame,
  planTarget,
  readRuleState,
  resolveForWrite,
  ruleKey,
  rulesOf,
  setEnabled,
  type ResolvedRule,
} from "./inbox-rule-common.js";
import { ActionError, defineAction, pollUntil, type ActionContext } from "./types.js";

type Input = RuleTarget;

/** Re-reads the resolved rule by its id on its transport: enabled state and content fingerprint. */
async function readRule(ctx: ActionContext, mailboxId: string, r: ResolvedRule) {
  const live = await readRuleState(ctx, mailboxId, r);
  if (!live) throw new ActionError("the rule was removed after planning", "target-gone");
  return live;
}

/** The before-image: `{enabled}` for one rule; with identical rules, each rule's own state under `rules`. */
function image(states: { rule: ResolvedRule; enabled: boolean }[]): Json {
  const first = states[0]!;
  if (states.length === 1) return { enabled: first.enabled };
  return {
    enabled: first.enabled,
    rules: states.map((x) => ({ rule: ruleKey(x.rule), enabled: x.enabled })),
  };
}

/** A rule's enabled state in a before-image made by image() (the first rule's at top level, each under `rules`). */
function enabledIn(before: Json, r: ResolvedRule, i: number): boolean {
  const b = (before && typeof before === "object" && !Array.isArray(before) ? before : {}) as Record<
    string,
    Json
  >;
  if (Array.isArray(b.rules)) {
    const hit = (b.rules as { rule?: string; enabled?: boolean }[]).find((x) => x.rule === ruleKey(r));
    if (hit) return hit.enabled === true;
  }
  return i === 0 ? b.enabled === true : true;
}

export const inboxRuleDisable = defineAction<Input>({
  id: "inboxRule.disable",
  scope: "object",
  description:
    "Disable the suspect inbox rule (resolved by id, else by name and content) and every identical one, keeping them as evidence.",
  permissions: {
    graph: ["MailboxSettings.ReadWrite", "Mail.ReadBasic.All"],
    exchange: ["Exchange.ManageAsApp"],
  },
  reversibility: "reversible",
  limits: [
    "Disabling keeps the rule as evidence; an attacker who still holds a token can enable it again: revoke sessions too.",
    exchangeRuleLimit("Disable-InboxRule"),
  ],
  inputFromHit: (hit) => (hit.target.kind === "inboxRule" ? hit.target : undefined),
  targetId: (i) => `${i.mailboxId}/rule/${i.ruleIdentity ?? i.graphRuleId ?? i.contentFingerprint}`,

  async plan(ctx, input) {
    const { more, ...first } = await resolveForWrite(ctx, input);
    const all = [first, ...more];
    const exchange = all.some((r) => r.transport === "exchange");
    const states = all.map((r) => ({ rule: r, enabled: r.enabled }));
    return {
      transport: first.transport,
      target: planTarget(first, more),
      before: image(states),
      after: image(states.map((x) => ({ ...x, enabled: false }))),
      noop: all.every((r) => !r.enabled),
      reversibility: exchange ? "partly-reversible" : "reversible",
      warnings: [
        ...(more.length
          ? [`${all.length} live rules have this name and content (made again and again): all are disabled`]
          : []),
        ...(exchange ? [exchangeRuleWarning("Disable-InboxRule")] : []),
      ],
    };
  },

  async run(ctx, input, plan) {
    const rules = rulesOf(plan.target);
    const live = [];
    if (plan.fresh) {
      // Resolved (content checked) moments ago (RunPlan.fresh): the plan's image is the live state.
      for (const [i, r] of rules.entries()) live.push({ rule: r, enabled: enabledIn(plan.before, r, i) });
    } else
      for (const r of rules) {
        const l = await readRule(ctx, input.mailboxId, r);
        checkSame(input, l);
        live.push({ rule: r, enabled: l.enabled });
      }
    for (const x of live) if (x.enabled) await setEnabled(ctx, input.mailboxId, x.rule, false);
    return {
      before: image(live),
      after: image(live.map((x) => ({ ...x, enabled: false }))),
      alreadyDone: live.every((x) => !x.enabled),
    };
  },

  async verify(ctx, input, plan) {
    const rules = rulesOf(plan.target);
    const v = await pollUntil(
      ctx,
      async () => {
        const out = [];
        for (const r of rules)
          out.push({ rule: r, enabled: (await readRule(ctx, input.mailboxId, r)).enabled });
        return out;
      },
      (l) => l.every((x) => !x.enabled),
    );
    return { ok: v.ok, observed: image(v.value) };
  },

  /** Restores each rule's before-image on the transport the step used (`target` is the plan's resolved rules). */
  async compensate(ctx, input, before, target) {
    if (!before || typeof before !== "object" || Array.isArray(before)) return;
    const rules = rulesOf(target);
    const each = Array.isArray(before.rules)
      ? (before.rules as { rule?: string; enabled?: boolean }[])
      : [{ rule: ruleKey(rules[0]!), enabled: before.enabled === true }];
    for (const r of rules) {
      const was = each.find((x) => x.rule === ruleKey(r));
      if (was?.enabled === true) await setEnabled(ctx, input.mailboxId, r, true);
    }
  },
});
