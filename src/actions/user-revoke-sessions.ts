/**
 * user.revokeSessions — invalidate the user's refresh tokens and session cookies (Graph revokeSignInSessions).
 * Idempotent through signInSessionsValidFromDateTime, compared only with times on the tenant's clock: it is done
 * when the value is later than the suspect action's audit time (when the hit has one), or later than the value
 * read before the write (the step's immutable before-image, so a resumed step never revokes twice). Never with
 * the local clock: a scan's detection time is ours, not the tenant's. Irreversible. Access tokens already issued
 * stay valid until they expire (up to an hour, longer with CAE).
 */
import type { Hit } from "../model/hit.js";
import type { Json } from "../engine/machine.js";
import { defineAction, pollUntil, type ActionContext, signalOf } from "./types.js";

interface Input {
  userId: string;
  upn: string;
  /** The suspect action's time from its audit record (the tenant's clock); absent for hits found by scan. */
  notBefore?: string;
}

async function validFrom(ctx: ActionContext, userId: string): Promise<string | null> {
  const u = await ctx.graph.getUser(userId, {
    select: ["id", "signInSessionsValidFromDateTime"],
    ...signalOf(ctx),
  });
  return u.signInSessionsValidFromDateTime ?? null;
}

const after = (v: string | null, t: string | undefined) =>
  v !== null && t !== undefined && Date.parse(v) >= Date.parse(t);

const field = (j: Json | undefined): string | null => {
  const v = j && typeof j === "object" && !Array.isArray(j) ? j.signInSessionsValidFromDateTime : null;
  return typeof v === "string" && !Number.isNaN(Date.parse(v)) ? v : null;
};
const later = (v: string | null, prior: string | null) =>
  v !== null && prior !== null && Date.parse(v) > Date.parse(prior);

export const userRevokeSessions = defineAction<Input>({
  id: "user.revokeSessions",
  scope: "user",
  description: "Revoke the user's sign-in sessions and refresh tokens.",
  permissions: { graph: ["User.RevokeSessions.All", "User.Read.All"], exchange: [] },
  reversibility: "irreversible",
  limits: [
    "Access tokens already issued stay valid until they expire (about an hour; CAE-aware clients sooner).",
    "Does not stop an attacker who knows the password: disable the account or reset the password as well.",
    "Does not revoke sessions of guests, who sign in through their home tenant.",
  ],
  inputFromHit: (hit: Hit) => ({
    userId: hit.user.id,
    upn: hit.user.upn,
    ...(hit.action.time ? { notBefore: hit.action.time } : {}),
  }),
  targetId: (i) => `${i.userId}/sessions`,

  async plan(ctx, input) {
    const v = await validFrom(ctx, input.userId);
    const done = after(v, input.notBefore);
    return {
      transport: "graph",
      before: { signInSessionsValidFromDateTime: v },
      after: { signInSessionsValidFromDateTime: done ? v : "(time of revocation)" },
      noop: done,
      reversibility: "irreversible",
      warnings: ["irreversible: the user signs in again everywhere"],
    };
  },

  async run(ctx, input, plan) {
    // A fresh plan's before-image was read moments ago (RunPlan.fresh): no second read before the write.
    const v = plan.fresh ? field(plan.before) : await validFrom(ctx, input.userId);
    // Revoked after the suspect action, or since the before-image was read (an interrupted earlier attempt).
    if (after(v, input.notBefore) || later(v, field(plan.before)))
      return {
        before: { signInSessionsValidFromDateTime: v },
        after: { signInSessionsValidFromDateTime: v },
        alreadyDone: true,
      };
    await ctx.graph.revokeSignInSessions(input.userId, signalOf(ctx));
    const now = await validFrom(ctx, input.userId);
    return {
      before: { signInSessionsValidFromDateTime: v },
      after: { signInSessionsValidFromDateTime: now },
      alreadyDone: false,
    };
  },

  async verify(ctx, input, plan, result) {
    // Done when sessions are valid only from after the suspect action, or from later than they were before the
    // revocation (the tenant's clock sets these values, so they are compared with each other, not with ours). The
    // "before" is the run's own before-image — for a revocation applied earlier by another run, the journal's —
    // never the value read right after the write, which eventual consistency can leave stale.
    const prior = field(result?.before) ?? field(plan.before);
    // When mailwarden itself revoked (the tenant answered 204), a valid-from equal to the before-image means the
    // tenant's clock has not moved past it since: sessions from before that instant are revoked all the same.
    const wrote = result?.applied === true;
    const ok = (v: string | null) =>
      after(v, input.notBefore) ||
      later(v, prior) ||
      (wrote && v !== null && prior !== null && Date.parse(v) >= Date.parse(prior));
    const r = await pollUntil(ctx, () => validFrom(ctx, input.userId), ok);
    return { ok: r.ok, observed: { signInSessionsValidFromDateTime: r.value } };
  },
});
