/** Benign look-alikes that must not be flagged (truth.json `benign`). */
import { APPS, RESOURCES } from "../apps.js";
import { benignTruth } from "../context.js";
import { NETWORKS, pickV4 } from "../networks.js";
import { Session } from "../session.js";
import { MINUTE } from "../time.js";
import { newInboxRule, type ScenarioDef } from "./common.js";

export const benignLookalikes: ScenarioDef = {
  description:
    "Benign look-alikes: a user's own rule moving 'Newsletter' mail to Archive from the office; a travel sign-in from a new country with MFA on the compliant laptop; an assistant's FullAccess granted by the administrator from the office, then the assistant reading the mailbox; internal forwards to assistants.",
  people: 4,
  minDays: 1,
  run(ctx, _t, [owner, traveller, exec, assistant]) {
    if (!owner || !traveller || !exec || !assistant) return;
    const { rng, rec } = ctx;
    // 1. Own newsletter rule to Archive, from the office, compliant device.
    {
      const ms = ctx.at(rng.int(0, 4));
      const s = new Session(rec, {
        user: owner.user,
        ms,
        endpoint: owner.office,
        app: APPS.owa,
        resource: RESOURCES.exchange,
        mfa: true,
      });
      const tok = s.refresh(ms + rng.int(5 * MINUTE, 30 * MINUTE));
      const { audit, rule } = newInboxRule(ctx, {
        actor: owner.user,
        owner,
        rule: {
          name: "Newsletter",
          createdBy: "owa",
          conditions: { subjectContainsWords: ["Newsletter"] },
          actions: { moveToFolder: "Archive", markAsRead: true },
        },
        ms: Date.parse(tok.createdDateTime) + rng.int(1 * MINUTE, 10 * MINUTE),
        ip: owner.office.ip,
        form: "port",
        token: { signIn: tok, context: "full", topSessionId: true },
      });
      const b = benignTruth(
        "own-newsletter-rule",
        "the user's own rule moving Newsletter mail to Archive, made in OWA from the office on a compliant device",
        owner.user,
      );
      b.ruleIdentities.push(rule?.ruleIdentity ?? "");
      b.auditIds.push(audit.id);
      b.signInRequestIds.push(s.root.id, tok.id);
      ctx.benign.push(b);
    }
    // 2. Travel: a new country, MFA, the compliant laptop; Identity Protection rates it low.
    {
      const ms = ctx.at(rng.int(0, 4), 9);
      const ip = pickV4(NETWORKS.hotelLisbon, rng);
      rec.noteIp(ip, NETWORKS.hotelLisbon);
      const ep = {
        net: NETWORKS.hotelLisbon,
        ip,
        userAgent: traveller.office.userAgent,
        device: traveller.office.device,
      };
      const s = new Session(rec, {
        user: traveller.user,
        ms,
        endpoint: ep,
        app: APPS.officeHome,
        risk: "low",
        riskEventTypes: ["unfamiliarFeatures"],
        mfa: true,
      });
      const r1 = s.refresh(ms + rng.int(10 * MINUTE, 40 * MINUTE));
      const r2 = s.refresh(ms + rng.int(60 * MINUTE, 120 * MINUTE));
      const b = benignTruth(
        "travel-sign-in",
        "a sign-in from a new country (Portugal) with MFA on the user's compliant, managed laptop",
        traveller.user,
      );
      b.signInRequestIds.push(s.root.id, r1.id, r2.id);
      ctx.benign.push(b);
    }
    // 3. Assistant FullAccess granted by the administrator from the office, then used.
    {
      const admin = ctx.admin;
      const ms = ctx.at(rng.int(1, 5), 10);
      const s = new Session(rec, {
        user: admin.user,
        ms,
        endpoint: admin.office,
        app: APPS.officeHome,
        mfa: true,
      });
      const tok = s.refresh(ms + rng.int(5 * MINUTE, 20 * MINUTE));
      exec.mailbox.mailboxPermissions.push({
        user: assistant.user.userPrincipalName,
        accessRights: ["FullAccess"],
        isInherited: false,
        deny: false,
        inheritanceType: "All",
        autoMapping: true,
      });
      const grant = rec.audit({
        ms: Date.parse(tok.createdDateTime) + rng.int(1 * MINUTE, 10 * MINUTE),
        operation: "Add-MailboxPermission",
        recordType: 1,
        actor: admin.user,
        ip: admin.office.ip,
        form: "port",
        token: { signIn: tok, context: "full", topSessionId: true },
        parameters: [
          { Name: "Identity", Value: exec.user.userPrincipalName },
          { Name: "User", Value: assistant.user.userPrincipalName },
          { Name: "AccessRights", Value: "FullAccess" },
          { Name: "InheritanceType", Value: "All" },
          { Name: "AutoMapping", Value: "True" },
        ],
        objectId: exec.user.userPrincipalName,
        userType: 2,
      });
      const b = benignTruth(
        "assistant-fullaccess",
        "an assistant's FullAccess to an executive's mailbox, granted by the administrator from the office; the assistant then reads it from the office",
        exec.user,
      );
      b.auditIds.push(grant.id);
      b.signInRequestIds.push(s.root.id, tok.id);
      b.trustees.push(assistant.user.userPrincipalName);
      const ms2 = grant.ms + rng.int(30 * MINUTE, 90 * MINUTE);
      const as = new Session(rec, {
        user: assistant.user,
        ms: ms2,
        endpoint: assistant.office,
        app: APPS.owa,
        resource: RESOURCES.exchange,
        mfa: true,
      });
      const atok = as.refresh(ms2 + rng.int(2 * MINUTE, 10 * MINUTE));
      const read = rec.audit({
        ms: Date.parse(atok.createdDateTime) + rng.int(1 * MINUTE, 5 * MINUTE),
        operation: "MailItemsAccessed",
        recordType: 50,
        actor: assistant.user,
        owner: exec.user,
        ip: assistant.office.ip,
        form: "plain",
        token: { signIn: atok, context: "full", topSessionId: true },
        objectId: "",
        logonType: 2,
        operationProperties: [
          { Name: "MailAccessType", Value: "Bind" },
          { Name: "IsThrottled", Value: "False" },
        ],
        extra: {
          OperationCount: 2,
          Folders: [{ Path: "\\Inbox", FolderItems: [{ SizeInBytes: 20480 }, { SizeInBytes: 11264 }] }],
        },
      });
      b.auditIds.push(read.id);
      b.signInRequestIds.push(as.root.id, atok.id);
      ctx.benign.push(b);
    }
    // 4. Assistants' everyday access: internal forwards, folder permissions, SendAs, send-on-behalf.
    for (const p of ctx.people) {
      const rules = p.mailbox.rules.filter((r) =>
        r.actions.forwardTo?.every((f) => f.address.toLowerCase().endsWith(`@${ctx.domain}`)),
      );
      const trustees = [
        ...p.mailbox.folderPermissions.map((f) => f.user),
        ...p.mailbox.recipientPermissions.map((r) => r.trustee),
        ...p.mailbox.grantSendOnBehalfTo,
      ];
      if (!rules.length && !trustees.length) continue;
      const b = benignTruth(
        "assistant-delegation",
        "an assistant's everyday access: meeting requests forwarded internally, Inbox Reviewer, SendAs or send-on-behalf",
        p.user,
      );
      b.ruleIdentities.push(...rules.map((r) => r.ruleIdentity));
      b.trustees.push(...new Set(trustees));
      ctx.benign.push(b);
    }
  },
};
