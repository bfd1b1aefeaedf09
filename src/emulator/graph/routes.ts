/** The Graph routes the emulated tenant serves, each with the operation its permission check uses. */
import { runHuntingQuery } from "./hunting.js";
import {
  getRiskyUser,
  listRiskDetections,
  listRiskyUserHistory,
  listRiskyUsers,
  riskyUsersAction,
} from "./identityProtection.js";
import {
  AUTH_METHOD_TYPES,
  deleteAuthMethod,
  getAuthMethod,
  listAuthMethods,
  listAuthMethodsOfType,
} from "./authMethods.js";
import {
  createAssignment,
  createGrant,
  deleteAssignment,
  deleteGrant,
  getGrant,
  listAssignments,
  listGrants,
} from "./consents.js";
import { listDirectoryAudits } from "./directoryAudits.js";
import { getMailboxSettings, patchMailboxSettings } from "./mailboxSettings.js";
import { getMailFolder } from "./mailFolders.js";
import { createRule, deleteRule, getRule, listRules, patchRule } from "./messageRules.js";
import { revokeSignInSessions } from "./revoke.js";
import type { GraphRoute } from "./router.js";
import {
  commentAlert,
  commentIncident,
  getAlert,
  getIncident,
  listAlerts,
  listIncidents,
  patchAlert,
  patchIncident,
} from "./security.js";
import { listSignIns } from "./signIns.js";
import { postChannelMessage } from "./teams.js";
import { patchUser } from "./userPatch.js";
import { getUser, listUsers } from "./users.js";
import type { AuthMethodType } from "../state.js";

const RULES = "/users/:user/mailFolders/:folder/messageRules";
const RISKY = "/identityProtection/riskyUsers";
const AUTH = "/users/:user/authentication";

/** Per method type: list, and delete where the type allows it (the password method has no DELETE: 405). */
const AUTH_METHOD_ROUTES: GraphRoute[] = Object.entries(AUTH_METHOD_TYPES).flatMap(([type, t]) => [
  {
    method: "GET" as const,
    path: `${AUTH}/${t.segment}`,
    operation: "authMethods.read" as const,
    handler: listAuthMethodsOfType(type as AuthMethodType),
  },
  {
    method: "GET" as const,
    path: `${AUTH}/${t.segment}/:method`,
    operation: "authMethods.read" as const,
    handler: getAuthMethod,
  },
  ...(t.deletable
    ? [
        {
          method: "DELETE" as const,
          path: `${AUTH}/${t.segment}/:method`,
          operation: "authMethods.write" as const,
          handler: deleteAuthMethod(type as AuthMethodType),
        },
      ]
    : []),
]);

export const GRAPH_ROUTES: readonly GraphRoute[] = [
  { method: "GET", path: "/users", operation: "users.read", handler: listUsers },
  { method: "GET", path: "/users/:user", operation: "users.read", handler: getUser },
  { method: "PATCH", path: "/users/:user", operation: "users.update", handler: patchUser },
  {
    method: "POST",
    path: "/users/:user/revokeSignInSessions",
    operation: "users.revokeSignInSessions",
    handler: revokeSignInSessions,
  },
  {
    method: "GET",
    path: "/users/:user/mailboxSettings",
    operation: "mailboxSettings.read",
    handler: getMailboxSettings,
  },
  {
    method: "PATCH",
    path: "/users/:user/mailboxSettings",
    operation: "mailboxSettings.write",
    handler: patchMailboxSettings,
  },
  { method: "GET", path: "/oauth2PermissionGrants", operation: "oauth2Grants.read", handler: listGrants },
  { method: "POST", path: "/oauth2PermissionGrants", operation: "oauth2Grants.write", handler: createGrant },
  {
    method: "GET",
    path: "/oauth2PermissionGrants/:grant",
    operation: "oauth2Grants.read",
    handler: getGrant,
  },
  {
    method: "DELETE",
    path: "/oauth2PermissionGrants/:grant",
    operation: "oauth2Grants.write",
    handler: deleteGrant,
  },
  {
    method: "GET",
    path: "/users/:user/appRoleAssignments",
    operation: "appRoleAssignments.read",
    handler: listAssignments,
  },
  {
    method: "POST",
    path: "/users/:user/appRoleAssignments",
    operation: "appRoleAssignments.write",
    handler: createAssignment,
  },
  {
    method: "DELETE",
    path: "/users/:user/appRoleAssignments/:assignment",
    operation: "appRoleAssignments.write",
    handler: deleteAssignment,
  },
  { method: "GET", path: `${AUTH}/methods`, operation: "authMethods.read", handler: listAuthMethods },
  { method: "GET", path: `${AUTH}/methods/:method`, operation: "authMethods.read", handler: getAuthMethod },
  ...AUTH_METHOD_ROUTES,
  {
    method: "GET",
    path: "/auditLogs/directoryAudits",
    operation: "directoryAudits.read",
    handler: listDirectoryAudits,
  },
  {
    method: "GET",
    path: "/users/:user/mailFolders/:folder",
    operation: "mailFolders.read",
    handler: getMailFolder,
  },
  { method: "GET", path: RULES, operation: "messageRules.read", handler: listRules },
  { method: "POST", path: RULES, operation: "messageRules.write", handler: createRule },
  { method: "GET", path: `${RULES}/:rule`, operation: "messageRules.read", handler: getRule },
  { method: "PATCH", path: `${RULES}/:rule`, operation: "messageRules.write", handler: patchRule },
  { method: "DELETE", path: `${RULES}/:rule`, operation: "messageRules.write", handler: deleteRule },
  // Literal action segments come before `:riskyUser` so they win.
  {
    method: "POST",
    path: `${RISKY}/confirmCompromised`,
    operation: "riskyUsers.write",
    handler: riskyUsersAction("confirmCompromised"),
  },
  {
    method: "POST",
    path: `${RISKY}/dismiss`,
    operation: "riskyUsers.write",
    handler: riskyUsersAction("dismiss"),
  },
  { method: "GET", path: RISKY, operation: "riskyUsers.read", handler: listRiskyUsers },
  { method: "GET", path: `${RISKY}/:riskyUser`, operation: "riskyUsers.read", handler: getRiskyUser },
  {
    method: "GET",
    path: `${RISKY}/:riskyUser/history`,
    operation: "riskyUsers.read",
    handler: listRiskyUserHistory,
  },
  {
    method: "GET",
    path: "/identityProtection/riskDetections",
    operation: "riskDetections.read",
    handler: listRiskDetections,
  },
  { method: "GET", path: "/auditLogs/signIns", operation: "signIns.read", handler: listSignIns },
  { method: "GET", path: "/security/alerts_v2", operation: "alerts.read", handler: listAlerts },
  { method: "GET", path: "/security/alerts_v2/:alert", operation: "alerts.read", handler: getAlert },
  { method: "PATCH", path: "/security/alerts_v2/:alert", operation: "alerts.write", handler: patchAlert },
  {
    method: "POST",
    path: "/security/alerts_v2/:alert/comments",
    operation: "alerts.write",
    handler: commentAlert,
  },
  { method: "GET", path: "/security/incidents", operation: "incidents.read", handler: listIncidents },
  { method: "GET", path: "/security/incidents/:incident", operation: "incidents.read", handler: getIncident },
  {
    method: "PATCH",
    path: "/security/incidents/:incident",
    operation: "incidents.write",
    handler: patchIncident,
  },
  {
    method: "POST",
    path: "/security/incidents/:incident/comments",
    operation: "incidents.write",
    handler: commentIncident,
  },
  { method: "POST", path: "/security/runHuntingQuery", operation: "hunting.run", handler: runHuntingQuery },
  {
    method: "POST",
    path: "/teams/:team/channels/:channel/messages",
    operation: "channelMessages.send",
    handler: postChannelMessage,
  },
];
