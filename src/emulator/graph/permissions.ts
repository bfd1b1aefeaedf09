/**
 * Which application permissions (token `roles`) satisfy each Graph operation, least privileged first
 * (apis.md A2–A4 [D], except where noted). A token with none of them gets 403 in the workload's error shape.
 */
import { GraphErrors, type GraphErrorSpec, type Workload } from "./errors.js";

export type GraphOperation =
  | "users.read"
  | "users.revokeSignInSessions"
  | "mailFolders.read"
  | "messageRules.read"
  | "messageRules.write"
  | "users.update"
  | "mailboxSettings.read"
  | "riskyUsers.read"
  | "riskyUsers.write"
  | "riskDetections.read"
  | "signIns.read"
  | "alerts.read"
  | "alerts.write"
  | "incidents.read"
  | "incidents.write"
  | "hunting.run"
  | "channelMessages.send"
  | "mailboxSettings.write"
  | "oauth2Grants.read"
  | "oauth2Grants.write"
  | "appRoleAssignments.read"
  | "appRoleAssignments.write"
  | "authMethods.read"
  | "authMethods.write"
  | "directoryAudits.read";

/**
 * `roles`: application permissions that pass the check; `scopes`: delegated permissions (`scp`) that do — only
 * operations that list them accept a user token (delegated access is modelled for Teams notices alone).
 */
export const PERMISSIONS: Record<
  GraphOperation,
  { workload: Workload; roles: readonly string[]; scopes?: readonly string[] }
> = {
  // [I] standard; User.ReadBasic.All (basic profile only) is not modelled.
  "users.read": {
    workload: "directory",
    roles: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  },
  // Doc revisions differ (apis.md A3): User.RevokeSessions.All [T], User.ReadWrite.All (older page), Directory.ReadWrite.All.
  "users.revokeSignInSessions": {
    workload: "directory",
    roles: ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
  },
  "mailFolders.read": { workload: "outlook", roles: ["Mail.ReadBasic.All", "Mail.Read", "Mail.ReadWrite"] },
  "messageRules.read": { workload: "outlook", roles: ["MailboxSettings.Read", "MailboxSettings.ReadWrite"] },
  "messageRules.write": { workload: "outlook", roles: ["MailboxSettings.ReadWrite"] },
  // PATCH /users/{id}: any role that can write some property; the handler checks each property (userPatch.ts)
  // [D user-update / user-get "Permissions for specific scenarios"].
  "users.update": {
    workload: "directory",
    roles: [
      "User.EnableDisableAccount.All",
      "User-PasswordProfile.ReadWrite.All",
      "User.ReadWrite.All",
      "Directory.ReadWrite.All",
    ],
  },
  "mailboxSettings.read": {
    workload: "outlook",
    roles: ["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
  },
  // [D user-update-mailboxsettings].
  "mailboxSettings.write": { workload: "outlook", roles: ["MailboxSettings.ReadWrite"] },
  // [D oauth2permissiongrant-list / -get]: DelegatedPermissionGrant.Read.All least privileged; Directory.Read.All and
  // the write permissions read too. [D -delete / -post]: DelegatedPermissionGrant.ReadWrite.All, Directory.ReadWrite.All.
  "oauth2Grants.read": {
    workload: "directory",
    roles: [
      "DelegatedPermissionGrant.Read.All",
      "Directory.Read.All",
      "DelegatedPermissionGrant.ReadWrite.All",
      "Directory.ReadWrite.All",
    ],
  },
  "oauth2Grants.write": {
    workload: "directory",
    roles: ["DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"],
  },
  // [D user-list-approleassignments]: Directory.Read.All least; [D user-delete/post-approleassignments]:
  // AppRoleAssignment.ReadWrite.All, Directory.ReadWrite.All.
  "appRoleAssignments.read": {
    workload: "directory",
    roles: ["Directory.Read.All", "AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"],
  },
  "appRoleAssignments.write": {
    workload: "directory",
    roles: ["AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"],
  },
  // [D authentication-list-methods / *authenticationmethod-delete]: application UserAuthenticationMethod.Read.All /
  // .ReadWrite.All (the per-type UserAuthMethod-*.ReadWrite.All permissions are not modelled).
  "authMethods.read": {
    workload: "directory",
    roles: ["UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"],
  },
  "authMethods.write": { workload: "directory", roles: ["UserAuthenticationMethod.ReadWrite.All"] },
  // [D directoryaudit-list]: AuditLog.Read.All.
  "directoryAudits.read": { workload: "directory", roles: ["AuditLog.Read.All"] },
  // apis.md A5 [D].
  "riskyUsers.read": {
    workload: "directory",
    roles: ["IdentityRiskyUser.Read.All", "IdentityRiskyUser.ReadWrite.All"],
  },
  "riskyUsers.write": { workload: "directory", roles: ["IdentityRiskyUser.ReadWrite.All"] },
  "riskDetections.read": { workload: "directory", roles: ["IdentityRiskEvent.Read.All"] },
  // apis.md A6 [D]: AuditLog.Read.All (older revisions: and Directory.Read.All — see SIGNINS_ALSO_NEEDS).
  "signIns.read": { workload: "directory", roles: ["AuditLog.Read.All"] },
  // apis.md A7 [D].
  "alerts.read": { workload: "security", roles: ["SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"] },
  "alerts.write": { workload: "security", roles: ["SecurityAlert.ReadWrite.All"] },
  "incidents.read": {
    workload: "security",
    roles: ["SecurityIncident.Read.All", "SecurityIncident.ReadWrite.All"],
  },
  "incidents.write": { workload: "security", roles: ["SecurityIncident.ReadWrite.All"] },
  // apis.md A1 [D]: the only permission ("Higher privileged: Not available").
  "hunting.run": { workload: "security", roles: ["ThreatHunting.Read.All"] },
  // [D chatmessage-post / channel-post-messages]: delegated ChannelMessage.Send (Group.ReadWrite.All for backward
  // compatibility); application Teamwork.Migrate.All "only supported for migration" — an app token holding it
  // passes this check and is refused by the handler (teams.ts) unless the channel is in migration mode.
  "channelMessages.send": {
    workload: "teams",
    roles: ["Teamwork.Migrate.All"],
    scopes: ["ChannelMessage.Send", "Group.ReadWrite.All"],
  },
};

/**
 * signIns: "This API has a known issue and currently requires consent to both AuditLog.Read.All and
 * Directory.Read.All" (apis.md A6 [D older revisions]); newer revisions list AuditLog.Read.All alone. The emulator
 * takes the stricter reading: one of these is needed too (checked by the signIns handler).
 */
export const SIGNINS_ALSO_NEEDS = ["Directory.Read.All", "Directory.ReadWrite.All"] as const;

export function isPermitted(
  operation: GraphOperation,
  token: { roles: readonly string[]; scp?: readonly string[] | undefined },
): boolean {
  const p = PERMISSIONS[operation];
  // A user token (scp) is judged by its delegated scopes only, an app token by its roles only.
  if (token.scp !== undefined) return (p.scopes ?? []).some((s) => token.scp?.includes(s));
  return p.roles.some((r) => token.roles.includes(r));
}

/** The 403 for a token the check refused, in the operation's workload shape. */
export function accessDeniedFor(
  operation: GraphOperation,
  token: { roles: readonly string[]; scp?: readonly string[] | undefined },
): GraphErrorSpec {
  const p = PERMISSIONS[operation];
  if (p.workload !== "teams") return GraphErrors.accessDenied(p.workload);
  // Teams' own wording [T msteams-docs#14043 for roles; I for scopes, by analogy].
  return token.scp !== undefined
    ? [
        403,
        "Forbidden",
        `Missing scope permissions on the request. API requires one of '${(p.scopes ?? []).join(", ")}'. Scopes on the request '${token.scp.join(",")}'.`,
      ]
    : [
        403,
        "Forbidden",
        `Missing role permissions on the request. API requires one of '${p.roles.join(", ")}'. Roles on the request '${token.roles.join(",")}'.`,
      ];
}
