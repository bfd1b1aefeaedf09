/**
 * Which application permissions (token `roles`) satisfy each Graph operation, least privileged first
 * (apis.md A2–A4 [D], except where noted). A token with none of them gets 403 in the workload's error shape.
 */
import type { Workload } from "./errors.js";

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
  | "hunting.run";

export const PERMISSIONS: Record<GraphOperation, { workload: Workload; roles: readonly string[] }> = {
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
};

/**
 * signIns: "This API has a known issue and currently requires consent to both AuditLog.Read.All and
 * Directory.Read.All" (apis.md A6 [D older revisions]); newer revisions list AuditLog.Read.All alone. The emulator
 * takes the stricter reading: one of these is needed too (checked by the signIns handler).
 */
export const SIGNINS_ALSO_NEEDS = ["Directory.Read.All", "Directory.ReadWrite.All"] as const;

export function isPermitted(operation: GraphOperation, roles: readonly string[]): boolean {
  return PERMISSIONS[operation].roles.some((r) => roles.includes(r));
}
