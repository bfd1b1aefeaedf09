/**
 * Unified audit log records (AuditData JSON, from every Purview / PowerShell / Graph / Management API export) →
 * CloudAppEvents rows, the shape Defender gives the same events (formats.md §1.1, §2.5); and the Entra STS logon
 * records inside the UAL (UserLoggedIn / UserLoginFailed, RecordType 15, §2.5.9) → EntraIdSignInEvents rows, so an
 * audit log alone still gives sign-in IPs, sessions and failures.
 */
import { caseMap, mapDocs, type ColumnMap, type Get } from "./mapping.js";
import type { MappedRows } from "./commit.js";
import { ipSql } from "./ipsql.js";

const GUID = "'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'";

const isStsLogon = (g: Get) =>
  `(coalesce(${g("$.RecordType")}, '') IN ('15', 'AzureActiveDirectoryStsLogon') OR ${g("$.Operation")} IN ('UserLoggedIn', 'UserLoginFailed'))`;

/**
 * The actor's Entra object id. Exchange records carry it as `TokenObjectId` (the token's `oid`, formats.md §5.1);
 * `UserKey` is the object id only on Entra/SharePoint records — on Exchange records it is a PUID (§5.3 item 5), so it
 * is used only when it has GUID form.
 */
const objectId = (g: Get) =>
  `coalesce(nullif(${g("$.TokenObjectId")}, ''), CASE WHEN regexp_matches(coalesce(${g("$.UserKey")}, ''), ${GUID}) THEN ${g("$.UserKey")} END, '')`;

/** The client address: `ClientIP`, else the mailbox `ClientIPAddress`, else Entra's `ActorIpAddress`. */
const clientIp = (g: Get) =>
  ipSql(
    `coalesce(nullif(${g("$.ClientIP")}, ''), nullif(${g("$.ClientIPAddress")}, ''), ${g("$.ActorIpAddress")})`,
  );

/** Workload → the Defender application (Exchange's id 20893 is documented; the others are the commonly cited ids). */
const APP_NAME = {
  Exchange: "Microsoft Exchange Online",
  SharePoint: "Microsoft SharePoint Online",
  OneDrive: "Microsoft OneDrive for Business",
  MicrosoftTeams: "Microsoft Teams",
};
const APP_ID = { Exchange: 20893, SharePoint: 20892, OneDrive: 15600, MicrosoftTeams: 28375 };

const USER_TYPE = {
  "0": "Regular",
  Regular: "Regular",
  "2": "Admin",
  Admin: "Admin",
  "3": "Admin",
  DcAdmin: "Admin",
  "4": "System",
  System: "System",
  "5": "Application",
  Application: "Application",
  "6": "Application",
  ServicePrincipal: "Application",
};

const cloudAppEvents: ColumnMap = {
  // CreationTime is UTC without a zone (§2.5); the wrapper's CreationDate (a locale string) is only a fallback.
  Timestamp: (g) => `coalesce(nullif(${g("$.CreationTime")}, ''), hint)`,
  ActionType: "$.Operation",
  Application: (g) => caseMap(g("$.Workload"), APP_NAME, "'Office 365'"),
  ApplicationId: (g) => caseMap(g("$.Workload"), APP_ID, "'11161'"),
  AppInstanceId: () => "'0'",
  AccountObjectId: objectId,
  AccountId: (g) => `coalesce(nullif(${objectId(g)}, ''), ${g("$.UserId")})`,
  AccountDisplayName: "$.UserId",
  IPAddress: clientIp,
  UserAgent: (g) => `coalesce(nullif(${g("$.ClientInfoString")}, ''), ${g("$.ActorInfoString")})`,
  ObjectName: "$.ObjectId",
  ObjectId: "$.ObjectId",
  ReportId: "$.Id",
  AccountType: (g) => caseMap(g("$.UserType"), USER_TYPE, "''"),
  IsExternalUser: () => "'false'",
  IsImpersonated: () => "'false'",
  RawEventData: (g) => g.doc,
  AuditSource: () => "'Microsoft 365 unified audit log (offline)'",
};

/** A `{Name, Value}` list entry of the record (ExtendedProperties, DeviceProperties). */
const prop = (list: string, name: string) => (g: Get) =>
  `list_filter(from_json(json_extract(${g.doc}, '$.${list}'), '[{"Name":"VARCHAR","Value":"VARCHAR"}]'), lambda x: x.Name = '${name}')[1].Value`;

const entraLogon: ColumnMap = {
  Timestamp: (g) => `coalesce(nullif(${g("$.CreationTime")}, ''), hint)`,
  Application: () => "''",
  ApplicationId: "$.ApplicationId",
  LogonType: (g) =>
    `CASE WHEN ${prop("ExtendedProperties", "RequestType")(g)} = 'Login:resume' THEN '["nonInteractiveUser"]' ELSE '["interactiveUser"]' END`,
  // LogonError is a name (InvalidUserNameOrPassword); the number, when present, is ErrorNumber. A failure without a
  // number still must not read as success (0), so it becomes -1.
  ErrorCode: (g) =>
    `CASE WHEN ${g("$.Operation")} = 'UserLoggedIn' THEN '0' ELSE coalesce(nullif(${g("$.ErrorNumber")}, ''), '-1') END`,
  // Entra's `InterSystemsId` tracks the request across services (the sign-in's correlation id) [INFERRED].
  CorrelationId: "$.InterSystemsId",
  // The session id sits in DeviceProperties (UAL-Analyzer, formats.md §2.5.9), else top level.
  SessionId: (g) =>
    `coalesce(nullif(${prop("DeviceProperties", "SessionId")(g)}, ''), ${g("$.SessionId")}, '')`,
  AccountObjectId: objectId,
  AccountUpn: "$.UserId",
  AccountDisplayName: "$.UserId",
  OSPlatform: prop("DeviceProperties", "OS"),
  Browser: prop("DeviceProperties", "BrowserType"),
  IsCompliant: prop("DeviceProperties", "IsCompliant"),
  IsManaged: prop("DeviceProperties", "IsCompliantAndManaged"),
  UserAgent: prop("ExtendedProperties", "UserAgent"),
  IPAddress: clientIp,
  // The STS record's `Id` is the sign-in's request id: real records end in `00` like every Entra request id
  // (formats.md §5.2), and UAL tools join on it. ReportId keeps it too, as the audit record's own id.
  RequestId: "$.Id",
  ReportId: "$.Id",
  ResourceId: "$.ObjectId",
  // No risk in the UAL: 0 = not set (formats.md §1.3), never "none".
  RiskLevelAggregated: () => "'0'",
  RiskLevelDuringSignIn: () => "'0'",
};

export function ualToCloudAppEvents(): MappedRows {
  return mapDocs(cloudAppEvents, {
    where: (g) => `NOT ${isStsLogon(g)}`,
    what: "AuditData",
    unreadableHere: true,
  });
}

export function ualToEntraSignIns(): MappedRows {
  return mapDocs(entraLogon, { where: (g) => isStsLogon(g), what: "AuditData" });
}
