/**
 * Get-/Add-/Remove-RecipientPermission [D]: SendAs grants. AccessRights "The only valid value for this parameter is
 * SendAs" [D]; any other value fails validation. Get- without Identity (or null/"") lists every recipient's rows
 * (the documented Get- caution). Rows: the implicit `NT AUTHORITY\SELF` SendAs row [T], then the grants; REST JSON
 * observed without Deny/IsInherited keys (sparse) [T]. Adding a held grant or removing an absent one changes
 * nothing (no write) [I]; removing an absent one is a warning [I, switch absentPermissionRemoval].
 */
import type { MailboxState, RecipientPermissionState } from "../../state.js";
import { givenIdentity, givenList, type ServerCmdlet } from "../binding.js";
import type { CmdletFailure } from "../errors.js";
import type { RestObject } from "../json.js";
import { matchMailboxes } from "../resolve.js";
import { sparse } from "../sparse.js";
import { oneMailbox, oneTrustee, sameName, SELF } from "./common.js";
import { pageResults } from "./paging.js";
import { absentRemoval } from "./absent.js";
import { notFound } from "../errors.js";

const SELF_ROW: RecipientPermissionState = {
  trustee: SELF,
  accessRights: ["SendAs"],
  accessControlType: "Allow",
  isInherited: false,
};

function renderRow(mailbox: MailboxState, row: RecipientPermissionState): RestObject {
  return sparse({
    Identity: mailbox.userId,
    Trustee: row.trustee,
    AccessControlType: row.accessControlType,
    AccessRights: [...row.accessRights],
    IsInherited: row.isInherited,
    InheritanceType: "None",
  });
}

function sendAsOnly(values: readonly string[] | null): CmdletFailure | null {
  if (values === null || values.every((v) => sameName(v, "SendAs"))) return null;
  return {
    status: 400,
    code: "BadRequest",
    errorId: "Ex5A6B7C",
    type: "System.Management.Automation.ParameterBindingValidationException",
    text: "Cannot validate argument on parameter 'AccessRights'. The only valid value for this parameter is SendAs.",
  };
}

export const getRecipientPermission: ServerCmdlet = {
  name: "Get-RecipientPermission",
  parameters: {
    Identity: "Identity",
    Trustee: "Identity",
    AccessRights: "StringList",
    IncludeTrusteeWithPrimarySmtpAddress: "Switch",
    ResultSize: "ResultSize",
  },
  run(ctx, params) {
    const bad = sendAsOnly(givenList(params, "AccessRights"));
    if (bad) return { ok: false, failure: bad };
    const identity = givenIdentity(params, "Identity");
    const mailboxes = identity === null ? ctx.state.mailboxes : matchMailboxes(ctx.state, identity);
    if (identity !== null && mailboxes.length === 0) return { ok: false, failure: notFound(identity) };
    const trusteeId = givenIdentity(params, "Trustee");
    let trustee: string | null = null;
    if (trusteeId !== null) {
      const t = oneTrustee(ctx.state, trusteeId);
      trustee = t.ok ? t.value : trusteeId;
    }
    const rows = mailboxes.flatMap((m) =>
      [SELF_ROW, ...m.recipientPermissions]
        .filter((r) => trustee === null || sameName(r.trustee, trustee))
        .map((r) => renderRow(m, r)),
    );
    return pageResults(rows, params, 1000);
  },
};

const CHANGE_PARAMETERS = {
  Identity: "Identity",
  Trustee: "Identity",
  AccessRights: "StringList",
  Deny: "Switch",
  Confirm: "Bool",
} as const;

function change(name: string, add: boolean): ServerCmdlet {
  return {
    name,
    parameters: CHANGE_PARAMETERS,
    mandatory: ["Identity", "Trustee", "AccessRights"],
    run(ctx, params, caller) {
      const bad = sendAsOnly(givenList(params, "AccessRights"));
      if (bad) return { ok: false, failure: bad };
      const m = oneMailbox(ctx.state, givenIdentity(params, "Identity") ?? "");
      if (!m.ok) return m;
      const mailbox = m.value;
      const t = oneTrustee(ctx.state, givenIdentity(params, "Trustee") ?? "");
      if (!t.ok) return t;
      const type = params["Deny"] === true ? "Deny" : "Allow";
      const index = mailbox.recipientPermissions.findIndex(
        (r) => sameName(r.trustee, t.value) && r.accessControlType === type && !r.isInherited,
      );
      if (add) {
        if (index >= 0)
          return {
            ok: true,
            value: [renderRow(mailbox, mailbox.recipientPermissions[index]!)],
            write: false,
            warnings: [],
          };
        const row: RecipientPermissionState = {
          trustee: t.value,
          accessRights: ["SendAs"],
          accessControlType: type,
          isInherited: false,
        };
        mailbox.recipientPermissions.push(row);
        return { ok: true, value: [renderRow(mailbox, row)], write: true, warnings: [] };
      }
      if (index < 0) {
        return absentRemoval(
          caller.options,
          `The appropriate access control entry is already absent from the object "${mailbox.userId}" for account "${t.value}".`,
        );
      }
      mailbox.recipientPermissions.splice(index, 1);
      return { ok: true, value: [], write: true, warnings: [] };
    },
  };
}

export const addRecipientPermission = change("Add-RecipientPermission", true);
export const removeRecipientPermission = change("Remove-RecipientPermission", false);
