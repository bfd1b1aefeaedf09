/**
 * Scenario files: what an emulated tenant starts with (users, mailboxes with folders/rules/forwarding, app
 * registrations). JSON or YAML; ids are optional and generated from the seed when absent. Invalid input is
 * reported with the dotted path of each offending field.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeIssues } from "../config/issues.js";
import { ScenarioError } from "./scenarioError.js";

export { ScenarioError, type ScenarioIssue } from "./scenarioError.js";
export { buildTenant } from "./buildTenant.js";

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = z.string().regex(GUID_RE, "expected a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
const isoDateTime = z.iso.datetime({ offset: true });
const smtpAddress = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "expected an SMTP address (local@domain)");
const words = z.array(z.string().min(1));

/** A recipient: `"addr@domain"` or `{ address, name? }`. */
const recipient = z.union([
  smtpAddress,
  z.strictObject({ address: smtpAddress, name: z.string().optional() }),
]);
const recipients = z.array(recipient);

const conditionsSchema = z.strictObject({
  subjectContainsWords: words.optional(),
  bodyContainsWords: words.optional(),
  subjectOrBodyContainsWords: words.optional(),
  fromAddressContainsWords: words.optional(),
  from: recipients.optional(),
  sentTo: recipients.optional(),
  hasAttachment: z.boolean().optional(),
  receivedAfterDate: isoDateTime.optional(),
  receivedBeforeDate: isoDateTime.optional(),
  headerContainsWords: words.optional(),
  recipientAddressContainsWords: words.optional(),
  sentOnlyToMe: z.boolean().optional(),
  myNameInToBox: z.boolean().optional(),
  myNameInCcBox: z.boolean().optional(),
  myNameInToOrCcBox: z.boolean().optional(),
  myNameNotInToBox: z.boolean().optional(),
  withImportance: z.enum(["low", "normal", "high"]).optional(),
  withSensitivity: z.enum(["normal", "personal", "private", "confidential"]).optional(),
  flaggedForAction: z.string().optional(),
  messageTypeMatches: z.array(z.string()).optional(),
  withinSizeRangeMinimumKb: z.number().int().nonnegative().optional(),
  withinSizeRangeMaximumKb: z.number().int().nonnegative().optional(),
});

const actionsSchema = z.strictObject({
  forwardTo: recipients.optional(),
  redirectTo: recipients.optional(),
  forwardAsAttachmentTo: recipients.optional(),
  deleteMessage: z.boolean().optional(),
  softDeleteMessage: z.boolean().optional(),
  permanentDelete: z.boolean().optional(),
  /** A folder of the same mailbox: its id, Graph well-known name or display name. */
  moveToFolder: z.string().min(1).optional(),
  copyToFolder: z.string().min(1).optional(),
  markAsRead: z.boolean().optional(),
  markImportance: z.enum(["low", "normal", "high"]).optional(),
  stopProcessingRules: z.boolean().optional(),
  assignCategories: words.optional(),
  pinMessage: z.boolean().optional(),
});

const ruleSchema = z.strictObject({
  name: z.string(),
  /** Defaults to the rule's position (1-based) among the mailbox's rules. */
  priority: z.number().int().nonnegative().optional(),
  enabled: z.boolean().default(true),
  hidden: z.boolean().default(false),
  inError: z.boolean().default(false),
  system: z.boolean().optional(),
  conditions: conditionsSchema.default({}),
  exceptions: conditionsSchema.optional(),
  actions: actionsSchema.default({}),
  createdBy: z.enum(["outlook", "owa", "graph", "powershell"]).optional(),
  ruleIdentity: z
    .string()
    .regex(/^\d{1,20}$/, "expected an unsigned 64-bit integer as a decimal string")
    .optional(),
  graphId: z
    .string()
    .regex(/^[A-Za-z0-9+/]{11}=$/, "expected base64 of 8 bytes")
    .optional(),
});

const folderSchema = z.strictObject({
  id: z.string().min(1).optional(),
  /** A display name equal to a standard folder's (e.g. "Inbox") adjusts that folder instead of adding one. */
  displayName: z.string().min(1),
  wellKnownName: z.string().optional(),
  /** Parent folder: id, well-known name or display name; defaults to the root (msgfolderroot). */
  parent: z.string().optional(),
  unreadItemCount: z.number().int().nonnegative().optional(),
  totalItemCount: z.number().int().nonnegative().optional(),
  isHidden: z.boolean().optional(),
});

/** A mobile device partnership (Get-MobileDevice). */
const mobileDeviceSchema = z.strictObject({
  guid: guid.optional(),
  deviceId: z.string().min(1),
  deviceType: z.string().min(1).default("iPhone"),
  deviceModel: z.string().default(""),
  deviceOS: z.string().default(""),
  deviceUserAgent: z.string().default(""),
  friendlyName: z.string().default(""),
  clientType: z.enum(["EAS", "Outlook"]).default("EAS"),
  firstSyncTime: isoDateTime,
  deviceAccessState: z.enum(["Allowed", "Blocked", "Quarantined", "DeviceDiscovery"]).default("Allowed"),
  deviceAccessStateReason: z.string().default("Global"),
});

/** Set-CASMailbox settings; omitted ones keep Exchange Online's defaults (every protocol on, SMTP AUTH = org). */
const casMailboxSchema = z.strictObject({
  popEnabled: z.boolean().optional(),
  imapEnabled: z.boolean().optional(),
  smtpClientAuthenticationDisabled: z.boolean().nullable().optional(),
  activeSyncEnabled: z.boolean().optional(),
  mapiEnabled: z.boolean().optional(),
  ewsEnabled: z.boolean().optional(),
  owaEnabled: z.boolean().optional(),
  activeSyncBlockedDeviceIds: z.array(z.string().min(1)).optional(),
});

const mailboxSchema = z.strictObject({
  alias: z.string().min(1).optional(),
  primarySmtpAddress: smtpAddress.optional(),
  emailAddresses: z.array(z.string()).optional(),
  recipientTypeDetails: z.enum(["UserMailbox", "SharedMailbox"]).default("UserMailbox"),
  exchangeGuid: guid.optional(),
  /** `smtp:addr@domain` or a bare address (stored with the lower-case `smtp:` prefix Exchange renders). */
  forwardingSmtpAddress: z.string().nullable().default(null),
  forwardingAddress: z.string().nullable().default(null),
  deliverToMailboxAndForward: z.boolean().default(false),
  /** Create the standard folders (Inbox, Deleted Items, Archive, RSS Feeds…). */
  standardFolders: z.boolean().default(true),
  /** Add the hidden system "Junk E-mail Rule" at priority 0. */
  junkEmailRule: z.boolean().default(true),
  folders: z.array(folderSchema).default([]),
  rules: z.array(ruleSchema).default([]),
  outlookClientRules: z.number().int().nonnegative().default(0),
  mobileDevices: z.array(mobileDeviceSchema).optional(),
  casMailbox: casMailboxSchema.optional(),
  /** Graph automaticRepliesSetting (times in UTC); absent = disabled, as for a new mailbox. */
  automaticReplies: z
    .strictObject({
      status: z.enum(["disabled", "alwaysEnabled", "scheduled"]),
      externalAudience: z.enum(["none", "contactsOnly", "all"]).default("all"),
      internalReplyMessage: z.string().default(""),
      externalReplyMessage: z.string().default(""),
      scheduledStartDateTime: isoDateTime.optional(),
      scheduledEndDateTime: isoDateTime.optional(),
    })
    .optional(),
});

/** Where a user-made change came from: its time and, optionally, the client IP (for the directory audit record). */
const madeSchema = {
  /** When the user made it; with it, the directory audit log gets the record Entra writes. */
  at: isoDateTime.optional(),
  ipAddress: z.string().min(1).optional(),
};

/** A delegated consent the user gave (an oauth2PermissionGrant, consentType Principal). */
const consentSchema = z.strictObject({
  /** The client app: the appId of one of the scenario's servicePrincipals. */
  client: guid,
  /** Resource appId; default Microsoft Graph (00000003-0000-0000-c000-000000000000). */
  resource: guid.optional(),
  scope: z.string().min(1),
  id: z.string().min(1).optional(),
  ...madeSchema,
});

const appRoleAssignmentSchema = z.strictObject({
  /** The resource app: the appId of one of the scenario's servicePrincipals. */
  resource: guid,
  /** An app role value the resource exposes; absent = default access. */
  appRole: z.string().min(1).optional(),
  createdDateTime: isoDateTime,
  id: z.string().min(1).optional(),
});

const authMethodSchema = z.strictObject({
  type: z.enum([
    "password",
    "microsoftAuthenticator",
    "fido2",
    "phone",
    "email",
    "softwareOath",
    "windowsHelloForBusiness",
    "temporaryAccessPass",
  ]),
  id: guid.optional(),
  /** When it was registered (rendered where Graph documents createdDateTime; the audit record otherwise). */
  createdDateTime: isoDateTime.optional(),
  displayName: z.string().optional(),
  phoneNumber: z.string().optional(),
  phoneType: z.enum(["mobile", "alternateMobile", "office"]).optional(),
  emailAddress: smtpAddress.optional(),
  /** microsoftAuthenticator: registered for passwordless phone sign-in (Graph shows its createdDateTime only then). */
  passwordless: z.boolean().optional(),
  /** The registration's client IP: with createdDateTime, a "User registered security info" audit record. */
  ipAddress: z.string().min(1).optional(),
});

const servicePrincipalSchema = z.strictObject({
  id: guid.optional(),
  appId: guid,
  displayName: z.string().min(1),
  appRoles: z.array(z.strictObject({ id: guid, value: z.string().min(1) })).default([]),
});

const userSchema = z.strictObject({
  id: guid.optional(),
  userPrincipalName: smtpAddress,
  displayName: z.string().min(1),
  givenName: z.string().optional(),
  surname: z.string().optional(),
  jobTitle: z.string().nullable().optional(),
  /** Defaults to the mailbox's primary SMTP address, or null for a user without a mailbox. */
  mail: smtpAddress.nullable().optional(),
  accountEnabled: z.boolean().default(true),
  signInSessionsValidFromDateTime: isoDateTime.optional(),
  onPremisesSyncEnabled: z.boolean().nullable().default(null),
  userType: z.enum(["Member", "Guest"]).default("Member"),
  proxyAddresses: z.array(z.string()).optional(),
  createdDateTime: isoDateTime.optional(),
  privilegedRoles: z.array(z.string()).optional(),
  /** A password the resource-owner password grant accepts (kept as a SHA-256 hash), e.g. for a notices account. */
  password: z.string().min(1).optional(),
  /** Present when the user has an Exchange Online mailbox. */
  mailbox: mailboxSchema.optional(),
  /** Delegated consents the user gave. */
  consents: z.array(consentSchema).default([]),
  /** App roles assigned to the user. */
  appRoleAssignments: z.array(appRoleAssignmentSchema).default([]),
  /** Registered authentication methods (the password method is always there and need not be listed). */
  authMethods: z.array(authMethodSchema).default([]),
});

const appSchema = z.strictObject({
  clientId: guid.optional(),
  displayName: z.string().min(1),
  servicePrincipalId: guid.optional(),
  /** Extra accepted client secrets. The emulator adds a fresh random one to the first app at every start. */
  secrets: z.array(z.string().min(1)).default([]),
  /** Extra accepted certificates (PEM). The emulator adds a generated one to the first app at every start. */
  certificates: z.array(z.string().includes("BEGIN CERTIFICATE")).default([]),
  graphRoles: z.array(z.string()).default([]),
  exchangeRoles: z.array(z.string()).default([]),
  /** Application permissions on the Log Analytics API (Data.Read), for the Sentinel query face. */
  logAnalyticsRoles: z.array(z.string()).default([]),
  directoryRoles: z.array(z.string()).default([]),
  /** "Allow public client flows" (the password grant without a client secret). */
  publicClient: z.boolean().default(false),
  /** Delegated Graph permissions consented for the tenant's users (e.g. ChannelMessage.Send). */
  delegatedGraphScopes: z.array(z.string()).default([]),
});

const channelSchema = z.strictObject({
  id: z
    .string()
    .regex(/^19:[A-Za-z0-9_-]+@thread\.tacv2$/, "expected a channel id (19:…@thread.tacv2)")
    .optional(),
  displayName: z.string().min(1),
  membershipType: z.enum(["standard", "private", "shared"]).default("standard"),
});

/** A team; it always has its General channel (added when not listed). */
const teamSchema = z.strictObject({
  id: guid.optional(),
  displayName: z.string().min(1),
  /** Members by UPN (users of this scenario). */
  members: z.array(smtpAddress).default([]),
  channels: z.array(channelSchema).default([]),
  isArchived: z.boolean().default(false),
});

export const scenarioSchema = z
  .strictObject({
    tenant: z.strictObject({
      id: guid.optional(),
      displayName: z.string().min(1),
      domains: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, "expected a DNS domain")).min(1),
    }),
    seed: z.number().int().optional(),
    startTime: isoDateTime.default("2025-06-02T09:00:00Z"),
    users: z.array(userSchema).default([]),
    apps: z.array(appSchema).min(1, "at least one app registration is needed (the responder's app)"),
    teams: z.array(teamSchema).default([]),
    /** Enterprise applications (service principals): consent clients and app-role resources. */
    servicePrincipals: z.array(servicePrincipalSchema).default([]),
  })
  .superRefine((s, ctx) => {
    const domains = new Set(s.tenant.domains.map((d) => d.toLowerCase()));
    if (![...domains].some((d) => d.endsWith(".onmicrosoft.com"))) {
      ctx.addIssue({
        code: "custom",
        path: ["tenant", "domains"],
        message: "needs a *.onmicrosoft.com domain",
      });
    }
    const seen = new Set<string>();
    s.users.forEach((u, i) => {
      const upn = u.userPrincipalName.toLowerCase();
      if (seen.has(upn))
        ctx.addIssue({ code: "custom", path: ["users", i, "userPrincipalName"], message: "duplicate" });
      seen.add(upn);
      const domain = upn.split("@")[1] ?? "";
      if (!domains.has(domain)) {
        ctx.addIssue({
          code: "custom",
          path: ["users", i, "userPrincipalName"],
          message: `domain '${domain}' is not one of the tenant's domains`,
        });
      }
    });
    const apps = new Set(s.servicePrincipals.map((p) => p.appId.toLowerCase()));
    s.users.forEach((u, i) => {
      u.consents.forEach((c, j) => {
        if (!apps.has(c.client.toLowerCase()))
          ctx.addIssue({
            code: "custom",
            path: ["users", i, "consents", j, "client"],
            message: "not the appId of one of servicePrincipals",
          });
      });
      u.appRoleAssignments.forEach((a, j) => {
        const sp = s.servicePrincipals.find((p) => p.appId.toLowerCase() === a.resource.toLowerCase());
        if (!sp)
          ctx.addIssue({
            code: "custom",
            path: ["users", i, "appRoleAssignments", j, "resource"],
            message: "not the appId of one of servicePrincipals",
          });
        else if (a.appRole && !sp.appRoles.some((r) => r.value === a.appRole))
          ctx.addIssue({
            code: "custom",
            path: ["users", i, "appRoleAssignments", j, "appRole"],
            message: `'${sp.displayName}' has no app role '${a.appRole}'`,
          });
      });
    });
    s.teams.forEach((t, i) =>
      t.members.forEach((m, j) => {
        if (!seen.has(m.toLowerCase()))
          ctx.addIssue({
            code: "custom",
            path: ["teams", i, "members", j],
            message: `no user '${m}' in this scenario`,
          });
      }),
    );
  });

/** A scenario as authors write it (defaults not yet applied). */
export type Scenario = z.input<typeof scenarioSchema>;
/** A validated scenario with defaults applied. */
export type ParsedScenario = z.output<typeof scenarioSchema>;
export type ScenarioUser = ParsedScenario["users"][number];
export type ScenarioMailbox = z.output<typeof mailboxSchema>;
export type ScenarioRule = z.output<typeof ruleSchema>;
export type ScenarioFolder = z.output<typeof folderSchema>;
export type ScenarioApp = ParsedScenario["apps"][number];
export type ScenarioTeam = ParsedScenario["teams"][number];
export type ScenarioServicePrincipal = ParsedScenario["servicePrincipals"][number];
export type ScenarioRecipient = z.output<typeof recipient>;
export type ScenarioConditions = z.output<typeof conditionsSchema>;
export type ScenarioActions = z.output<typeof actionsSchema>;

export function parseScenario(input: unknown, source = "scenario"): ParsedScenario {
  const result = scenarioSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ScenarioError(source, describeIssues(scenarioSchema, input, result.error));
}

/** Reads a JSON or YAML scenario file (YAML is a superset of JSON; `.json` files are parsed strictly as JSON). */
export async function loadScenarioFile(file: string): Promise<ParsedScenario> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ScenarioError(file, [{ path: "", message: `cannot read: ${(err as Error).message}` }]);
  }
  let data: unknown;
  try {
    data = path.extname(file).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ScenarioError(file, [{ path: "", message: `cannot parse: ${(err as Error).message}` }]);
  }
  return parseScenario(data, file);
}
