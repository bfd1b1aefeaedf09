/**
 * inboxRule.list and inboxRule.get — read-only. `list` reads every rule of a mailbox through Graph and through
 * Exchange `Get-InboxRule -IncludeHidden` and pairs the two views exactly as `scan` does (`joinRules`); `get`
 * resolves one rule (inboxRule.resolve) and returns both of its views, read by id.
 */
import type { GraphMessageRule } from "../adapters/graph/client.js";
import type { Json } from "../engine/machine.js";
import type { Hit, RuleTarget } from "../model/hit.js";
import { resolveRuleFolders } from "../rules/graph-folders.js";
import { normalizeExoRule, normalizeGraphRule } from "../rules/normalize.js";
import { joinRules, type ExoRuleRecord } from "../scan/scan.js";
import { isNotFound, signalOf } from "./inbox-rule-common.js";
import { resolveRule, type Resolution } from "./inbox-rule-resolve.js";
import { defineAction, type ActionContext } from "./types.js";

export interface MailboxInput {
  mailboxId: string;
  upn: string;
}

const asJson = (v: unknown): Json => JSON.parse(JSON.stringify(v ?? null)) as Json;
const READ = {
  graph: ["MailboxSettings.Read", "Mail.ReadBasic.All"],
  exchange: ["Exchange.ManageAsApp"],
};

/** Every rule of the mailbox, Graph and Exchange (hidden included) joined; a side not read is said so. */
export async function listRules(ctx: ActionContext, mailboxId: string): Promise<Json> {
  const so = signalOf(ctx);
  let graph: { rule: GraphMessageRule; normal: ReturnType<typeof normalizeGraphRule> }[] | undefined;
  try {
    const rules = await ctx.graph.listMessageRules(mailboxId, so);
    const folders = await resolveRuleFolders(ctx.graph, mailboxId, rules, so);
    graph = rules.map((rule) => ({
      rule,
      normal: normalizeGraphRule(rule, ctx.tenantDomains, (id) => folders.get(id)),
    }));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  let exo:
    { rule: ExoRuleRecord; normal: ReturnType<typeof normalizeExoRule>; hidden: boolean }[] | undefined;
  if (ctx.exchange) {
    const all = await ctx.exchange.getInboxRules(mailboxId, { includeHidden: true, ...so });
    const visible = new Set(
      (await ctx.exchange.getInboxRules(mailboxId, { includeHidden: false, ...so })).map(
        (r) => r.ruleIdentity,
      ),
    );
    exo = all.map((rule) => ({
      rule,
      normal: normalizeExoRule(rule, ctx.tenantDomains),
      hidden: !visible.has(rule.ruleIdentity),
    }));
  }
  return asJson({
    read: { graph: graph !== undefined, exchange: exo !== undefined },
    rules: joinRules(graph, exo),
  });
}

/** Both views of one rule by its ids: Graph's messageRule (when Graph lists it) and the Exchange projection. */
export async function readRuleViews(
  ctx: ActionContext,
  mailboxId: string,
  ids: { graphRuleId?: string; ruleIdentity?: string },
): Promise<{ graph?: GraphMessageRule; exchange?: ExoRuleRecord }> {
  const so = signalOf(ctx);
  const out: { graph?: GraphMessageRule; exchange?: ExoRuleRecord } = {};
  const tolerate = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };
  const gid = ids.graphRuleId;
  if (gid) await tolerate(async () => void (out.graph = await ctx.graph.getMessageRule(mailboxId, gid, so)));
  const rid = ids.ruleIdentity;
  if (rid && ctx.exchange) {
    const x = ctx.exchange;
    await tolerate(async () => void (out.exchange = await x.getInboxRule(mailboxId, rid, so)));
  }
  return out;
}

async function getRule(ctx: ActionContext, input: RuleTarget): Promise<Json> {
  const resolution: Resolution = await resolveRule(ctx, input);
  if (resolution.status !== "exact" && resolution.status !== "matched") return asJson({ resolution });
  const views = await readRuleViews(ctx, input.mailboxId, {
    ...(resolution.graphRuleId ? { graphRuleId: resolution.graphRuleId } : {}),
    ...(resolution.ruleIdentity ? { ruleIdentity: resolution.ruleIdentity } : {}),
  });
  return asJson({ resolution, ...views });
}

function readOnly<I>(read: (ctx: ActionContext, input: I) => Promise<Json>) {
  return {
    readOnly: true as const,
    reversibility: "reversible" as const,
    async plan(ctx: ActionContext, input: I) {
      const v = await read(ctx, input);
      return {
        transport: "none" as const,
        before: v,
        after: v,
        noop: true,
        reversibility: "reversible" as const,
        warnings: [],
      };
    },
    async run(ctx: ActionContext, input: I) {
      const v = await read(ctx, input);
      return { before: v, after: v, alreadyDone: true };
    },
  };
}

export const inboxRuleList = defineAction<MailboxInput>({
  id: "inboxRule.list",
  scope: "object",
  description:
    "List every inbox rule of a mailbox: Graph and Exchange Get-InboxRule -IncludeHidden, paired as scan pairs them.",
  permissions: READ,
  limits: [
    "Read-only. Without Exchange Online, hidden rules (and the content of Graph-read-only rules) are not seen.",
    "Outlook client-side rules are not listed by either service.",
  ],
  inputFromHit: (hit: Hit) => ({ mailboxId: hit.user.id, upn: hit.user.upn }),
  targetId: (i) => `${i.mailboxId}/rules`,
  ...readOnly<MailboxInput>((ctx, i) => listRules(ctx, i.mailboxId)),
  async verify(ctx, input) {
    return { ok: true, observed: await listRules(ctx, input.mailboxId) };
  },
});

export const inboxRuleGet = defineAction<RuleTarget>({
  id: "inboxRule.get",
  scope: "object",
  description:
    "Read one inbox rule, resolved like inboxRule.resolve, with its Graph view and its Exchange (-IncludeHidden) projection.",
  permissions: READ,
  limits: [
    "Read-only. Gone or changed rules are reported as such, with no content; identical rules are listed under `also`.",
  ],
  inputFromHit: (hit) => (hit.target.kind === "inboxRule" ? hit.target : undefined),
  targetId: (i) => `${i.mailboxId}/rule/${i.ruleIdentity ?? i.graphRuleId ?? i.contentFingerprint}`,
  ...readOnly<RuleTarget>(getRule),
  async verify(ctx, input) {
    const v = await getRule(ctx, input);
    const status = (v as { resolution?: { status?: string } }).resolution?.status;
    return { ok: status === "exact" || status === "matched", observed: v };
  },
});
