/**
 * Delegated consents and app-role assignments of the directory:
 * - `GET|POST /oauth2PermissionGrants`, `GET|DELETE /oauth2PermissionGrants/{id}` [D oauth2permissiongrant-*]:
 *   `clientId`, `consentType`, `principalId`, `resourceId`, `scope`; no creation time (the resource has none).
 * - `GET|POST /users/{id}/appRoleAssignments`, `DELETE /users/{id}/appRoleAssignments/{id}` [D user-*-approleassignments]:
 *   `createdDateTime` is set by the directory.
 * Ids are opaque base64url strings, as the service's are; a re-created grant or assignment gets a new one. Every
 * write is recorded in the directory audit log with the app as initiator (Core Directory's activity names).
 */
import { DEFAULT_ACCESS_ROLE } from "../buildIdentity.js";
import { isoSeconds } from "../buildTenant.js";
import { fail, readJsonBody, type GraphCall } from "./call.js";
import { listCollection } from "./collection.js";
import { appendAudit } from "./directoryAudits.js";
import { GraphErrors, type GraphErrorSpec } from "./errors.js";
import { EQ } from "./filter.js";
import { findUser } from "./lookup.js";
import { graphJson, graphNoContent } from "./respond.js";
import type { AppRoleAssignmentState, OAuth2GrantState, TenantState } from "../state.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An opaque directory object key (base64url of 32 bytes from the seeded id source). */
export function opaqueId(g: Pick<GraphCall, "ctx">): string {
  const hex = (g.ctx.ids.guid() + g.ctx.ids.guid()).replaceAll("-", "");
  return Buffer.from(hex, "hex").toString("base64url");
}

const grants = (s: TenantState) => (s.oauth2PermissionGrants ??= []);
const assignments = (s: TenantState) => (s.appRoleAssignments ??= []);
const sp = (s: TenantState, id: string) =>
  (s.servicePrincipals ?? []).find((p) => p.id.toLowerCase() === id.toLowerCase());

function renderGrant(x: OAuth2GrantState): Record<string, unknown> {
  return {
    id: x.id,
    clientId: x.clientId,
    consentType: x.consentType,
    principalId: x.principalId,
    resourceId: x.resourceId,
    scope: x.scope,
  };
}

const badRequest = (message: string): GraphErrorSpec => [400, "Request_BadRequest", message];

export function listGrants(g: GraphCall): Response {
  return listCollection(g, {
    path: "oauth2PermissionGrants",
    contextName: "oauth2PermissionGrants",
    typeName: "microsoft.graph.oAuth2PermissionGrant",
    items: grants(g.ctx.state).map(renderGrant),
    properties: ["clientId", "consentType", "principalId", "resourceId", "scope"],
    filterable: { clientId: EQ, consentType: EQ, principalId: EQ, resourceId: EQ, id: EQ },
    filterErrorCode: "Request_UnsupportedQuery",
    defaultPage: 100,
    maxPage: 999,
  });
}

function findGrant(g: GraphCall): OAuth2GrantState | undefined {
  const id = g.params["grant"] ?? "";
  return grants(g.ctx.state).find((x) => x.id === id);
}

export function getGrant(g: GraphCall): Response {
  const x = findGrant(g);
  if (!x) return fail(g, GraphErrors.userNotFound(g.params["grant"] ?? ""));
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#oauth2PermissionGrants/$entity`,
    ...renderGrant(x),
  });
}

export function deleteGrant(g: GraphCall): Response {
  const x = findGrant(g);
  if (!x) return fail(g, GraphErrors.userNotFound(g.params["grant"] ?? ""));
  const list = grants(g.ctx.state);
  list.splice(list.indexOf(x), 1);
  g.c.set("write", true);
  appendAudit(g, {
    category: "ApplicationManagement",
    activityDisplayName: "Remove delegated permission grant",
    operationType: "Unassign",
    targets: [
      {
        id: x.resourceId,
        displayName: sp(g.ctx.state, x.resourceId)?.displayName ?? null,
        type: "ServicePrincipal",
      },
    ],
    details: [{ key: "DelegatedPermissionGrantId", value: x.id }],
  });
  return graphNoContent(g.c);
}

/** `POST /oauth2PermissionGrants` → 201; the client and resource must be service principals of this tenant. */
export async function createGrant(g: GraphCall): Promise<Response> {
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return fail(g, GraphErrors.unreadableBody());
  const b = (body.kind === "json" ? body.value : {}) as Record<string, unknown>;
  const str = (k: string) => {
    const v = b[k];
    return typeof v === "string" ? v : undefined;
  };
  const clientId = str("clientId");
  const resourceId = str("resourceId");
  const consentType = str("consentType");
  const principalId = b["principalId"] === null ? null : str("principalId");
  const scope = str("scope");
  if (!clientId || !resourceId || !consentType || scope === undefined)
    return fail(g, badRequest("clientId, consentType, resourceId and scope are required."));
  if (consentType !== "AllPrincipals" && consentType !== "Principal")
    return fail(g, badRequest(`Invalid value '${consentType}' for consentType.`));
  for (const id of [clientId, resourceId])
    if (!GUID.test(id) || !sp(g.ctx.state, id)) return fail(g, GraphErrors.userNotFound(id));
  if (consentType === "Principal") {
    if (!principalId || !GUID.test(principalId) || !findUser(g.ctx.state, principalId))
      return fail(g, badRequest("principalId must name a user when consentType is Principal."));
  } else if (principalId)
    return fail(g, badRequest("principalId must be null when consentType is AllPrincipals."));
  const pid = consentType === "Principal" ? principalId!.toLowerCase() : null;
  const list = grants(g.ctx.state);
  if (list.some((x) => x.clientId === clientId && x.resourceId === resourceId && x.principalId === pid))
    // [I] the service refuses a second grant for the same client, resource and principal.
    return fail(g, [409, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists."]);
  const grant: OAuth2GrantState = {
    id: opaqueId(g),
    clientId: clientId.toLowerCase(),
    consentType,
    principalId: pid,
    resourceId: resourceId.toLowerCase(),
    scope,
  };
  list.push(grant);
  g.c.set("write", true);
  appendAudit(g, {
    category: "ApplicationManagement",
    activityDisplayName: "Add delegated permission grant",
    operationType: "Assign",
    targets: [
      {
        id: resourceId,
        displayName: sp(g.ctx.state, resourceId)?.displayName ?? null,
        type: "ServicePrincipal",
      },
    ],
    details: [{ key: "DelegatedPermissionGrantScope", value: scope }],
  });
  return graphJson(g.c, 201, {
    "@odata.context": `${g.serviceRoot}/$metadata#oauth2PermissionGrants/$entity`,
    ...renderGrant(grant),
  });
}

function renderAssignment(x: AppRoleAssignmentState): Record<string, unknown> {
  return {
    id: x.id,
    deletedDateTime: null,
    appRoleId: x.appRoleId,
    createdDateTime: x.createdDateTime,
    principalDisplayName: x.principalDisplayName,
    principalId: x.principalId,
    principalType: "User",
    resourceDisplayName: x.resourceDisplayName,
    resourceId: x.resourceId,
  };
}

export function listAssignments(g: GraphCall): Response {
  const ref = g.params["user"] ?? "";
  const user = findUser(g.ctx.state, ref);
  if (!user) return fail(g, GraphErrors.userNotFound(ref));
  return listCollection(g, {
    path: `users/${encodeURIComponent(user.id)}/appRoleAssignments`,
    contextName: `users('${user.id}')/appRoleAssignments`,
    typeName: "microsoft.graph.appRoleAssignment",
    items: assignments(g.ctx.state)
      .filter((x) => x.principalId === user.id)
      .map(renderAssignment),
    properties: Object.keys(renderAssignment({} as AppRoleAssignmentState)),
    filterable: { resourceId: EQ, appRoleId: EQ },
    filterErrorCode: "Request_UnsupportedQuery",
    defaultPage: 100,
    maxPage: 999,
  });
}

export function deleteAssignment(g: GraphCall): Response {
  const ref = g.params["user"] ?? "";
  const user = findUser(g.ctx.state, ref);
  if (!user) return fail(g, GraphErrors.userNotFound(ref));
  const id = g.params["assignment"] ?? "";
  const list = assignments(g.ctx.state);
  const x = list.find((a) => a.id === id && a.principalId === user.id);
  if (!x) return fail(g, GraphErrors.userNotFound(id));
  list.splice(list.indexOf(x), 1);
  g.c.set("write", true);
  appendAudit(g, {
    category: "UserManagement",
    activityDisplayName: "Remove app role assignment from user",
    operationType: "Unassign",
    targets: [
      { id: user.id, displayName: user.displayName, type: "User", userPrincipalName: user.userPrincipalName },
    ],
    details: [{ key: "AppRoleId", value: x.appRoleId }],
  });
  return graphNoContent(g.c);
}

/** `POST /users/{id}/appRoleAssignments` `{principalId, resourceId, appRoleId}` → 201. */
export async function createAssignment(g: GraphCall): Promise<Response> {
  const ref = g.params["user"] ?? "";
  const user = findUser(g.ctx.state, ref);
  if (!user) return fail(g, GraphErrors.userNotFound(ref));
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return fail(g, GraphErrors.unreadableBody());
  const b = (body.kind === "json" ? body.value : {}) as Record<string, unknown>;
  const principalId = typeof b["principalId"] === "string" ? b["principalId"] : "";
  const resourceId = typeof b["resourceId"] === "string" ? b["resourceId"] : "";
  const appRoleId = typeof b["appRoleId"] === "string" ? b["appRoleId"] : "";
  if (principalId.toLowerCase() !== user.id.toLowerCase())
    return fail(g, badRequest("principalId must be the user the request names."));
  const resource = GUID.test(resourceId) ? sp(g.ctx.state, resourceId) : undefined;
  if (!resource) return fail(g, GraphErrors.userNotFound(resourceId));
  if (appRoleId !== DEFAULT_ACCESS_ROLE && !resource.appRoles.some((r) => r.id === appRoleId.toLowerCase()))
    // [I] wording.
    return fail(g, badRequest("Permission being assigned was not found on application"));
  const list = assignments(g.ctx.state);
  if (
    list.some((x) => x.principalId === user.id && x.resourceId === resource.id && x.appRoleId === appRoleId)
  )
    return fail(g, badRequest("Permission being assigned already exists on the object"));
  const x: AppRoleAssignmentState = {
    id: opaqueId(g),
    appRoleId: appRoleId.toLowerCase(),
    createdDateTime: isoSeconds(g.ctx.clock.now()),
    principalId: user.id,
    principalDisplayName: user.displayName,
    resourceId: resource.id,
    resourceDisplayName: resource.displayName,
  };
  list.push(x);
  g.c.set("write", true);
  appendAudit(g, {
    category: "UserManagement",
    activityDisplayName: "Add app role assignment grant to user",
    operationType: "Assign",
    targets: [
      { id: user.id, displayName: user.displayName, type: "User", userPrincipalName: user.userPrincipalName },
    ],
    details: [{ key: "AppRoleId", value: x.appRoleId }],
  });
  return graphJson(g.c, 201, {
    "@odata.context": `${g.serviceRoot}/$metadata#users('${user.id}')/appRoleAssignments/$entity`,
    ...renderAssignment(x),
  });
}
