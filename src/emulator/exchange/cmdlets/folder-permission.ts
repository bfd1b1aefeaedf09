/**
 * Get-/Add-/Set-/Remove-MailboxFolderPermission [D]. Identity is `<mailbox>:\<folder path>` (e.g.
 * `john@contoso.com:\Calendar`); folder names are the mailbox's own, localized display names (a German mailbox has
 * `:\Kalender`, not `:\Calendar`) [D "localized folder names"]; `<mailbox>` alone or `<mailbox>:\` is the root [I].
 * Every folder has the `Default` and `Anonymous` entries (Default: AvailabilityOnly on the calendar, None
 * elsewhere; Anonymous: None) [I, common Exchange defaults]. Users render by display name [I].
 * - Add: the user must not have an entry ("An existing permission entry was found for user") [I wording].
 * - Set / Remove: the user must have one ("There is no existing permission entry found for user") [I wording];
 *   Remove on Default/Anonymous resets it to None [I]. An unchanged Set is not a write.
 * AccessRights: a role (Owner, PublishingEditor, Editor, PublishingAuthor, Author, NonEditingAuthor, Reviewer,
 * Contributor, None; AvailabilityOnly and LimitedDetails on calendar folders only) or individual permissions [D].
 */
import type { FolderPermissionState, MailFolderState, MailboxState, TenantState } from "../../state.js";
import { givenIdentity, givenList, type CmdletResult, type ServerCmdlet } from "../binding.js";
import { notFound, parameterInvalid, taskError, type CmdletFailure } from "../errors.js";
import type { RestObject } from "../json.js";
import { folderPath } from "../render-rule.js";
import { sparse } from "../sparse.js";
import { oneMailbox, oneTrustee, sameName, type Found } from "./common.js";
import { pageResults } from "./paging.js";

const ROLES = [
  "None",
  "Owner",
  "PublishingEditor",
  "Editor",
  "PublishingAuthor",
  "Author",
  "NonEditingAuthor",
  "Reviewer",
  "Contributor",
  "AvailabilityOnly",
  "LimitedDetails",
];
const INDIVIDUAL = [
  "ReadItems",
  "CreateItems",
  "EditOwnedItems",
  "DeleteOwnedItems",
  "EditAllItems",
  "DeleteAllItems",
  "CreateSubfolders",
  "FolderOwner",
  "FolderContact",
  "FolderVisible",
];
const CALENDAR_ONLY = ["AvailabilityOnly", "LimitedDetails"];
const SPECIAL_USERS = ["Default", "Anonymous"] as const;

interface FolderRef {
  mailbox: MailboxState;
  folder: MailFolderState;
}

const isCalendar = (f: MailFolderState): boolean => f.wellKnownName === "calendar";

function resolveFolder(state: TenantState, identity: string): Found<FolderRef> {
  const sep = identity.indexOf(":\\");
  const mailboxPart = sep >= 0 ? identity.slice(0, sep) : identity;
  const m = oneMailbox(state, mailboxPart);
  if (!m.ok) return m;
  const mailbox = m.value;
  let folder = mailbox.folders.find((f) => f.parentFolderId === undefined);
  const path =
    sep >= 0
      ? identity
          .slice(sep + 2)
          .split("\\")
          .filter((p) => p !== "")
      : [];
  for (const name of path) {
    const parent: MailFolderState | undefined = folder;
    folder = parent
      ? mailbox.folders.find(
          (f) => f.parentFolderId === parent.id && f.displayName.toLowerCase() === name.toLowerCase(),
        )
      : undefined;
  }
  if (!folder) return { ok: false, failure: notFound(identity) };
  return { ok: true, value: { mailbox, folder } };
}

function folderIdentity(ref: FolderRef): string {
  const path = ref.folder.parentFolderId === undefined ? "" : folderPath(ref.mailbox, ref.folder.id);
  return `${ref.mailbox.alias}:\\${path}`;
}

/** Entries of a folder, Default and Anonymous first (implicit unless stored). */
function entries(ref: FolderRef): FolderPermissionState[] {
  const stored = ref.mailbox.folderPermissions.filter((p) => p.folderId === ref.folder.id);
  const special = SPECIAL_USERS.map(
    (user): FolderPermissionState =>
      stored.find((p) => p.user === user) ?? {
        folderId: ref.folder.id,
        user,
        accessRights: [user === "Default" && isCalendar(ref.folder) ? "AvailabilityOnly" : "None"],
      },
  );
  return [...special, ...stored.filter((p) => !(SPECIAL_USERS as readonly string[]).includes(p.user))];
}

function displayUser(state: TenantState, user: string): string {
  if ((SPECIAL_USERS as readonly string[]).includes(user)) return user;
  const u = state.users.find((x) => sameName(x.userPrincipalName, user));
  return u?.displayName ?? user;
}

function renderRow(state: TenantState, ref: FolderRef, row: FolderPermissionState): RestObject {
  return sparse({
    Identity: folderIdentity(ref),
    FolderName: ref.folder.parentFolderId === undefined ? "Top of Information Store" : ref.folder.displayName,
    User: displayUser(state, row.user),
    AccessRights: [...row.accessRights],
  });
}

/** The entry's user: Default/Anonymous (case-insensitive) or a trustee UPN. */
function entryUser(state: TenantState, identity: string): Found<string> {
  const special = SPECIAL_USERS.find((s) => sameName(s, identity));
  return special ? { ok: true, value: special } : oneTrustee(state, identity);
}

function checkRights(ref: FolderRef, values: readonly string[]): string[] | CmdletFailure {
  const out: string[] = [];
  for (const v of values) {
    const hit = [...ROLES, ...INDIVIDUAL].find((r) => sameName(r, v));
    if (!hit || (CALENDAR_ONLY.includes(hit) && !isCalendar(ref.folder))) {
      return parameterInvalid(
        "AccessRights",
        `Cannot convert value "${v}" to type "Microsoft.Exchange.Management.StoreTasks.MailboxFolderAccessRight".`,
      );
    }
    if (!out.includes(hit)) out.push(hit);
  }
  return out;
}

const exists = (state: TenantState, user: string): CmdletFailure =>
  taskError(
    "Microsoft.Exchange.Management.StoreTasks.UserAlreadyExistsInPermissionEntryException",
    `An existing permission entry was found for user: ${displayUser(state, user)}.`,
  );
const missing = (state: TenantState, user: string): CmdletFailure =>
  taskError(
    "Microsoft.Exchange.Management.StoreTasks.UserNotFoundInPermissionEntryException",
    `There is no existing permission entry found for user: ${displayUser(state, user)}.`,
  );

export const getMailboxFolderPermission: ServerCmdlet = {
  name: "Get-MailboxFolderPermission",
  parameters: {
    Identity: "Identity",
    User: "Identity",
    ResultSize: "ResultSize",
    SkipCount: "SkipCount",
    UseCustomRouting: "Switch",
  },
  mandatory: ["Identity"],
  run(ctx, params) {
    const f = resolveFolder(ctx.state, givenIdentity(params, "Identity") ?? "");
    if (!f.ok) return f;
    let rows = entries(f.value);
    const userId = givenIdentity(params, "User");
    if (userId !== null) {
      const u = entryUser(ctx.state, userId);
      if (!u.ok) return u;
      rows = rows.filter((r) => sameName(r.user, u.value));
      if (rows.length === 0) return { ok: false, failure: missing(ctx.state, u.value) };
    }
    return pageResults(
      rows.map((r) => renderRow(ctx.state, f.value, r)),
      params,
      1000,
    );
  },
};

type Change = "add" | "set" | "remove";

function change(name: string, kind: Change): ServerCmdlet {
  return {
    name,
    parameters: {
      Identity: "Identity",
      User: "Identity",
      ...(kind === "remove" ? {} : { AccessRights: "StringList" as const }),
      Confirm: "Bool",
    },
    mandatory: kind === "remove" ? ["Identity", "User"] : ["Identity", "User", "AccessRights"],
    run(ctx, params): CmdletResult {
      const state = ctx.state;
      const f = resolveFolder(state, givenIdentity(params, "Identity") ?? "");
      if (!f.ok) return f;
      const ref = f.value;
      const u = entryUser(state, givenIdentity(params, "User") ?? "");
      if (!u.ok) return u;
      const user = u.value;
      const special = (SPECIAL_USERS as readonly string[]).includes(user);
      const list = ref.mailbox.folderPermissions;
      const index = list.findIndex((p) => p.folderId === ref.folder.id && sameName(p.user, user));
      const has = index >= 0 || special;
      let rights: string[] = ["None"];
      if (kind !== "remove") {
        const r = checkRights(ref, givenList(params, "AccessRights") ?? []);
        if (!Array.isArray(r)) return { ok: false, failure: r };
        rights = r;
      }
      if (kind === "add" && has) return { ok: false, failure: exists(state, user) };
      if (kind !== "add" && !has) return { ok: false, failure: missing(state, user) };
      const current = entries(ref).find((p) => sameName(p.user, user));
      if (kind === "remove" && !special) {
        list.splice(index, 1);
        return { ok: true, value: [], write: true, warnings: [] };
      }
      const unchanged =
        current !== undefined &&
        current.accessRights.length === rights.length &&
        current.accessRights.every((r, i) => r === rights[i]);
      const row: FolderPermissionState = { folderId: ref.folder.id, user, accessRights: rights };
      if (index >= 0) list[index] = row;
      else list.push(row);
      const value = kind === "add" ? [renderRow(state, ref, row)] : [];
      return { ok: true, value, write: kind === "add" || !unchanged, warnings: [] };
    },
  };
}

export const addMailboxFolderPermission = change("Add-MailboxFolderPermission", "add");
export const setMailboxFolderPermission = change("Set-MailboxFolderPermission", "set");
export const removeMailboxFolderPermission = change("Remove-MailboxFolderPermission", "remove");
