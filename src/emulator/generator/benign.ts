/**
 * Benign activity (formats.md §7 "benign noise"): every person signs in most working days from the office on a
 * compliant, managed laptop, sometimes from home or a phone; refresh tokens renew Exchange access through the day
 * under the same SessionId; Outlook syncs mail (MailItemsAccessed Sync) and resyncs rules (blank UpdateInboxRules
 * bursts); people occasionally make a folder rule or give an assistant send-on-behalf from their usual address;
 * Exchange's own services write Set-Mailbox and Add-MailboxPermission records; the administrator tunes the spam
 * filter (Set-HostedContentFilterPolicy -IncreaseScoreWithRedirectToOtherPort, a naive "RedirectTo" false positive).
 */
import { APPS, RESOURCES } from "./apps.js";
import type { GenContext } from "./context.js";
import { addRule, auditObjectId, folderId, newInboxRuleParameters, type NewRule } from "./mailbox.js";
import type { Endpoint, Person } from "./people.js";
import type { ClientIpForm } from "./recorder.js";
import { Session } from "./session.js";
import { DAY, HOUR, MINUTE } from "./time.js";

const SYSTEM = "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)";

function ipForm(ip: string, preferPort: boolean): ClientIpForm {
  if (ip.includes(":")) return preferPort ? "bracket-port" : "plain";
  return preferPort ? "port" : "plain";
}

function daySession(
  ctx: GenContext,
  p: Person,
  ms: number,
  ep: Endpoint,
  refreshes: number,
  mobile: boolean,
) {
  const { rec, rng, endMs } = ctx;
  if (ms >= endMs) return;
  const app = mobile ? APPS.outlookMobile : rng.pick([APPS.officeHome, APPS.office, APPS.owa]);
  const session = new Session(rec, {
    user: p.user,
    ms,
    endpoint: ep,
    app,
    resource: RESOURCES.exchange,
    mfa: true,
  });
  let t = ms;
  for (let i = 0; i < refreshes; i++) {
    t += rng.int(40 * MINUTE, 150 * MINUTE);
    if (t >= endMs) break;
    const tok = session.refresh(t);
    mailboxNoise(ctx, p, t + rng.int(MINUTE, 40 * MINUTE), ep, session, tok, mobile);
  }
}

function mailboxNoise(
  ctx: GenContext,
  p: Person,
  ms: number,
  ep: Endpoint,
  session: Session,
  tok: ReturnType<Session["refresh"]>,
  mobile: boolean,
) {
  const { rec, rng, endMs, ids, org } = ctx;
  if (ms >= endMs) return;
  if (!mobile && rng.chance(0.2)) {
    const inbox = p.mailbox.folders.find((f) => f.wellKnownName === "inbox");
    rec.audit({
      ms,
      operation: "MailItemsAccessed",
      recordType: 50,
      actor: p.user,
      owner: p.user,
      ip: ep.ip,
      form: rng.pick(["plain", "mapped"] as const),
      token: { signIn: tok, context: rng.chance(0.7) ? "full" : "none", topSessionId: true },
      objectId: "",
      clientInfoString: "Client=MSExchangeRPC",
      operationProperties: [
        { Name: "MailAccessType", Value: "Sync" },
        { Name: "IsThrottled", Value: "False" },
      ],
      extra: {
        ClientProcessName: "OUTLOOK.EXE",
        ClientVersion: "16.0.17628.20144",
        OperationCount: 1,
        Folders: [{ Id: inbox?.id ?? "", Path: "\\Inbox" }],
      },
    });
  }
  if (!mobile && (p.mailbox.outlookClientRules > 0 || p.mailbox.rules.length > 1) && rng.chance(0.03)) {
    const n = rng.int(3, 10);
    for (let i = 0; i < n; i++)
      rec.audit({
        ms: ms + i * 37,
        operation: "UpdateInboxRules",
        recordType: 2,
        actor: p.user,
        owner: p.user,
        ip: ep.ip,
        form: "plain",
        objectId: "",
        clientInfoString: "Client=MSExchangeRPC",
        operationProperties: [
          { Name: "RuleOperation", Value: "ModifyMailboxRule" },
          { Name: "RuleId", Value: `-${rng.int(1, 2 ** 30)}${rng.int(100000000, 999999999)}` },
          { Name: "RuleState" },
          { Name: "RuleCondition", Value: "{}" },
          { Name: "RuleName" },
          { Name: "RuleProvider" },
          { Name: "RuleActions", Value: "[]" },
        ],
        extra: {
          ClientProcessName: "OUTLOOK.EXE",
          Item: { ParentFolder: { Name: "Inbox", Path: "\\Inbox" } },
        },
      });
  }
  if (!mobile && p.index > 0 && rng.chance(0.003)) {
    const folder = rng.pick(["Receipts", "Team updates", "Vendors"]);
    const r: NewRule = {
      name: folder,
      createdBy: "owa",
      conditions: {
        subjectContainsWords: [
          folder === "Receipts" ? "receipt" : folder === "Vendors" ? "PO" : "weekly update",
        ],
      },
      actions: { moveToFolder: folder },
    };
    folderId(ids, p.mailbox, folder);
    addRule(ids, p.mailbox, r);
    rec.audit({
      ms,
      operation: "New-InboxRule",
      recordType: 1,
      actor: p.user,
      ip: ep.ip,
      form: ipForm(ep.ip, true),
      token: { signIn: tok, context: "full", topSessionId: true },
      parameters: newInboxRuleParameters(r),
      objectId: auditObjectId(org, p.user, r.name),
      userType: 2,
    });
  }
  if (!mobile && p.assistant !== null && p.mailbox.grantSendOnBehalfTo.length === 0 && rng.chance(0.02)) {
    const a = ctx.people[p.assistant];
    if (a && a.index !== p.index) {
      p.mailbox.grantSendOnBehalfTo.push(a.user.userPrincipalName);
      rec.audit({
        ms,
        operation: "Set-Mailbox",
        recordType: 1,
        actor: p.user,
        ip: ep.ip,
        form: ipForm(ep.ip, true),
        token: { signIn: tok, context: "full", topSessionId: true },
        parameters: [
          { Name: "Identity", Value: p.user.id },
          { Name: "GrantSendOnBehalfTo", Value: a.user.userPrincipalName },
        ],
        objectId: p.user.userPrincipalName,
        userType: 2,
      });
    }
  }
  void session;
}

export function generateBenign(ctx: GenContext): void {
  const { rng, startMs, days, people, rec } = ctx;
  for (let d = 0; d < days; d++) {
    const dayStart = startMs + d * DAY;
    const dow = new Date(dayStart).getUTCDay();
    const weekday = dow >= 1 && dow <= 5;
    for (const p of people) {
      const utcWorkStart = p.office.net.country === "GB" ? 8 : 15;
      if (weekday && rng.chance(0.85)) {
        const ms = dayStart + utcWorkStart * HOUR + rng.int(0, 90 * MINUTE);
        daySession(ctx, p, ms, p.office, rng.int(2, 4), false);
      }
      if (!weekday && rng.chance(0.35)) {
        const ms = dayStart + (utcWorkStart + 2) * HOUR + rng.int(0, 240 * MINUTE);
        daySession(ctx, p, ms, p.home, rng.int(1, 3), false);
      }
      if (rng.chance(0.2)) {
        const ms = dayStart + (utcWorkStart + 10) * HOUR + rng.int(0, 90 * MINUTE);
        daySession(ctx, p, ms, p.phone, rng.int(1, 2), true);
      }
    }
    // Exchange's own services.
    const n = Math.max(1, Math.floor(people.length / 25));
    for (let i = 0; i < n; i++) {
      const p = rng.pick(people);
      const ms = dayStart + rng.int(0, DAY - 1);
      if (ms >= ctx.endMs) continue;
      rec.audit({
        ms,
        operation: "Set-Mailbox",
        recordType: 1,
        actor: { system: SYSTEM },
        ip: rng.chance(0.5) ? "::1" : null,
        form: rng.chance(0.5) ? "loopback" : "none",
        parameters: [
          { Name: "Identity", Value: p.user.id },
          { Name: "RecoverableItemsQuota", Value: "30 GB (32,212,254,720 bytes)" },
          { Name: "RecoverableItemsWarningQuota", Value: "20 GB (21,474,836,480 bytes)" },
        ],
        objectId: p.user.userPrincipalName,
        userType: 3,
      });
    }
  }
  // The administrator tunes the spam filter from the office: "RedirectTo" appears in a parameter name only
  // (a naive substring match on Parameters would flag it, formats.md §7).
  rec.audit({
    ms: ctx.startMs + 9 * HOUR + rng.int(0, HOUR),
    operation: "Set-HostedContentFilterPolicy",
    recordType: 1,
    actor: ctx.admin.user,
    ip: ctx.admin.office.ip,
    form: "port",
    parameters: [
      { Name: "Identity", Value: "Default" },
      { Name: "IncreaseScoreWithRedirectToOtherPort", Value: "Off" },
      { Name: "MarkAsSpamBulkMail", Value: "On" },
    ],
    objectId: "Default",
    userType: 2,
  });
  if (ctx.startMs + DAY / 2 < ctx.endMs)
    rec.audit({
      ms: ctx.startMs + 3 * HOUR + rng.int(0, HOUR),
      operation: "Add-MailboxPermission",
      recordType: 1,
      actor: { system: "NT SERVICE\\MSExchangeAdminApiNetCore" },
      ip: null,
      form: "none",
      parameters: [
        { Name: "Identity", Value: "DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}" },
        { Name: "User", Value: "Discovery Management" },
        { Name: "AccessRights", Value: "FullAccess" },
        { Name: "InheritanceType", Value: "All" },
      ],
      objectId: "DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}",
      userType: 4,
    });
}
