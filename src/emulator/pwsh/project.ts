/**
 * What scripts/exo-bridge.ps1 makes of a cmdlet's output objects (ConvertTo-BridgeInboxRule / ConvertTo-BridgeMailbox),
 * reproduced for the REST objects the module would have turned into PowerShell objects. PowerShell casts are mirrored:
 * `[string]$null` is "", `[bool]$null` is false, a missing list is [], an empty string is null where the script
 * uses ConvertTo-BridgeOptionalString. Instance annotations and `@data.type` sidecar keys are ignored.
 */
import type { Projection } from "../../adapters/exo/allowlist.js";
import type {
  ExoCasMailbox,
  ExoFolderPermission,
  ExoInboxRule,
  ExoMailbox,
  ExoMailboxPermission,
  ExoMobileDevice,
  ExoRecipientPermission,
  ExoTransportRule,
} from "../../adapters/exo/shapes.js";

type Obj = Readonly<Record<string, unknown>>;

/** `[string]$v`: "" for null; scalars as text; anything else as JSON (REST values here are scalars or lists). */
function str(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}
const optional = (v: unknown): string | null => (str(v) === "" ? null : str(v));
const bool = (v: unknown): boolean => Boolean(v);
const list = (v: unknown): string[] =>
  v === null || v === undefined ? [] : Array.isArray(v) ? v.map(str) : [str(v)];
/** ConvertTo-BridgeRightsArray: each element split on ",", trimmed, empty parts dropped. */
const rights = (v: unknown): string[] =>
  list(v).flatMap((item) =>
    item
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
  );
const int = (v: unknown): number => (v === null || v === undefined ? 0 : Math.trunc(Number(v)));

export function projectInboxRule(r: Obj): ExoInboxRule {
  return {
    name: str(r["Name"]),
    identity: str(r["Identity"]),
    ruleIdentity: str(r["RuleIdentity"]),
    enabled: bool(r["Enabled"]),
    inError: bool(r["InError"]),
    errorType: optional(r["ErrorType"]),
    priority: int(r["Priority"]),
    supportedByTask: bool(r["SupportedByTask"]),
    description: str(r["Description"]),
    mailboxOwnerId: str(r["MailboxOwnerId"]),
    from: list(r["From"]),
    sentTo: list(r["SentTo"]),
    subjectContainsWords: list(r["SubjectContainsWords"]),
    bodyContainsWords: list(r["BodyContainsWords"]),
    subjectOrBodyContainsWords: list(r["SubjectOrBodyContainsWords"]),
    fromAddressContainsWords: list(r["FromAddressContainsWords"]),
    forwardTo: list(r["ForwardTo"]),
    redirectTo: list(r["RedirectTo"]),
    forwardAsAttachmentTo: list(r["ForwardAsAttachmentTo"]),
    deleteMessage: bool(r["DeleteMessage"]),
    softDeleteMessage: bool(r["SoftDeleteMessage"]),
    permanentDelete: bool(r["PermanentDelete"]),
    moveToFolder: optional(r["MoveToFolder"]),
    copyToFolder: optional(r["CopyToFolder"]),
    markAsRead: bool(r["MarkAsRead"]),
    markImportance: optional(r["MarkImportance"]),
    stopProcessingRules: bool(r["StopProcessingRules"]),
  };
}

export function projectMailbox(m: Obj): ExoMailbox {
  return {
    userPrincipalName: str(m["UserPrincipalName"]),
    primarySmtpAddress: str(m["PrimarySmtpAddress"]),
    alias: str(m["Alias"]),
    identity: str(m["Identity"]),
    exchangeGuid: str(m["ExchangeGuid"]),
    externalDirectoryObjectId: str(m["ExternalDirectoryObjectId"]),
    recipientTypeDetails: str(m["RecipientTypeDetails"]),
    forwardingSmtpAddress: optional(m["ForwardingSmtpAddress"]),
    forwardingAddress: optional(m["ForwardingAddress"]),
    deliverToMailboxAndForward: bool(m["DeliverToMailboxAndForward"]),
    emailAddresses: list(m["EmailAddresses"]),
    grantSendOnBehalfTo: list(m["GrantSendOnBehalfTo"]),
  };
}

export function projectMailboxPermission(r: Obj): ExoMailboxPermission {
  return {
    identity: str(r["Identity"]),
    user: str(r["User"]),
    accessRights: rights(r["AccessRights"]),
    isInherited: bool(r["IsInherited"]),
    deny: bool(r["Deny"]),
    inheritanceType: optional(r["InheritanceType"]),
  };
}

export function projectRecipientPermission(r: Obj): ExoRecipientPermission {
  return {
    identity: str(r["Identity"]),
    trustee: str(r["Trustee"]),
    accessControlType: optional(r["AccessControlType"]),
    accessRights: rights(r["AccessRights"]),
    isInherited: bool(r["IsInherited"]),
  };
}

export function projectFolderPermission(r: Obj): ExoFolderPermission {
  return {
    identity: str(r["Identity"]),
    folderName: str(r["FolderName"]),
    user: str(r["User"]),
    accessRights: rights(r["AccessRights"]),
    sharingPermissionFlags: optional(r["SharingPermissionFlags"]),
  };
}

export function projectTransportRule(r: Obj): ExoTransportRule {
  return {
    name: str(r["Name"]),
    identity: str(r["Identity"]),
    guid: str(r["Guid"]),
    state: str(r["State"]),
    mode: optional(r["Mode"]),
    priority: int(r["Priority"]),
    description: str(r["Description"]),
    blindCopyTo: list(r["BlindCopyTo"]),
    redirectMessageTo: list(r["RedirectMessageTo"]),
    copyTo: list(r["CopyTo"]),
    addToRecipients: list(r["AddToRecipients"]),
    deleteMessage: bool(r["DeleteMessage"]),
    sentToScope: optional(r["SentToScope"]),
    fromScope: optional(r["FromScope"]),
  };
}

/** ConvertTo-BridgeDateTime for what the REST output carries: a date string passes on as it came, "" is null. */
const date = (v: unknown): string | null => optional(v);

export function projectMobileDevice(d: Obj): ExoMobileDevice {
  return {
    identity: str(d["Identity"]),
    guid: str(d["Guid"]),
    deviceId: str(d["DeviceId"]),
    deviceType: str(d["DeviceType"]),
    deviceModel: str(d["DeviceModel"]),
    deviceOS: str(d["DeviceOS"]),
    deviceUserAgent: str(d["DeviceUserAgent"]),
    friendlyName: str(d["FriendlyName"]),
    clientType: optional(d["ClientType"]),
    firstSyncTime: date(d["FirstSyncTime"]),
    deviceAccessState: optional(d["DeviceAccessState"]),
    deviceAccessStateReason: optional(d["DeviceAccessStateReason"]),
  };
}

export function projectCasMailbox(c: Obj): ExoCasMailbox {
  const smtpAuth = c["SmtpClientAuthenticationDisabled"];
  return {
    identity: str(c["Identity"]),
    primarySmtpAddress: str(c["PrimarySmtpAddress"]),
    externalDirectoryObjectId: str(c["ExternalDirectoryObjectId"]),
    popEnabled: bool(c["PopEnabled"]),
    imapEnabled: bool(c["ImapEnabled"]),
    smtpClientAuthenticationDisabled: smtpAuth === null || smtpAuth === undefined ? null : bool(smtpAuth),
    activeSyncEnabled: bool(c["ActiveSyncEnabled"]),
    mapiEnabled: bool(c["MAPIEnabled"]),
    ewsEnabled: bool(c["EwsEnabled"]),
    owaEnabled: bool(c["OWAEnabled"]),
    activeSyncBlockedDeviceIDs: list(c["ActiveSyncBlockedDeviceIDs"]),
  };
}

const PROJECTORS: Readonly<Record<Exclude<Projection, "none">, (o: Obj) => unknown>> = {
  inboxRule: projectInboxRule,
  mailbox: projectMailbox,
  mailboxPermission: projectMailboxPermission,
  recipientPermission: projectRecipientPermission,
  folderPermission: projectFolderPermission,
  transportRule: projectTransportRule,
  mobileDevice: projectMobileDevice,
  casMailbox: projectCasMailbox,
};

export function project(projection: Projection, rows: readonly unknown[]): unknown[] {
  if (projection === "none") return [];
  const objects = rows.filter((r): r is Obj => typeof r === "object" && r !== null && !Array.isArray(r));
  return objects.map(PROJECTORS[projection]);
}
