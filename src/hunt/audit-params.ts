/**
 * The Exchange cmdlet parameters of an audit record (the `Rule` bag of a hunting row: `{Name: Value}` with Exchange
 * parameter names, formats.md §2.5.1–§2.5.5) turned into the shapes the TypeScript analysis already reads, so a rule
 * found in the audit log is judged by exactly the code that judges a rule read from the mailbox.
 */
import type { DelegationState, ForwardingState, TransportRuleState } from "../rules/analyze.js";
import type { ExoRuleLike } from "../rules/normalize.js";
import { textOf } from "./row.js";

export type ParamBag = Record<string, unknown>;

/** Case-insensitive parameter lookup (audit records and Outlook mappings differ in casing). */
export function param(bag: ParamBag, name: string): unknown {
  if (Object.hasOwn(bag, name)) return bag[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(bag)) if (k.toLowerCase() === lower) return bag[k];
  return undefined;
}

export function paramText(bag: ParamBag, name: string): string | undefined {
  const v = param(bag, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(textOf).join(";");
  return textOf(v);
}

/** Multi-valued parameters arrive `;`-separated (or as arrays from Outlook mappings). */
export function paramList(bag: ParamBag, name: string): string[] | undefined {
  const v = param(bag, name);
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v.map(textOf) : [textOf(v)];
  const out = items
    .flatMap((s) => s.split(";"))
    .map((s) => s.trim())
    .filter(Boolean);
  return out;
}

/** `True`/`False` as Exchange writes them; a switch parameter present with an empty value counts as set. */
export function paramBool(bag: ParamBag, name: string): boolean | undefined {
  const v = param(bag, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  const s = textOf(v).trim().toLowerCase();
  if (s === "" || s === "true" || s === "$true" || s === "1") return true;
  if (s === "false" || s === "$false" || s === "0") return false;
  return undefined;
}

/** The rule name: `Name`, else the leaf of `Identity` (`user@x\<name>`), else the record's object id leaf. */
export function ruleNameOf(bag: ParamBag, fallback = ""): string {
  const name = paramText(bag, "Name") ?? paramText(bag, "RuleName");
  if (name !== undefined) return name;
  const id = paramText(bag, "Identity");
  if (id) return id.includes("\\") ? id.slice(id.lastIndexOf("\\") + 1) : id;
  return fallback;
}

export function exoRuleFromParams(bag: ParamBag, name: string): ExoRuleLike {
  const enabled = paramBool(bag, "Enabled");
  return {
    name,
    enabled: enabled ?? true,
    forwardTo: paramList(bag, "ForwardTo") ?? null,
    redirectTo: paramList(bag, "RedirectTo") ?? null,
    forwardAsAttachmentTo: paramList(bag, "ForwardAsAttachmentTo") ?? null,
    from: paramList(bag, "From") ?? null,
    deleteMessage: paramBool(bag, "DeleteMessage") === true,
    softDeleteMessage: paramBool(bag, "SoftDeleteMessage") === true,
    permanentDelete: paramBool(bag, "PermanentDelete") === true,
    moveToFolder: paramText(bag, "MoveToFolder") ?? null,
    copyToFolder: paramText(bag, "CopyToFolder") ?? null,
    markAsRead: paramBool(bag, "MarkAsRead") === true,
    stopProcessingRules: paramBool(bag, "StopProcessingRules") === true,
    subjectContainsWords: paramList(bag, "SubjectContainsWords") ?? null,
    bodyContainsWords: paramList(bag, "BodyContainsWords") ?? null,
    subjectOrBodyContainsWords: paramList(bag, "SubjectOrBodyContainsWords") ?? null,
    fromAddressContainsWords: paramList(bag, "FromAddressContainsWords") ?? null,
  };
}

export function forwardingFromParams(bag: ParamBag): ForwardingState {
  const smtp = paramText(bag, "ForwardingSmtpAddress");
  const addr = paramText(bag, "ForwardingAddress");
  return {
    forwardingSmtpAddress: smtp ? smtp : null,
    forwardingAddress: addr ? addr : null,
    deliverToMailboxAndForward:
      (paramBool(bag, "DeliverToMailboxAndForward") ?? paramBool(bag, "DeliverToAndForward")) === true,
  };
}

export function transportRuleFromParams(bag: ParamBag, name: string): TransportRuleState {
  const enabled = paramBool(bag, "Enabled");
  const state = paramText(bag, "State") ?? (enabled === false ? "Disabled" : "Enabled");
  return {
    name,
    state,
    blindCopyTo: paramList(bag, "BlindCopyTo") ?? [],
    redirectMessageTo: paramList(bag, "RedirectMessageTo") ?? [],
    copyTo: paramList(bag, "CopyTo") ?? [],
    addToRecipients: paramList(bag, "AddToRecipients") ?? [],
    deleteMessage: paramBool(bag, "DeleteMessage") === true,
  };
}

export function delegationFromParams(
  operation: string,
  bag: ParamBag,
): (DelegationState & { folder?: string }) | undefined {
  const op = operation.toLowerCase();
  const rights = paramList(bag, "AccessRights") ?? [];
  if (op === "add-mailboxpermission") {
    const trustee = paramText(bag, "User") ?? "";
    if (!trustee) return undefined;
    return { delegationType: "FullAccess", trustee, accessRights: rights.length ? rights : ["FullAccess"] };
  }
  if (op === "add-recipientpermission") {
    const trustee = paramText(bag, "Trustee") ?? "";
    return trustee
      ? { delegationType: "SendAs", trustee, accessRights: rights.length ? rights : ["SendAs"] }
      : undefined;
  }
  if (op === "set-mailbox") {
    const trustees = paramList(bag, "GrantSendOnBehalfTo");
    if (!trustees?.length) return undefined;
    return { delegationType: "SendOnBehalf", trustee: trustees.join(";"), accessRights: ["SendOnBehalf"] };
  }
  if (op === "add-mailboxfolderpermission" || op === "set-mailboxfolderpermission") {
    const trustee = paramText(bag, "User") ?? "";
    const identity = paramText(bag, "Identity") ?? "";
    return trustee
      ? {
          delegationType: "FolderPermission",
          trustee,
          accessRights: rights,
          ...(identity ? { folder: identity } : {}),
        }
      : undefined;
  }
  return undefined;
}
