/**
 * delegation.remove — take away a delegation the hit names: FullAccess (Remove-MailboxPermission), SendAs
 * (Remove-RecipientPermission), SendOnBehalf (Set-Mailbox -GrantSendOnBehalfTo @{Remove=…}) or a folder
 * permission (Remove-MailboxFolderPermission). The before-image (the exact rights) is kept, and compensation adds
 * the same grant back.
 */
import type { DelegationTarget } from "../model/hit.js";
import {
  ActionError,
  defineAction,
  pollUntil,
  type ActionContext,
  type RunResult,
  signalOf,
} from "./types.js";

const lower = (s: string) => s.toLowerCase();

/** The rights the trustee holds now for this delegation type ([] when none). */
async function currentRights(ctx: ActionContext, t: DelegationTarget): Promise<string[]> {
  const x = ctx.exchange;
  if (!x)
    throw new ActionError(
      "delegation can only be read through Exchange Online, which is not configured",
      "no-transport",
    );
  const so = signalOf(ctx);
  switch (t.delegationType) {
    case "FullAccess": {
      const rows = (await x.getMailboxPermissions!(t.mailboxId, so)).filter(
        (p) => !p.isInherited && !p.deny && lower(p.user) === lower(t.trustee),
      );
      return rows.flatMap((p) => p.accessRights).filter((r) => /fullaccess/i.test(r));
    }
    case "SendAs": {
      const rows = (await x.getRecipientPermissions!(t.mailboxId, so)).filter(
        (p) => !p.isInherited && lower(p.trustee) === lower(t.trustee),
      );
      return rows.flatMap((p) => p.accessRights).filter((r) => /sendas/i.test(r));
    }
    case "SendOnBehalf": {
      const mb = await x.getMailbox(t.mailboxId, so);
      return (mb.grantSendOnBehalfTo ?? []).some((g) => lower(g) === lower(t.trustee))
        ? ["SendOnBehalf"]
        : [];
    }
    case "FolderPermission": {
      const rows = (await x.getFolderPermissions!(t.folder!, so)).filter(
        (p) => lower(p.user) === lower(t.trustee),
      );
      return rows.flatMap((p) => p.accessRights).filter((r) => !/^none$/i.test(r));
    }
  }
}

export const delegationRemove = defineAction<DelegationTarget>({
  id: "delegation.remove",
  scope: "object",
  description:
    "Remove a FullAccess, SendAs, SendOnBehalf or folder delegation; compensation grants it again.",
  permissions: { graph: [], exchange: ["Exchange.ManageAsApp"] },
  reversibility: "reversible",
  limits: [
    "Outlook automapping of a restored FullAccess grant follows Exchange's default, not the original setting.",
    "Delegation is often legitimate (assistants): scan reports it as low unless a guest or external trustee holds it.",
  ],
  inputFromHit: (hit) => (hit.target.kind === "delegation" ? hit.target : undefined),
  targetId: (i) =>
    `${i.mailboxId}/delegation/${i.delegationType}/${lower(i.trustee)}${i.folder ? `/${lower(i.folder)}` : ""}`,
  async plan(ctx, input) {
    const rights = await currentRights(ctx, input);
    return {
      transport: "exchange",
      before: { trustee: input.trustee, accessRights: rights },
      after: { trustee: input.trustee, accessRights: [] },
      noop: rights.length === 0,
      reversibility: "reversible",
      warnings: [],
    };
  },
  async run(ctx, input): Promise<RunResult> {
    const rights = await currentRights(ctx, input);
    if (!rights.length)
      return {
        before: { trustee: input.trustee, accessRights: [] },
        after: { trustee: input.trustee, accessRights: [] },
        alreadyDone: true,
      };
    const x = ctx.exchange!;
    const so = signalOf(ctx);
    switch (input.delegationType) {
      case "FullAccess":
        await x.removeMailboxPermission!(input.mailboxId, input.trustee, rights, so);
        break;
      case "SendAs":
        await x.removeSendAs!(input.mailboxId, input.trustee, so);
        break;
      case "SendOnBehalf":
        await x.setGrantSendOnBehalfTo!(input.mailboxId, { remove: [input.trustee] }, so);
        break;
      case "FolderPermission":
        await x.removeFolderPermission!(input.folder!, input.trustee, so);
        break;
    }
    return {
      before: { trustee: input.trustee, accessRights: rights },
      after: { trustee: input.trustee, accessRights: [] },
      alreadyDone: false,
    };
  },
  async verify(ctx, input) {
    const v = await pollUntil(
      ctx,
      () => currentRights(ctx, input),
      (r) => r.length === 0,
    );
    return { ok: v.ok, observed: { accessRights: v.value } };
  },
  async compensate(ctx, input, before) {
    const rights = ((before as { accessRights?: string[] } | null)?.accessRights ?? []).filter(Boolean);
    if (!rights.length) return;
    const x = ctx.exchange!;
    const so = signalOf(ctx);
    switch (input.delegationType) {
      case "FullAccess":
        await x.addMailboxPermission!(input.mailboxId, input.trustee, rights, so);
        break;
      case "SendAs":
        await x.addSendAs!(input.mailboxId, input.trustee, so);
        break;
      case "SendOnBehalf":
        await x.setGrantSendOnBehalfTo!(input.mailboxId, { add: [input.trustee] }, so);
        break;
      case "FolderPermission":
        await x.addFolderPermission!(input.folder!, input.trustee, rights, so);
        break;
    }
  },
});
