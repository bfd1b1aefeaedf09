/**
 * The flat objects the bridge projects cmdlet output into (scripts/exo-bridge.ps1 ConvertTo-Bridge* functions;
 * apis.md B4). Every property is always present: unset strings are "" or null as noted,
 * unset lists are [], unset flags are false. RuleIdentity is a decimal string (a uint64 exceeds JS numbers).
 */
import { z } from "zod";

const list = z.array(z.string());

export const ExoInboxRuleSchema = z.object({
  name: z.string(),
  /** `<mailbox owner id>\<RuleIdentity>` as Exchange reports it. */
  identity: z.string(),
  ruleIdentity: z.string().regex(/^\d{1,20}$/),
  enabled: z.boolean(),
  inError: z.boolean(),
  /** "None" normally; null when Exchange did not report it (hidden system rules). */
  errorType: z.string().nullable(),
  priority: z.number().int(),
  supportedByTask: z.boolean(),
  description: z.string(),
  mailboxOwnerId: z.string(),
  // conditions
  from: list,
  sentTo: list,
  subjectContainsWords: list,
  bodyContainsWords: list,
  subjectOrBodyContainsWords: list,
  fromAddressContainsWords: list,
  // actions; recipients as Exchange renders them: `"Name" [SMTP:addr]` or `"Name" [EX:/o=…]` (see recipient.ts)
  forwardTo: list,
  redirectTo: list,
  forwardAsAttachmentTo: list,
  deleteMessage: z.boolean(),
  softDeleteMessage: z.boolean(),
  permanentDelete: z.boolean(),
  /** `<mailbox>:\<folder path>` or null. */
  moveToFolder: z.string().nullable(),
  copyToFolder: z.string().nullable(),
  markAsRead: z.boolean(),
  /** "Low" | "Normal" | "High" or null. */
  markImportance: z.string().nullable(),
  stopProcessingRules: z.boolean(),
});
export type ExoInboxRule = z.infer<typeof ExoInboxRuleSchema>;

export const ExoMailboxSchema = z.object({
  userPrincipalName: z.string(),
  primarySmtpAddress: z.string(),
  alias: z.string(),
  identity: z.string(),
  exchangeGuid: z.string(),
  externalDirectoryObjectId: z.string(),
  recipientTypeDetails: z.string(),
  /** `smtp:addr@domain` or null. */
  forwardingSmtpAddress: z.string().nullable(),
  /** Identity of the internal recipient or null. */
  forwardingAddress: z.string().nullable(),
  deliverToMailboxAndForward: z.boolean(),
  emailAddresses: list,
  /** Set-Mailbox -GrantSendOnBehalfTo: recipient identities as Exchange reports them. */
  grantSendOnBehalfTo: list,
});
export type ExoMailbox = z.infer<typeof ExoMailboxSchema>;

/**
 * Get-MailboxPermission row. `accessRights` is split: Exchange joins several rights into one element
 * (`["FullAccess, ReadPermission"]`, apis.md B2 [T]); the projection yields `["FullAccess","ReadPermission"]`.
 * Every mailbox has the implicit `NT AUTHORITY\SELF` row, which is not a delegation.
 */
export const ExoMailboxPermissionSchema = z.object({
  identity: z.string(),
  user: z.string(),
  accessRights: list,
  isInherited: z.boolean(),
  deny: z.boolean(),
  /** "All" | "None" | … or null when not reported. */
  inheritanceType: z.string().nullable(),
});
export type ExoMailboxPermission = z.infer<typeof ExoMailboxPermissionSchema>;

/** Get-RecipientPermission row (SendAs). */
export const ExoRecipientPermissionSchema = z.object({
  identity: z.string(),
  trustee: z.string(),
  /** "Allow" | "Deny" or null when not reported. */
  accessControlType: z.string().nullable(),
  accessRights: list,
  isInherited: z.boolean(),
});
export type ExoRecipientPermission = z.infer<typeof ExoRecipientPermissionSchema>;

/** Get-MailboxFolderPermission row; `user` is a display name or "Default" / "Anonymous". */
export const ExoFolderPermissionSchema = z.object({
  identity: z.string(),
  folderName: z.string(),
  user: z.string(),
  accessRights: list,
  sharingPermissionFlags: z.string().nullable(),
});
export type ExoFolderPermission = z.infer<typeof ExoFolderPermissionSchema>;

/** Get-TransportRule object (the fields a responder needs; property names apis.md B2 [I]). */
export const ExoTransportRuleSchema = z.object({
  name: z.string(),
  identity: z.string(),
  guid: z.string(),
  /** "Enabled" | "Disabled". */
  state: z.string(),
  /** "Enforce" | "Audit" | "AuditAndNotify" or null. */
  mode: z.string().nullable(),
  priority: z.number().int(),
  description: z.string(),
  blindCopyTo: list,
  redirectMessageTo: list,
  copyTo: list,
  addToRecipients: list,
  deleteMessage: z.boolean(),
  sentToScope: z.string().nullable(),
  fromScope: z.string().nullable(),
});
export type ExoTransportRule = z.infer<typeof ExoTransportRuleSchema>;

/**
 * Get-MobileDevice object: one mobile device partnership of a mailbox [D Get-MobileDevice]. `guid` addresses it for
 * Remove-MobileDevice (the device id and user agent are reported by the device, i.e. attacker-controlled).
 * `firstSyncTime` is the partnership's creation as ISO 8601 UTC, or null when Exchange did not report it.
 */
export const ExoMobileDeviceSchema = z.object({
  identity: z.string(),
  guid: z.string(),
  deviceId: z.string(),
  deviceType: z.string(),
  deviceModel: z.string(),
  deviceOS: z.string(),
  deviceUserAgent: z.string(),
  friendlyName: z.string(),
  /** "EAS" | "Outlook" | "REST" … or null. */
  clientType: z.string().nullable(),
  firstSyncTime: z.string().nullable(),
  /** "Allowed" | "Blocked" | "Quarantined" | "DeviceDiscovery" … or null. */
  deviceAccessState: z.string().nullable(),
  deviceAccessStateReason: z.string().nullable(),
});
export type ExoMobileDevice = z.infer<typeof ExoMobileDeviceSchema>;

/**
 * Get-CASMailbox object: the client protocols of a mailbox [D Set-CASMailbox]. `smtpClientAuthenticationDisabled`
 * is a nullable bool: null means the mailbox follows the organisation's setting (Set-TransportConfig).
 */
export const ExoCasMailboxSchema = z.object({
  identity: z.string(),
  primarySmtpAddress: z.string(),
  externalDirectoryObjectId: z.string(),
  popEnabled: z.boolean(),
  imapEnabled: z.boolean(),
  smtpClientAuthenticationDisabled: z.boolean().nullable(),
  activeSyncEnabled: z.boolean(),
  mapiEnabled: z.boolean(),
  ewsEnabled: z.boolean(),
  owaEnabled: z.boolean(),
  activeSyncBlockedDeviceIDs: list,
});
export type ExoCasMailbox = z.infer<typeof ExoCasMailboxSchema>;

/** Property names of each projection, in the order the script emits them (checked against the script by a test). */
export const INBOX_RULE_FIELDS = Object.keys(ExoInboxRuleSchema.shape) as ReadonlyArray<keyof ExoInboxRule>;
export const MAILBOX_FIELDS = Object.keys(ExoMailboxSchema.shape) as ReadonlyArray<keyof ExoMailbox>;
export const MAILBOX_PERMISSION_FIELDS = Object.keys(ExoMailboxPermissionSchema.shape) as ReadonlyArray<
  keyof ExoMailboxPermission
>;
export const RECIPIENT_PERMISSION_FIELDS = Object.keys(ExoRecipientPermissionSchema.shape) as ReadonlyArray<
  keyof ExoRecipientPermission
>;
export const FOLDER_PERMISSION_FIELDS = Object.keys(ExoFolderPermissionSchema.shape) as ReadonlyArray<
  keyof ExoFolderPermission
>;
export const TRANSPORT_RULE_FIELDS = Object.keys(ExoTransportRuleSchema.shape) as ReadonlyArray<
  keyof ExoTransportRule
>;
export const MOBILE_DEVICE_FIELDS = Object.keys(ExoMobileDeviceSchema.shape) as ReadonlyArray<
  keyof ExoMobileDevice
>;
export const CAS_MAILBOX_FIELDS = Object.keys(ExoCasMailboxSchema.shape) as ReadonlyArray<
  keyof ExoCasMailbox
>;
