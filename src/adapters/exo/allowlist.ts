/**
 * The Exchange Online cmdlets the bridge may run, with the parameters each may receive and the kind of value each
 * parameter accepts. scripts/exo-bridge.ps1 holds the same table (`$AllowedCmdlets`, `$Projections`); a test parses
 * the script and fails when the two differ. Adding a cmdlet is one entry here and one line in the script.
 *
 * Kinds:
 * - `Identity`: a non-empty string with no wildcard (`*`, `?`). A `$null` or empty Identity on a Get- cmdlet returns
 *   every object, and wildcards widen the match, so neither is ever sent.
 * - `IdentityOrNull`: `null` (clears the value) or an `Identity`.
 * - `StringOrNull`: `null` or any string (e.g. an SMTP address, validated by Exchange).
 * - `Switch`: a boolean; `true` sets the switch.
 * - `Bool`: a boolean bound to a `[bool]` parameter (`-Confirm:$false`, `-DeliverToMailboxAndForward $false`).
 * - `BoolOrNull`: a boolean or `null`, bound to a nullable `[bool]` parameter (Set-CASMailbox
 *   -SmtpClientAuthenticationDisabled: `$null` = follow the organisation's setting).
 * - `ResultSize`: the string `Unlimited` or a positive integer.
 * - `Word`: one ASCII letter-only word (an enum value such as `All`, `Enabled`).
 * - `WordList`: a non-empty array of `Word`s (AccessRights).
 * - `IdentityListEdit`: a multi-valued recipient property (Set-Mailbox -GrantSendOnBehalfTo): `null` clears it, a
 *   non-empty array of `Identity` values replaces it, `{"add":[…],"remove":[…]}` (at least one non-empty) edits it.
 *   The script turns the object into the hashtable `@{Add=[string[]]; Remove=[string[]]}` — data, never code.
 */
export const PARAMETER_KINDS = [
  "Identity",
  "IdentityOrNull",
  "StringOrNull",
  "Switch",
  "Bool",
  "BoolOrNull",
  "ResultSize",
  "Word",
  "WordList",
  "IdentityListEdit",
] as const;
export type ParameterKind = (typeof PARAMETER_KINDS)[number];

/** How the script turns a cmdlet's output objects into protocol JSON (see shapes.ts). `none`: output is dropped. */
export type Projection =
  | "inboxRule"
  | "mailbox"
  | "mailboxPermission"
  | "recipientPermission"
  | "folderPermission"
  | "transportRule"
  | "mobileDevice"
  | "casMailbox"
  | "none";

export interface CmdletSpec {
  parameters: Readonly<Record<string, ParameterKind>>;
  projection: Projection;
}

export const EXO_CMDLETS = {
  "Get-InboxRule": {
    parameters: { Mailbox: "Identity", Identity: "Identity", IncludeHidden: "Switch" },
    projection: "inboxRule",
  },
  "Disable-InboxRule": {
    parameters: {
      Mailbox: "Identity",
      Identity: "Identity",
      Confirm: "Bool",
      Force: "Switch",
      AlwaysDeleteOutlookRulesBlob: "Switch",
    },
    projection: "none",
  },
  "Enable-InboxRule": {
    parameters: {
      Mailbox: "Identity",
      Identity: "Identity",
      Confirm: "Bool",
      Force: "Switch",
      AlwaysDeleteOutlookRulesBlob: "Switch",
    },
    projection: "none",
  },
  "Remove-InboxRule": {
    parameters: {
      Mailbox: "Identity",
      Identity: "Identity",
      Confirm: "Bool",
      Force: "Switch",
      AlwaysDeleteOutlookRulesBlob: "Switch",
    },
    projection: "none",
  },
  "Get-Mailbox": {
    parameters: { Identity: "Identity", ResultSize: "ResultSize" },
    projection: "mailbox",
  },
  "Set-Mailbox": {
    parameters: {
      Identity: "Identity",
      ForwardingSmtpAddress: "StringOrNull",
      ForwardingAddress: "IdentityOrNull",
      DeliverToMailboxAndForward: "Bool",
      GrantSendOnBehalfTo: "IdentityListEdit",
      Confirm: "Bool",
    },
    projection: "none",
  },
  "Get-MailboxPermission": {
    parameters: { Identity: "Identity", User: "Identity" },
    projection: "mailboxPermission",
  },
  "Add-MailboxPermission": {
    parameters: {
      Identity: "Identity",
      User: "Identity",
      AccessRights: "WordList",
      InheritanceType: "Word",
      AutoMapping: "Bool",
      Confirm: "Bool",
    },
    projection: "none",
  },
  "Remove-MailboxPermission": {
    parameters: {
      Identity: "Identity",
      User: "Identity",
      AccessRights: "WordList",
      InheritanceType: "Word",
      Confirm: "Bool",
    },
    projection: "none",
  },
  "Get-RecipientPermission": {
    parameters: { Identity: "Identity", Trustee: "Identity" },
    projection: "recipientPermission",
  },
  "Add-RecipientPermission": {
    parameters: { Identity: "Identity", Trustee: "Identity", AccessRights: "WordList", Confirm: "Bool" },
    projection: "none",
  },
  "Remove-RecipientPermission": {
    parameters: { Identity: "Identity", Trustee: "Identity", AccessRights: "WordList", Confirm: "Bool" },
    projection: "none",
  },
  "Get-MailboxFolderPermission": {
    parameters: { Identity: "Identity", User: "Identity" },
    projection: "folderPermission",
  },
  "Add-MailboxFolderPermission": {
    parameters: { Identity: "Identity", User: "Identity", AccessRights: "WordList", Confirm: "Bool" },
    projection: "none",
  },
  "Set-MailboxFolderPermission": {
    parameters: { Identity: "Identity", User: "Identity", AccessRights: "WordList", Confirm: "Bool" },
    projection: "none",
  },
  "Remove-MailboxFolderPermission": {
    parameters: { Identity: "Identity", User: "Identity", Confirm: "Bool" },
    projection: "none",
  },
  "Get-TransportRule": {
    parameters: { Identity: "Identity", State: "Word" },
    projection: "transportRule",
  },
  "Disable-TransportRule": {
    parameters: { Identity: "Identity", Confirm: "Bool" },
    projection: "none",
  },
  "Enable-TransportRule": {
    parameters: { Identity: "Identity", Confirm: "Bool" },
    projection: "none",
  },
  "Get-MobileDevice": {
    parameters: { Mailbox: "Identity" },
    projection: "mobileDevice",
  },
  "Remove-MobileDevice": {
    parameters: { Identity: "Identity", Confirm: "Bool" },
    projection: "none",
  },
  "Get-CASMailbox": {
    parameters: { Identity: "Identity" },
    projection: "casMailbox",
  },
  "Set-CASMailbox": {
    parameters: {
      Identity: "Identity",
      PopEnabled: "Bool",
      ImapEnabled: "Bool",
      SmtpClientAuthenticationDisabled: "BoolOrNull",
      Confirm: "Bool",
    },
    projection: "none",
  },
} as const satisfies Record<string, CmdletSpec>;

export type ExoCmdlet = keyof typeof EXO_CMDLETS;

/** Parameters of Connect-ExchangeOnline the `connect` op may carry (secrets travel only on stdin). */
export const CONNECT_PARAMETERS = [
  "AppId",
  "Organization",
  "AccessToken",
  "CertificateFilePath",
  "CertificatePassword",
  "ConnectionUri",
  "AzureADAuthorizationEndpointUri",
] as const;
export type ConnectParameter = (typeof CONNECT_PARAMETERS)[number];

/** Connect parameters whose values are secrets: never logged, redacted from diagnostics. */
export const SECRET_CONNECT_PARAMETERS: readonly ConnectParameter[] = ["AccessToken", "CertificatePassword"];

export function isExoCmdlet(name: string): name is ExoCmdlet {
  return Object.prototype.hasOwnProperty.call(EXO_CMDLETS, name);
}

export function cmdletSpec(name: ExoCmdlet): CmdletSpec {
  return EXO_CMDLETS[name];
}
