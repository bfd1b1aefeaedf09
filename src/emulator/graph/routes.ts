/** The Graph routes the emulated tenant serves, each with the operation its permission check uses. */
import { getMailFolder } from "./mailFolders.js";
import { deleteRule, getRule, listRules, patchRule } from "./messageRules.js";
import { revokeSignInSessions } from "./revoke.js";
import type { GraphRoute } from "./router.js";
import { getUser, listUsers } from "./users.js";

const RULES = "/users/:user/mailFolders/:folder/messageRules";

export const GRAPH_ROUTES: readonly GraphRoute[] = [
  { method: "GET", path: "/users", operation: "users.read", handler: listUsers },
  { method: "GET", path: "/users/:user", operation: "users.read", handler: getUser },
  {
    method: "POST",
    path: "/users/:user/revokeSignInSessions",
    operation: "users.revokeSignInSessions",
    handler: revokeSignInSessions,
  },
  {
    method: "GET",
    path: "/users/:user/mailFolders/:folder",
    operation: "mailFolders.read",
    handler: getMailFolder,
  },
  { method: "GET", path: RULES, operation: "messageRules.read", handler: listRules },
  { method: "GET", path: `${RULES}/:rule`, operation: "messageRules.read", handler: getRule },
  { method: "PATCH", path: `${RULES}/:rule`, operation: "messageRules.write", handler: patchRule },
  { method: "DELETE", path: `${RULES}/:rule`, operation: "messageRules.write", handler: deleteRule },
];
