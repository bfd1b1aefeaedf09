/**
 * Who may run what on the Exchange face. Two grants are both required (apis.md B0, live-measured [T]):
 * the `Exchange.ManageAsApp` application permission in the token (without it: 401) and an Exchange-capable
 * Entra role on the service principal (without one: 403). Which role reaches which cmdlet:
 * - Global Administrator and Exchange Administrator reach every task [D B0 footnote].
 * - Exchange Recipient Administrator: mailbox, inbox-rule and permission cmdlets, not transport rules [I: the
 *   Recipient Management role group holds Mail Recipients / Mail Recipient Creation, not Transport Rules].
 * - Global Reader, Security Reader, Security Administrator, Compliance Administrator: read-only cmdlets — but
 *   "Get-InboxRule … doesn't work for … the Global Reader role" [D], and the same is assumed for the other
 *   read-only roles [I]. Security Administrator lacks the write tasks [D B0 footnote].
 * - Helpdesk Administrator: read-only recipient cmdlets, no transport rules [I].
 * - Get-/Remove-MobileDevice and Get-/Set-CASMailbox: the Mail Recipients role of the Recipient Management role
 *   group (Exchange Recipient Administrator) and Organization Management (Exchange Administrator) [I: "Mobile
 *   devices" and "Client Access settings" rows of Exchange Online's feature permissions; confirm with
 *   `Get-ManagementRole -Cmdlet Remove-MobileDevice`]; the read-only roles reach the two Get- cmdlets [I].
 * Everything not marked [D] is a guess to check with `Get-ManagementRole -Cmdlet …` on a real tenant; two of the
 * guesses are switchable (options.ts: recipientAdminTransportRules, readOnlyRolesGetInboxRule).
 */
import { DEFAULT_EXCHANGE_OPTIONS, type ExchangeFaceOptions } from "./options.js";

export const EXCHANGE_APP_ROLE = "Exchange.ManageAsApp";

const RECIPIENT_READ = [
  "Get-Mailbox",
  "Get-MailboxPermission",
  "Get-RecipientPermission",
  "Get-MailboxFolderPermission",
  "Get-MobileDevice",
  "Get-CASMailbox",
] as const;
const RECIPIENT_WRITE = [
  "Get-InboxRule",
  "Disable-InboxRule",
  "Enable-InboxRule",
  "Remove-InboxRule",
  "Set-Mailbox",
  "Add-MailboxPermission",
  "Remove-MailboxPermission",
  "Add-RecipientPermission",
  "Remove-RecipientPermission",
  "Add-MailboxFolderPermission",
  "Set-MailboxFolderPermission",
  "Remove-MailboxFolderPermission",
  "Remove-MobileDevice",
  "Set-CASMailbox",
] as const;
const TRANSPORT = ["Get-TransportRule", "Disable-TransportRule", "Enable-TransportRule"] as const;

const ALL = [...RECIPIENT_READ, ...RECIPIENT_WRITE, ...TRANSPORT];
const RECIPIENT_ADMIN = [...RECIPIENT_READ, ...RECIPIENT_WRITE];
const READ_ONLY = [...RECIPIENT_READ, "Get-TransportRule"];

/** Entra roles supported for app-only Exchange access (B0) and the cmdlets each reaches here. */
export const ROLE_CMDLETS: Readonly<Record<string, readonly string[]>> = {
  "Global Administrator": ALL,
  "Exchange Administrator": ALL,
  "Exchange Recipient Administrator": RECIPIENT_ADMIN,
  "Helpdesk Administrator": RECIPIENT_READ,
  "Global Reader": READ_ONLY,
  "Security Reader": READ_ONLY,
  "Security Administrator": READ_ONLY,
  "Compliance Administrator": READ_ONLY,
};

export function hasExchangeRole(directoryRoles: readonly string[]): boolean {
  return directoryRoles.some((r) => Object.prototype.hasOwnProperty.call(ROLE_CMDLETS, r));
}

const READ_ONLY_ROLES = [
  "Helpdesk Administrator",
  "Security Reader",
  "Security Administrator",
  "Compliance Administrator",
];

export function mayRun(
  directoryRoles: readonly string[],
  cmdlet: string,
  options: Pick<
    ExchangeFaceOptions,
    "recipientAdminTransportRules" | "readOnlyRolesGetInboxRule"
  > = DEFAULT_EXCHANGE_OPTIONS,
): boolean {
  return directoryRoles.some((r) => {
    if (!Object.prototype.hasOwnProperty.call(ROLE_CMDLETS, r)) return false;
    if (ROLE_CMDLETS[r]?.includes(cmdlet)) return true;
    if (r === "Exchange Recipient Administrator" && options.recipientAdminTransportRules)
      return (TRANSPORT as readonly string[]).includes(cmdlet);
    if (READ_ONLY_ROLES.includes(r) && options.readOnlyRolesGetInboxRule) return cmdlet === "Get-InboxRule";
    return false;
  });
}
