/**
 * Ground truth of a generated tenant (`truth.json`): what the attacker did, from which sign-ins, how each action
 * links to its sign-ins in the generated tables, what containment is expected, and which benign look-alikes must not
 * be flagged.
 */

/** Correlation keys, strongest first (formats.md §5). */
export const LINK_KEYS = ["token", "request", "session", "ip", "network", "user-time"] as const;
export type LinkKey = (typeof LINK_KEYS)[number];

/** How far after a sign-in an action still links by user and time alone (the `user-time` key). */
export const USER_TIME_WINDOW_MINUTES = 120;

export interface TruthSignIn {
  requestId: string;
  sessionId: string;
  uniqueTokenId: string;
  userId: string;
  userPrincipalName: string;
  time: string;
  ip: string;
  asn: number;
  country: string;
  interactive: boolean;
  /** `none|low|medium|high|hidden` as Graph and Sentinel render it. */
  riskLevelDuringSignIn: string;
}

export interface TruthAction {
  /** Where the record is: CloudAppEvents (Defender) and, for the same audit record, OfficeActivity (Sentinel). */
  table: "CloudAppEvents";
  reportId: string;
  /** The audit record's `Id` (RawEventData.Id, OfficeActivity.OfficeId). */
  auditId: string;
  operation: string;
  userId: string;
  userPrincipalName: string;
  mailboxOwnerUpn: string | null;
  time: string;
  /** ClientIP exactly as the record carries it. */
  clientIP: string | null;
}

export interface TruthLink {
  auditId: string;
  signInRequestId: string;
  /** Every key that joins this action to this sign-in in the generated tables. */
  keys: LinkKey[];
  /** The strongest of `keys`. */
  strongest: LinkKey;
  /** Keys that also work on the Sentinel tables (OfficeActivity drops the top-level SessionId, formats.md §3.1). */
  sentinelKeys: LinkKey[];
  /** For `network` links: the ASN and the IPv4 range both addresses are in. */
  network?: { asn: number; cidr: string };
}

export interface TruthContainment {
  rules: {
    userId: string;
    userPrincipalName: string;
    name: string;
    ruleIdentity: string;
    graphId: string;
    hidden: boolean;
  }[];
  forwarding: {
    userId: string;
    userPrincipalName: string;
    forwardingSmtpAddress: string | null;
    forwardingAddress: string | null;
  }[];
  delegations: {
    kind: "mailboxPermission" | "recipientPermission" | "folderPermission" | "sendOnBehalf";
    mailboxUpn: string;
    trustee: string;
    accessRights: string[];
  }[];
  transportRules: { guid: string; name: string }[];
  revokeSessions: { userId: string; userPrincipalName: string }[];
  /** Session-made directory objects (scenarios that leave them): delegated grants, app-role assignments, methods. */
  oauthGrants?: { userId: string; id: string; clientId: string }[];
  appRoleAssignments?: { userId: string; id: string }[];
  authMethods?: { userId: string; id: string; type: string }[];
  /** Auto-replies the attacker set. */
  autoReplies?: { userId: string; userPrincipalName: string }[];
}

export interface TruthScenario {
  name: string;
  description: string;
  victims: { userId: string; userPrincipalName: string }[];
  attackerSignIns: TruthSignIn[];
  actions: TruthAction[];
  links: TruthLink[];
  /** Risk detections and alerts tied to the attacker's sign-ins (by request id or session id). */
  riskDetectionIds: string[];
  alertIds: string[];
  /** Actions already undone in the tenant (e.g. a rule created then removed): found in logs only. */
  undone: string[];
  containment: TruthContainment;
}

export interface TruthBenign {
  kind: string;
  description: string;
  userId: string;
  userPrincipalName: string;
  /** What must not be flagged: rule identities, audit ids, sign-in request ids, delegation trustees. */
  ruleIdentities: string[];
  auditIds: string[];
  signInRequestIds: string[];
  trustees: string[];
}

export interface Truth {
  generator: {
    version: 1;
    seed: number;
    users: number;
    days: number;
    scenarios: string[];
    windowStart: string;
    windowEnd: string;
    variants: { officeActivitySessionId?: boolean; logonType?: "json-array" | "plain" };
  };
  userTimeWindowMinutes: number;
  scenarios: TruthScenario[];
  benign: TruthBenign[];
}

export function strongestKey(keys: readonly LinkKey[]): LinkKey | null {
  for (const k of LINK_KEYS) if (keys.includes(k)) return k;
  return null;
}

export function emptyContainment(): TruthContainment {
  return { rules: [], forwarding: [], delegations: [], transportRules: [], revokeSessions: [] };
}
