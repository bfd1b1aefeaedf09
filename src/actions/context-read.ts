/**
 * Read-only context actions for a playbook's `gather`: the mailbox's delegates (Exchange), the user's risk state
 * (Identity Protection), and two that need no tenant call — the case's linked sign-ins (from its hits: Graph's
 * sign-in API has no session filter) and the other users touched from the attacker's session or IP (from the
 * store's other cases). None of them writes; a step of one is a no-op with nothing to undo.
 */
import { isNotFound } from "../adapters/errors.js";
import type { Json, StepPlan } from "../engine/machine.js";
import type { Hit } from "../model/hit.js";
import { attackerMarks, linkedSignIns, sharedMarks } from "../model/session.js";
import { ActionError, defineAction, signalOf, type ActionContext, type RunResult } from "./types.js";

interface UserInput {
  userId: string;
  upn: string;
}

const asJson = (v: unknown): Json => JSON.parse(JSON.stringify(v ?? null)) as Json;
const fromHit = (hit: Hit): UserInput => ({ userId: hit.user.id, upn: hit.user.upn });

/** The read-only shape shared by these actions: plan / run / verify only read. */
function reads(
  transport: StepPlan["transport"],
  read: (ctx: ActionContext, input: UserInput) => Promise<Json>,
) {
  return {
    readOnly: true as const,
    reversibility: "reversible" as const,
    inputFromHit: fromHit,
    async plan(ctx: ActionContext, input: UserInput) {
      const v = await read(ctx, input);
      return {
        transport,
        before: v,
        after: v,
        noop: true,
        reversibility: "reversible" as const,
        warnings: [],
      };
    },
    async run(ctx: ActionContext, input: UserInput): Promise<RunResult> {
      const v = await read(ctx, input);
      return { before: v, after: v, alreadyDone: true };
    },
    async verify(ctx: ActionContext, input: UserInput) {
      return { ok: true, observed: await read(ctx, input) };
    },
  };
}

const SELF = /^NT AUTHORITY\\SELF$/i;

async function readDelegates(ctx: ActionContext, input: UserInput): Promise<Json> {
  const x = ctx.exchange;
  if (!x?.getMailboxPermissions || !x.getRecipientPermissions)
    throw new ActionError(
      "delegates can only be read through Exchange Online, which is not configured",
      "no-transport",
    );
  const so = signalOf(ctx);
  const fullAccess = (await x.getMailboxPermissions(input.userId, so))
    .filter((p) => !p.isInherited && !p.deny && !SELF.test(p.user))
    .map((p) => ({ trustee: p.user, accessRights: p.accessRights }));
  const sendAs = (await x.getRecipientPermissions(input.userId, so))
    .filter((p) => !p.isInherited && !SELF.test(p.trustee) && (p.accessControlType ?? "Allow") === "Allow")
    .map((p) => ({ trustee: p.trustee, accessRights: p.accessRights }));
  const mailbox = await x.getMailbox(input.userId, so);
  return asJson({ fullAccess, sendAs, sendOnBehalf: mailbox.grantSendOnBehalfTo ?? [] });
}

export const delegationList = defineAction<UserInput>({
  id: "delegation.list",
  scope: "user",
  description:
    "List the mailbox's delegates: FullAccess (Get-MailboxPermission), SendAs (Get-RecipientPermission) and SendOnBehalf (Get-Mailbox), inherited and self entries left out.",
  permissions: { graph: [], exchange: ["Exchange.ManageAsApp"] },
  limits: [
    "Read-only. Folder-level permissions are not listed (each folder is a call of its own).",
    "Needs Exchange Online: Graph has no API for mailbox permissions.",
  ],
  targetId: (i) => `${i.userId}/delegates`,
  ...reads("exchange", readDelegates),
});

async function readRisk(ctx: ActionContext, input: UserInput): Promise<Json> {
  try {
    const r = await ctx.graph.getRiskyUser(input.userId, signalOf(ctx));
    return asJson({
      riskState: r.riskState ?? "none",
      riskLevel: r.riskLevel ?? "none",
      riskDetail: r.riskDetail ?? "none",
    });
  } catch (e) {
    // A user Identity Protection never flagged has no riskyUser entry.
    if (isNotFound(e)) return { riskState: "none", riskLevel: "none", riskDetail: "none" };
    throw e;
  }
}

export const userReadRisk = defineAction<UserInput>({
  id: "user.readRisk",
  scope: "user",
  description: "Read the user's risk state, level and detail in Identity Protection (riskyUsers).",
  permissions: { graph: ["IdentityRiskyUser.Read.All"], exchange: [] },
  limits: [
    "Read-only. Needs Entra ID P2; a user never flagged reads as riskState none.",
    "Identity Protection allows 1 request per second per tenant; calls are paced.",
  ],
  targetId: (i) => `${i.userId}/risk`,
  ...reads("graph", readRisk),
});

const caseOf = (ctx: ActionContext) => {
  if (!ctx.caseView)
    throw new ActionError("reads the case's hits: only a playbook's gather runs it", "precondition");
  return ctx.caseView;
};

export const caseLinkedSignIns = defineAction<UserInput>({
  id: "case.linkedSignIns",
  scope: "user",
  description:
    "The sign-ins the hunt linked to the case's hits (session id, unique token id, IP, risk), which of them are the attacker's, and its session marks. No tenant call.",
  permissions: { graph: [], exchange: [] },
  limits: [
    "Read-only. Taken from the case's hits: Graph's sign-in API has no session filter, so the attacker's session cannot be re-read from the tenant; a case found by scan (live state, no audit record) has none.",
    "The attacker's sign-ins are those linked to the case's high-severity hits and those Identity Protection rated medium or high risk.",
  ],
  targetId: (i) => `${i.userId}/case/signins`,
  ...reads("none", (ctx) => {
    const hits = caseOf(ctx).hits;
    const m = attackerMarks(hits);
    return Promise.resolve(
      asJson({
        signIns: linkedSignIns(hits),
        attacker: { sessionIds: [...m.sessionIds], uniqueTokenIds: [...m.tokenIds], ips: [...m.ips] },
      }),
    );
  }),
});

export const caseSessionPeers = defineAction<UserInput>({
  id: "case.sessionPeers",
  scope: "user",
  description:
    "Other users of the tenant whose cases hold a hit made from this case's attacker session, token or IP (from the case store). No tenant call.",
  permissions: { graph: [], exchange: [] },
  limits: [
    "Read-only. Taken from the case store: only users mailwarden already has a case for (hunted or scanned) are seen.",
    "A shared IP can be a NAT or a VPN exit that innocent users share too: `matchedOn` says what matched.",
  ],
  targetId: (i) => `${i.userId}/case/peers`,
  ...reads("none", (ctx) => {
    const view = caseOf(ctx);
    const marks = attackerMarks(view.hits);
    const peers = view
      .otherCases()
      .map((c) => {
        const matched = c.hits.map((h) => ({ h, on: sharedMarks(h, marks) })).filter((x) => x.on.length);
        return {
          user: c.user,
          caseId: c.caseId,
          status: c.status,
          matchedOn: [...new Set(matched.flatMap((x) => x.on))].sort(),
          hitKeys: matched.map((x) => x.h.hitKey),
        };
      })
      .filter((p) => p.hitKeys.length);
    return Promise.resolve(asJson({ count: peers.length, peers }));
  }),
});
