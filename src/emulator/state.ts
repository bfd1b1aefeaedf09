/**
 * The emulated tenant's state: one in-memory object shared by every face (token, Graph, Exchange, admin).
 *
 * The canonical representation of an inbox rule is Exchange-shaped (the server-side rule as Exchange holds it);
 * the Graph face renders a view of it (and hides what Graph cannot see: hidden rules, the contents of rules
 * whose conditions/actions Graph does not support). Graph ids and Exchange RuleIdentity values are assigned
 * independently, so no client can rely on an inferred conversion between them (apis.md A2, tag [I]).
 *
 * Everything here is plain data (JSON-serialisable) so that a scenario file can describe it and the admin face can
 * dump it.
 */

/** A recipient as a rule action or forwarding target sees it. */
export interface RecipientRef {
  /** SMTP address. For an internal recipient Exchange renders `"Name" [EX:/o=…]` and no SMTP address. */
  address: string;
  name?: string;
}

export interface RuleConditions {
  subjectContainsWords?: string[];
  bodyContainsWords?: string[];
  subjectOrBodyContainsWords?: string[];
  fromAddressContainsWords?: string[];
  from?: RecipientRef[];
  sentTo?: RecipientRef[];
  hasAttachment?: boolean;
  /** Conditions Graph cannot express (e.g. ReceivedAfterDate): make the Graph view `isReadOnly` with no body. */
  receivedAfterDate?: string;
  receivedBeforeDate?: string;
  // Members below are the Exchange counterparts of the remaining Graph messageRulePredicates (added so a Graph
  // PATCH can store any documented predicate; Get-InboxRule names in comments).
  /** HeaderContainsWords ↔ Graph headerContains. */
  headerContainsWords?: string[];
  /** RecipientAddressContainsWords ↔ Graph recipientContains. */
  recipientAddressContainsWords?: string[];
  /** SentOnlyToMe ↔ Graph sentOnlyToMe. */
  sentOnlyToMe?: boolean;
  /** MyNameInToBox ↔ Graph sentToMe. */
  myNameInToBox?: boolean;
  /** MyNameInCcBox ↔ Graph sentCcMe. */
  myNameInCcBox?: boolean;
  /** MyNameInToOrCcBox ↔ Graph sentToOrCcMe. */
  myNameInToOrCcBox?: boolean;
  /** MyNameNotInToBox ↔ Graph notSentToMe. */
  myNameNotInToBox?: boolean;
  /** WithImportance ↔ Graph importance. */
  withImportance?: "low" | "normal" | "high";
  /** WithSensitivity (Normal, Personal, Private, CompanyConfidential) ↔ Graph sensitivity. */
  withSensitivity?: "normal" | "personal" | "private" | "confidential";
  /** FlaggedForAction ↔ Graph messageActionFlag (Graph enum value). */
  flaggedForAction?: string;
  /** MessageTypeMatches (AutomaticReply, AutomaticForward, Encrypted, Calendaring, …) ↔ Graph is* flags. */
  messageTypeMatches?: string[];
  /** WithinSizeRangeMinimum/Maximum in KB ↔ Graph withinSizeRange. */
  withinSizeRangeMinimumKb?: number;
  withinSizeRangeMaximumKb?: number;
}

export interface RuleActions {
  forwardTo?: RecipientRef[];
  redirectTo?: RecipientRef[];
  forwardAsAttachmentTo?: RecipientRef[];
  /** Move to Deleted Items (Graph `actions.delete`). */
  deleteMessage?: boolean;
  softDeleteMessage?: boolean;
  permanentDelete?: boolean;
  /** Folder id within the mailbox (see Mailbox.folders). */
  moveToFolder?: string;
  copyToFolder?: string;
  markAsRead?: boolean;
  markImportance?: "low" | "normal" | "high";
  stopProcessingRules?: boolean;
  assignCategories?: string[];
  /** Actions Graph cannot express (e.g. PinMessage): make the Graph view `isReadOnly`. */
  pinMessage?: boolean;
}

export interface InboxRuleState {
  /** Exchange RuleIdentity: an unsigned 64-bit integer, kept as a decimal string (exceeds JS safe integers). */
  ruleIdentity: string;
  /** Graph messageRule id: base64 of 8 bytes, assigned independently of ruleIdentity. */
  graphId: string;
  name: string;
  priority: number;
  enabled: boolean;
  /** Only Get-InboxRule -IncludeHidden lists it; never listed by Graph. */
  hidden: boolean;
  inError: boolean;
  /** System rules (Junk E-mail Rule, OOF, Delegate Rule) that a responder must never touch. */
  system?: boolean;
  conditions: RuleConditions;
  exceptions?: RuleConditions;
  actions: RuleActions;
  /** Where the rule was made: by Outlook's rules wizard (client), OWA, Graph or Exchange PowerShell. */
  createdBy?: "outlook" | "owa" | "graph" | "powershell";
}

export interface MailFolderState {
  id: string;
  displayName: string;
  /** Graph well-known name where one exists (deleteditems, archive, conversationhistory, junkemail, inbox…). */
  wellKnownName?: string;
  /** Id of the parent folder; absent for the root ("Top of Information Store", msgfolderroot). */
  parentFolderId?: string;
  unreadItemCount?: number;
  totalItemCount?: number;
  isHidden?: boolean;
}

export interface MailboxState {
  /** Entra object id of the owner (ExternalDirectoryObjectId). */
  userId: string;
  exchangeGuid: string;
  alias: string;
  primarySmtpAddress: string;
  emailAddresses: string[];
  recipientTypeDetails: "UserMailbox" | "SharedMailbox";
  /** `smtp:addr@domain` or null (Exchange renders the lower-case prefix). */
  forwardingSmtpAddress: string | null;
  /** Identity of an internal recipient (e.g. a mail contact) or null. */
  forwardingAddress: string | null;
  deliverToMailboxAndForward: boolean;
  folders: MailFolderState[];
  rules: InboxRuleState[];
  /** Outlook client-side rules stored in the rules blob; removed when Exchange PowerShell changes any rule. */
  outlookClientRules: number;
  /** Get-MailboxPermission rows beyond the implicit SELF row (FullAccess delegations and the like). */
  mailboxPermissions: MailboxPermissionState[];
  /** Get-RecipientPermission rows (SendAs). */
  recipientPermissions: RecipientPermissionState[];
  /** Get-MailboxFolderPermission rows, per folder. */
  folderPermissions: FolderPermissionState[];
  /** Set-Mailbox -GrantSendOnBehalfTo: recipient identities (UPNs). */
  grantSendOnBehalfTo: string[];
  /** Mobile device partnerships (Get-MobileDevice); absent = none. */
  mobileDevices?: MobileDeviceState[];
  /** Client protocol settings (Get-/Set-CASMailbox); absent = Exchange Online's defaults (CAS_DEFAULTS). */
  cas?: CasMailboxState;
  /** Graph mailboxSettings.automaticRepliesSetting; absent = Exchange's default for a new mailbox (disabled). */
  automaticReplies?: AutomaticRepliesState;
}

/** Graph automaticRepliesSetting (Exchange's OOF: Set-MailboxAutoReplyConfiguration). */
export interface AutomaticRepliesState {
  status: "disabled" | "alwaysEnabled" | "scheduled";
  externalAudience: "none" | "contactsOnly" | "all";
  internalReplyMessage: string;
  externalReplyMessage: string;
  /** dateTimeTimeZone `dateTime` in UTC (no zone suffix). */
  scheduledStartDateTime: string;
  scheduledEndDateTime: string;
}

/** A mobile device partnership: made when a device (ActiveSync, Outlook mobile) first syncs with the mailbox. */
export interface MobileDeviceState {
  /** The partnership's Guid (Remove-MobileDevice -Identity). */
  guid: string;
  /** Reported by the device: attacker-controlled for a device the attacker set up. */
  deviceId: string;
  deviceType: string;
  deviceModel: string;
  deviceOS: string;
  deviceUserAgent: string;
  friendlyName: string;
  /** "EAS" (Exchange ActiveSync) or "Outlook" (Outlook for iOS and Android). */
  clientType: "EAS" | "Outlook";
  /** ISO 8601: when the partnership was made. */
  firstSyncTime: string;
  deviceAccessState: "Allowed" | "Blocked" | "Quarantined" | "DeviceDiscovery";
  deviceAccessStateReason: string;
}

/** Set-CASMailbox settings the emulator keeps [D Set-CASMailbox]. */
export interface CasMailboxState {
  popEnabled: boolean;
  imapEnabled: boolean;
  /** null: the mailbox follows the organisation's setting (Set-TransportConfig -SmtpClientAuthenticationDisabled). */
  smtpClientAuthenticationDisabled: boolean | null;
  activeSyncEnabled: boolean;
  mapiEnabled: boolean;
  ewsEnabled: boolean;
  owaEnabled: boolean;
  activeSyncBlockedDeviceIds: string[];
}

/** A mailbox's CAS settings when none were set: every protocol on, SMTP AUTH following the organisation [D]. */
export const CAS_DEFAULTS: Readonly<CasMailboxState> = Object.freeze({
  popEnabled: true,
  imapEnabled: true,
  smtpClientAuthenticationDisabled: null,
  activeSyncEnabled: true,
  mapiEnabled: true,
  ewsEnabled: true,
  owaEnabled: true,
  activeSyncBlockedDeviceIds: [],
});

export interface MailboxPermissionState {
  /** The trustee: a UPN, or e.g. `NT AUTHORITY\SELF`. */
  user: string;
  /** e.g. ["FullAccess"], ["FullAccess", "ReadPermission"] (Exchange may render them comma-joined). */
  accessRights: string[];
  isInherited: boolean;
  deny: boolean;
  inheritanceType: "All" | "None" | "Children" | "Descendents" | "SelfAndChildren";
  /** Outlook automapping of a FullAccess grant. */
  autoMapping?: boolean;
}

export interface RecipientPermissionState {
  trustee: string;
  accessRights: string[];
  accessControlType: "Allow" | "Deny";
  isInherited: boolean;
}

export interface FolderPermissionState {
  folderId: string;
  /** A UPN, or "Default" / "Anonymous". */
  user: string;
  /** e.g. ["Reviewer"], ["Editor"], ["Owner"], ["AvailabilityOnly"]. */
  accessRights: string[];
}

/** An organisation-wide mail-flow (transport) rule. */
export interface TransportRuleState {
  guid: string;
  name: string;
  state: "Enabled" | "Disabled";
  mode: "Enforce" | "Audit" | "AuditAndNotify";
  priority: number;
  description: string;
  /** Conditions as Exchange parameters (SentTo, From, SubjectContainsWords, SentToScope, FromScope…). */
  conditions: Record<string, string | string[] | boolean>;
  blindCopyTo: string[];
  redirectMessageTo: string[];
  copyTo: string[];
  addToRecipients: string[];
  deleteMessage: boolean;
  whenChanged: string;
  /** Who created it (a UPN), for scenarios. */
  createdBy?: string;
}

export interface UserState {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  mail: string | null;
  jobTitle?: string | null;
  accountEnabled: boolean;
  /** ISO 8601; moved to "now" (the emulator clock) by revokeSignInSessions. */
  signInSessionsValidFromDateTime: string;
  onPremisesSyncEnabled: boolean | null;
  userType: "Member" | "Guest";
  proxyAddresses: string[];
  createdDateTime: string;
  /** Holds a privileged Entra role (Global Administrator…): sensitive actions need a privileged app. */
  privilegedRoles?: string[];
  /** Last password change (moved by a passwordProfile PATCH); the password itself is never stored. */
  lastPasswordChangeDateTime?: string;
  forceChangePasswordNextSignIn?: boolean;
  /**
   * `sha256:<hex>` of the password the token face's resource-owner password grant accepts (delegated tokens, e.g.
   * a notices account). Absent = the user cannot sign in with a password.
   */
  passwordHash?: string;
}

export interface AppRegistrationState {
  clientId: string;
  displayName: string;
  /** Service principal object id (the `oid` claim of app tokens). */
  servicePrincipalId: string;
  /** Client secrets accepted by the token endpoint. */
  secrets: string[];
  /** PEM certificates accepted for client assertions (their x5t thumbprints are derived). */
  certificates: string[];
  /** Application permissions granted on Microsoft Graph (the `roles` claim of Graph tokens). */
  graphRoles: string[];
  /** Application permissions on Office 365 Exchange Online, e.g. Exchange.ManageAsApp. */
  exchangeRoles: string[];
  /** Application permissions on "Log Analytics API" (Data.Read), for the Log Analytics query face. */
  logAnalyticsRoles?: string[];
  /** Entra / Exchange RBAC roles assigned to the service principal (e.g. "Exchange Administrator"). */
  directoryRoles: string[];
  /** "Allow public client flows": the password grant needs no client secret or assertion. */
  publicClient?: boolean;
  /** Delegated permissions on Microsoft Graph consented for the tenant's users (the `scp` claim of user tokens). */
  delegatedGraphScopes?: string[];
}

/** A service principal the tenant holds (the client or the resource of a consent; the Graph SP is one). */
export interface ServicePrincipalState {
  id: string;
  appId: string;
  displayName: string;
  /** App roles the resource exposes (id → value), for app-role assignments. */
  appRoles: { id: string; value: string }[];
}

/** Graph oauth2PermissionGrant: a delegated consent. Graph keeps no creation time for it. */
export interface OAuth2GrantState {
  id: string;
  /** Object id of the client's service principal. */
  clientId: string;
  consentType: "AllPrincipals" | "Principal";
  /** The consenting user for `Principal`; null for `AllPrincipals` (admin consent for everyone). */
  principalId: string | null;
  /** Object id of the resource's service principal (e.g. Microsoft Graph). */
  resourceId: string;
  /** Space-separated delegated permission values. */
  scope: string;
}

/** Graph appRoleAssignment granted to a user. */
export interface AppRoleAssignmentState {
  id: string;
  /** `00000000-0000-0000-0000-000000000000` = default access (no specific role). */
  appRoleId: string;
  createdDateTime: string;
  principalId: string;
  principalDisplayName: string;
  resourceId: string;
  resourceDisplayName: string;
}

export type AuthMethodType =
  | "password"
  | "microsoftAuthenticator"
  | "fido2"
  | "phone"
  | "email"
  | "softwareOath"
  | "windowsHelloForBusiness"
  | "temporaryAccessPass";

/**
 * An authentication method registered to a user (Graph `/users/{id}/authentication/methods`). `createdDateTime`
 * is rendered only for the types whose v1.0 resource documents it (see graph/authMethods.ts); the emulator keeps
 * it for all so a scenario can say when a method was registered.
 */
export interface AuthMethodState {
  id: string;
  userId: string;
  type: AuthMethodType;
  createdDateTime: string | null;
  displayName?: string | null;
  phoneNumber?: string;
  phoneType?: "mobile" | "alternateMobile" | "office";
  emailAddress?: string;
  deviceTag?: string;
  phoneAppVersion?: string;
  model?: string;
  /** microsoftAuthenticator: registered for passwordless phone sign-in (only then does Graph render createdDateTime). */
  passwordlessPhoneSignIn?: boolean;
}

/** A directory audit record (Graph directoryAudit), the fields the emulator keeps. */
export interface DirectoryAuditState {
  id: string;
  category: string;
  correlationId: string;
  result: "success" | "failure";
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  initiatedBy: {
    user: {
      id: string;
      userPrincipalName: string;
      displayName: string | null;
      ipAddress: string | null;
    } | null;
    app: { appId: string; displayName: string; servicePrincipalId: string } | null;
  };
  targetResources: {
    id: string;
    displayName: string | null;
    type: string;
    userPrincipalName?: string | null;
  }[];
  additionalDetails: { key: string; value: string }[];
}

/** A message posted to a channel (Graph chatMessage, the fields the emulator keeps). */
export interface ChannelMessageState {
  id: string;
  createdDateTime: string;
  /** The posting user's object id and display name (delegated tokens only post). */
  fromUserId: string;
  fromDisplayName: string;
  /** The client app that posted it. */
  appId: string;
  subject: string | null;
  importance: "normal" | "high" | "urgent";
  body: { contentType: "text" | "html"; content: string };
}

export interface ChannelState {
  /** `19:…@thread.tacv2`. */
  id: string;
  displayName: string;
  membershipType: "standard" | "private" | "shared";
  messages: ChannelMessageState[];
}

/** A team (its id is the Microsoft 365 group's id) with its members (user object ids) and channels. */
export interface TeamState {
  id: string;
  displayName: string;
  memberIds: string[];
  channels: ChannelState[];
  /** Archived teams are read-only: posting is refused. */
  isArchived?: boolean;
}

export interface TenantState {
  tenantId: string;
  displayName: string;
  /** Verified domains; the first `*.onmicrosoft.com` one is the Organization for Connect-ExchangeOnline. */
  domains: string[];
  users: UserState[];
  mailboxes: MailboxState[];
  apps: AppRegistrationState[];
  transportRules: TransportRuleState[];
  /** Identity Protection (Graph riskyUser; `id` is the user's object id). */
  riskyUsers: RiskyUserState[];
  /** Identity Protection risk detections (Graph riskDetection). */
  riskDetections: RiskDetectionState[];
  /** Entra sign-ins (Graph signIn, beta shape: interactive and non-interactive). */
  signIns: SignInState[];
  /** Defender XDR alerts (Graph security alert, alerts_v2). */
  alerts: AlertState[];
  /** Defender XDR incidents (Graph security incident). */
  incidents: IncidentState[];
  /**
   * Log tables the hunting faces query, by table name: Defender (CloudAppEvents, EntraIdSignInEvents,
   * AADSignInEventsBeta, AlertEvidence, AlertInfo) and Sentinel / Log Analytics (OfficeActivity, SigninLogs,
   * AADNonInteractiveUserSignInLogs, AADUserRiskEvents). Rows are plain JSON objects with the documented columns.
   */
  logs: { defender: Record<string, LogRow[]>; sentinel: Record<string, LogRow[]> };
  /** The Sentinel (Log Analytics) workspace id the query face answers for; absent = any GUID [I]. */
  sentinelWorkspaceId?: string;
  /** Microsoft Teams teams and channels (the channel messages face); absent = none. */
  teams?: TeamState[];
  /** Service principals (consent clients and resources); absent = none. */
  servicePrincipals?: ServicePrincipalState[];
  /** Delegated permission grants (Graph oauth2PermissionGrant); absent = none. */
  oauth2PermissionGrants?: OAuth2GrantState[];
  /** App-role assignments to users; absent = none. */
  appRoleAssignments?: AppRoleAssignmentState[];
  /** Users' authentication methods; absent = none. */
  authMethods?: AuthMethodState[];
  /** Entra directory audit log (Graph directoryAudit), oldest first; absent = none. */
  directoryAudits?: DirectoryAuditState[];
}

export type LogValue = null | boolean | number | string | LogValue[] | { [k: string]: LogValue };
export type LogRow = Record<string, LogValue>;

export type RiskLevel = "low" | "medium" | "high" | "hidden" | "none";

export interface RiskyUserHistoryItem {
  id: string;
  activityDateTime: string;
  riskLevel: RiskLevel;
  riskState: string;
  riskDetail: string;
  initiatedBy: string | null;
}

export interface RiskyUserState {
  /** The user's object id. */
  id: string;
  userPrincipalName: string;
  userDisplayName: string;
  riskLevel: RiskLevel;
  /** none | confirmedSafe | remediated | dismissed | atRisk | confirmedCompromised */
  riskState: string;
  riskDetail: string;
  riskLastUpdatedDateTime: string;
  isDeleted: boolean;
  isProcessing: boolean;
  history: RiskyUserHistoryItem[];
}

export interface RiskDetectionState {
  id: string;
  /** The sign-in's request id (signIn `id`). */
  requestId: string | null;
  correlationId: string | null;
  riskEventType: string;
  riskState: string;
  riskLevel: RiskLevel;
  riskDetail: string;
  source: string;
  detectionTimingType: "realtime" | "nearRealtime" | "offline" | "notDefined";
  activity: "signin" | "user";
  tokenIssuerType: string;
  ipAddress: string | null;
  location: { city?: string; state?: string; countryOrRegion?: string } | null;
  activityDateTime: string;
  detectedDateTime: string;
  lastUpdatedDateTime: string;
  userId: string;
  userDisplayName: string;
  userPrincipalName: string;
  additionalInfo: string | null;
}

export interface SignInState {
  /** The request id (portal "Request ID"); uniqueTokenIdentifier decodes to it. */
  id: string;
  createdDateTime: string;
  userId: string;
  userPrincipalName: string;
  userDisplayName: string;
  appId: string;
  appDisplayName: string;
  resourceId: string;
  resourceDisplayName: string;
  ipAddress: string;
  /** Network the sign-in came from (ASN), where known. */
  autonomousSystemNumber: number | null;
  clientAppUsed: string;
  userAgent: string;
  correlationId: string;
  /** The Entra session id (`sid`) shared by the interactive root sign-in and its non-interactive refreshes. */
  sessionId: string;
  uniqueTokenIdentifier: string;
  originalRequestId: string | null;
  isInteractive: boolean;
  signInEventTypes: ("interactiveUser" | "nonInteractiveUser" | "servicePrincipal" | "managedIdentity")[];
  status: { errorCode: number; failureReason: string | null; additionalDetails: string | null };
  riskLevelDuringSignIn: RiskLevel;
  riskLevelAggregated: RiskLevel;
  riskState: string;
  riskEventTypes_v2: string[];
  location: { city?: string; state?: string; countryOrRegion?: string } | null;
  deviceDetail: {
    deviceId: string;
    displayName: string;
    operatingSystem: string;
    browser: string;
    isCompliant: boolean;
    isManaged: boolean;
    trustType: string;
  };
  authenticationRequirement: "singleFactorAuthentication" | "multiFactorAuthentication";
  conditionalAccessStatus: "success" | "failure" | "notApplied";
}

export interface AlertEvidenceState {
  "@odata.type": string;
  [k: string]: LogValue;
}

export interface AlertCommentState {
  comment: string;
  createdByDisplayName: string;
  createdDateTime: string;
}

export interface AlertState {
  id: string;
  providerAlertId: string;
  incidentId: string | null;
  status: "new" | "inProgress" | "resolved" | "unknownFutureValue";
  severity: "informational" | "low" | "medium" | "high" | "unknownFutureValue";
  classification: string | null;
  determination: string | null;
  serviceSource: string;
  detectionSource: string;
  title: string;
  description: string;
  category: string;
  assignedTo: string | null;
  createdDateTime: string;
  lastUpdateDateTime: string;
  firstActivityDateTime: string;
  lastActivityDateTime: string;
  evidence: AlertEvidenceState[];
  comments: AlertCommentState[];
}

export interface IncidentState {
  id: string;
  displayName: string;
  status: "active" | "resolved" | "inProgress" | "redirected" | "unknownFutureValue";
  severity: "informational" | "low" | "medium" | "high" | "unknownFutureValue";
  classification: string | null;
  determination: string | null;
  assignedTo: string | null;
  createdDateTime: string;
  lastUpdateDateTime: string;
  tags: string[];
  alertIds: string[];
  comments: AlertCommentState[];
}

/** Ids the emulator hands out: random but reproducible from a seed. */
export interface IdSource {
  guid(): string;
  graphRuleId(): string;
  ruleIdentity(): string;
  folderId(): string;
}
