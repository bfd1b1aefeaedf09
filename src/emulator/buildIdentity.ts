/**
 * The identity part of a scenario: service principals, the users' delegated consents, app-role assignments,
 * authentication methods and auto-replies — and the directory audit records Entra writes for the user-made ones
 * ("Consent to application", "User registered security info"), when the scenario says when they were made.
 * Ids are drawn after every other object's, so scenarios without these keep their ids.
 */
import type { ParsedScenario } from "./scenario.js";
import type {
  AppRoleAssignmentState,
  AuthMethodState,
  DirectoryAuditState,
  IdSource,
  MailboxState,
  OAuth2GrantState,
  ServicePrincipalState,
  TenantState,
  UserState,
} from "./state.js";

/** The app role id of "default access" (an assignment without a specific role). */
export const DEFAULT_ACCESS_ROLE = "00000000-0000-0000-0000-000000000000";
export const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** Fixed method ids Entra uses for phone (by phone type), email and password methods [D phoneauthenticationmethod]. */
export const FIXED_METHOD_IDS = {
  mobile: "3179e48a-750b-4051-897c-87b9720928f7",
  alternateMobile: "b6332ec1-7057-4abe-9331-3d72feddfe41",
  office: "e37fc753-ff3b-4958-9484-eaa9425c82bc",
  email: "3ddfcfc8-9383-446f-83cc-3ab9be4be18f",
  password: "28c10230-6103-485e-b985-444c60001490",
} as const;

/** What the "User registered security info" record's resultReason says per method type [I: portal wording]. */
const REGISTERED_AS: Record<AuthMethodState["type"], string> = {
  password: "User changed password",
  microsoftAuthenticator: "User registered Authenticator App with Notification and Code",
  fido2: "User registered FIDO2 security key",
  phone: "User registered Mobile Phone SMS",
  email: "User registered Email",
  softwareOath: "User registered Authenticator App with Code",
  windowsHelloForBusiness: "User registered Windows Hello for Business",
  temporaryAccessPass: "User registered Temporary Access Pass",
};

function opaque(ids: IdSource): string {
  return Buffer.from((ids.guid() + ids.guid()).replaceAll("-", ""), "hex").toString("base64url");
}

type Identity = Pick<
  TenantState,
  "servicePrincipals" | "oauth2PermissionGrants" | "appRoleAssignments" | "authMethods" | "directoryAudits"
>;

export function buildIdentity(
  scenario: ParsedScenario,
  users: UserState[],
  mailboxes: MailboxState[],
  ids: IdSource,
): Identity {
  const needsGraph = scenario.users.some((u) => u.consents.some((c) => !c.resource));
  const declared = scenario.servicePrincipals.map((p): ServicePrincipalState => ({
    id: p.id?.toLowerCase() ?? ids.guid(),
    appId: p.appId.toLowerCase(),
    displayName: p.displayName,
    appRoles: p.appRoles.map((r) => ({ id: r.id.toLowerCase(), value: r.value })),
  }));
  const sps =
    needsGraph && !declared.some((p) => p.appId === MICROSOFT_GRAPH_APP_ID)
      ? [
          ...declared,
          { id: ids.guid(), appId: MICROSOFT_GRAPH_APP_ID, displayName: "Microsoft Graph", appRoles: [] },
        ]
      : declared;
  const byAppId = (appId: string) => sps.find((p) => p.appId === appId.toLowerCase())!;
  const grants: OAuth2GrantState[] = [];
  const assignments: AppRoleAssignmentState[] = [];
  const methods: AuthMethodState[] = [];
  const audits: DirectoryAuditState[] = [];
  const audit = (
    user: UserState,
    at: string,
    ip: string | undefined,
    e: Pick<
      DirectoryAuditState,
      "category" | "activityDisplayName" | "loggedByService" | "operationType" | "resultReason"
    > & {
      targets: DirectoryAuditState["targetResources"];
      details?: DirectoryAuditState["additionalDetails"];
    },
  ) =>
    audits.push({
      id: `Directory_${ids.guid()}`,
      category: e.category,
      correlationId: ids.guid(),
      result: "success",
      resultReason: e.resultReason,
      activityDisplayName: e.activityDisplayName,
      activityDateTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z"),
      loggedByService: e.loggedByService,
      operationType: e.operationType,
      initiatedBy: {
        user: {
          id: user.id,
          userPrincipalName: user.userPrincipalName,
          displayName: user.displayName,
          ipAddress: ip ?? null,
        },
        app: null,
      },
      targetResources: e.targets,
      additionalDetails: e.details ?? [],
    });

  scenario.users.forEach((su, i) => {
    const user = users[i]!;
    for (const c of su.consents) {
      const client = byAppId(c.client);
      const resource = byAppId(c.resource ?? MICROSOFT_GRAPH_APP_ID);
      const existing = grants.find(
        (g) => g.clientId === client.id && g.resourceId === resource.id && g.principalId === user.id,
      );
      // A second consent to the same client and resource adds scopes to the same grant, as Entra does.
      if (existing)
        existing.scope = [...new Set(`${existing.scope} ${c.scope}`.split(/\s+/).filter(Boolean))].join(" ");
      else
        grants.push({
          id: c.id ?? opaque(ids),
          clientId: client.id,
          consentType: "Principal",
          principalId: user.id,
          resourceId: resource.id,
          scope: c.scope,
        });
      if (c.at)
        audit(user, c.at, c.ipAddress, {
          category: "ApplicationManagement",
          activityDisplayName: "Consent to application",
          loggedByService: "Core Directory",
          operationType: "Assign",
          resultReason: "",
          targets: [{ id: client.id, displayName: client.displayName, type: "ServicePrincipal" }],
          details: [
            { key: "AppId", value: client.appId },
            { key: "ConsentAction.Permissions", value: c.scope },
          ],
        });
    }
    for (const a of su.appRoleAssignments) {
      const resource = byAppId(a.resource);
      assignments.push({
        id: a.id ?? opaque(ids),
        appRoleId: a.appRole ? resource.appRoles.find((r) => r.value === a.appRole)!.id : DEFAULT_ACCESS_ROLE,
        createdDateTime: new Date(a.createdDateTime).toISOString().replace(/\.\d{3}Z$/, "Z"),
        principalId: user.id,
        principalDisplayName: user.displayName,
        resourceId: resource.id,
        resourceDisplayName: resource.displayName,
      });
    }
    for (const m of su.authMethods) {
      const fixed =
        m.type === "phone"
          ? FIXED_METHOD_IDS[m.phoneType ?? "mobile"]
          : m.type === "email" || m.type === "password"
            ? FIXED_METHOD_IDS[m.type]
            : undefined;
      methods.push({
        id: m.id?.toLowerCase() ?? fixed ?? ids.guid(),
        userId: user.id,
        type: m.type,
        createdDateTime: m.createdDateTime ?? null,
        ...(m.displayName !== undefined ? { displayName: m.displayName } : {}),
        ...(m.phoneNumber !== undefined ? { phoneNumber: m.phoneNumber } : {}),
        ...(m.type === "phone" ? { phoneType: m.phoneType ?? "mobile" } : {}),
        ...(m.emailAddress !== undefined ? { emailAddress: m.emailAddress } : {}),
        ...(m.passwordless ? { passwordlessPhoneSignIn: true } : {}),
      });
      if (m.createdDateTime && m.ipAddress)
        audit(user, m.createdDateTime, m.ipAddress, {
          category: "UserManagement",
          activityDisplayName: "User registered security info",
          loggedByService: "Authentication Methods",
          operationType: "Add",
          resultReason: REGISTERED_AS[m.type],
          targets: [
            {
              id: user.id,
              displayName: user.displayName,
              type: "User",
              userPrincipalName: user.userPrincipalName,
            },
          ],
        });
    }
    const ar = su.mailbox?.automaticReplies;
    const mailbox = mailboxes.find((mb) => mb.userId === user.id);
    if (ar && mailbox) {
      const utc = (v: string | undefined, dflt: string) =>
        v ? new Date(v).toISOString().replace(/Z$/, "0000") : dflt;
      mailbox.automaticReplies = {
        status: ar.status,
        externalAudience: ar.externalAudience,
        internalReplyMessage: ar.internalReplyMessage,
        externalReplyMessage: ar.externalReplyMessage,
        scheduledStartDateTime: utc(ar.scheduledStartDateTime, "2025-01-01T00:00:00.0000000"),
        scheduledEndDateTime: utc(ar.scheduledEndDateTime, "2025-01-02T00:00:00.0000000"),
      };
    }
  });
  audits.sort((a, b) => Date.parse(a.activityDateTime) - Date.parse(b.activityDateTime));
  return {
    ...(sps.length ? { servicePrincipals: sps } : {}),
    ...(grants.length ? { oauth2PermissionGrants: grants } : {}),
    ...(assignments.length ? { appRoleAssignments: assignments } : {}),
    ...(methods.length ? { authMethods: methods } : {}),
    ...(audits.length ? { directoryAudits: audits } : {}),
  };
}
