/** Inbox-rule attacks: AiTM "." rule, external forwarding, an Outlook client rule, a hidden rule, a removed rule. */
import { APPS, RESOURCES } from "../apps.js";
import { addRule } from "../mailbox.js";
import { NETWORKS } from "../networks.js";
import { UA_OUTLOOK } from "../people.js";
import { Session } from "../session.js";
import { alert, riskDetection, riskyUser } from "../signals.js";
import { DAY, MINUTE } from "../time.js";
import {
  addMobileDevice,
  attackerEndpoint,
  containRule,
  dropAddress,
  FINANCE_WORDS,
  mapiRuleProperties,
  newInboxRule,
  SECURITY_WORDS,
  type ScenarioDef,
} from "./common.js";

export const aitmRssHide: ScenarioDef = {
  description:
    "AiTM phishing: a high-risk interactive sign-in from a hosting network (DigitalOcean, AS14061) on an unknown device, a refresh to Exchange in the same session, then an OWA rule named '.' moving security mail to RSS Feeds and marking it read; an ActiveSync device partnership is made from the stolen session (the victim's own phone synced months before).",
  people: 1,
  minDays: 1,
  run(ctx, t, [v]) {
    if (!v) return;
    const { rng, rec } = ctx;
    const ep = attackerEndpoint(ctx, NETWORKS.digitalocean);
    const t0 = ctx.at(rng.int(0, 2));
    const s = new Session(rec, {
      user: v.user,
      ms: t0,
      endpoint: ep,
      app: APPS.officeHome,
      risk: "high",
      riskEventTypes: ["unfamiliarFeatures", "anomalousToken"],
      mfa: true,
    });
    const tok = s.refresh(t0 + rng.int(3 * MINUTE, 12 * MINUTE), { app: APPS.owa });
    const { audit, rule } = newInboxRule(ctx, {
      actor: v.user,
      owner: v,
      rule: {
        name: ".",
        createdBy: "owa",
        conditions: { subjectOrBodyContainsWords: SECURITY_WORDS },
        actions: { moveToFolder: "RSS Feeds", markAsRead: true, stopProcessingRules: true },
      },
      ms: Date.parse(tok.createdDateTime) + rng.int(2 * MINUTE, 9 * MINUTE),
      ip: ep.ip,
      form: "port",
      token: { signIn: tok, context: "full", topSessionId: true },
    });
    addMobileDevice(v.mailbox, "own", t0 - 120 * DAY, v.user.id);
    addMobileDevice(v.mailbox, "attacker", Date.parse(tok.createdDateTime) + MINUTE, tok.id);
    t.victim(v.user);
    t.signIn(s.root);
    t.action(audit, [tok, s.root]);
    containRule(t, v, rule);
    t.t.riskDetectionIds.push(
      riskDetection(rec, {
        user: v.user,
        signIn: s.root,
        type: "unfamiliarFeatures",
        level: "high",
        timing: "realtime",
        ms: t0,
      }),
      riskDetection(rec, {
        user: v.user,
        signIn: null,
        type: "mcasSuspiciousInboxManipulationRules",
        level: "medium",
        timing: "offline",
        source: "MicrosoftCloudAppSecurity",
        ms: audit.ms,
      }),
    );
    riskyUser(rec, v.user, "high", audit.ms);
    t.t.alertIds.push(
      alert(rec, {
        title: "Suspicious inbox manipulation rule",
        category: "DefenseEvasion",
        severity: "medium",
        serviceSource: "microsoftDefenderForCloudApps",
        detectionSource: "cloudAppSecurity",
        user: v.user,
        mailboxUpn: v.user.userPrincipalName,
        ip: ep.ip,
        sessionId: s.sessionId,
        ms: audit.ms,
        techniques: ["Email Hiding Rules (T1564.008)"],
      }),
    );
  },
};

export const externalForward: ScenarioDef = {
  description:
    "BEC forwarding: a medium-risk sign-in from Hetzner (AS24940); an OWA ForwardTo rule for finance mail and Set-Mailbox ForwardingSmtpAddress to an outside address. The audit records carry the top-level SessionId only (no AppAccessContext).",
  people: 1,
  minDays: 1,
  run(ctx, t, [v]) {
    if (!v) return;
    const { rng, rec } = ctx;
    const ep = attackerEndpoint(ctx, NETWORKS.hetzner);
    const t0 = ctx.at(rng.int(0, 3));
    const s = new Session(rec, {
      user: v.user,
      ms: t0,
      endpoint: ep,
      app: APPS.owa,
      resource: RESOURCES.exchange,
      risk: "medium",
      riskEventTypes: ["unfamiliarFeatures"],
      mfa: false,
    });
    const tok = s.refresh(t0 + rng.int(5 * MINUTE, 20 * MINUTE));
    const fwd = dropAddress(ctx, v.mailbox.alias.toLowerCase());
    const token = { signIn: tok, context: "none" as const, topSessionId: true };
    const r1 = newInboxRule(ctx, {
      actor: v.user,
      owner: v,
      rule: {
        name: "..",
        createdBy: "owa",
        conditions: { subjectOrBodyContainsWords: FINANCE_WORDS },
        actions: { forwardTo: [{ address: fwd, name: fwd }], stopProcessingRules: true },
      },
      ms: Date.parse(tok.createdDateTime) + rng.int(2 * MINUTE, 8 * MINUTE),
      ip: ep.ip,
      form: "port",
      token,
    });
    const smtp = `smtp:${dropAddress(ctx, "records")}`;
    v.mailbox.forwardingSmtpAddress = smtp;
    v.mailbox.deliverToMailboxAndForward = true;
    const r2 = rec.audit({
      ms: r1.audit.ms + rng.int(2 * MINUTE, 6 * MINUTE),
      operation: "Set-Mailbox",
      recordType: 1,
      actor: v.user,
      ip: ep.ip,
      form: "port",
      token,
      parameters: [
        { Name: "Identity", Value: v.user.id },
        { Name: "ForwardingSmtpAddress", Value: smtp },
        { Name: "DeliverToMailboxAndForward", Value: "True" },
      ],
      objectId: v.user.userPrincipalName,
      userType: 2,
    });
    t.victim(v.user);
    t.signIn(s.root);
    t.action(r1.audit, [tok, s.root]);
    t.action(r2, [tok, s.root]);
    containRule(t, v, r1.rule);
    t.t.containment.forwarding.push({
      userId: v.user.id,
      userPrincipalName: v.user.userPrincipalName,
      forwardingSmtpAddress: smtp,
      forwardingAddress: null,
    });
    t.t.riskDetectionIds.push(
      riskDetection(rec, {
        user: v.user,
        signIn: null,
        type: "suspiciousInboxForwarding",
        level: "medium",
        timing: "offline",
        source: "MicrosoftCloudAppSecurity",
        ms: r2.ms,
      }),
    );
    riskyUser(rec, v.user, "medium", r2.ms);
    t.t.alertIds.push(
      alert(rec, {
        title: "Suspicious email forwarding activity",
        category: "Exfiltration",
        severity: "high",
        serviceSource: "microsoftDefenderForCloudApps",
        detectionSource: "cloudAppSecurity",
        user: v.user,
        mailboxUpn: v.user.userPrincipalName,
        ip: ep.ip,
        ms: r2.ms,
        techniques: ["Email Forwarding Rule (T1114.003)"],
      }),
    );
  },
};

export const outlookClientRule: ScenarioDef = {
  description:
    "Outlook desktop rule: the attacker signs in with Microsoft Office from Vultr (AS20473) and makes a rule over MAPI deleting security notices. UpdateInboxRules carries no rule name, no AppAccessContext and no SessionId, and its ClientIP is the attacker's IPv6 address while the sign-in shows IPv4: only user and time link them.",
  people: 1,
  minDays: 1,
  run(ctx, t, [v]) {
    if (!v) return;
    const { rng, rec } = ctx;
    const ep = attackerEndpoint(ctx, NETWORKS.vultr, UA_OUTLOOK, "Windows10");
    const t0 = ctx.at(rng.int(0, 3));
    const s = new Session(rec, {
      user: v.user,
      ms: t0,
      endpoint: ep,
      app: APPS.office,
      resource: RESOURCES.exchange,
      risk: "low",
      riskEventTypes: ["unfamiliarFeatures"],
      mfa: false,
    });
    const tok = s.refresh(t0 + rng.int(2 * MINUTE, 10 * MINUTE), { app: APPS.office });
    const v6 = `2001:19f0:5c01:${rng.int(0, 0xffff).toString(16)}:5400:4ff:fe${rng.int(16, 255).toString(16)}:${rng.int(0, 0xffff).toString(16)}`;
    const words = ["security alert", "sign-in activity", "password reset", "unusual activity"];
    const rule = addRule(ctx.ids, v.mailbox, {
      name: "Clean up",
      createdBy: "outlook",
      conditions: { subjectOrBodyContainsWords: words },
      actions: { deleteMessage: true, markAsRead: true, stopProcessingRules: true },
    });
    v.mailbox.outlookClientRules += 1;
    const audit = rec.audit({
      ms: Date.parse(tok.createdDateTime) + rng.int(3 * MINUTE, 15 * MINUTE),
      operation: "UpdateInboxRules",
      recordType: 2,
      actor: v.user,
      owner: v.user,
      ip: v6,
      form: "bracket-port",
      token: { signIn: tok, context: "none", topSessionId: false },
      objectId: "",
      clientInfoString: "Client=MSExchangeRPC",
      operationProperties: mapiRuleProperties(
        "AddMailboxRule",
        `{(${words.map((w) => `(Subject Contains "${w}")`).join(" OR ")})}`,
        [{ ActionType: "Delete" }, { ActionType: "MarkAsRead" }],
      ),
      extra: {
        ClientProcessName: "OUTLOOK.EXE",
        ClientVersion: "16.0.17628.20144",
        Item: { ParentFolder: { Name: "Inbox", Path: "\\Inbox" } },
      },
    });
    t.victim(v.user);
    t.signIn(s.root);
    t.action(audit, [tok, s.root]);
    containRule(t, v, rule);
  },
};

export const hiddenRule: ScenarioDef = {
  description:
    "Hidden rule: after a medium-risk sign-in from OVH (AS16276) the attacker writes a server-side rule over MAPI/EWS that redirects all mail outside and hides it (visible only to Get-InboxRule -IncludeHidden; never to Graph).",
  people: 1,
  minDays: 1,
  run(ctx, t, [v]) {
    if (!v) return;
    const { rng, rec } = ctx;
    const ep = attackerEndpoint(ctx, NETWORKS.ovh);
    const t0 = ctx.at(rng.int(0, 3));
    const s = new Session(rec, {
      user: v.user,
      ms: t0,
      endpoint: ep,
      app: APPS.owa,
      resource: RESOURCES.exchange,
      risk: "medium",
      riskEventTypes: ["unfamiliarFeatures"],
      mfa: true,
    });
    const tok = s.refresh(t0 + rng.int(5 * MINUTE, 25 * MINUTE));
    const to = dropAddress(ctx, `${v.mailbox.alias.toLowerCase()}.copy`);
    const rule = addRule(ctx.ids, v.mailbox, {
      name: "x",
      createdBy: "powershell",
      hidden: true,
      conditions: {},
      actions: { redirectTo: [{ address: to, name: to }] },
    });
    const audit = rec.audit({
      ms: Date.parse(tok.createdDateTime) + rng.int(2 * MINUTE, 10 * MINUTE),
      operation: "UpdateInboxRules",
      recordType: 2,
      actor: v.user,
      owner: v.user,
      ip: ep.ip,
      form: "mapped",
      token: { signIn: tok, context: "full", topSessionId: true },
      objectId: "",
      clientInfoString: "Client=WebServices;Action=UpdateInboxRules",
      operationProperties: mapiRuleProperties("AddMailboxRule", "{}", [
        { ActionType: "Redirect", Recipients: [to] },
      ]),
      extra: { Item: { ParentFolder: { Name: "Inbox", Path: "\\Inbox" } } },
    });
    t.victim(v.user);
    t.signIn(s.root);
    t.action(audit, [tok, s.root]);
    containRule(t, v, rule);
    riskyUser(rec, v.user, "medium", t0);
    t.t.riskDetectionIds.push(
      riskDetection(rec, {
        user: v.user,
        signIn: s.root,
        type: "unfamiliarFeatures",
        level: "medium",
        timing: "realtime",
        ms: t0,
      }),
    );
  },
};

export const ruleCreatedThenRemoved: ScenarioDef = {
  description:
    "Rule created then removed: a '..' rule moving mail to Conversation History exists for under two hours and is removed with Remove-InboxRule by the same token; the tenant no longer has it, the logs do.",
  people: 1,
  minDays: 1,
  run(ctx, t, [v]) {
    if (!v) return;
    const { rng, rec } = ctx;
    const ep = attackerEndpoint(ctx, NETWORKS.digitalocean);
    const t0 = ctx.at(rng.int(0, 3));
    const s = new Session(rec, {
      user: v.user,
      ms: t0,
      endpoint: ep,
      app: APPS.owa,
      resource: RESOURCES.exchange,
      risk: "medium",
      riskEventTypes: ["unfamiliarFeatures"],
      mfa: true,
    });
    const tok = s.refresh(t0 + rng.int(3 * MINUTE, 10 * MINUTE));
    const token = { signIn: tok, context: "full" as const, topSessionId: true };
    const created = newInboxRule(ctx, {
      actor: v.user,
      owner: v,
      rule: {
        name: "..",
        createdBy: "owa",
        conditions: { subjectOrBodyContainsWords: ["invoice", "payment"] },
        actions: { moveToFolder: "Conversation History", markAsRead: true },
      },
      ms: Date.parse(tok.createdDateTime) + rng.int(1 * MINUTE, 5 * MINUTE),
      ip: ep.ip,
      form: "port",
      token,
      inState: false,
    });
    const removed = rec.audit({
      ms: created.audit.ms + rng.int(20 * MINUTE, 50 * MINUTE),
      operation: "Remove-InboxRule",
      recordType: 1,
      actor: v.user,
      ip: ep.ip,
      form: "port",
      token,
      parameters: [
        { Name: "Identity", Value: `${v.user.userPrincipalName}\\..` },
        { Name: "Confirm", Value: "False" },
      ],
      objectId: `${v.user.userPrincipalName}\\..`,
      userType: 2,
    });
    t.victim(v.user);
    t.signIn(s.root);
    t.action(created.audit, [tok, s.root]);
    t.action(removed, [tok, s.root]);
    t.t.undone.push(created.audit.id);
  },
};
