/**
 * Records generated activity into the tenant state and the log tables at once: a sign-in becomes a Graph signIn
 * plus its Defender and Sentinel rows; an audit record becomes a CloudAppEvents row (RawEventData = the record) plus
 * an OfficeActivity row.
 */
import type { LogRow, LogValue, RiskLevel, SignInState, TenantState, UserState } from "../state.js";
import { APPS, EXO_APPLICATION_ID, type AppRef } from "./apps.js";
import { auditRecordId, entraRequestId, requestIdToUti } from "./encode.js";
import { NETWORKS, type Network } from "./networks.js";
import type { Endpoint } from "./people.js";
import type { Rng } from "./rng.js";
import { defenderSignInRow, sentinelSignInRow } from "./signinRows.js";
import { auditTime, iso7, isoZ } from "./time.js";

export const DEFENDER_TABLES = [
  "CloudAppEvents",
  "EntraIdSignInEvents",
  "AADSignInEventsBeta",
  "AlertInfo",
  "AlertEvidence",
] as const;
export const SENTINEL_TABLES = [
  "OfficeActivity",
  "SigninLogs",
  "AADNonInteractiveUserSignInLogs",
  "AADUserRiskEvents",
] as const;

/**
 * Renderings formats.md marks as inferred, switchable so that parser tests can exercise both readings.
 * Defaults are the inferred renderings.
 */
export interface Variants {
  /** OfficeActivity keeps the audit record's top-level SessionId as a column (default false: dropped, formats.md §3.1). */
  officeActivitySessionId?: boolean;
  /** Defender `LogonType`: `["interactiveUser"]` (default, "json-array") or `interactiveUser` ("plain"). */
  logonType?: "json-array" | "plain";
}

export interface SignInInput {
  user: UserState;
  ms: number;
  endpoint: Endpoint;
  sessionId: string;
  interactive: boolean;
  app: AppRef;
  resource: AppRef;
  risk?: RiskLevel;
  riskAggregated?: RiskLevel;
  riskState?: string;
  riskEventTypes?: string[];
  mfa?: boolean;
  clientAppUsed?: string;
  correlationId?: string;
}

/** How an audit record carries the token it was made with (formats.md §2.5, §5.3 item 2). */
export type AccessContext = "full" | "token-only" | "none";
export type ClientIpForm = "plain" | "port" | "mapped" | "bracket-port" | "loopback" | "none";

export interface TokenUse {
  signIn: SignInState;
  context: AccessContext;
  /** Whether the record carries the top-level `SessionId`. */
  topSessionId: boolean;
}

export interface AuditInput {
  ms: number;
  operation: string;
  recordType: 1 | 2 | 3 | 50;
  /** The acting user, or a service identity (`NT AUTHORITY\SYSTEM (Microsoft.Exchange.ServiceHost)`). */
  actor: UserState | { system: string };
  /** The mailbox the action is about (mailbox records, and admin cmdlets on someone's mailbox). */
  owner?: UserState;
  /** The address the actor came from (null for service records), and how ClientIP renders it. */
  ip: string | null;
  form: ClientIpForm;
  token?: TokenUse;
  parameters?: { Name: string; Value: string }[];
  operationProperties?: { Name: string; Value?: string }[];
  objectId: string;
  clientInfoString?: string;
  userAgent?: string;
  logonType?: 0 | 1 | 2;
  extra?: Record<string, LogValue>;
  userType?: number;
  appId?: string;
}

export interface RecordedAudit {
  id: string;
  reportId: string;
  ms: number;
  record: Record<string, LogValue>;
  clientIP: string | null;
  ip: string | null;
  actorId: string | null;
}

const RECORD_TYPE_NAMES: Record<number, string> = {
  1: "ExchangeAdmin",
  2: "ExchangeItem",
  3: "ExchangeItemGroup",
  50: "ExchangeItemAggregated",
};
const USER_TYPE_NAMES: Record<number, string> = { 0: "Regular", 2: "Admin", 3: "DcAdmin", 4: "System" };
const LOGON_TYPE_NAMES: Record<number, string> = { 0: "Owner", 1: "Admin", 2: "Delegated" };

/** FNV-1a, for stable per-user derived values (PUID, SID) that consume no randomness. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class Recorder {
  readonly defender: Record<string, LogRow[]> = {};
  readonly sentinel: Record<string, LogRow[]> = {};
  private readonly ipNets = new Map<string, Network>();
  readonly org: string;

  constructor(
    readonly state: TenantState,
    readonly rng: Rng,
    readonly variants: Variants = {},
  ) {
    for (const t of DEFENDER_TABLES) this.defender[t] = [];
    for (const t of SENTINEL_TABLES) this.sentinel[t] = [];
    this.org =
      state.domains.find((d) => d.toLowerCase().endsWith(".onmicrosoft.com")) ?? state.domains[0] ?? "";
  }

  push(kind: "defender" | "sentinel", table: string, row: LogRow): void {
    const t = (kind === "defender" ? this.defender : this.sentinel)[table];
    if (!t) throw new Error(`no table ${table}`);
    t.push(row);
  }

  networkOf(ip: string): Network | undefined {
    return this.ipNets.get(ip);
  }

  noteIp(ip: string, net: Network): void {
    this.ipNets.set(ip, net);
  }

  puid(userId: string): string {
    return `1003${(fnv(userId) >>> 0).toString(16).padStart(8, "0")}${(fnv(`${userId}#`) & 0xffff).toString(16).padStart(4, "0")}`.toUpperCase();
  }

  sid(userId: string): string {
    return `S-1-5-21-3121290513-3847925461-2712430211-${20000 + (fnv(userId) % 900000)}`;
  }

  requestId(): string {
    return entraRequestId(this.rng.bytes(16));
  }

  signIn(o: SignInInput): SignInState {
    const net = o.endpoint.net;
    this.noteIp(o.endpoint.ip, net);
    const id = this.requestId();
    const risk = o.risk ?? "none";
    const mfa = o.mfa ?? o.interactive;
    const s: SignInState = {
      id,
      createdDateTime: isoZ(o.ms),
      userId: o.user.id,
      userPrincipalName: o.user.userPrincipalName,
      userDisplayName: o.user.displayName,
      appId: o.app.id,
      appDisplayName: o.app.name,
      resourceId: o.resource.id,
      resourceDisplayName: o.resource.name,
      ipAddress: o.endpoint.ip,
      autonomousSystemNumber: net.asn,
      clientAppUsed:
        o.clientAppUsed ??
        (o.app.id === APPS.officeHome.id || o.app.id === APPS.owa.id
          ? "Browser"
          : "Mobile Apps and Desktop clients"),
      userAgent: o.endpoint.userAgent,
      correlationId: o.correlationId ?? this.rng.guid(),
      sessionId: o.sessionId,
      uniqueTokenIdentifier: requestIdToUti(id),
      originalRequestId: id,
      isInteractive: o.interactive,
      signInEventTypes: [o.interactive ? "interactiveUser" : "nonInteractiveUser"],
      status: { errorCode: 0, failureReason: null, additionalDetails: null },
      riskLevelDuringSignIn: risk,
      riskLevelAggregated: o.riskAggregated ?? risk,
      riskState: o.riskState ?? (risk === "none" || risk === "hidden" ? "none" : "atRisk"),
      riskEventTypes_v2: o.riskEventTypes ?? [],
      location: { city: net.city, state: net.state, countryOrRegion: net.country },
      deviceDetail: { ...o.endpoint.device },
      authenticationRequirement: mfa ? "multiFactorAuthentication" : "singleFactorAuthentication",
      conditionalAccessStatus: o.endpoint.device.isCompliant ? "success" : "notApplied",
    };
    this.state.signIns.push(s);
    const extra = {
      ms: o.ms,
      tenantId: this.state.tenantId,
      net,
      reportId: this.rng.hex(16),
      lastPasswordChange: o.user.lastPasswordChangeDateTime ?? null,
    };
    const plain = this.variants.logonType === "plain";
    this.push("defender", "EntraIdSignInEvents", defenderSignInRow(s, extra, true, plain));
    this.push("defender", "AADSignInEventsBeta", defenderSignInRow(s, extra, false, plain));
    this.push(
      "sentinel",
      s.isInteractive ? "SigninLogs" : "AADNonInteractiveUserSignInLogs",
      sentinelSignInRow(s, extra),
    );
    return s;
  }

  formatIp(ip: string | null, form: ClientIpForm): string | null {
    if (ip === null || form === "none") return null;
    if (form === "loopback") return "::1";
    const v6 = ip.includes(":");
    const port = this.rng.int(1025, 65535);
    switch (form) {
      case "plain":
        return ip;
      case "port":
        return v6 ? `[${ip}]:${port}` : `${ip}:${port}`;
      case "mapped":
        return v6 ? ip : `::ffff:${ip}`;
      case "bracket-port":
        return v6 ? `[${ip}]:${port}` : `[::ffff:${ip}]:${port}`;
    }
  }

  audit(o: AuditInput): RecordedAudit {
    // Event times keep a fraction of at least 10 ms, so the ticks in the Id never round below CreationTime.
    const ms = o.ms % 1000 < 10 ? o.ms + 10 : o.ms;
    const id = auditRecordId(this.rng.bytes(10), ms);
    const actor = "system" in o.actor ? null : o.actor;
    const actorName = actor ? actor.userPrincipalName : (o.actor as { system: string }).system;
    const clientIP = this.formatIp(o.ip, o.form);
    const t = o.token;
    const mailboxRecord = o.recordType !== 1;
    const rec: Record<string, LogValue> = {
      CreationTime: auditTime(ms),
      Id: id,
      Operation: o.operation,
      OrganizationId: this.state.tenantId,
      RecordType: o.recordType,
      ResultStatus: mailboxRecord ? "Succeeded" : "True",
      UserKey: actor ? this.puid(actor.id) : "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)",
      UserType: o.userType ?? (actor ? (actor.privilegedRoles?.length ? 2 : 0) : 3),
      Version: 1,
      Workload: "Exchange",
      ClientIP: clientIP,
      ObjectId: o.objectId,
      UserId: actorName,
      AppId: o.appId ?? "00000002-0000-0ff1-ce00-000000000000",
      ClientAppId: t && t.context !== "none" ? t.signIn.appId : "",
      ExternalAccess: actor === null,
      OrganizationName: this.org,
      OriginatingServer: `DM6PR11MB${this.rng.int(1000, 9999)} (15.20.7633.${this.rng.int(10, 40)})`,
    };
    if (o.parameters) rec.Parameters = o.parameters;
    if (mailboxRecord && o.owner) {
      rec.ClientIPAddress = clientIP;
      rec.ClientInfoString = o.clientInfoString ?? "Client=OWA;Action=ViaProxy";
      rec.LogonType = o.logonType ?? 0;
      rec.InternalLogonType = o.logonType ?? 0;
      rec.MailboxGuid = this.state.mailboxes.find((m) => m.userId === o.owner?.id)?.exchangeGuid ?? "";
      rec.MailboxOwnerUPN = o.owner.userPrincipalName;
      rec.MailboxOwnerSid = this.sid(o.owner.id);
      rec.LogonUserSid = actor ? this.sid(actor.id) : "S-1-5-18";
    }
    if (o.operationProperties) rec.OperationProperties = o.operationProperties;
    if (actor) {
      rec.TokenObjectId = actor.id;
      rec.TokenTenantId = this.state.tenantId;
    }
    if (t?.topSessionId) rec.SessionId = t.signIn.sessionId;
    if (t && t.context !== "none") {
      const iat = auditTime(Date.parse(t.signIn.createdDateTime));
      rec.AppAccessContext =
        t.context === "full"
          ? {
              AADSessionId: t.signIn.sessionId,
              ClientAppId: t.signIn.appId,
              ClientAppName: t.signIn.appDisplayName,
              IssuedAtTime: iat,
              UniqueTokenId: t.signIn.uniqueTokenIdentifier,
            }
          : { IssuedAtTime: iat, UniqueTokenId: t.signIn.uniqueTokenIdentifier };
    }
    Object.assign(rec, o.extra ?? {});
    const reportId = `${this.rng.hex(20)}_${EXO_APPLICATION_ID}`;
    const recorded: RecordedAudit = {
      id,
      reportId,
      ms,
      record: rec,
      clientIP,
      ip: o.ip,
      actorId: actor?.id ?? null,
    };
    this.push("defender", "CloudAppEvents", this.cloudAppEventsRow(recorded, o, actor));
    this.push("sentinel", "OfficeActivity", this.officeActivityRow(recorded));
    return recorded;
  }

  private cloudAppEventsRow(r: RecordedAudit, o: AuditInput, actor: UserState | null): LogRow {
    const net = r.ip ? this.ipNets.get(r.ip) : undefined;
    const plainIp = r.ip && o.form !== "loopback" && o.form !== "none" ? r.ip : null;
    return {
      Timestamp: iso7(r.ms),
      ActionType: o.operation,
      Application: "Microsoft Exchange Online",
      ApplicationId: EXO_APPLICATION_ID,
      AppInstanceId: 0,
      AccountObjectId: actor?.id ?? "",
      AccountId: actor?.id ?? "",
      AccountDisplayName: actor?.displayName ?? (o.actor as { system?: string }).system ?? "",
      IsAdminOperation: o.recordType === 1 && Boolean(actor?.privilegedRoles?.length),
      DeviceType: null,
      OSPlatform: null,
      IPAddress: plainIp,
      IsAnonymousProxy: false,
      CountryCode: net?.country ?? null,
      City: net ? net.city.toLowerCase() : null,
      Isp: net?.isp ?? null,
      UserAgent: o.userAgent ?? o.clientInfoString ?? null,
      ActivityType: "Basic",
      ActivityObjects: [
        ...(actor
          ? [
              {
                Type: "User",
                Role: "Actor",
                Name: actor.displayName,
                Id: actor.id,
                ApplicationId: 11161,
                ApplicationInstance: 0,
              },
            ]
          : []),
        ...(o.owner && o.owner.id !== actor?.id
          ? [
              {
                Type: "Account",
                Role: "Target object",
                Name: o.owner.displayName,
                Id: o.owner.id,
                ApplicationId: EXO_APPLICATION_ID,
                ApplicationInstance: 0,
              },
            ]
          : []),
      ],
      ObjectName: o.objectId,
      ObjectType: o.recordType === 1 ? "Resource" : "Folder",
      ObjectId: o.objectId,
      ReportId: r.reportId,
      AccountType: actor ? (actor.privilegedRoles?.length ? "Admin" : "Regular") : "System",
      IsExternalUser: false,
      IsImpersonated: false,
      IPTags: net?.ipTags ?? null,
      IPCategory: net?.ipCategory ?? null,
      UserAgentTags: null,
      RawEventData: r.record,
      AdditionalFields: { IsSatelliteProvider: false },
      LastSeenForUser: { ActionType: 0, ISP: 0, IPAddress: 0, Application: 0 },
      UncommonForUser: [],
      AuditSource: "Defender for Cloud Apps app connector",
      SessionData: null,
      OAuthAppId: null,
    };
  }

  private officeActivityRow(r: RecordedAudit): LogRow {
    const a = r.record;
    const str = (v: LogValue | undefined): LogValue =>
      v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v);
    const recordType = typeof a.RecordType === "number" ? a.RecordType : 0;
    const userType = typeof a.UserType === "number" ? a.UserType : 0;
    const row: LogRow = {
      TenantId: this.state.tenantId,
      SourceSystem: "OfficeActivityManager",
      TimeGenerated: iso7(r.ms),
      OfficeId: r.id,
      RecordType: RECORD_TYPE_NAMES[recordType] ?? String(recordType),
      Operation: a.Operation ?? null,
      OfficeWorkload: "Exchange",
      UserId: a.UserId ?? null,
      UserKey: a.UserKey ?? null,
      UserType: USER_TYPE_NAMES[userType] ?? String(userType),
      ResultStatus: a.ResultStatus ?? null,
      ClientIP: a.ClientIP ?? null,
      Client_IPAddress: a.ClientIPAddress ?? null,
      OfficeObjectId: a.ObjectId ?? null,
      OfficeTenantId: this.state.tenantId,
      OrganizationId: this.state.tenantId,
      OrganizationName: this.org,
      Parameters: a.Parameters === undefined ? null : JSON.stringify(a.Parameters),
      OperationProperties: a.OperationProperties ?? null,
      AppAccessContext: a.AppAccessContext ?? null,
      Logon_Type:
        typeof a.LogonType === "number" ? (LOGON_TYPE_NAMES[a.LogonType] ?? String(a.LogonType)) : null,
      InternalLogonType: a.InternalLogonType ?? null,
      MailboxOwnerUPN: a.MailboxOwnerUPN ?? null,
      MailboxOwnerSid: a.MailboxOwnerSid ?? null,
      MailboxGuid: a.MailboxGuid ?? null,
      LogonUserSid: a.LogonUserSid ?? null,
      ClientInfoString: a.ClientInfoString ?? null,
      ClientProcessName: a.ClientProcessName ?? null,
      ClientVersion: a.ClientVersion ?? null,
      ExternalAccess: str(a.ExternalAccess),
      OriginatingServer: a.OriginatingServer ?? null,
      Item: str(a.Item),
      Folders: str(a.Folders),
      AppId: a.AppId ?? null,
      ClientAppId: a.ClientAppId ?? null,
      Type: "OfficeActivity",
    };
    if (this.variants.officeActivitySessionId) row.SessionId = a.SessionId ?? null;
    return row;
  }
}

export { NETWORKS };
