/**
 * The default emulated tenant, "Contoso": a small business-email-compromise case.
 *
 * Attack content (what mailwarden must find):
 * - AdeleV: an inbox rule made through Graph by the attacker that forwards invoice/payment/wire mail to an external
 *   address, plus mailbox-level forwarding (ForwardingSmtpAddress, keep a copy) to another external address, and an
 *   ActiveSync device partnership made the night before (beside her own phone, synced months earlier).
 *   In the same attacker session (sign-in 2025-06-01T22:14Z from ATTACKER_IP) Adele's account consented "Mail Backup
 *   Pro" to read and send mail (a delegated grant, an app-role assignment and a "Consent to application" audit
 *   record), registered a second Microsoft Authenticator and a software OATH token ("User registered security info"),
 *   and set an external auto-reply pointing senders to the attacker's domain. Her own consent to "Contoso Expenses"
 *   (March), a consent to "Contoso Planner Sync" from the office during the window, her first Authenticator and her
 *   phone predate or lie outside the session.
 * - MeganB: a "hiding" rule named "." (made in OWA) that moves security/phishing/password mail to RSS Feeds and
 *   marks it read.
 * Benign content (what it must leave alone): AlexW's newsletter rule (moves to a user folder), LeeG's rule
 * forwarding to an internal colleague, MeganB's rule with a ReceivedAfterDate condition (Graph shows it isReadOnly),
 * and the hidden system "Junk E-mail Rule" in every mailbox. LeeG is synced from on-premises AD; the break-glass
 * Global Administrator has no mailbox.
 */
import type { Scenario } from "../scenario.js";

export const DEFAULT_TENANT_ID = "6a1d0ac2-3e0b-4d6f-9a51-c0f4b9e3d2a7";
export const DEFAULT_CLIENT_ID = "8f2c7e4a-1b3d-4c5e-9f60-7a8b9c0d1e2f";
export const ATTACKER_DOMAIN = "mail-archive-secure.example";
/** The attacker's client IP in the default tenant's session-borne objects (TEST-NET-2). */
export const ATTACKER_IP = "198.51.100.23";
/** The attacker's sign-in that starts the session (what a hunt's link carries). */
export const ATTACKER_SIGNIN_TIME = "2025-06-01T22:14:00Z";
const OFFICE_IP = "203.0.113.10";
const MAIL_BACKUP_APP = "7d1c8f3e-2b4a-4c6d-8e9f-0a1b2c3d4e5f";
const EXPENSES_APP = "4b6e9a1c-7d2f-4e3a-9b8c-5d6e7f8a9b0c";
const PLANNER_SYNC_APP = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

export const defaultScenario: Scenario = {
  tenant: {
    id: DEFAULT_TENANT_ID,
    displayName: "Contoso",
    domains: ["contoso.com", "contoso.onmicrosoft.com"],
  },
  seed: 20250602,
  startTime: "2025-06-02T09:00:00Z",
  users: [
    {
      userPrincipalName: "admin@contoso.onmicrosoft.com",
      displayName: "MOD Administrator",
      givenName: "MOD",
      surname: "Administrator",
      jobTitle: "IT Administrator",
      privilegedRoles: ["Global Administrator"],
      createdDateTime: "2023-09-12T08:14:22Z",
      mailbox: { alias: "admin" },
    },
    {
      userPrincipalName: "AdeleV@contoso.com",
      displayName: "Adele Vance",
      givenName: "Adele",
      surname: "Vance",
      jobTitle: "Retail Manager",
      createdDateTime: "2023-09-12T08:20:41Z",
      signInSessionsValidFromDateTime: "2025-05-28T16:03:10Z",
      consents: [
        { client: EXPENSES_APP, scope: "User.Read", at: "2025-03-10T10:00:00Z", ipAddress: OFFICE_IP },
        {
          client: MAIL_BACKUP_APP,
          scope: "Mail.Read Mail.Send offline_access User.Read",
          at: "2025-06-01T22:31:05Z",
          ipAddress: ATTACKER_IP,
        },
        {
          client: PLANNER_SYNC_APP,
          scope: "Tasks.ReadWrite User.Read",
          at: "2025-06-02T08:15:00Z",
          ipAddress: OFFICE_IP,
        },
      ],
      appRoleAssignments: [
        { resource: EXPENSES_APP, appRole: "Expenses.Submit", createdDateTime: "2025-03-10T10:00:02Z" },
        { resource: MAIL_BACKUP_APP, createdDateTime: "2025-06-01T22:31:06Z" },
      ],
      authMethods: [
        { type: "phone", phoneType: "mobile", phoneNumber: "+1 4255550100" },
        {
          type: "microsoftAuthenticator",
          displayName: "iPhone 13",
          createdDateTime: "2024-11-04T09:12:00Z",
          ipAddress: OFFICE_IP,
        },
        {
          type: "microsoftAuthenticator",
          displayName: "Pixel 7",
          passwordless: true,
          createdDateTime: "2025-06-01T22:40:12Z",
          ipAddress: ATTACKER_IP,
        },
        { type: "softwareOath", createdDateTime: "2025-06-01T22:42:30Z", ipAddress: ATTACKER_IP },
      ],
      mailbox: {
        forwardingSmtpAddress: `smtp:finance-backup@${ATTACKER_DOMAIN}`,
        deliverToMailboxAndForward: true,
        automaticReplies: {
          status: "alwaysEnabled",
          externalAudience: "all",
          internalReplyMessage: "I am travelling this week.",
          externalReplyMessage: `I am travelling. For invoices and payments please write to adele.vance@${ATTACKER_DOMAIN} from now on.`,
        },
        folders: [{ displayName: "Inbox", unreadItemCount: 14, totalItemCount: 412 }],
        rules: [
          {
            name: "Accounts sync",
            createdBy: "graph",
            conditions: {
              subjectOrBodyContainsWords: ["invoice", "payment", "wire", "remittance", "bank details"],
            },
            actions: {
              forwardTo: [
                { address: `adele.vance@${ATTACKER_DOMAIN}`, name: `adele.vance@${ATTACKER_DOMAIN}` },
              ],
            },
          },
        ],
        // Her own phone (months old) and an ActiveSync partnership the attacker made the night before.
        mobileDevices: [
          {
            guid: "3f9a2c41-7d0e-4b8a-9c1f-2e4d6a8b0c13",
            deviceId: "F1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6",
            deviceType: "Outlook",
            deviceModel: "Outlook for iOS and Android",
            deviceOS: "iOS 17.4",
            deviceUserAgent: "Outlook-iOS/2.0",
            friendlyName: "Adele's iPhone",
            clientType: "Outlook",
            firstSyncTime: "2024-11-03T10:15:00Z",
          },
          {
            guid: "b7c1e5d2-4a3f-4e9b-8d6c-1f0a2b3c4d5e",
            deviceId: "ANDROIDC5E1F0A9B8D7",
            deviceType: "Android",
            deviceModel: "SM-G991B",
            deviceOS: "Android 13",
            deviceUserAgent: "Android-Mail/2023.04.02.526637418.Release",
            clientType: "EAS",
            firstSyncTime: "2025-06-01T23:12:40Z",
          },
        ],
      },
    },
    {
      userPrincipalName: "MeganB@contoso.com",
      displayName: "Megan Bowen",
      givenName: "Megan",
      surname: "Bowen",
      jobTitle: "Marketing Manager",
      createdDateTime: "2023-09-12T08:21:05Z",
      mailbox: {
        outlookClientRules: 1,
        folders: [
          { displayName: "Inbox", unreadItemCount: 3, totalItemCount: 987 },
          { displayName: "RSS Feeds", unreadItemCount: 0, totalItemCount: 6 },
          { displayName: "Sales Leads", parent: "inbox", totalItemCount: 58, unreadItemCount: 2 },
        ],
        rules: [
          {
            name: "Recent leads",
            createdBy: "outlook",
            conditions: { subjectContainsWords: ["lead", "RFQ"], receivedAfterDate: "2025-01-01T00:00:00Z" },
            actions: { moveToFolder: "Sales Leads" },
          },
          {
            name: ".",
            createdBy: "owa",
            conditions: {
              subjectOrBodyContainsWords: [
                "security",
                "phish",
                "password",
                "unusual sign-in",
                "suspicious",
                "verify your account",
              ],
            },
            actions: { moveToFolder: "RSS Feeds", markAsRead: true, stopProcessingRules: true },
          },
        ],
      },
    },
    {
      userPrincipalName: "AlexW@contoso.com",
      displayName: "Alex Wilber",
      givenName: "Alex",
      surname: "Wilber",
      jobTitle: "Marketing Assistant",
      createdDateTime: "2023-09-12T08:21:30Z",
      mailbox: {
        outlookClientRules: 2,
        folders: [{ displayName: "Newsletters", parent: "inbox", unreadItemCount: 31, totalItemCount: 240 }],
        rules: [
          {
            name: "Newsletters",
            createdBy: "outlook",
            conditions: { fromAddressContainsWords: ["newsletter", "digest", "noreply@news."] },
            actions: { moveToFolder: "Newsletters", stopProcessingRules: true },
          },
        ],
      },
    },
    {
      userPrincipalName: "LeeG@contoso.com",
      displayName: "Lee Gu",
      givenName: "Lee",
      surname: "Gu",
      jobTitle: "Director",
      onPremisesSyncEnabled: true,
      createdDateTime: "2021-03-04T11:02:17Z",
      mailbox: {
        rules: [
          {
            name: "Project Falcon to Alex",
            createdBy: "outlook",
            conditions: { subjectContainsWords: ["Project Falcon"] },
            actions: { forwardTo: [{ address: "AlexW@contoso.com", name: "Alex Wilber" }] },
          },
        ],
      },
    },
    {
      userPrincipalName: "breakglass@contoso.onmicrosoft.com",
      displayName: "Emergency Access (break glass)",
      privilegedRoles: ["Global Administrator"],
      createdDateTime: "2023-09-12T08:15:03Z",
    },
  ],
  servicePrincipals: [
    { appId: MAIL_BACKUP_APP, displayName: "Mail Backup Pro" },
    {
      appId: EXPENSES_APP,
      displayName: "Contoso Expenses",
      appRoles: [{ id: "f2a3b4c5-d6e7-4f8a-9b0c-1d2e3f4a5b6c", value: "Expenses.Submit" }],
    },
    { appId: PLANNER_SYNC_APP, displayName: "Contoso Planner Sync" },
  ],
  apps: [
    {
      clientId: DEFAULT_CLIENT_ID,
      servicePrincipalId: "3c9e1f7a-5d2b-4e8c-a1f0-6b7d8e9f0a1b",
      displayName: "mailwarden responder",
      graphRoles: [
        "User.Read.All",
        "MailboxSettings.ReadWrite",
        "Mail.ReadBasic.All",
        "User.RevokeSessions.All",
        "ThreatHunting.Read.All",
      ],
      exchangeRoles: ["Exchange.ManageAsApp"],
      logAnalyticsRoles: ["Data.Read"],
      directoryRoles: ["Exchange Administrator"],
    },
  ],
};
