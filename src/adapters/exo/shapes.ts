/**
 * The flat objects the bridge projects cmdlet output into (scripts/exo-bridge.ps1 ConvertTo-BridgeInboxRule /
 * ConvertTo-BridgeMailbox; apis.md B4). Every property is always present: unset strings are "" or null as noted,
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
});
export type ExoMailbox = z.infer<typeof ExoMailboxSchema>;

/** Property names of each projection, in the order the script emits them (checked against the script by a test). */
export const INBOX_RULE_FIELDS = Object.keys(ExoInboxRuleSchema.shape) as ReadonlyArray<keyof ExoInboxRule>;
export const MAILBOX_FIELDS = Object.keys(ExoMailboxSchema.shape) as ReadonlyArray<keyof ExoMailbox>;
