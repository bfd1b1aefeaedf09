/**
 * The Defender query on hand-made audit records and sign-ins, one behaviour each: what is suspect (A1–A16), how IPs
 * are normalised and when they may link (C4), and how the score bands fall (D2). Expected values come from
 * formats.md and detection-techniques.md, not from running the query.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildQuery } from "../../../src/hunt/queries/index.js";
import { storageColumns } from "../../../src/hunt/schema/schema.js";
import { engineAvailable, newEngine, type EngineLike } from "./fixture.js";

const T0 = Date.UTC(2025, 4, 5, 10, 0, 0);
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
let n = 0;

interface Act {
  op: string;
  params?: Record<string, string>;
  opProps?: { Name: string; Value?: string }[];
  user?: string;
  ip?: string;
  min?: number;
  session?: string;
  uti?: string;
  clientInfo?: string;
  accountType?: string;
  ipCategory?: string;
}

const ids = new Map<string, string>();

function act(label: string, a: Act): Record<string, unknown> {
  const id = `00000000-0000-0000-0000-${String(++n).padStart(12, "0")}`;
  ids.set(label, id);
  const user = a.user ?? `u${n}@contoso.com`;
  return {
    Timestamp: at(a.min ?? n),
    ActionType: a.op,
    Application: "Microsoft Exchange Online",
    ApplicationId: 20893,
    AccountObjectId: `oid-${user}`,
    AccountId: `oid-${user}`,
    AccountType: a.accountType ?? "Regular",
    ReportId: `rep-${n}`,
    IPAddress: "",
    IPCategory: a.ipCategory ?? "",
    RawEventData: {
      Id: id,
      Operation: a.op,
      UserId: user,
      ClientIP: a.ip ?? "",
      ...(a.clientInfo ? { ClientInfoString: a.clientInfo } : {}),
      ...(a.params ? { Parameters: Object.entries(a.params).map(([Name, Value]) => ({ Name, Value })) } : {}),
      ...(a.opProps ? { OperationProperties: a.opProps } : {}),
      ...(a.session ? { SessionId: a.session } : {}),
      ...(a.uti ? { AppAccessContext: { UniqueTokenId: a.uti } } : {}),
    },
  };
}

const uir = (actions: unknown[], cond = "{}", state = "Enabled") => [
  { Name: "RuleOperation", Value: "AddMailboxRule" },
  { Name: "RuleId", Value: "0" },
  { Name: "RuleState", Value: state },
  { Name: "RuleCondition", Value: cond },
  { Name: "RuleName", Value: "r" },
  { Name: "RuleActions", Value: JSON.stringify(actions) },
];

const ACTIONS = [
  act("forward external", { op: "New-InboxRule", params: { Name: "x", ForwardTo: "a@evil.example" } }),
  act("forward internal", { op: "New-InboxRule", params: { Name: "x", ForwardTo: "a@contoso.com" } }),
  act("forward subdomain", { op: "New-InboxRule", params: { Name: "x", RedirectTo: "a@eu.contoso.com" } }),
  act("forward allowed", { op: "New-InboxRule", params: { Name: "x", ForwardTo: "Keep@Partner.example" } }),
  // what Exchange's own rules do: the junk rule moves to Junk Email, an OOF rule only replies
  act("junk system rule", {
    op: "New-InboxRule",
    params: { Name: "Junk E-mail Rule", MoveToFolder: "Junk Email" },
  }),
  act("oof system rule", {
    op: "New-InboxRule",
    params: { Name: "Microsoft.Exchange.OOF.KnownSenders.1", StopProcessingRules: "True" },
  }),
  // the same names on rules that delete or forward: a disguise, never an exemption
  act("junk-named deleting rule", {
    op: "New-InboxRule",
    params: { Name: "Junk E-mail Rule", DeleteMessage: "True" },
  }),
  act("delegate-named forwarding rule", {
    op: "New-InboxRule",
    params: { Name: "Delegate Rule - sync", ForwardTo: "a@evil.example" },
  }),
  act("system actor", {
    op: "New-InboxRule",
    user: "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)",
    params: { Name: "x", ForwardTo: "a@evil.example" },
  }),
  act("redirect-named setting", {
    op: "Set-Mailbox",
    params: { Identity: "u", IncreaseScoreWithRedirectToOtherPort: "On" },
  }),
  act("mailbox forward external", {
    op: "Set-Mailbox",
    params: {
      Identity: "u",
      ForwardingSmtpAddress: "smtp:x@evil.example",
      DeliverToMailboxAndForward: "True",
    },
  }),
  act("mailbox forward internal", {
    op: "Set-Mailbox",
    params: { Identity: "u", ForwardingSmtpAddress: "smtp:boss@contoso.com" },
  }),
  act("blank resync", {
    op: "UpdateInboxRules",
    opProps: [
      { Name: "RuleOperation", Value: "ModifyMailboxRule" },
      { Name: "RuleState" },
      { Name: "RuleCondition", Value: "{}" },
      { Name: "RuleName" },
      { Name: "RuleActions", Value: "[]" },
    ],
  }),
  act("outlook forward as attachment", {
    op: "UpdateInboxRules",
    opProps: uir(
      [{ ActionType: "ForwardAsAttachmentToRecipientsAction", Recipients: ["z@evil.example"] }],
      '{(Subject Contains "invoice")}',
      "Enabled, ExitAfterExecution",
    ),
  }),
  act("outlook remove", {
    op: "UpdateInboxRules",
    opProps: [
      { Name: "RuleOperation", Value: "RemoveMailboxRule" },
      { Name: "RuleName", Value: "r" },
    ],
  }),
  act("vowels", {
    op: "New-InboxRule",
    params: { Name: "v", SubjectOrBodyContainsWords: "a;e;i;o;u", MoveToFolder: "RSS Feeds" },
  }),
  act("transport external bcc", {
    op: "New-TransportRule",
    params: { Name: "j", BlindCopyTo: "j@evil.example", SentToScope: "NotInOrganization" },
  }),
  act("transport internal", { op: "New-TransportRule", params: { Name: "j", CopyTo: "audit@contoso.com" } }),
  act("junk blocks security", {
    op: "Set-MailboxJunkEmailConfiguration",
    params: { Identity: "u", BlockedSendersAndDomains: "microsoft.com;no-reply@accounts.example" },
  }),
  act("pop enabled", { op: "Set-CASMailbox", params: { Identity: "u", PopEnabled: "True" } }),
  act("pop disabled", { op: "Set-CASMailbox", params: { Identity: "u", PopEnabled: "False" } }),
  act("impersonation", {
    op: "New-ManagementRoleAssignment",
    params: { Role: "ApplicationImpersonation", User: "app@contoso.com" },
  }),
  act("guest full access", {
    op: "Add-MailboxPermission",
    params: {
      Identity: "boss@contoso.com",
      User: "x_evil.example#EXT#@contoso.onmicrosoft.com",
      AccessRights: "FullAccess",
    },
  }),
  act("folder open to everyone", {
    op: "Add-MailboxFolderPermission",
    params: { Identity: "boss@contoso.com:\\Inbox", User: "Default", AccessRights: "Reviewer" },
  }),
  act("folder availability only", {
    op: "Add-MailboxFolderPermission",
    params: { Identity: "boss@contoso.com:\\Calendar", User: "Default", AccessRights: "AvailabilityOnly" },
  }),
  act("remote domain autoforward", {
    op: "Set-RemoteDomain",
    params: { Identity: "Default", AutoForwardEnabled: "True" },
  }),
  // IP forms (formats.md §2.5) and linking: the risky sign-in is at minute 100 from 203.0.113.45 / 2001:db8:1::5
  act("ip v4 port", {
    op: "New-InboxRule",
    user: "ip@contoso.com",
    ip: "203.0.113.45:19823",
    min: 110,
    params: { Name: "a", DeleteMessage: "True" },
  }),
  act("ip v6 bracket port", {
    op: "New-InboxRule",
    user: "ip@contoso.com",
    ip: "[2001:DB8:1::5]:443",
    min: 111,
    params: { Name: "b", DeleteMessage: "True" },
  }),
  act("ip mapped", {
    op: "New-InboxRule",
    user: "ip@contoso.com",
    ip: "::ffff:203.0.113.45",
    min: 112,
    params: { Name: "c", DeleteMessage: "True" },
  }),
  act("ip loopback", {
    op: "New-InboxRule",
    user: "ip@contoso.com",
    ip: "::1",
    min: 113,
    params: { Name: "d", DeleteMessage: "True" },
  }),
  act("ip service record", {
    op: "New-InboxRule",
    user: "ip@contoso.com",
    ip: "203.0.113.45",
    min: 114,
    clientInfo: "Client=REST;Client=RESTSystem;;",
    params: { Name: "e", DeleteMessage: "True" },
  }),
  act("ip same /24", {
    op: "New-InboxRule",
    user: "ip@contoso.com",
    ip: "203.0.113.99",
    min: 115,
    params: { Name: "f", DeleteMessage: "True" },
  }),
  act("ip other user", {
    op: "New-InboxRule",
    user: "other@contoso.com",
    ip: "203.0.113.45",
    min: 116,
    params: { Name: "g", DeleteMessage: "True" },
  }),
  act("ip too late", {
    op: "New-InboxRule",
    user: "ip@contoso.com",
    ip: "203.0.113.45",
    min: 100 + 24 * 60 * 2,
    params: { Name: "h", DeleteMessage: "True" },
  }),
  // a user's only action, linked by IP to a sign-in 23 hours before it, another's to one 50 minutes after it (the
  // IP window: 24 h before, 1 h after), a third's not to one 25 hours before
  act("ip a day before", {
    op: "New-InboxRule",
    user: "early@contoso.com",
    ip: "198.51.100.7",
    min: 3000,
    params: { Name: "e", DeleteMessage: "True" },
  }),
  act("ip an hour after", {
    op: "New-InboxRule",
    user: "late@contoso.com",
    ip: "198.51.100.8",
    min: 3000,
    params: { Name: "l", DeleteMessage: "True" },
  }),
  act("ip beyond the window", {
    op: "New-InboxRule",
    user: "gone@contoso.com",
    ip: "198.51.100.9",
    min: 3000,
    params: { Name: "g", DeleteMessage: "True" },
  }),
  // inbox rules that neither send mail outside, delete nor hide it: nothing, unless removed soon after their creation
  // (a cover-up) or re-enabled
  act("plain rule", {
    op: "New-InboxRule",
    user: "tidy@contoso.com",
    min: 400,
    params: { Name: "news", MoveToFolder: "Newsletters" },
  }),
  act("plain rule removed", {
    op: "New-InboxRule",
    user: "tidy@contoso.com",
    min: 410,
    params: { Name: "short-lived", MoveToFolder: "Newsletters" },
  }),
  act("removal", {
    op: "Remove-InboxRule",
    user: "tidy@contoso.com",
    min: 440,
    params: { Identity: "tidy@contoso.com\\short-lived" },
  }),
  act("re-enabled", {
    op: "Enable-InboxRule",
    user: "tidy@contoso.com",
    min: 450,
    params: { Identity: "tidy@contoso.com\\news" },
  }),
  // score bands
  act("weak alone", {
    op: "Remove-InboxRule",
    user: "quiet@contoso.com",
    params: { Identity: "quiet@contoso.com\\x" },
  }),
  act("session risky", {
    op: "New-InboxRule",
    user: "ip@contoso.com",
    session: "5E55-A",
    min: 120,
    params: { Name: "s", MoveToFolder: "Conversation History" },
  }),
  // a mailbox named by its object id gets the UPN of the sign-ins with that id; a record without an object id
  // gets it from the same user's sign-ins
  act("mailbox by object id", {
    op: "Set-Mailbox",
    user: "admin@contoso.com",
    params: {
      Identity: "5F0C1E2D-3B4A-4C5D-8E6F-7A8B9C0D1E2F",
      ForwardingSmtpAddress: "smtp:x@elsewhere.example",
    },
  }),
  {
    ...act("no object id", {
      op: "New-InboxRule",
      user: "IP@contoso.com",
      params: { Name: "n", DeleteMessage: "True" },
    }),
    AccountObjectId: "",
  },
  // one audit record exported twice (same Id, e.g. overlapping exports): one action, the later copy's content
  ...(() => {
    const first = act("same id", {
      op: "New-InboxRule",
      min: 200,
      params: { Name: "dup", ForwardTo: "one@first.example" },
    });
    const again = act("same id later", {
      op: "New-InboxRule",
      min: 201,
      params: { Name: "dup", ForwardTo: "two@second.example" },
    });
    const id = (first["RawEventData"] as { Id: string }).Id;
    ids.set("same id later", id);
    return [first, { ...again, RawEventData: { ...(again["RawEventData"] as object), Id: id } }];
  })(),
];

// an Entra object id (a GUID; the mailbox below names it in upper case)
const IP_OID = "5f0c1e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f";

const SIGNINS = [
  {
    Timestamp: at(100),
    AccountObjectId: IP_OID,
    AccountUpn: "IP@contoso.com",
    RequestId: "11111111-1111-1111-1111-111111111100",
    SessionId: "5e55-a",
    IPAddress: "203.0.113.45",
    ErrorCode: 0,
    LogonType: '["interactiveUser"]',
    RiskLevelDuringSignIn: 100,
    RiskLevelAggregated: 100,
    Country: "NL",
  },
  {
    Timestamp: at(101),
    AccountObjectId: IP_OID,
    AccountUpn: "ip@contoso.com",
    RequestId: "11111111-1111-1111-1111-111111111101",
    SessionId: "5e55-b",
    IPAddress: "2001:db8:1::5",
    ErrorCode: 0,
    LogonType: '["nonInteractiveUser"]',
    RiskLevelDuringSignIn: 0,
    RiskLevelAggregated: 1,
    Country: "NL",
  },
];

const edgeSignIn = (user: string, ip: string, min: number) => ({
  Timestamp: at(min),
  AccountObjectId: `oid-${user}`,
  AccountUpn: user,
  RequestId: `req-${user}`,
  SessionId: `sess-${user}`,
  IPAddress: ip,
  ErrorCode: 0,
  LogonType: '["interactiveUser"]',
  RiskLevelDuringSignIn: 0,
  RiskLevelAggregated: 0,
  Country: "NL",
});
SIGNINS.push(
  edgeSignIn("early@contoso.com", "198.51.100.7", 3000 - 23 * 60),
  edgeSignIn("late@contoso.com", "198.51.100.8", 3000 + 50),
  edgeSignIn("gone@contoso.com", "198.51.100.9", 3000 - 25 * 60),
);

type Row = Record<string, unknown>;
let engine: EngineLike;
const out = new Map<string, Row>();
const all: Row[] = [];

const row = (label: string) => out.get(ids.get(label)!);
const signal = (label: string, code: string) =>
  ((row(label)?.Signals ?? []) as { code: string; value: string }[]).find((x) => x.code === code)?.value;
const codes = (label: string) => ((row(label)?.Signals ?? []) as { code: string }[]).map((s) => s.code);

describe.skipIf(!engineAvailable)("Defender query on hand-made records", () => {
  beforeAll(async () => {
    engine = await newEngine();
    await engine.registerRows("CloudAppEvents", storageColumns("CloudAppEvents"), ACTIONS);
    await engine.registerRows("EntraIdSignInEvents", storageColumns("EntraIdSignInEvents"), SIGNINS);
    for (const t of ["AADSignInEventsBeta", "AlertEvidence"])
      await engine.registerRows(t, storageColumns(t), []);
    const q = buildQuery({
      target: "defender",
      params: { tenantDomains: ["contoso.com"], allowForwardDomains: ["partner.example"] },
    });
    for (const r of (await engine.run(q, { now: new Date(T0 + 7 * 86_400_000) })).rows) {
      all.push(r);
      out.set(r.RecordId as string, r);
    }
  }, 240_000);
  afterAll(() => engine?.close());

  it("forwarding outside the tenant is suspect; own domains, subdomains and allowed domains are not (A4)", () => {
    expect(codes("forward external")).toContain("forwards-external");
    for (const l of ["forward internal", "forward subdomain", "forward allowed"])
      expect(row(l)).toBeUndefined();
  });

  it("suppresses system rules, system actors, blank resyncs and settings that merely contain RedirectTo (A16)", () => {
    for (const l of [
      "junk system rule",
      "oof system rule",
      "system actor",
      "redirect-named setting",
      "blank resync",
    ])
      expect(row(l), l).toBeUndefined();
  });

  it("never exempts a rule by its name: a system rule's name on a deleting or forwarding rule is a signal", () => {
    for (const l of ["junk-named deleting rule", "delegate-named forwarding rule"])
      expect(codes(l), l).toContain("impersonates-system-rule");
  });

  it("an audit record given twice is one action, with the later copy's content", () => {
    const id = ids.get("same id");
    expect(all.filter((r) => r["RecordId"] === id)).toHaveLength(1);
    expect(codes("same id")).toContain("forwards-external");
    const fwd = (row("same id")?.Signals as { code: string; value: string }[]).find(
      (x) => x.code === "forwards-external",
    );
    expect(fwd?.value).toBe("two@second.example");
  });

  it("names a mailbox given by object id, and a user without one, from the sign-ins", () => {
    expect(row("mailbox by object id")).toMatchObject({
      MailboxUpn: "ip@contoso.com",
      UserUpn: "admin@contoso.com",
    });
    expect(row("no object id")).toMatchObject({ UserId: IP_OID, UserUpn: "ip@contoso.com" });
  });

  it("an inbox rule that keeps mail inside is nothing, unless removed soon after or re-enabled (A9)", () => {
    expect(row("plain rule")).toBeUndefined();
    expect(signal("plain rule removed", "cover-up")).toBe("removed after 30 min");
    expect(codes("removal")).toContain("cover-up");
    expect(signal("re-enabled", "rule-enabled")).toBe("news");
  });

  it("mailbox forwarding outside is primary; inside is nothing (A10)", () => {
    expect(codes("mailbox forward external")).toEqual(
      expect.arrayContaining(["mailbox-forwarding-external", "keeps-copy"]),
    );
    expect(row("mailbox forward external")?.TargetKind).toBe("mailboxForwarding");
    expect(row("mailbox forward internal")).toBeUndefined();
  });

  it("maps an Outlook rule into Exchange parameter names (A2)", () => {
    const r = row("outlook forward as attachment")!;
    const rule = r.Rule as Record<string, unknown>;
    expect(rule.ForwardAsAttachmentTo).toBe("z@evil.example");
    expect(rule.SubjectContainsWords).toBe("invoice");
    expect(rule.StopProcessingRules).toBe("True");
    expect(rule._raw).toMatchObject({ RuleOperation: "AddMailboxRule" });
    expect(codes("outlook forward as attachment")).toEqual(
      expect.arrayContaining(["forwards-external", "finance-keywords", "stops-processing"]),
    );
    expect(row("outlook remove")?.TargetKind).toBe("coverUp");
    expect(codes("outlook remove")).toContain("cover-up");
  });

  it("flags catch-all conditions (A7)", () => {
    expect(codes("vowels")).toContain("catch-all");
    expect(codes("forward external")).toContain("catch-all");
  });

  it("transport rules to outside, remote-domain auto-forward (A11)", () => {
    expect(codes("transport external bcc")).toEqual(
      expect.arrayContaining(["transport-external", "blind-copy"]),
    );
    expect(row("transport internal")).toBeUndefined();
    expect(codes("remote domain autoforward")).toContain("remote-domain-autoforward");
  });

  it("delegation: impersonation, guest FullAccess, folders open to everyone, not free/busy (A12)", () => {
    expect(codes("impersonation")).toContain("delegation");
    expect(codes("guest full access")).toEqual(expect.arrayContaining(["delegation", "delegation-external"]));
    expect(codes("folder open to everyone")).toContain("delegation");
    expect(row("guest full access")?.MailboxUpn).toBe("boss@contoso.com");
    expect(row("folder availability only")).toBeUndefined();
  });

  it("defence tampering: blocking security senders, enabling POP (A13)", () => {
    expect(codes("junk blocks security")).toContain("defence-tampering");
    expect(codes("pop enabled")).toContain("defence-tampering");
    expect(row("pop disabled")).toBeUndefined();
  });

  it("normalises IP forms and links by IP only when a client sent it (C4, C5)", () => {
    expect(row("ip v4 port")?.ClientIP).toBe("203.0.113.45");
    expect(row("ip v6 bracket port")?.ClientIP).toBe("2001:db8:1::5");
    expect(row("ip mapped")?.ClientIP).toBe("203.0.113.45");
    expect(row("ip v4 port")?.LinkKey).toBe("ip");
    expect(row("ip v6 bracket port")?.LinkKey).toBe("ip");
    expect(row("ip mapped")?.LinkKey).toBe("ip");
    expect(row("ip same /24")?.LinkKey).toBe("network");
    // loopback and a record Exchange itself originated never link by IP; the risky sign-in 13/14 min earlier
    // still links them by user and time
    expect(row("ip loopback")?.LinkKey).toBe("user-time");
    expect(row("ip service record")?.LinkKey).toBe("user-time");
    expect(row("ip other user")?.LinkKey).toBe("");
    expect(row("ip too late")?.LinkKey).toBe("");
    // the window's edges, for a user with one action
    const gap = (label: string) =>
      (row(label)?.Links as { Key: string; GapMinutes: number }[]).map((l) => [l.Key, l.GapMinutes]);
    expect(gap("ip a day before")).toEqual([["ip", 23 * 60]]);
    expect(gap("ip an hour after")).toEqual([["ip", -50]]);
    expect(row("ip beyond the window")?.LinkKey).toBe("");
  });

  it("scores by band: weak alone low, primary without risky link medium, primary with risky link high (D2)", () => {
    expect(row("weak alone")?.Score).toBeLessThan(40);
    expect(row("forward external")?.Score).toBeGreaterThanOrEqual(40);
    expect(row("forward external")?.Score).toBeLessThan(70);
    const s = row("session risky")!;
    expect(s.LinkKey).toBe("session");
    expect(s.RiskMax).toBe(100);
    expect(s.Score).toBeGreaterThanOrEqual(70);
    expect(s.ScoreInputs).toMatchObject({ band: "high", primary: true });
    expect(row("ip v4 port")?.Score).toBeGreaterThanOrEqual(70);
    expect(row("ip too late")?.Score).toBeLessThan(70);
  });
});
