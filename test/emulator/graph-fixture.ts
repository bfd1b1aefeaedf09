/**
 * Small hand-written fixtures for the Graph faces the generator fills in real runs (risky users, detections,
 * sign-ins, alerts, incidents), a token-holding raw client, and the role sets tests grant.
 */
import type { RunningEmulator } from "../../src/emulator/server.js";
import type { AlertState, SignInState, TenantState, UserState } from "../../src/emulator/state.js";
import { secretCredential } from "./helpers.js";

export const ALL_GRAPH_ROLES = [
  "User.Read.All",
  "MailboxSettings.ReadWrite",
  "Mail.ReadBasic.All",
  "User.RevokeSessions.All",
  "User.EnableDisableAccount.All",
  "User-PasswordProfile.ReadWrite.All",
  "IdentityRiskyUser.ReadWrite.All",
  "IdentityRiskEvent.Read.All",
  "AuditLog.Read.All",
  "Directory.Read.All",
  "SecurityAlert.ReadWrite.All",
  "SecurityIncident.ReadWrite.All",
  "ThreatHunting.Read.All",
];

export function userByUpn(state: TenantState, upn: string): UserState {
  const u = state.users.find((x) => x.userPrincipalName.toLowerCase() === upn.toLowerCase());
  if (!u) throw new Error(`no user ${upn}`);
  return u;
}

function signIn(
  state: TenantState,
  n: number,
  user: UserState,
  interactive: boolean,
  at: string,
): SignInState {
  const hex = n.toString(16).padStart(12, "0");
  return {
    id: `00000000-0000-4000-8000-${hex}`,
    createdDateTime: at,
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    userDisplayName: user.displayName,
    appId: "00000002-0000-0ff1-ce00-000000000000",
    appDisplayName: "Office 365 Exchange Online",
    resourceId: "00000002-0000-0ff1-ce00-000000000000",
    resourceDisplayName: "Office 365 Exchange Online",
    ipAddress: n % 2 === 0 ? "203.0.113.7" : "198.51.100.20",
    autonomousSystemNumber: 64500,
    clientAppUsed: "Browser",
    userAgent: "Mozilla/5.0",
    correlationId: `11111111-0000-4000-8000-${hex}`,
    sessionId: "22222222-0000-4000-8000-000000000001",
    uniqueTokenIdentifier: Buffer.from(`token-${n}`).toString("base64url"),
    originalRequestId: null,
    isInteractive: interactive,
    signInEventTypes: [interactive ? "interactiveUser" : "nonInteractiveUser"],
    status: { errorCode: 0, failureReason: null, additionalDetails: null },
    riskLevelDuringSignIn: "none",
    riskLevelAggregated: "none",
    riskState: "none",
    riskEventTypes_v2: [],
    location: { city: "Amsterdam", countryOrRegion: "NL" },
    deviceDetail: {
      deviceId: "",
      displayName: "",
      operatingSystem: "Windows10",
      browser: "Edge 120.0",
      isCompliant: false,
      isManaged: false,
      trustType: "",
    },
    authenticationRequirement: "singleFactorAuthentication",
    conditionalAccessStatus: "notApplied",
  };
  void state;
}

function alert(n: number, overrides: Partial<AlertState> = {}): AlertState {
  return {
    id: `da63855${n}000000000_-10000000${n}`,
    providerAlertId: `da63855${n}000000000_-10000000${n}`,
    incidentId: "101",
    status: "new",
    severity: "high",
    classification: null,
    determination: null,
    serviceSource: "microsoftDefenderForOffice365",
    detectionSource: "microsoftDefenderForOffice365",
    title: `Suspicious inbox manipulation rule ${n}`,
    description: "A suspicious inbox rule was created.",
    category: "DefenseEvasion",
    assignedTo: null,
    createdDateTime: `2025-06-01T0${n}:00:00.000Z`,
    lastUpdateDateTime: `2025-06-01T0${n}:00:00.000Z`,
    firstActivityDateTime: `2025-06-01T0${n}:00:00.000Z`,
    lastActivityDateTime: `2025-06-01T0${n}:00:00.000Z`,
    evidence: [
      { "@odata.type": "#microsoft.graph.security.mailboxEvidence", primaryAddress: "MeganB@contoso.com" },
    ],
    comments: [],
    ...overrides,
  };
}

/** Fills the Identity Protection, sign-in, alert and incident tables of a running emulator. */
export function seedSecurityData(emu: RunningEmulator, signIns = 30): void {
  const s = emu.ctx.state;
  const megan = userByUpn(s, "MeganB@contoso.com");
  const adele = userByUpn(s, "AdeleV@contoso.com");
  s.riskyUsers.push(
    {
      id: megan.id,
      userPrincipalName: megan.userPrincipalName,
      userDisplayName: megan.displayName,
      riskLevel: "high",
      riskState: "atRisk",
      riskDetail: "none",
      riskLastUpdatedDateTime: "2025-06-01T10:00:00Z",
      isDeleted: false,
      isProcessing: false,
      history: [
        {
          id: megan.id,
          activityDateTime: "2025-06-01T10:00:00Z",
          riskLevel: "high",
          riskState: "atRisk",
          riskDetail: "none",
          initiatedBy: null,
        },
      ],
    },
    {
      id: adele.id,
      userPrincipalName: adele.userPrincipalName,
      userDisplayName: adele.displayName,
      riskLevel: "medium",
      riskState: "atRisk",
      riskDetail: "none",
      riskLastUpdatedDateTime: "2025-06-01T08:00:00Z",
      isDeleted: false,
      isProcessing: false,
      history: [],
    },
  );
  for (let i = 0; i < 25; i++) {
    const user = i % 2 === 0 ? megan : adele;
    s.riskDetections.push({
      id: `7a000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      requestId: null,
      correlationId: null,
      riskEventType: i === 0 ? "unfamiliarFeatures" : "anonymizedIPAddress",
      riskState: "atRisk",
      riskLevel: i === 0 ? "high" : "medium",
      riskDetail: "none",
      source: "IdentityProtection",
      detectionTimingType: "realtime",
      activity: "signin",
      tokenIssuerType: "AzureAD",
      ipAddress: "203.0.113.7",
      location: { city: "Amsterdam", countryOrRegion: "NL" },
      activityDateTime: new Date(Date.UTC(2025, 5, 1, 0, i)).toISOString(),
      detectedDateTime: new Date(Date.UTC(2025, 5, 1, 0, i, 30)).toISOString(),
      lastUpdatedDateTime: new Date(Date.UTC(2025, 5, 1, 0, i, 30)).toISOString(),
      userId: user.id,
      userDisplayName: user.displayName,
      userPrincipalName: user.userPrincipalName,
      additionalInfo: '[{"Key":"userAgent","Value":"Mozilla/5.0"}]',
    });
  }
  for (let i = 0; i < signIns; i++) {
    const at = new Date(Date.UTC(2025, 5, 1, 0, 0, i)).toISOString();
    s.signIns.push(signIn(s, i, i % 3 === 0 ? adele : megan, i % 2 === 0, at));
  }
  s.alerts.push(
    alert(1),
    alert(2, { severity: "medium", status: "inProgress" }),
    alert(3, { incidentId: "102" }),
  );
  s.incidents.push(
    {
      id: "101",
      displayName: "Multi-stage incident involving Initial access & Collection",
      status: "active",
      severity: "high",
      classification: null,
      determination: null,
      assignedTo: null,
      createdDateTime: "2025-06-01T01:00:00.000Z",
      lastUpdateDateTime: "2025-06-01T02:00:00.000Z",
      tags: ["BEC"],
      alertIds: [alert(1).id, alert(2).id],
      comments: [],
    },
    {
      id: "102",
      displayName: "Suspicious inbox rule",
      status: "active",
      severity: "medium",
      classification: null,
      determination: null,
      assignedTo: null,
      createdDateTime: "2025-06-01T03:00:00.000Z",
      lastUpdateDateTime: "2025-06-01T03:00:00.000Z",
      tags: [],
      alertIds: [alert(3).id],
      comments: [],
    },
  );
}

export function grantRoles(emu: RunningEmulator, roles = ALL_GRAPH_ROLES): void {
  const app = emu.ctx.state.apps[0];
  if (!app) throw new Error("no app");
  app.graphRoles = [...roles];
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A Graph caller without the SDK's retries: a real token from the token face, then fetch. */
export function rawGraph(emu: RunningEmulator, scope = "https://graph.microsoft.com/.default") {
  const cred = secretCredential(emu);
  let token: string | undefined;
  return async (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<RawResponse> => {
    token ??= (await cred.getToken(scope)).token;
    const url = path.startsWith("https://") ? path : `${emu.baseUrl}${path}`;
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
}
