/**
 * One Entra sign-in rendered as the rows of every table that carries it: Defender EntraIdSignInEvents and
 * AADSignInEventsBeta (integer codes, formats.md §1.3) and Sentinel SigninLogs or AADNonInteractiveUserSignInLogs
 * (strings; dynamic columns as JSON text in the non-interactive table, formats.md §3.2).
 */
import type { LogRow, RiskLevel, SignInState } from "../state.js";
import type { Network } from "./networks.js";
import { iso7 } from "./time.js";

const RISK_DURING: Record<RiskLevel, number> = { none: 0, hidden: 0, low: 10, medium: 50, high: 100 };
const RISK_AGGREGATED: Record<RiskLevel, number> = { none: 1, hidden: 0, low: 10, medium: 50, high: 100 };
const RISK_STATE: Record<string, number> = {
  none: 0,
  confirmedSafe: 1,
  remediated: 2,
  dismissed: 3,
  atRisk: 4,
  confirmedCompromised: 5,
};
const CA_STATUS = { success: 0, failure: 1, notApplied: 2 } as const;
const TRUST: Record<string, string> = {
  "Azure AD joined": "AzureAd",
  "Azure AD registered": "Workplace",
  "Hybrid Azure AD joined": "ServerAd",
};

export interface SignInExtra {
  ms: number;
  tenantId: string;
  net: Network;
  reportId: string;
  lastPasswordChange: string | null;
}

function locationDetails(s: SignInState, net: Network) {
  return {
    city: s.location?.city ?? "",
    state: s.location?.state ?? "",
    countryOrRegion: s.location?.countryOrRegion ?? "",
    geoCoordinates: { altitude: null, latitude: net.latitude, longitude: net.longitude },
  };
}

function authDetails(s: SignInState): string {
  const steps = [
    { authenticationStepDateTime: s.createdDateTime, authenticationMethod: "Password", succeeded: true },
  ];
  if (s.authenticationRequirement === "multiFactorAuthentication")
    steps.push({
      authenticationStepDateTime: s.createdDateTime,
      authenticationMethod: "Mobile app notification",
      succeeded: true,
    });
  return JSON.stringify(
    s.isInteractive ? steps : [{ authenticationMethod: "Previously satisfied", succeeded: true }],
  );
}

/** Defender rows; `entraId` adds UniqueTokenId / IsThroughGlobalSecureAccess and drops AadDeviceId. */
export function defenderSignInRow(
  s: SignInState,
  x: SignInExtra,
  entraId: boolean,
  plainLogonType = false,
): LogRow {
  const d = s.deviceDetail;
  const row: LogRow = {
    Timestamp: iso7(x.ms),
    Application: s.appDisplayName,
    ApplicationId: s.appId,
    LogonType: plainLogonType ? s.signInEventTypes.join(",") : JSON.stringify(s.signInEventTypes),
    ErrorCode: s.status.errorCode,
    CorrelationId: s.correlationId,
    SessionId: s.sessionId,
    AccountDisplayName: s.userDisplayName,
    AccountObjectId: s.userId,
    AccountUpn: s.userPrincipalName,
    IsExternalUser: 0,
    IsGuestUser: false,
    AlternateSignInName: s.userPrincipalName,
    LastPasswordChangeTimestamp: x.lastPasswordChange,
    ResourceDisplayName: s.resourceDisplayName,
    ResourceId: s.resourceId,
    ResourceTenantId: x.tenantId,
    DeviceName: d.displayName,
    ...(entraId ? { EntraIdDeviceId: d.deviceId } : { AadDeviceId: d.deviceId }),
    OSPlatform: d.operatingSystem,
    DeviceTrustType: TRUST[d.trustType] ?? "",
    IsManaged: d.isManaged ? 1 : 0,
    IsCompliant: d.isCompliant ? 1 : 0,
    AuthenticationProcessingDetails: JSON.stringify([
      { key: "Legacy TLS (TLS 1.0, 1.1, 3DES)", value: "False" },
    ]),
    AuthenticationRequirement: s.authenticationRequirement,
    TokenIssuerType: 0,
    RiskLevelAggregated: RISK_AGGREGATED[s.riskLevelAggregated],
    RiskLevelDuringSignIn: RISK_DURING[s.riskLevelDuringSignIn],
    RiskDetails: 0,
    RiskState: RISK_STATE[s.riskState] ?? 0,
    UserAgent: s.userAgent,
    ClientAppUsed: s.clientAppUsed,
    Browser: d.browser,
    ConditionalAccessPolicies: "[]",
    ConditionalAccessStatus: CA_STATUS[s.conditionalAccessStatus],
    IPAddress: s.ipAddress,
    Country: s.location?.countryOrRegion ?? "",
    State: s.location?.state ?? "",
    City: s.location?.city ?? "",
    Latitude: String(x.net.latitude),
    Longitude: String(x.net.longitude),
    NetworkLocationDetails: "[]",
    RequestId: s.id,
    ReportId: x.reportId,
    EndpointCall: s.isInteractive ? "Login:login" : "OAuth2:Token",
  };
  if (entraId) {
    row.IsThroughGlobalSecureAccess = false;
    row.UniqueTokenId = s.uniqueTokenIdentifier;
  }
  return row;
}

/** A SigninLogs row (interactive) or AADNonInteractiveUserSignInLogs row (dynamic columns as JSON text). */
export function sentinelSignInRow(s: SignInState, x: SignInExtra): LogRow {
  const nonInteractive = !s.isInteractive;
  const dyn = (v: unknown) => (nonInteractive ? JSON.stringify(v) : (v as LogRow));
  const status = {
    errorCode: s.status.errorCode,
    ...(s.status.failureReason ? { failureReason: s.status.failureReason } : {}),
    ...(s.status.additionalDetails ? { additionalDetails: s.status.additionalDetails } : {}),
  };
  const ms = x.ms;
  const row: LogRow = {
    TenantId: x.tenantId,
    SourceSystem: "Azure AD",
    TimeGenerated: iso7(ms),
    ResourceId: `/tenants/${x.tenantId}/providers/Microsoft.aadiam`,
    OperationName: "Sign-in activity",
    OperationVersion: "1.0",
    Category: nonInteractive ? "NonInteractiveUserSignInLogs" : "SignInLogs",
    ResultType: String(s.status.errorCode),
    ResultSignature: s.status.errorCode === 0 ? "SUCCESS" : "FAILURE",
    ResultDescription: s.status.failureReason ?? "",
    DurationMs: 0,
    CorrelationId: s.correlationId,
    Resource: "Microsoft.aadiam",
    ResourceGroup: "Microsoft.aadiam",
    ResourceProvider: "Microsoft.aadiam",
    Identity: s.userDisplayName,
    Level: "4",
    Location: s.location?.countryOrRegion ?? "",
    AlternateSignInName: s.userPrincipalName,
    AppDisplayName: s.appDisplayName,
    AppId: s.appId,
    AuthenticationDetails: authDetails(s),
    AuthenticationRequirement: s.authenticationRequirement,
    AuthenticationProtocol: "none",
    AutonomousSystemNumber: s.autonomousSystemNumber === null ? "" : String(s.autonomousSystemNumber),
    ClientAppUsed: s.clientAppUsed,
    ConditionalAccessPolicies: dyn([]),
    ConditionalAccessStatus: s.conditionalAccessStatus,
    CreatedDateTime: iso7(ms),
    DeviceDetail: dyn(s.deviceDetail),
    IsInteractive: s.isInteractive,
    Id: s.id,
    IPAddress: s.ipAddress,
    IsRisky: s.riskLevelDuringSignIn !== "none" && s.riskLevelDuringSignIn !== "hidden",
    LocationDetails: dyn(locationDetails(s, x.net)),
    OriginalRequestId: s.originalRequestId ?? s.id,
    RiskDetail: s.riskLevelDuringSignIn === "hidden" ? "hidden" : "none",
    RiskEventTypes_V2: JSON.stringify(s.riskEventTypes_v2),
    RiskLevelAggregated: s.riskLevelAggregated,
    RiskLevelDuringSignIn: s.riskLevelDuringSignIn,
    RiskState: s.riskState,
    ResourceDisplayName: s.resourceDisplayName,
    ResourceIdentity: s.resourceId,
    ResourceTenantId: x.tenantId,
    HomeTenantId: x.tenantId,
    SessionId: s.sessionId,
    Status: dyn(status),
    TokenIssuerName: "",
    TokenIssuerType: "AzureAD",
    UniqueTokenIdentifier: s.uniqueTokenIdentifier,
    UserAgent: s.userAgent,
    UserDisplayName: s.userDisplayName,
    UserId: s.userId,
    UserPrincipalName: s.userPrincipalName.toLowerCase(),
    AADTenantId: x.tenantId,
    UserType: "Member",
    Type: nonInteractive ? "AADNonInteractiveUserSignInLogs" : "SigninLogs",
  };
  if (nonInteractive) {
    row.ProcessingTimeInMs = "64";
    row.SignInEventTypes = JSON.stringify(s.signInEventTypes);
  } else row.ProcessingTimeInMilliseconds = 118;
  return row;
}
