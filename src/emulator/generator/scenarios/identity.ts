/**
 * What an attacker's session leaves in the directory besides mailbox rules: a consent to a mail-reading app (a
 * delegated grant, a default-access app-role assignment and the "Consent to application" audit record), a second
 * Microsoft Authenticator for push (Graph gives it no creation time: the "User registered security info" record
 * names it) and an external auto-reply. The victim's own phone and security key predate the session. Ids and times are derived from the session (a hash, fixed offsets), never
 * drawn from the generator's random streams, so adding these leaves every other generated value unchanged.
 */
import { createHash } from "node:crypto";
import { DEFAULT_ACCESS_ROLE, FIXED_METHOD_IDS, MICROSOFT_GRAPH_APP_ID } from "../../buildIdentity.js";
import type { DirectoryAuditState, ServicePrincipalState, UserState } from "../../state.js";
import type { GenContext, ScenarioTruth } from "../context.js";
import type { Person } from "../people.js";
import { DAY, MINUTE } from "../time.js";

function guidOf(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
const opaqueOf = (...parts: string[]) =>
  createHash("sha256").update(parts.join("\u0000")).digest().toString("base64url");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function servicePrincipal(ctx: GenContext, appId: string, displayName: string): ServicePrincipalState {
  const list = (ctx.state.servicePrincipals ??= []);
  let sp = list.find((p) => p.appId === appId);
  if (!sp) {
    sp = { id: guidOf(ctx.state.tenantId, "sp", appId), appId, displayName, appRoles: [] };
    list.push(sp);
  }
  return sp;
}

function audit(
  ctx: GenContext,
  user: UserState,
  ms: number,
  ip: string,
  e: Pick<
    DirectoryAuditState,
    "category" | "activityDisplayName" | "loggedByService" | "operationType" | "resultReason"
  > &
    Pick<DirectoryAuditState, "targetResources" | "additionalDetails">,
): void {
  const id = guidOf(user.id, e.activityDisplayName, String(ms));
  (ctx.state.directoryAudits ??= []).push({
    id: `Directory_${id}`,
    correlationId: guidOf(id, "correlation"),
    result: "success",
    activityDateTime: iso(ms),
    initiatedBy: {
      user: {
        id: user.id,
        userPrincipalName: user.userPrincipalName,
        displayName: user.displayName,
        ipAddress: ip,
      },
      app: null,
    },
    ...e,
  });
}

/** The attacker's mail-reading app (a multi-tenant app any user can consent to). */
export const MAIL_SYNC_APP_ID = "5f3a9c1e-8b2d-4e7f-9a6c-3d1e0f2b4a68";

/**
 * Adds the session's directory objects for `victim`, the attacker acting at `ms` from `ip`, and records them in the
 * scenario's truth (containment: what the session-scoped actions must remove).
 */
export function sessionIdentityArtefacts(
  ctx: GenContext,
  t: ScenarioTruth,
  victim: Person,
  o: { ms: number; ip: string; dropAddress: string },
): void {
  const u = victim.user;
  const graph = servicePrincipal(ctx, MICROSOFT_GRAPH_APP_ID, "Microsoft Graph");
  const app = servicePrincipal(ctx, MAIL_SYNC_APP_ID, "Mail Sync Pro");
  const consentAt = o.ms + 3 * MINUTE;
  const grant = {
    id: opaqueOf(u.id, app.id, graph.id),
    clientId: app.id,
    consentType: "Principal" as const,
    principalId: u.id,
    resourceId: graph.id,
    scope: "Mail.Read Mail.Send offline_access User.Read",
  };
  (ctx.state.oauth2PermissionGrants ??= []).push(grant);
  const assignment = {
    id: opaqueOf(u.id, app.id, "assignment"),
    appRoleId: DEFAULT_ACCESS_ROLE,
    createdDateTime: iso(consentAt + 1_000),
    principalId: u.id,
    principalDisplayName: u.displayName,
    resourceId: app.id,
    resourceDisplayName: app.displayName,
  };
  (ctx.state.appRoleAssignments ??= []).push(assignment);
  audit(ctx, u, consentAt, o.ip, {
    category: "ApplicationManagement",
    activityDisplayName: "Consent to application",
    loggedByService: "Core Directory",
    operationType: "Assign",
    resultReason: "",
    targetResources: [{ id: app.id, displayName: app.displayName, type: "ServicePrincipal" }],
    additionalDetails: [
      { key: "AppId", value: app.appId },
      { key: "ConsentAction.Permissions", value: grant.scope },
    ],
  });
  // The victim's own methods, long before the window; then the attacker's Authenticator.
  const methods = (ctx.state.authMethods ??= []);
  if (!methods.some((m) => m.userId === u.id))
    methods.push(
      {
        id: FIXED_METHOD_IDS.mobile,
        userId: u.id,
        type: "phone",
        createdDateTime: null,
        phoneType: "mobile",
        phoneNumber: "+1 4255550147",
      },
      {
        id: guidOf(u.id, "own-security-key"),
        userId: u.id,
        type: "fido2",
        createdDateTime: iso(ctx.startMs - 120 * DAY),
        displayName: "YubiKey 5 NFC",
      },
    );
  const registeredAt = o.ms + 5 * MINUTE;
  const method = {
    id: guidOf(u.id, "attacker-authenticator", String(registeredAt)),
    userId: u.id,
    type: "microsoftAuthenticator" as const,
    createdDateTime: iso(registeredAt),
    displayName: "SM-G991B",
  };
  methods.push(method);
  audit(ctx, u, registeredAt, o.ip, {
    category: "UserManagement",
    activityDisplayName: "User registered security info",
    loggedByService: "Authentication Methods",
    operationType: "Add",
    resultReason: "User registered Authenticator App with Notification and Code",
    targetResources: [
      { id: u.id, displayName: u.displayName, type: "User", userPrincipalName: u.userPrincipalName },
    ],
    additionalDetails: [],
  });
  victim.mailbox.automaticReplies = {
    status: "alwaysEnabled",
    externalAudience: "all",
    internalReplyMessage: "I am out of the office.",
    externalReplyMessage: `I am out of the office. For payments and invoices please write to ${o.dropAddress}.`,
    scheduledStartDateTime: "2025-01-01T00:00:00.0000000",
    scheduledEndDateTime: "2025-01-02T00:00:00.0000000",
  };
  const c = t.t.containment;
  (c.oauthGrants ??= []).push({ userId: u.id, id: grant.id, clientId: app.id });
  (c.appRoleAssignments ??= []).push({ userId: u.id, id: assignment.id });
  (c.authMethods ??= []).push({ userId: u.id, id: method.id, type: method.type });
  (c.autoReplies ??= []).push({ userId: u.id, userPrincipalName: u.userPrincipalName });
}
