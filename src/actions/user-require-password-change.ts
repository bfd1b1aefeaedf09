/**
 * user.requirePasswordChange — `PATCH /users/{id}` `{passwordProfile: {forceChangePasswordNextSignIn: true}}`: the
 * user must choose a new password at the next interactive sign-in. No password is sent, stored or logged.
 * Irreversible (Graph offers no way back that mailwarden could prove). Whether Graph returns the flag to an app is
 * unconfirmed (the emulated tenant refuses `$select=passwordProfile`): verify checks it when it is returned, else
 * re-reads only what it can — the user still exists, its account state and its last password change — and says
 * that the flag itself was not observed.
 */
import type { Hit } from "../model/hit.js";
import { GraphApiError } from "../adapters/graph/errors.js";
import { signalOf } from "./inbox-rule-common.js";
import { onPremisesSyncWarning } from "./on-premises.js";
import { defineAction, pollUntil, type ActionContext } from "./types.js";

interface Input {
  userId: string;
  upn: string;
}

async function readUser(ctx: ActionContext, userId: string) {
  const u = (await ctx.graph.getUser(userId, {
    select: ["id", "accountEnabled", "onPremisesSyncEnabled", "lastPasswordChangeDateTime"],
    ...signalOf(ctx),
  })) as { id: string; accountEnabled?: boolean; onPremisesSyncEnabled?: boolean | null } & {
    lastPasswordChangeDateTime?: string | null;
  };
  return {
    id: u.id,
    accountEnabled: u.accountEnabled === true,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled === true,
    lastPasswordChangeDateTime: u.lastPasswordChangeDateTime ?? null,
  };
}

const NOT_OBSERVABLE = "passwordProfile.forceChangePasswordNextSignIn (Graph did not return it to the app)";

/** The flag when Graph returns it; undefined when the read is refused or comes back without it. */
async function readFlag(ctx: ActionContext, userId: string): Promise<boolean | undefined> {
  try {
    const u = (await ctx.graph.getUser(userId, { select: ["id", "passwordProfile"], ...signalOf(ctx) })) as {
      passwordProfile?: { forceChangePasswordNextSignIn?: unknown } | null;
    };
    const f = u.passwordProfile?.forceChangePasswordNextSignIn;
    return typeof f === "boolean" ? f : undefined;
  } catch (e) {
    if (e instanceof GraphApiError && (e.kind === "badRequest" || e.kind === "forbidden")) return undefined;
    throw e;
  }
}

export const userRequirePasswordChange = defineAction<Input>({
  id: "user.requirePasswordChange",
  scope: "user",
  description:
    "Force a password change at next sign-in (passwordProfile.forceChangePasswordNextSignIn: true); sends no password.",
  permissions: { graph: ["User-PasswordProfile.ReadWrite.All", "User.Read.All"], exchange: [] },
  reversibility: "irreversible",
  limits: [
    "Whoever knows the current password sets the new one: if the attacker holds the password, they choose the next one (remediation.md §7(c)1). Reset the password through a verified channel, or disable the account, instead.",
    "Existing sessions and refresh tokens are not revoked: run user.revokeSignInSessions as well.",
    "A federated or on-premises-synchronised user's password lives on-premises: the cloud flag does not change it — reset it on-premises.",
    "App passwords, OAuth consent grants, mailbox delegates and forwarding survive a password change.",
    "Users holding privileged Entra roles can only be changed by an app holding a privileged role itself (403 otherwise).",
    "Whether Graph returns passwordProfile.forceChangePasswordNextSignIn to an app is unconfirmed (the emulated tenant does not serve it): verify checks the flag only when Graph returns it; otherwise it re-reads that the user exists, its accountEnabled and lastPasswordChangeDateTime, and reports the flag as not observed.",
    "When the flag cannot be read, run cannot tell a repeat from a first run (setting it twice has the same effect): the journal's idempotency key keeps it from being applied twice.",
  ],
  inputFromHit: (hit: Hit) => ({ userId: hit.user.id, upn: hit.user.upn }),
  targetId: (i) => `${i.userId}/passwordProfile`,

  async plan(ctx, input) {
    const u = await readUser(ctx, input.userId);
    const flag = await readFlag(ctx, input.userId);
    return {
      transport: "graph",
      before: {
        forceChangePasswordNextSignIn: flag ?? null,
        lastPasswordChangeDateTime: u.lastPasswordChangeDateTime,
      },
      after: { forceChangePasswordNextSignIn: true },
      noop: flag === true,
      reversibility: "irreversible",
      warnings: [
        "the attacker, if they know the current password, can choose the new one: disable the account or reset the password out of band",
        "sessions are not revoked by this step",
        ...(u.onPremisesSyncEnabled
          ? [
              onPremisesSyncWarning(
                "a cloud password change (the password lives on-premises; the cloud flag does not change it)",
                "reset the password on-premises",
              ),
            ]
          : []),
        ...(u.accountEnabled
          ? []
          : ["the account is disabled: the change takes effect only once it is enabled"]),
      ],
    };
  },

  async run(ctx, input) {
    const u = await readUser(ctx, input.userId);
    const flag = await readFlag(ctx, input.userId);
    const before = {
      forceChangePasswordNextSignIn: flag ?? null,
      lastPasswordChangeDateTime: u.lastPasswordChangeDateTime,
    };
    if (flag === true) return { before, after: { forceChangePasswordNextSignIn: true }, alreadyDone: true };
    await ctx.graph.updateUser(
      input.userId,
      { passwordProfile: { forceChangePasswordNextSignIn: true } },
      signalOf(ctx),
    );
    return { before, after: { forceChangePasswordNextSignIn: true }, alreadyDone: false };
  },

  /** Checks the flag when Graph returns it; otherwise re-reads what Graph shows and lists the flag as not observed. */
  async verify(ctx, input) {
    const u = await readUser(ctx, input.userId);
    const seen = {
      accountEnabled: u.accountEnabled,
      lastPasswordChangeDateTime: u.lastPasswordChangeDateTime,
    };
    const r = await pollUntil(
      ctx,
      () => readFlag(ctx, input.userId),
      (f) => f !== false,
    );
    if (r.value !== undefined)
      return { ok: r.value, observed: { ...seen, forceChangePasswordNextSignIn: r.value } };
    // ok means only: the user re-read after a 2xx PATCH (a gone user throws); the flag itself was not observed.
    return { ok: true, observed: { userExists: true, ...seen, notObserved: [NOT_OBSERVABLE] } };
  },
});
