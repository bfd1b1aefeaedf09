/**
 * Identity Protection and Defender signals for some scenarios only: risk detections (Graph + AADUserRiskEvents),
 * risky users, and alerts with evidence (Graph alerts_v2 + AlertInfo/AlertEvidence), grouped into incidents.
 */
import type { AlertEvidenceState, AlertState, RiskLevel, SignInState, UserState } from "../state.js";
import type { Recorder } from "./recorder.js";
import { iso7, isoZ, MINUTE } from "./time.js";

export function riskDetection(
  rec: Recorder,
  o: {
    user: UserState;
    signIn: SignInState | null;
    type: string;
    level: RiskLevel;
    timing: "realtime" | "nearRealtime" | "offline";
    source?: string;
    ms: number;
  },
): string {
  const id = rec.rng.hex(32);
  const detected = o.timing === "realtime" ? o.ms : o.ms + rec.rng.int(20, 240) * MINUTE;
  const s = o.signIn;
  rec.state.riskDetections.push({
    id,
    requestId: s?.id ?? null,
    correlationId: s?.correlationId ?? null,
    riskEventType: o.type,
    riskState: "atRisk",
    riskLevel: o.level,
    riskDetail: "none",
    source: o.source ?? "IdentityProtection",
    detectionTimingType: o.timing,
    activity: s ? "signin" : "user",
    tokenIssuerType: "AzureAD",
    ipAddress: s?.ipAddress ?? null,
    location: s?.location ?? null,
    activityDateTime: isoZ(o.ms),
    detectedDateTime: isoZ(detected),
    lastUpdatedDateTime: isoZ(detected),
    userId: o.user.id,
    userDisplayName: o.user.displayName,
    userPrincipalName: o.user.userPrincipalName,
    additionalInfo: JSON.stringify(s ? [{ Key: "userAgent", Value: s.userAgent }] : []),
  });
  rec.push("sentinel", "AADUserRiskEvents", {
    TenantId: rec.state.tenantId,
    SourceSystem: "Azure AD",
    TimeGenerated: iso7(detected),
    Activity: s ? "signin" : "user",
    ActivityDateTime: iso7(o.ms),
    AdditionalInfo: s ? [{ Key: "userAgent", Value: s.userAgent }] : [],
    CorrelationId: s?.correlationId ?? "",
    DetectedDateTime: iso7(detected),
    DetectionTimingType: o.timing,
    Id: id,
    IpAddress: s?.ipAddress ?? "",
    LastUpdatedDateTime: iso7(detected),
    Location: s?.location ?? {},
    OperationName: "User Risk Detection",
    RequestId: s?.id ?? "",
    RiskDetail: "none",
    RiskEventType: o.type,
    RiskLevel: o.level,
    RiskState: "atRisk",
    Source: o.source ?? "IdentityProtection",
    TokenIssuerType: "AzureAD",
    UserDisplayName: o.user.displayName,
    UserId: o.user.id,
    UserPrincipalName: o.user.userPrincipalName,
    Type: "AADUserRiskEvents",
  });
  return id;
}

export function riskyUser(rec: Recorder, user: UserState, level: RiskLevel, ms: number): void {
  const existing = rec.state.riskyUsers.find((r) => r.id === user.id);
  const item = {
    id: user.id,
    activityDateTime: isoZ(ms),
    riskLevel: level,
    riskState: "atRisk",
    riskDetail: "none",
    initiatedBy: null,
  };
  if (existing) {
    existing.riskLevel = level;
    existing.riskLastUpdatedDateTime = isoZ(ms);
    existing.history.push(item);
    return;
  }
  rec.state.riskyUsers.push({
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    userDisplayName: user.displayName,
    riskLevel: level,
    riskState: "atRisk",
    riskDetail: "none",
    riskLastUpdatedDateTime: isoZ(ms),
    isDeleted: false,
    isProcessing: false,
    history: [item],
  });
}

export interface AlertInput {
  title: string;
  category: string;
  severity: AlertState["severity"];
  serviceSource: string;
  detectionSource: string;
  user: UserState;
  mailboxUpn?: string;
  ip?: string;
  sessionId?: string;
  ms: number;
  techniques: string[];
}

export function alert(rec: Recorder, o: AlertInput): string {
  const id = `ca${rec.rng.hex(16)}`;
  let incidentId = String(rec.rng.int(100, 99999));
  while (rec.state.incidents.some((i) => i.id === incidentId)) incidentId = String(rec.rng.int(100, 99999));
  const created = o.ms + rec.rng.int(5, 60) * MINUTE;
  const evidence: AlertEvidenceState[] = [
    {
      "@odata.type": "#microsoft.graph.security.userEvidence",
      roles: [],
      remediationStatus: "none",
      verdict: "suspicious",
      userAccount: {
        accountName: o.user.userPrincipalName.split("@")[0] ?? "",
        domainName: o.user.userPrincipalName.split("@")[1] ?? "",
        userPrincipalName: o.user.userPrincipalName,
        azureAdUserId: o.user.id,
        displayName: o.user.displayName,
      },
    },
  ];
  if (o.mailboxUpn)
    evidence.push({
      "@odata.type": "#microsoft.graph.security.mailboxEvidence",
      roles: [],
      remediationStatus: "none",
      verdict: "suspicious",
      primaryAddress: o.mailboxUpn,
      displayName: o.user.displayName,
    });
  if (o.ip)
    evidence.push({
      "@odata.type": "#microsoft.graph.security.ipEvidence",
      roles: [],
      remediationStatus: "none",
      verdict: "suspicious",
      ipAddress: o.ip,
    });
  if (o.sessionId)
    evidence.push({
      "@odata.type": "#microsoft.graph.security.cloudLogonSessionEvidence",
      roles: [],
      remediationStatus: "none",
      verdict: "suspicious",
      sessionId: o.sessionId,
    });
  rec.state.alerts.push({
    id,
    providerAlertId: id.slice(2),
    incidentId,
    status: "new",
    severity: o.severity,
    classification: null,
    determination: null,
    serviceSource: o.serviceSource,
    detectionSource: o.detectionSource,
    title: o.title,
    description: o.title,
    category: o.category,
    assignedTo: null,
    createdDateTime: isoZ(created),
    lastUpdateDateTime: isoZ(created),
    firstActivityDateTime: isoZ(o.ms),
    lastActivityDateTime: isoZ(o.ms),
    evidence,
    comments: [],
  });
  rec.state.incidents.push({
    id: incidentId,
    displayName: `${o.title} involving one user`,
    status: "active",
    severity: o.severity,
    classification: null,
    determination: null,
    assignedTo: null,
    createdDateTime: isoZ(created),
    lastUpdateDateTime: isoZ(created),
    tags: [],
    alertIds: [id],
    comments: [],
  });
  const techniques = JSON.stringify(o.techniques);
  const severity = o.severity.charAt(0).toUpperCase() + o.severity.slice(1);
  rec.push("defender", "AlertInfo", {
    Timestamp: iso7(created),
    AlertId: id,
    Title: o.title,
    Category: o.category,
    Severity: severity,
    ServiceSource: o.serviceSource,
    DetectionSource: o.detectionSource,
    AttackTechniques: techniques,
  });
  const base = {
    Timestamp: iso7(created),
    AlertId: id,
    Title: o.title,
    Categories: JSON.stringify([o.category]),
    AttackTechniques: techniques,
    ServiceSource: o.serviceSource,
    DetectionSource: o.detectionSource,
    EvidenceDirection: null,
    AccountName: null,
    AccountDomain: null,
    AccountObjectId: null,
    AccountUpn: null,
    RemoteIP: null,
    Application: null,
    ApplicationId: null,
    Severity: severity,
    AdditionalFields: "{}",
  };
  const [name, domain] = o.user.userPrincipalName.split("@");
  rec.push("defender", "AlertEvidence", {
    ...base,
    EntityType: "User",
    EvidenceRole: "Impacted",
    AccountName: name ?? null,
    AccountDomain: domain ?? null,
    AccountObjectId: o.user.id,
    AccountUpn: o.user.userPrincipalName,
    AdditionalFields: JSON.stringify({ $id: "1", Type: "account", AadUserId: o.user.id }),
  });
  if (o.mailboxUpn)
    rec.push("defender", "AlertEvidence", {
      ...base,
      EntityType: "Mailbox",
      EvidenceRole: "Impacted",
      AccountObjectId: o.user.id,
      AccountUpn: o.mailboxUpn,
      AdditionalFields: JSON.stringify({ $id: "2", Type: "mailbox", MailboxPrimaryAddress: o.mailboxUpn }),
    });
  if (o.ip)
    rec.push("defender", "AlertEvidence", {
      ...base,
      EntityType: "Ip",
      EvidenceRole: "Related",
      RemoteIP: o.ip,
      AdditionalFields: JSON.stringify({ $id: "3", Type: "ip", Address: o.ip }),
    });
  if (o.sessionId)
    rec.push("defender", "AlertEvidence", {
      ...base,
      EntityType: "CloudLogonSession",
      EvidenceRole: "Related",
      AccountObjectId: o.user.id,
      AdditionalFields: JSON.stringify({ $id: "4", Type: "cloud-logon-session", SessionId: o.sessionId }),
    });
  return id;
}
