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
 * - `ResultSize`: the string `Unlimited` or a positive integer.
 */
export const PARAMETER_KINDS = [
  "Identity",
  "IdentityOrNull",
  "StringOrNull",
  "Switch",
  "Bool",
  "ResultSize",
] as const;
export type ParameterKind = (typeof PARAMETER_KINDS)[number];

/** How the script turns a cmdlet's output objects into protocol JSON (see shapes.ts). `none`: output is dropped. */
export type Projection = "inboxRule" | "mailbox" | "none";

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
