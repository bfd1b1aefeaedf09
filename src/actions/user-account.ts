/**
 * user.disable / user.enable — block or allow sign-in (`accountEnabled`). Disabling is the step that actually
 * locks a password-holding attacker out (revoking sessions alone does not). A user synchronised from on-premises
 * directories is re-enabled by the next sync: the plan warns, and the docs say to disable on-premises too.
 */
import type { Hit } from "../model/hit.js";
import { onPremisesSyncWarning } from "./on-premises.js";
import { defineAction, pollUntil, type ActionContext, signalOf } from "./types.js";

interface Input {
  userId: string;
  upn: string;
}

async function readAccount(ctx: ActionContext, userId: string) {
  const u = await ctx.graph.getUser(userId, {
    select: ["id", "accountEnabled", "onPremisesSyncEnabled"],
    ...signalOf(ctx),
  });
  return {
    accountEnabled: u.accountEnabled === true,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled === true,
  };
}

function accountAction(id: "user.disable" | "user.enable", enabled: boolean) {
  return defineAction<Input>({
    id,
    scope: "user",
    description: enabled
      ? "Allow the user to sign in again (accountEnabled: true)."
      : "Block the user's sign-in (accountEnabled: false).",
    permissions: { graph: ["User.EnableDisableAccount.All", "User.Read.All"], exchange: [] },
    reversibility: "reversible",
    limits: [
      enabled
        ? "A user synchronised from on-premises AD whose on-premises account is disabled is disabled again by the next sync: enable the on-premises account too."
        : "A user synchronised from on-premises AD is re-enabled by the next sync: disable the on-premises account too.",
      "Administrators can only be changed by an app holding a sufficiently privileged Entra role.",
      ...(enabled ? [] : ["Does not end sessions that exist: revoke sessions as well."]),
    ],
    inputFromHit: (hit: Hit) => ({ userId: hit.user.id, upn: hit.user.upn }),
    targetId: (i) => `${i.userId}/accountEnabled`,
    async plan(ctx, input) {
      const a = await readAccount(ctx, input.userId);
      return {
        transport: "graph",
        before: { accountEnabled: a.accountEnabled },
        after: { accountEnabled: enabled },
        noop: a.accountEnabled === enabled,
        reversibility: "reversible",
        warnings: a.onPremisesSyncEnabled
          ? [
              onPremisesSyncWarning(
                enabled ? "enabling the account" : "disabling the account",
                enabled ? "enable the on-premises account" : "disable the on-premises account",
              ),
            ]
          : [],
      };
    },
    async run(ctx, input) {
      const a = await readAccount(ctx, input.userId);
      if (a.accountEnabled === enabled)
        return { before: { accountEnabled: enabled }, after: { accountEnabled: enabled }, alreadyDone: true };
      await ctx.graph.updateUser(input.userId, { accountEnabled: enabled }, signalOf(ctx));
      return {
        before: { accountEnabled: a.accountEnabled },
        after: { accountEnabled: enabled },
        alreadyDone: false,
      };
    },
    async verify(ctx, input) {
      const r = await pollUntil(
        ctx,
        () => readAccount(ctx, input.userId),
        (a) => a.accountEnabled === enabled,
      );
      return { ok: r.ok, observed: { accountEnabled: r.value.accountEnabled } };
    },
    async compensate(ctx, input, before) {
      if (
        !before ||
        typeof before !== "object" ||
        Array.isArray(before) ||
        typeof before.accountEnabled !== "boolean"
      )
        return;
      await ctx.graph.updateUser(input.userId, { accountEnabled: before.accountEnabled }, signalOf(ctx));
    },
  });
}

export const userDisable = accountAction("user.disable", false);
export const userEnable = accountAction("user.enable", true);
