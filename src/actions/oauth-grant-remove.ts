/**
 * oauthGrant.removeSessionGrants — remove the delegated permission grants (OAuth consents) the user gave in the
 * attacker's session. A grant has no creation time, so the directory audit log decides: a "Consent to application"
 * record initiated by the user for the grant's client, in the session window and from an attacker IP (when IPs are
 * known). A grant whose client the user had also consented to before the window is kept and named in the plan:
 * consent adds scopes to the same grant, so the session's part cannot be told apart from the user's own.
 * Compensation re-creates each grant from its before-image; the directory gives it a new id.
 */
import type { GraphOAuth2Grant } from "../adapters/graph/client.js";
import type { Json } from "../engine/machine.js";
import {
  inWindow,
  ipFits,
  jsonList,
  SESSION_WINDOW_LIMIT,
  sessionInputFromHit,
  sessionInputFromCase,
  deleteEach,
  userObjectId,
  windowJson,
  windowWarnings,
  type SessionInput,
} from "./session-window.js";
import { defineAction, pollUntil, type ActionContext, type RunResult, signalOf } from "./types.js";

/** Directory audit retention on Entra ID P1/P2 (30 days; 7 on the free tier): how far back "before" is looked for. */
const AUDIT_LOOKBACK_MS = 30 * 86_400_000;

interface Kept {
  id: string;
  clientId: string;
  reason: string;
}

/**
 * A grant's before-image: everything needed to re-create it, and no id — a re-created grant gets a new one, so the
 * rollback's re-read compares what was consented, not which object holds it. Images are sorted for the same reason.
 */
const image = (g: GraphOAuth2Grant): Json => ({
  clientId: g.clientId,
  consentType: g.consentType,
  principalId: g.principalId,
  resourceId: g.resourceId,
  scope: g.scope,
});
const images = (gs: GraphOAuth2Grant[]): Json[] =>
  [...gs]
    .sort((a, b) => `${a.clientId}/${a.resourceId}`.localeCompare(`${b.clientId}/${b.resourceId}`))
    .map(image);
/** The grant ids the plan resolved (in `plan.target`, beside what it keeps and why). */
const plannedIds = (target: Json | undefined) => jsonList<string>(target, "grantIds");

async function select(
  ctx: ActionContext,
  input: SessionInput,
): Promise<{ remove: GraphOAuth2Grant[]; kept: Kept[] }> {
  const userId = userObjectId(input);
  const so = signalOf(ctx);
  const grants = (await ctx.graph.listUserOAuth2Grants(userId, so)).filter(
    (g) => g.consentType === "Principal" && g.principalId?.toLowerCase() === userId.toLowerCase(),
  );
  if (!grants.length) return { remove: [], kept: [] };
  const since = new Date(Date.parse(input.windowStart) - AUDIT_LOOKBACK_MS).toISOString();
  const consents = await ctx.graph.listUserDirectoryAudits(
    { activity: "Consent to application", userId, since },
    so,
  );
  const forClient = (clientId: string) =>
    consents.filter(
      (a) =>
        a.result !== "failure" &&
        (a.targetResources ?? []).some((t) => t.id?.toLowerCase() === clientId.toLowerCase()),
    );
  const remove: GraphOAuth2Grant[] = [];
  const kept: Kept[] = [];
  for (const g of grants) {
    const records = forClient(g.clientId);
    const inSession = records.filter(
      (a) => inWindow(input, a.activityDateTime) && ipFits(input, a.initiatedBy?.user?.ipAddress),
    );
    const before = records.filter((a) => !inWindow(input, a.activityDateTime));
    if (!inSession.length) {
      if (records.some((a) => inWindow(input, a.activityDateTime)))
        kept.push({ id: g.id, clientId: g.clientId, reason: "consented in the window from another IP" });
      continue;
    }
    if (before.length) {
      kept.push({
        id: g.id,
        clientId: g.clientId,
        reason: "also consented before the session: the grant may predate it; review by hand",
      });
      continue;
    }
    remove.push(g);
  }
  return { remove, kept };
}

const present = async (ctx: ActionContext, input: SessionInput, ids: string[]) =>
  (await ctx.graph.listUserOAuth2Grants(userObjectId(input), signalOf(ctx))).filter((g) =>
    ids.includes(g.id),
  );

export const oauthGrantRemoveSessionGrants = defineAction<SessionInput>({
  id: "oauthGrant.removeSessionGrants",
  scope: "user",
  description:
    "Remove the OAuth delegated permission grants the user consented to in the attacker's session (directory audit log).",
  permissions: { graph: ["DelegatedPermissionGrant.ReadWrite.All", "AuditLog.Read.All"], exchange: [] },
  reversibility: "reversible",
  limits: [
    'A grant has no creation time: only grants with a "Consent to application" record by the user in the session window (and from an attacker IP, when the hit names any) are removed. Consents older than the audit log\'s retention (30 days; 7 without Entra ID P1) cannot be seen.',
    "A grant the user had also consented to before the session is kept and named in the plan: consent adds scopes to the same grant, and the session's scopes cannot be told apart.",
    SESSION_WINDOW_LIMIT,
    "Admin consent for all users (consentType AllPrincipals) and app-only permissions are not touched.",
    "Removing a grant does not revoke tokens the app already holds: revoke the user's sessions as well.",
    "Compensation re-creates each grant from its before-image (client, resource, consent type, user, scopes): the directory gives it a new id.",
  ],
  inputFromHit: (hit) => sessionInputFromHit(hit),
  inputFromCase: sessionInputFromCase,
  targetId: (i) => `${i.userId}/oauth2PermissionGrants`,

  async plan(ctx, input) {
    const s = await select(ctx, input);
    return {
      transport: "graph",
      before: { grants: images(s.remove) },
      after: { grants: [] },
      target: {
        grantIds: s.remove.map((g) => g.id),
        kept: s.kept as unknown as Json,
        ...(windowJson(input) as object),
      },
      noop: s.remove.length === 0,
      reversibility: "reversible",
      warnings: [
        ...windowWarnings(input),
        ...s.kept.map((k) => `grant ${k.id} (client ${k.clientId}) kept: ${k.reason}`),
      ],
    };
  },

  async run(ctx, input, plan): Promise<RunResult> {
    // Only what the plan showed (and a person may have approved) is removed.
    const planned = plannedIds(plan.target);
    const still = await present(ctx, input, planned);
    const removed = await deleteEach(still, (g) => ctx.graph.deleteOAuth2Grant(g.id, signalOf(ctx)));
    return {
      before: plan.before,
      after: { grants: [], removed },
      alreadyDone: removed.length === 0,
    };
  },

  async verify(ctx, input, plan) {
    const planned = plannedIds(plan.target);
    const r = await pollUntil(
      ctx,
      () => present(ctx, input, planned),
      (left) => left.length === 0,
    );
    return { ok: r.ok, observed: { remaining: images(r.value) } };
  },

  async compensate(ctx, input, before) {
    const userId = userObjectId(input);
    const grants = jsonList<GraphOAuth2Grant>(before, "grants");
    if (!grants.length) return;
    const now = await ctx.graph.listUserOAuth2Grants(userId, signalOf(ctx));
    for (const g of grants) {
      // Consent given again since (same client, resource and user): the grant exists; nothing to re-create.
      if (
        now.some(
          (x) =>
            x.clientId === g.clientId && x.resourceId === g.resourceId && x.principalId === g.principalId,
        )
      )
        continue;
      await ctx.graph.createOAuth2Grant(
        {
          clientId: g.clientId,
          consentType: g.consentType,
          principalId: g.principalId,
          resourceId: g.resourceId,
          scope: g.scope,
        },
        signalOf(ctx),
      );
    }
  },
});
