/**
 * Turns a validated scenario into the tenant state every face shares. Deterministic: ids come from the IdSource in
 * a fixed order (tenant, then per user: id, mailbox, folders, rules; then apps, teams, and mobile device Guids).
 */
import { createHash } from "node:crypto";
import type {
  ParsedScenario,
  ScenarioActions,
  ScenarioApp,
  ScenarioConditions,
  ScenarioMailbox,
  ScenarioRecipient,
  ScenarioTeam,
  ScenarioUser,
} from "./scenario.js";
import { buildIdentity } from "./buildIdentity.js";
import { ScenarioError } from "./scenarioError.js";
import { CAS_DEFAULTS } from "./state.js";
import type {
  AppRegistrationState,
  IdSource,
  InboxRuleState,
  MailFolderState,
  MailboxState,
  RecipientRef,
  RuleActions,
  RuleConditions,
  TeamState,
  TenantState,
  UserState,
} from "./state.js";

/** Standard folders of a new Exchange Online mailbox (display name, Graph well-known name). */
const STANDARD_FOLDERS: ReadonlyArray<{ displayName: string; wellKnownName?: string; isHidden?: boolean }> = [
  { displayName: "Inbox", wellKnownName: "inbox" },
  { displayName: "Drafts", wellKnownName: "drafts" },
  { displayName: "Sent Items", wellKnownName: "sentitems" },
  { displayName: "Deleted Items", wellKnownName: "deleteditems" },
  { displayName: "Outbox", wellKnownName: "outbox" },
  { displayName: "Junk Email", wellKnownName: "junkemail" },
  { displayName: "Archive", wellKnownName: "archive" },
  { displayName: "Conversation History", wellKnownName: "conversationhistory" },
  { displayName: "RSS Feeds" },
];

const ROOT_FOLDER = { displayName: "Top of Information Store", wellKnownName: "msgfolderroot" };

/** ISO 8601 at seconds precision, `Z` (how the directory renders date-times). */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function fail(path: Array<string | number>, message: string): never {
  throw new ScenarioError("scenario", [{ path: path.join("."), message }]);
}

function findFolder(folders: MailFolderState[], ref: string): MailFolderState | undefined {
  const lower = ref.toLowerCase();
  return (
    folders.find((f) => f.id === ref) ??
    folders.find((f) => f.wellKnownName === lower) ??
    folders.find((f) => f.displayName.toLowerCase() === lower)
  );
}

function buildFolders(mb: ScenarioMailbox, ids: IdSource, at: Array<string | number>): MailFolderState[] {
  const root: MailFolderState = { id: ids.folderId(), ...ROOT_FOLDER, isHidden: false };
  const folders: MailFolderState[] = [root];
  if (mb.standardFolders) {
    for (const f of STANDARD_FOLDERS) {
      folders.push({
        id: ids.folderId(),
        ...f,
        parentFolderId: root.id,
        unreadItemCount: 0,
        totalItemCount: 0,
        isHidden: false,
      });
    }
  }
  mb.folders.forEach((f, i) => {
    const existing = folders.find(
      (x) => x.displayName.toLowerCase() === f.displayName.toLowerCase() && x !== root,
    );
    const parent = f.parent === undefined ? root : findFolder(folders, f.parent);
    if (!parent) fail([...at, "folders", i, "parent"], `no folder '${f.parent ?? ""}' in this mailbox`);
    const counts = {
      ...(f.unreadItemCount !== undefined ? { unreadItemCount: f.unreadItemCount } : {}),
      ...(f.totalItemCount !== undefined ? { totalItemCount: f.totalItemCount } : {}),
      ...(f.isHidden !== undefined ? { isHidden: f.isHidden } : {}),
    };
    if (existing) {
      Object.assign(existing, counts);
      return;
    }
    folders.push({
      id: f.id ?? ids.folderId(),
      displayName: f.displayName,
      ...(f.wellKnownName ? { wellKnownName: f.wellKnownName.toLowerCase() } : {}),
      parentFolderId: parent.id,
      unreadItemCount: 0,
      totalItemCount: 0,
      isHidden: false,
      ...counts,
    });
  });
  return folders;
}

function toRecipient(r: ScenarioRecipient): RecipientRef {
  return typeof r === "string"
    ? { address: r }
    : { address: r.address, ...(r.name !== undefined ? { name: r.name } : {}) };
}

function toConditions(c: ScenarioConditions): RuleConditions {
  const { from, sentTo, ...rest } = c;
  return {
    ...rest,
    ...(from ? { from: from.map(toRecipient) } : {}),
    ...(sentTo ? { sentTo: sentTo.map(toRecipient) } : {}),
  };
}

function toActions(a: ScenarioActions, folders: MailFolderState[], at: Array<string | number>): RuleActions {
  const { forwardTo, redirectTo, forwardAsAttachmentTo, moveToFolder, copyToFolder, ...rest } = a;
  const folderId = (ref: string, key: string): string => {
    const f = findFolder(folders, ref);
    if (!f) fail([...at, key], `no folder '${ref}' in this mailbox`);
    return f.id;
  };
  return {
    ...rest,
    ...(forwardTo ? { forwardTo: forwardTo.map(toRecipient) } : {}),
    ...(redirectTo ? { redirectTo: redirectTo.map(toRecipient) } : {}),
    ...(forwardAsAttachmentTo ? { forwardAsAttachmentTo: forwardAsAttachmentTo.map(toRecipient) } : {}),
    ...(moveToFolder ? { moveToFolder: folderId(moveToFolder, "moveToFolder") } : {}),
    ...(copyToFolder ? { copyToFolder: folderId(copyToFolder, "copyToFolder") } : {}),
  };
}

function buildRules(
  mb: ScenarioMailbox,
  folders: MailFolderState[],
  ids: IdSource,
  at: Array<string | number>,
) {
  const rules: InboxRuleState[] = [];
  if (mb.junkEmailRule) {
    // Exchange's own Junk E-mail rule ([MS-OXCSPAM], provider "JunkEmailRule"): hidden (only Get-InboxRule
    // -IncludeHidden lists it, Graph never does); the live sample shows no conditions or actions in its projection
    // (test/emulator/exchange/contract-rest.test.ts). mailwarden tells it by that, never by its name.
    rules.push({
      ruleIdentity: ids.ruleIdentity(),
      graphId: ids.graphRuleId(),
      name: "Junk E-mail Rule",
      priority: 0,
      enabled: true,
      hidden: true,
      inError: false,
      system: true,
      conditions: {},
      actions: {},
    });
  }
  mb.rules.forEach((r, i) => {
    const graphId = r.graphId ?? ids.graphRuleId();
    const ruleIdentity = r.ruleIdentity ?? ids.ruleIdentity();
    if (BigInt(ruleIdentity) > 0xffffffffffffffffn)
      fail([...at, "rules", i, "ruleIdentity"], "exceeds 64 bits");
    rules.push({
      ruleIdentity,
      graphId,
      name: r.name,
      priority: r.priority ?? i + 1,
      enabled: r.enabled,
      hidden: r.hidden,
      inError: r.inError,
      ...(r.system !== undefined ? { system: r.system } : {}),
      conditions: toConditions(r.conditions),
      ...(r.exceptions ? { exceptions: toConditions(r.exceptions) } : {}),
      actions: toActions(r.actions, folders, [...at, "rules", i, "actions"]),
      ...(r.createdBy ? { createdBy: r.createdBy } : {}),
    });
  });
  return rules;
}

function normaliseForwardingSmtp(value: string | null): string | null {
  if (value === null || value === "") return null;
  return /^smtp:/i.test(value) ? `smtp:${value.slice(5)}` : `smtp:${value}`;
}

function buildUserAndMailbox(
  u: ScenarioUser,
  i: number,
  tenant: ParsedScenario["tenant"],
  start: Date,
  ids: IdSource,
) {
  const id = u.id?.toLowerCase() ?? ids.guid();
  const created = u.createdDateTime ?? isoSeconds(new Date(start.getTime() - 400 * 86_400_000));
  const initial =
    tenant.domains.find((d) => d.toLowerCase().endsWith(".onmicrosoft.com")) ?? tenant.domains[0] ?? "";
  let mailbox: MailboxState | undefined;
  if (u.mailbox) {
    const mb = u.mailbox;
    const at = ["users", i, "mailbox"];
    const primary = mb.primarySmtpAddress ?? u.mail ?? u.userPrincipalName;
    const alias = mb.alias ?? primary.split("@")[0] ?? primary;
    const routing = `${alias}@${initial}`;
    const emailAddresses = mb.emailAddresses ?? [
      `SMTP:${primary}`,
      ...(routing.toLowerCase() !== primary.toLowerCase() ? [`smtp:${routing}`] : []),
    ];
    const exchangeGuid = mb.exchangeGuid?.toLowerCase() ?? ids.guid();
    const folders = buildFolders(mb, ids, at);
    mailbox = {
      userId: id,
      exchangeGuid,
      alias,
      primarySmtpAddress: primary,
      emailAddresses,
      recipientTypeDetails: mb.recipientTypeDetails,
      forwardingSmtpAddress: normaliseForwardingSmtp(mb.forwardingSmtpAddress),
      forwardingAddress: mb.forwardingAddress,
      deliverToMailboxAndForward: mb.deliverToMailboxAndForward,
      folders,
      rules: buildRules(mb, folders, ids, at),
      outlookClientRules: mb.outlookClientRules,
      mailboxPermissions: [],
      recipientPermissions: [],
      folderPermissions: [],
      grantSendOnBehalfTo: [],
      // Device Guids left empty here are drawn after every other id (buildTenant), so other ids do not move.
      ...(mb.mobileDevices
        ? {
            mobileDevices: mb.mobileDevices.map((d) => ({
              ...d,
              guid: d.guid?.toLowerCase() ?? "",
              firstSyncTime: new Date(d.firstSyncTime).toISOString(),
            })),
          }
        : {}),
      ...(mb.casMailbox
        ? {
            cas: {
              ...CAS_DEFAULTS,
              ...Object.fromEntries(Object.entries(mb.casMailbox).filter(([, v]) => v !== undefined)),
              activeSyncBlockedDeviceIds: [...(mb.casMailbox.activeSyncBlockedDeviceIds ?? [])],
            },
          }
        : {}),
    };
  }
  const user: UserState = {
    id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    ...(u.givenName !== undefined ? { givenName: u.givenName } : {}),
    ...(u.surname !== undefined ? { surname: u.surname } : {}),
    mail: u.mail !== undefined ? u.mail : (mailbox?.primarySmtpAddress ?? null),
    jobTitle: u.jobTitle ?? null,
    accountEnabled: u.accountEnabled,
    signInSessionsValidFromDateTime: u.signInSessionsValidFromDateTime ?? created,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled,
    userType: u.userType,
    proxyAddresses: u.proxyAddresses ?? mailbox?.emailAddresses ?? [],
    createdDateTime: created,
    ...(u.privilegedRoles ? { privilegedRoles: u.privilegedRoles } : {}),
    ...(u.password !== undefined ? { passwordHash: passwordHash(u.password) } : {}),
  };
  return { user, mailbox };
}

function buildApp(a: ScenarioApp, ids: IdSource): AppRegistrationState {
  return {
    clientId: a.clientId?.toLowerCase() ?? ids.guid(),
    displayName: a.displayName,
    servicePrincipalId: a.servicePrincipalId?.toLowerCase() ?? ids.guid(),
    secrets: [...a.secrets],
    certificates: [...a.certificates],
    graphRoles: [...a.graphRoles],
    exchangeRoles: [...a.exchangeRoles],
    logAnalyticsRoles: [...a.logAnalyticsRoles],
    directoryRoles: [...a.directoryRoles],
    ...(a.publicClient ? { publicClient: true } : {}),
    ...(a.delegatedGraphScopes.length > 0 ? { delegatedGraphScopes: [...a.delegatedGraphScopes] } : {}),
  };
}

/** How the emulator keeps a sign-in password: `sha256:<hex>` (compared by the token face's password grant). */
export function passwordHash(password: string): string {
  return `sha256:${createHash("sha256").update(password, "utf8").digest("hex")}`;
}

/** `19:<32 hex>@thread.tacv2`, from the id source. */
function channelId(ids: IdSource): string {
  return `19:${ids.guid().replaceAll("-", "")}@thread.tacv2`;
}

function buildTeam(t: ScenarioTeam, users: UserState[], ids: IdSource): TeamState {
  const id = t.id?.toLowerCase() ?? ids.guid();
  const channels = t.channels.map((c) => ({
    id: c.id ?? channelId(ids),
    displayName: c.displayName,
    membershipType: c.membershipType,
    messages: [],
  }));
  if (!channels.some((c) => c.displayName.toLowerCase() === "general")) {
    channels.unshift({
      id: channelId(ids),
      displayName: "General",
      membershipType: "standard",
      messages: [],
    });
  }
  const memberIds = t.members.map((upn) => {
    const u = users.find((x) => x.userPrincipalName.toLowerCase() === upn.toLowerCase());
    if (!u) throw new ScenarioError("scenario", [{ path: "teams", message: `no user '${upn}'` }]);
    return u.id;
  });
  return {
    id,
    displayName: t.displayName,
    memberIds,
    channels,
    ...(t.isArchived ? { isArchived: true } : {}),
  };
}

export function buildTenant(scenario: ParsedScenario, ids: IdSource): TenantState {
  const tenantId = scenario.tenant.id?.toLowerCase() ?? ids.guid();
  const start = new Date(scenario.startTime);
  const users: UserState[] = [];
  const mailboxes: MailboxState[] = [];
  scenario.users.forEach((u, i) => {
    const built = buildUserAndMailbox(u, i, scenario.tenant, start, ids);
    users.push(built.user);
    if (built.mailbox) mailboxes.push(built.mailbox);
  });
  const apps = scenario.apps.map((a) => buildApp(a, ids));
  // Team and channel ids are drawn after the apps', so scenarios without teams keep their ids.
  const teams = scenario.teams.map((t) => buildTeam(t, users, ids));
  for (const m of mailboxes) for (const d of m.mobileDevices ?? []) if (d.guid === "") d.guid = ids.guid();
  // Identity objects (consents, app roles, methods) last, so scenarios without them keep every other id.
  const identity = buildIdentity(scenario, users, mailboxes, ids);
  return {
    tenantId,
    displayName: scenario.tenant.displayName,
    domains: [...scenario.tenant.domains],
    users,
    mailboxes,
    apps,
    transportRules: [],
    riskyUsers: [],
    riskDetections: [],
    signIns: [],
    alerts: [],
    incidents: [],
    logs: { defender: {}, sentinel: {} },
    ...(teams.length > 0 ? { teams } : {}),
    ...identity,
  };
}
