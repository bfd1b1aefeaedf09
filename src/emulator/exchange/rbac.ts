/**
 * Who may run what on the Exchange face. Two grants are both required (apis.md B0, live-measured [T]):
 * the `Exchange.ManageAsApp` application permission in the token (without it: 401) and an Exchange-capable
 * Entra role on the service principal (without one: 403). Which role reaches which cmdlet: Global Administrator
 * and Exchange Administrator reach every task [D]; Get-InboxRule does not work for Global Reader [D]; the rest of
 * this table is [I] (check `Get-ManagementRole -Cmdlet …` on a real tenant).
 */
export const EXCHANGE_APP_ROLE = "Exchange.ManageAsApp";

const RECIPIENT_TASKS = [
  "Get-InboxRule",
  "Disable-InboxRule",
  "Enable-InboxRule",
  "Get-Mailbox",
  "Set-Mailbox",
] as const;
const READ_ONLY = ["Get-Mailbox"] as const;

/** Entra roles supported for app-only Exchange access (B0) and the cmdlets each reaches here. */
export const ROLE_CMDLETS: Readonly<Record<string, readonly string[]>> = {
  "Global Administrator": RECIPIENT_TASKS,
  "Exchange Administrator": RECIPIENT_TASKS,
  "Exchange Recipient Administrator": RECIPIENT_TASKS,
  "Helpdesk Administrator": READ_ONLY,
  "Global Reader": READ_ONLY,
  "Security Reader": READ_ONLY,
  "Security Administrator": READ_ONLY,
  "Compliance Administrator": READ_ONLY,
};

export function hasExchangeRole(directoryRoles: readonly string[]): boolean {
  return directoryRoles.some((r) => Object.prototype.hasOwnProperty.call(ROLE_CMDLETS, r));
}

export function mayRun(directoryRoles: readonly string[], cmdlet: string): boolean {
  return directoryRoles.some((r) =>
    (Object.prototype.hasOwnProperty.call(ROLE_CMDLETS, r) ? ROLE_CMDLETS[r] : [])?.includes(cmdlet),
  );
}
