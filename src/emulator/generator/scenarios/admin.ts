/** Attacks through a compromised administrator: a BCC transport rule, and FullAccess then a MailItemsAccessed burst. */
import { APPS, RESOURCES } from "../apps.js";
import { NETWORKS } from "../networks.js";
import { Session } from "../session.js";
import { alert, riskDetection, riskyUser } from "../signals.js";
import { isoZ, MINUTE } from "../time.js";
import { attackerEndpoint, dropAddress, type ScenarioDef } from "./common.js";

export const adminTransportBcc: ScenarioDef = {
  description:
    "Compromised Exchange administrator: a high-risk sign-in from Hetzner, then New-TransportRule in the Exchange admin center blind-copying all mail sent inside the organisation to an outside address.",
  people: 1,
  minDays: 1,
  run(ctx, t, [a]) {
    if (!a) return;
    const { rng, rec } = ctx;
    a.user.privilegedRoles = ["Exchange Administrator"];
    a.user.jobTitle = "Messaging Administrator";
    const ep = attackerEndpoint(ctx, NETWORKS.hetzner);
    const t0 = ctx.at(rng.int(0, 3));
    const s = new Session(rec, {
      user: a.user,
      ms: t0,
      endpoint: ep,
      app: APPS.officeHome,
      risk: "high",
      riskEventTypes: ["unfamiliarFeatures", "anonymizedIPAddress"],
      mfa: true,
    });
    const tok = s.refresh(t0 + rng.int(4 * MINUTE, 15 * MINUTE), { resource: RESOURCES.exchange });
    const bcc = dropAddress(ctx, "journal");
    const name = "Compliance Journal";
    const guid = rng.guid();
    const ms = Date.parse(tok.createdDateTime) + rng.int(3 * MINUTE, 12 * MINUTE);
    ctx.state.transportRules.push({
      guid,
      name,
      state: "Enabled",
      mode: "Enforce",
      priority: ctx.state.transportRules.length,
      description: `If the message:\r\n\tIs received from 'Inside the organization'\r\nTake the following actions:\r\n\tBlind carbon copy (Bcc) the message to '${bcc}'\r\n`,
      conditions: { FromScope: "InOrganization" },
      blindCopyTo: [bcc],
      redirectMessageTo: [],
      copyTo: [],
      addToRecipients: [],
      deleteMessage: false,
      whenChanged: isoZ(ms),
      createdBy: a.user.userPrincipalName,
    });
    const audit = rec.audit({
      ms,
      operation: "New-TransportRule",
      recordType: 1,
      actor: a.user,
      ip: ep.ip,
      form: "port",
      token: { signIn: tok, context: "full", topSessionId: true },
      parameters: [
        { Name: "Name", Value: name },
        { Name: "FromScope", Value: "InOrganization" },
        { Name: "BlindCopyTo", Value: bcc },
        { Name: "Mode", Value: "Enforce" },
        { Name: "Enabled", Value: "True" },
      ],
      objectId: name,
      userType: 2,
    });
    t.victim(a.user);
    t.signIn(s.root);
    t.action(audit, [tok, s.root]);
    t.t.containment.transportRules.push({ guid, name });
    t.t.riskDetectionIds.push(
      riskDetection(rec, {
        user: a.user,
        signIn: s.root,
        type: "anonymizedIPAddress",
        level: "high",
        timing: "realtime",
        ms: t0,
      }),
    );
    riskyUser(rec, a.user, "high", t0);
    t.t.alertIds.push(
      alert(rec, {
        title: "Suspicious email forwarding activity",
        category: "Exfiltration",
        severity: "high",
        serviceSource: "microsoftDefenderForOffice365",
        detectionSource: "microsoftDefenderForOffice365",
        user: a.user,
        ip: ep.ip,
        sessionId: s.sessionId,
        ms,
        techniques: ["Email Collection (T1114)", "Transport Agent (T1505.002)"],
      }),
    );
  },
};

export const fullAccessMailItemsAccessed: ScenarioDef = {
  description:
    "Compromised administrator grants itself FullAccess to an executive's mailbox (Add-MailboxPermission) and reads it: a burst of MailItemsAccessed Bind records with LogonType Delegated.",
  people: 2,
  minDays: 1,
  run(ctx, t, [a, v]) {
    if (!a || !v) return;
    const { rng, rec } = ctx;
    a.user.privilegedRoles = ["Exchange Administrator"];
    a.user.jobTitle = "IT Support";
    v.user.jobTitle = "Chief Financial Officer";
    const ep = attackerEndpoint(ctx, NETWORKS.ovh);
    const t0 = ctx.at(rng.int(0, 3));
    const s = new Session(rec, {
      user: a.user,
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
    v.mailbox.mailboxPermissions.push({
      user: a.user.userPrincipalName,
      accessRights: ["FullAccess"],
      isInherited: false,
      deny: false,
      inheritanceType: "All",
      autoMapping: false,
    });
    const grant = rec.audit({
      ms: Date.parse(tok.createdDateTime) + rng.int(2 * MINUTE, 6 * MINUTE),
      operation: "Add-MailboxPermission",
      recordType: 1,
      actor: a.user,
      ip: ep.ip,
      form: "port",
      token,
      parameters: [
        { Name: "Identity", Value: v.user.userPrincipalName },
        { Name: "User", Value: a.user.userPrincipalName },
        { Name: "AccessRights", Value: "FullAccess" },
        { Name: "InheritanceType", Value: "All" },
        { Name: "AutoMapping", Value: "False" },
      ],
      objectId: v.user.userPrincipalName,
      userType: 2,
    });
    t.victim(a.user);
    t.signIn(s.root);
    t.action(grant, [tok, s.root]);
    const inbox = v.mailbox.folders.find((f) => f.wellKnownName === "inbox");
    let ms = grant.ms + rng.int(3 * MINUTE, 8 * MINUTE);
    const n = rng.int(6, 12);
    for (let i = 0; i < n; i++) {
      const items = Array.from({ length: rng.int(3, 20) }, () => ({
        Id: `RgAAAA${rng.hex(24)}`,
        InternetMessageId: `<${rng.hex(12).toUpperCase()}@${rng.pick(["BN8PR11MB", "SA1PR11MB"])}${rng.int(1000, 9999)}.namprd11.prod.outlook.com>`,
        SizeInBytes: rng.int(4000, 900000),
      }));
      const read = rec.audit({
        ms,
        operation: "MailItemsAccessed",
        recordType: 50,
        actor: a.user,
        owner: v.user,
        ip: ep.ip,
        form: "plain",
        token,
        objectId: "",
        logonType: 2,
        clientInfoString: "Client=OWA;Action=ViaProxy",
        operationProperties: [
          { Name: "MailAccessType", Value: "Bind" },
          { Name: "IsThrottled", Value: "False" },
        ],
        extra: {
          OperationCount: items.length,
          Folders: [{ Id: inbox?.id ?? "", Path: "\\Inbox", FolderItems: items }],
        },
      });
      t.action(read, [tok, s.root]);
      ms += rng.int(1 * MINUTE, 3 * MINUTE);
    }
    t.t.victims.push({ userId: v.user.id, userPrincipalName: v.user.userPrincipalName });
    t.t.containment.delegations.push({
      kind: "mailboxPermission",
      mailboxUpn: v.user.userPrincipalName,
      trustee: a.user.userPrincipalName,
      accessRights: ["FullAccess"],
    });
    t.t.riskDetectionIds.push(
      riskDetection(rec, {
        user: a.user,
        signIn: s.root,
        type: "unfamiliarFeatures",
        level: "medium",
        timing: "realtime",
        ms: t0,
      }),
    );
    riskyUser(rec, a.user, "medium", t0);
  },
};
