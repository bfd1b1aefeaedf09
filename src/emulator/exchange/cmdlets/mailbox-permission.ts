/**
 * Get-/Add-/Remove-MailboxPermission [D Get-MailboxPermission.md, Add-MailboxPermission.md, Remove-MailboxPermission.md].
 * - Get: -Identity is required; without it the REST endpoint answers 400 "Invalid Operation" [T]. Rows: the implicit
 *   `NT AUTHORITY\SELF` row every mailbox has (not a delegation) [T], then the mailbox's grants; AccessRights is one
 *   comma-joined element (`["FullAccess, ReadPermission"]`) [T]; sparse like every REST object (IsInherited/Deny
 *   false omitted) [T for recipient rows, I here]. -User filters by trustee.
 * - Add: -User, -AccessRights mandatory; -InheritanceType (default All), -AutoMapping (default true, FullAccess only).
 *   Rights already held are not added again (no write) [I]. Returns the resulting row.
 * - Remove: removes the given rights from the trustee's row; rights it does not hold give a warning, not an error,
 *   and no write [I wording: "Can't remove the access control entry…"; switch absentPermissionRemoval].
 */
import type { MailboxPermissionState, MailboxState, TenantState } from "../../state.js";
import { givenIdentity, givenList, type ServerCmdlet } from "../binding.js";
import { invalidOperation } from "../errors.js";
import type { RestObject } from "../json.js";
import { sparse } from "../sparse.js";
import { oneMailbox, oneTrustee, sameName, SELF } from "./common.js";
import { pageResults } from "./paging.js";
import { absentRemoval } from "./absent.js";

export const MAILBOX_RIGHTS = [
  "FullAccess",
  "SendAs",
  "ExternalAccount",
  "DeleteItem",
  "ReadPermission",
  "ChangePermission",
  "ChangeOwner",
] as const;
const INHERITANCE = ["None", "All", "Children", "Descendents", "SelfAndChildren"] as const;

const SELF_ROW: MailboxPermissionState = {
  user: SELF,
  accessRights: ["FullAccess", "ReadPermission"],
  isInherited: false,
  deny: false,
  inheritanceType: "All",
};

function renderRow(mailbox: MailboxState, row: MailboxPermissionState): RestObject {
  return sparse({
    Identity: mailbox.userId,
    User: row.user,
    AccessRights: [row.accessRights.join(", ")],
    IsInherited: row.isInherited,
    Deny: row.deny,
    InheritanceType: row.inheritanceType,
  });
}

/** The canonical rights named, or the invalid one. */
function rights(values: readonly string[]): { ok: true; value: string[] } | { ok: false; bad: string } {
  const out: string[] = [];
  for (const v of values) {
    for (const part of v.split(",").map((p) => p.trim())) {
      const hit = MAILBOX_RIGHTS.find((r) => sameName(r, part));
      if (!hit) return { ok: false, bad: part };
      if (!out.includes(hit)) out.push(hit);
    }
  }
  return { ok: true, value: out };
}

const badRights = (bad: string) =>
  ({
    ok: false,
    failure: {
      status: 400,
      code: "BadRequest",
      errorId: "Ex5A6B7C",
      type: "System.Management.Automation.ParameterBindingException",
      text: `Cannot bind parameter 'AccessRights'. Cannot convert value "${bad}" to type "Microsoft.Exchange.Management.RecipientTasks.MailboxRights". Error: "Unable to match the identifier name ${bad} to a valid enumerator name. Specify one of the following enumerator names and try again: ${MAILBOX_RIGHTS.join(", ")}"`,
    },
  }) as const;

function target(state: TenantState, identity: string) {
  return oneMailbox(state, identity);
}

export const getMailboxPermission: ServerCmdlet = {
  name: "Get-MailboxPermission",
  parameters: {
    Identity: "Identity",
    User: "Identity",
    Owner: "Switch",
    ResultSize: "ResultSize",
    IncludeUserWithDisplayName: "Switch",
    UseCustomRouting: "Switch",
  },
  run(ctx, params) {
    const identity = givenIdentity(params, "Identity");
    if (identity === null) return { ok: false, failure: invalidOperation() };
    const m = target(ctx.state, identity);
    if (!m.ok) return m;
    const mailbox = m.value;
    let rows = [SELF_ROW, ...mailbox.mailboxPermissions];
    const user = givenIdentity(params, "User");
    if (user !== null) {
      const t = oneTrustee(ctx.state, user);
      const who = t.ok ? t.value : user;
      rows = rows.filter((r) => sameName(r.user, who));
    }
    return pageResults(
      rows.map((r) => renderRow(mailbox, r)),
      params,
      1000,
    );
  },
};

const CHANGE_PARAMETERS = {
  Identity: "Identity",
  User: "Identity",
  AccessRights: "StringList",
  InheritanceType: INHERITANCE,
  Deny: "Switch",
  Confirm: "Bool",
} as const;

export const addMailboxPermission: ServerCmdlet = {
  name: "Add-MailboxPermission",
  parameters: { ...CHANGE_PARAMETERS, AutoMapping: "Bool" },
  mandatory: ["Identity", "User", "AccessRights"],
  run(ctx, params) {
    const m = target(ctx.state, givenIdentity(params, "Identity") ?? "");
    if (!m.ok) return m;
    const mailbox = m.value;
    const t = oneTrustee(ctx.state, givenIdentity(params, "User") ?? "");
    if (!t.ok) return t;
    const r = rights(givenList(params, "AccessRights") ?? []);
    if (!r.ok) return badRights(r.bad);
    const deny = params["Deny"] === true;
    const inheritance = (params["InheritanceType"] as MailboxPermissionState["inheritanceType"]) ?? "All";
    let row = mailbox.mailboxPermissions.find(
      (p) => sameName(p.user, t.value) && p.deny === deny && !p.isInherited,
    );
    let write = false;
    if (!row) {
      row = { user: t.value, accessRights: [], isInherited: false, deny, inheritanceType: inheritance };
      mailbox.mailboxPermissions.push(row);
      write = true;
    }
    for (const right of r.value) {
      if (!row.accessRights.includes(right)) {
        row.accessRights.push(right);
        write = true;
      }
    }
    if (r.value.includes("FullAccess")) {
      const autoMapping = params["AutoMapping"] !== false;
      if (row.autoMapping !== autoMapping) {
        row.autoMapping = autoMapping;
        write = true;
      }
    }
    return { ok: true, value: [renderRow(mailbox, row)], write, warnings: [] };
  },
};

export const removeMailboxPermission: ServerCmdlet = {
  name: "Remove-MailboxPermission",
  parameters: CHANGE_PARAMETERS,
  mandatory: ["Identity", "User", "AccessRights"],
  run(ctx, params, caller) {
    const identity = givenIdentity(params, "Identity") ?? "";
    const m = target(ctx.state, identity);
    if (!m.ok) return m;
    const mailbox = m.value;
    const userId = givenIdentity(params, "User") ?? "";
    const t = oneTrustee(ctx.state, userId);
    if (!t.ok) return t;
    const r = rights(givenList(params, "AccessRights") ?? []);
    if (!r.ok) return badRights(r.bad);
    const deny = params["Deny"] === true;
    const row = mailbox.mailboxPermissions.find(
      (p) => sameName(p.user, t.value) && p.deny === deny && !p.isInherited,
    );
    const held = row ? r.value.filter((x) => row.accessRights.includes(x)) : [];
    if (!row || held.length === 0) {
      return absentRemoval(
        caller.options,
        `Can't remove the access control entry on the object "${mailbox.userId}" for account "${t.value}" because the ACE doesn't exist on the object.`,
      );
    }
    row.accessRights = row.accessRights.filter((x) => !held.includes(x));
    if (row.accessRights.length === 0)
      mailbox.mailboxPermissions.splice(mailbox.mailboxPermissions.indexOf(row), 1);
    return { ok: true, value: [], write: true, warnings: [] };
  },
};
