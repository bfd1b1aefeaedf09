/**
 * Which granted application permission satisfies which need: a higher grant covers a lower one (documented
 * "higher privileged" permissions in each Graph permission table).
 */
export const SATISFIED_BY: Record<string, string[]> = {
  "User.Read.All": ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  "MailboxSettings.Read": ["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
  "MailboxSettings.ReadWrite": ["MailboxSettings.ReadWrite"],
  "Mail.ReadBasic.All": ["Mail.ReadBasic.All", "Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"],
  "User.RevokeSessions.All": ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
  "User.EnableDisableAccount.All": [
    "User.EnableDisableAccount.All",
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
  ],
  "Exchange.ManageAsApp": ["Exchange.ManageAsApp"],
  "IdentityRiskyUser.ReadWrite.All": ["IdentityRiskyUser.ReadWrite.All"],
  "SecurityAlert.ReadWrite.All": ["SecurityAlert.ReadWrite.All"],
  "SecurityIncident.ReadWrite.All": ["SecurityIncident.ReadWrite.All"],
  "DelegatedPermissionGrant.ReadWrite.All": [
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
  ],
  "AppRoleAssignment.ReadWrite.All": ["AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"],
  "Directory.Read.All": ["Directory.Read.All", "Directory.ReadWrite.All"],
  "UserAuthenticationMethod.ReadWrite.All": ["UserAuthenticationMethod.ReadWrite.All"],
  "AuditLog.Read.All": ["AuditLog.Read.All"],
};

export function satisfied(need: string, granted: readonly string[]): boolean {
  return (SATISFIED_BY[need] ?? [need]).some((g) => granted.includes(g));
}

/** What scanning needs, whatever the playbook. */
export const SCAN_NEEDS = {
  graph: ["User.Read.All", "MailboxSettings.Read", "Mail.ReadBasic.All"],
  exchange: ["Exchange.ManageAsApp"],
};
