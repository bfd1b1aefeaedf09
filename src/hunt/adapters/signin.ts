/**
 * Entra sign-in records in Graph `signIn` form (camelCase: Graph / portal JSON, diagnostic-settings `properties`,
 * and the admin-center CSV rebuilt into that form) → the Defender shape (EntraIdSignInEvents: risk, CA status and
 * device flags as integers, formats.md §1.3) and the Sentinel shape (SigninLogs or AADNonInteractiveUserSignInLogs by
 * interactivity, §3.2), so Defender and Sentinel queries both see them.
 */
import { caseMap, mapDocs, type ColumnMap, type Get } from "./mapping.js";
import type { MappedRows } from "./commit.js";

/** Defender's risk integers: 0 = not set (also `hidden`: no P2), 1 none, 10 low, 50 medium, 100 high (§1.3). */
const RISK = { none: 1, low: 10, medium: 50, high: 100, hidden: 0 };
const RISK_STATE = {
  none: 0,
  confirmedSafe: 1,
  remediated: 2,
  dismissed: 3,
  atRisk: 4,
  confirmedCompromised: 5,
};
const CA_STATUS = { success: 0, failure: 1, notApplied: 2 };
const TRUST = {
  "Azure AD joined": "AzureAd",
  "Azure AD registered": "Workplace",
  "Hybrid Azure AD joined": "ServerAd",
};
const TOKEN_ISSUER = { AzureAD: 0, ADFederationServices: 1 };
const BOOL01 = { true: 1, false: 0 };

/** Non-interactive when the record says so (event types, isInteractive, diagnostic category in `hint`). */
export const nonInteractive = (g: Get) =>
  `(coalesce(${g("$.signInEventTypes")}, '') LIKE '%nonInteractiveUser%' OR lower(coalesce(${g("$.isInteractive")}, '')) = 'false' ` +
  `OR coalesce(hint, '') = 'NonInteractiveUserSignInLogs')`;

const eventTypes = (g: Get) =>
  `coalesce(nullif(${g("$.signInEventTypes")}, ''), CASE WHEN ${nonInteractive(g)} THEN '["nonInteractiveUser"]' ELSE '["interactiveUser"]' END)`;

const defender: ColumnMap = {
  Timestamp: "$.createdDateTime",
  Application: "$.appDisplayName",
  ApplicationId: "$.appId",
  LogonType: eventTypes,
  ErrorCode: "$.status.errorCode",
  CorrelationId: "$.correlationId",
  SessionId: "$.sessionId",
  AccountDisplayName: "$.userDisplayName",
  AccountObjectId: "$.userId",
  AccountUpn: "$.userPrincipalName",
  IsExternalUser: (g) => caseMap(g("$.userType"), { member: 0, guest: 1 }, "'-1'"),
  IsGuestUser: (g) =>
    `CASE WHEN lower(${g("$.userType")}) = 'guest' THEN 'true' WHEN ${g("$.userType")} <> '' THEN 'false' END`,
  AlternateSignInName: "$.signInIdentifier",
  ResourceDisplayName: "$.resourceDisplayName",
  ResourceId: "$.resourceId",
  ResourceTenantId: "$.resourceTenantId",
  DeviceName: "$.deviceDetail.displayName",
  EntraIdDeviceId: "$.deviceDetail.deviceId",
  OSPlatform: "$.deviceDetail.operatingSystem",
  DeviceTrustType: (g) => caseMap(g("$.deviceDetail.trustType"), TRUST, g("$.deviceDetail.trustType")),
  IsManaged: (g) => caseMap(g("$.deviceDetail.isManaged"), BOOL01),
  IsCompliant: (g) => caseMap(g("$.deviceDetail.isCompliant"), BOOL01),
  AuthenticationProcessingDetails: "$.authenticationProcessingDetails",
  AuthenticationRequirement: "$.authenticationRequirement",
  TokenIssuerType: (g) => caseMap(g("$.tokenIssuerType"), TOKEN_ISSUER),
  RiskLevelAggregated: (g) => caseMap(g("$.riskLevelAggregated"), RISK, "'0'"),
  RiskLevelDuringSignIn: (g) => caseMap(g("$.riskLevelDuringSignIn"), RISK, "'0'"),
  RiskState: (g) => caseMap(g("$.riskState"), RISK_STATE),
  UserAgent: "$.userAgent",
  ClientAppUsed: "$.clientAppUsed",
  Browser: "$.deviceDetail.browser",
  ConditionalAccessPolicies: "$.appliedConditionalAccessPolicies",
  ConditionalAccessStatus: (g) => caseMap(g("$.conditionalAccessStatus"), CA_STATUS),
  IPAddress: "$.ipAddress",
  Country: "$.location.countryOrRegion",
  State: "$.location.state",
  City: "$.location.city",
  Latitude: "$.location.geoCoordinates.latitude",
  Longitude: "$.location.geoCoordinates.longitude",
  NetworkLocationDetails: "$.networkLocationDetails",
  RequestId: "$.id",
  ReportId: "$.id",
  IsThroughGlobalSecureAccess: "$.isThroughGlobalSecureAccess",
  UniqueTokenId: "$.uniqueTokenIdentifier",
};

const sentinel = (table: string): ColumnMap => ({
  TenantId: "$.tenantId",
  SourceSystem: () => "'Azure AD'",
  TimeGenerated: "$.createdDateTime",
  CreatedDateTime: "$.createdDateTime",
  OperationName: () => "'Sign-in activity'",
  Category: (g) => `CASE WHEN ${nonInteractive(g)} THEN 'NonInteractiveUserSignInLogs' ELSE 'SignInLogs' END`,
  ResultType: "$.status.errorCode",
  ResultDescription: "$.status.failureReason",
  CorrelationId: "$.correlationId",
  Identity: "$.userDisplayName",
  Location: "$.location.countryOrRegion",
  AlternateSignInName: "$.signInIdentifier",
  AppDisplayName: "$.appDisplayName",
  AppId: "$.appId",
  AuthenticationDetails: "$.authenticationDetails",
  AuthenticationRequirement: "$.authenticationRequirement",
  AuthenticationProtocol: "$.authenticationProtocol",
  AutonomousSystemNumber: "$.autonomousSystemNumber",
  ClientAppUsed: "$.clientAppUsed",
  ConditionalAccessPolicies: "$.appliedConditionalAccessPolicies",
  ConditionalAccessStatus: "$.conditionalAccessStatus",
  DeviceDetail: "$.deviceDetail",
  IsInteractive: (g) => `CASE WHEN ${nonInteractive(g)} THEN 'false' ELSE 'true' END`,
  Id: "$.id",
  IPAddress: "$.ipAddress",
  IsRisky: "$.isRisky",
  LocationDetails: "$.location",
  OriginalRequestId: "$.originalRequestId",
  RiskDetail: "$.riskDetail",
  RiskEventTypes_V2: "$.riskEventTypes_v2",
  RiskLevelAggregated: "$.riskLevelAggregated",
  RiskLevelDuringSignIn: "$.riskLevelDuringSignIn",
  RiskState: "$.riskState",
  ResourceDisplayName: "$.resourceDisplayName",
  ResourceIdentity: "$.resourceId",
  ResourceTenantId: "$.resourceTenantId",
  HomeTenantId: "$.homeTenantId",
  SessionId: "$.sessionId",
  Status: "$.status",
  TokenIssuerName: "$.tokenIssuerName",
  TokenIssuerType: "$.tokenIssuerType",
  UniqueTokenIdentifier: "$.uniqueTokenIdentifier",
  UserAgent: "$.userAgent",
  UserDisplayName: "$.userDisplayName",
  UserId: "$.userId",
  UserPrincipalName: "$.userPrincipalName",
  AADTenantId: "$.tenantId",
  UserType: "$.userType",
  Type: () => `'${table}'`,
  ProcessingTimeInMilliseconds: "$.processingTimeInMilliseconds",
  ProcessingTimeInMs: "$.processingTimeInMilliseconds",
  SignInEventTypes: eventTypes,
});

export function signInsToDefender(): MappedRows {
  return mapDocs(defender, { what: "sign-in record" });
}

export function signInsToSentinel(table: "SigninLogs" | "AADNonInteractiveUserSignInLogs"): MappedRows {
  return mapDocs(sentinel(table), {
    what: "sign-in record",
    where: (g) => (table === "SigninLogs" ? `NOT ${nonInteractive(g)}` : nonInteractive(g)),
    unreadableHere: table === "SigninLogs",
  });
}

const risk: ColumnMap = {
  TimeGenerated: (g) => `coalesce(nullif(${g("$.detectedDateTime")}, ''), ${g("$.activityDateTime")})`,
  Activity: "$.activity",
  ActivityDateTime: "$.activityDateTime",
  AdditionalInfo: "$.additionalInfo",
  CorrelationId: "$.correlationId",
  DetectedDateTime: "$.detectedDateTime",
  DetectionTimingType: "$.detectionTimingType",
  Id: "$.id",
  IpAddress: "$.ipAddress",
  LastUpdatedDateTime: "$.lastUpdatedDateTime",
  Location: "$.location",
  OperationName: () => "'User Risk Detection'",
  RequestId: "$.requestId",
  RiskDetail: "$.riskDetail",
  RiskEventType: "$.riskEventType",
  RiskLevel: "$.riskLevel",
  RiskState: "$.riskState",
  Source: "$.source",
  TokenIssuerType: "$.tokenIssuerType",
  UserDisplayName: "$.userDisplayName",
  UserId: "$.userId",
  UserPrincipalName: "$.userPrincipalName",
  Type: () => "'AADUserRiskEvents'",
};

/** Graph riskDetection (formats.md §4.4) → AADUserRiskEvents. */
export function riskDetectionsToSentinel(): MappedRows {
  return mapDocs(risk, { what: "risk detection" });
}
