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
  | "messageRules.write";

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
};

export function isPermitted(operation: GraphOperation, roles: readonly string[]): boolean {
  return PERMISSIONS[operation].roles.some((r) => roles.includes(r));
}
