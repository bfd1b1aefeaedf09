/** Session-borne attacks: token replay, a late rule through refresh tokens, one IP across three users, a cloud network. */
import { APPS, RESOURCES } from "../apps.js";
import { NETWORKS, pickV4 } from "../networks.js";
import { UA_PYTHON } from "../people.js";
import { Session } from "../session.js";
import { riskDetection, riskyUser } from "../signals.js";
import { DAY, HOUR, MINUTE } from "../time.js";
import { sessionIdentityArtefacts } from "./identity.js";
import {
  attackerEndpoint,
  containRule,
  dropAddress,
  FINANCE_WORDS,
  newInboxRule,
  SECURITY_WORDS,
  type ScenarioDef,
} from "./common.js";

export const tokenReplay: ScenarioDef = {
  description:
    "Token replay: the victim's own compliant session from the office is replayed from a second country (OVH or Hetzner); the replayed refreshes share the SessionId, carry no P2 risk data (riskLevel hidden, Defender 0), and mint the token that makes a forwarding rule. The replayed session also consents a mail app, registers an Authenticator and sets an external auto-reply.",
  people: 1,
  minDays: 1,
  run(ctx, t, [v]) {
    if (!v) return;
    const { rng, rec } = ctx;
    const net = v.office.net.country === "FR" ? NETWORKS.hetzner : NETWORKS.ovh;
    const ep = attackerEndpoint(ctx, net, v.office.userAgent, "Windows10");
    const t0 = ctx.at(rng.int(0, 2), 8);
    const s = new Session(rec, { user: v.user, ms: t0, endpoint: v.office, app: APPS.officeHome, mfa: true });
    s.refresh(t0 + rng.int(30 * MINUTE, 60 * MINUTE));
    const replay = s.refresh(t0 + rng.int(90 * MINUTE, 150 * MINUTE), { endpoint: ep, risk: "hidden" });
    const fwd = dropAddress(ctx, "ap-archive");
    const { audit, rule } = newInboxRule(ctx, {
      actor: v.user,
      owner: v,
      rule: {
        name: "Sync",
        createdBy: "owa",
        conditions: { subjectOrBodyContainsWords: FINANCE_WORDS },
        actions: { forwardTo: [{ address: fwd, name: fwd }] },
      },
      ms: Date.parse(replay.createdDateTime) + rng.int(2 * MINUTE, 9 * MINUTE),
      ip: ep.ip,
      form: "port",
      token: { signIn: replay, context: "full", topSessionId: true },
    });
    t.victim(v.user);
    t.action(audit, [replay], [s.root]);
    containRule(t, v, rule);
    // The replayed session also consents a mail app, registers an Authenticator and sets an auto-reply.
    sessionIdentityArtefacts(ctx, t, v, {
      ms: Date.parse(replay.createdDateTime),
      ip: ep.ip,
      dropAddress: fwd,
    });
  },
};

export const lateRuleRefreshToken: ScenarioDef = {
  description:
    "Late rule: a medium-risk interactive sign-in from DigitalOcean, then daily non-interactive refreshes under the same SessionId; the rule is made days later with a refresh-minted token, so only the session (not time) ties it to the risky sign-in.",
  people: 1,
  minDays: 2,
  run(ctx, t, [v]) {
    if (!v) return;
    const { rng, rec } = ctx;
    const ep = attackerEndpoint(ctx, NETWORKS.digitalocean);
    const gap = Math.min(3, ctx.days - 1);
    const t0 = ctx.at(gap);
    const s = new Session(rec, {
      user: v.user,
      ms: t0,
      endpoint: ep,
      app: APPS.owa,
      resource: RESOURCES.exchange,
      risk: "medium",
      riskEventTypes: ["anomalousToken"],
      mfa: true,
    });
    let last = s.refresh(t0 + rng.int(5 * MINUTE, 30 * MINUTE));
    for (let d = 1; d <= gap; d++)
      last = s.refresh(t0 + d * DAY + rng.int(-2 * 60 * MINUTE, 2 * 60 * MINUTE));
    const { audit, rule } = newInboxRule(ctx, {
      actor: v.user,
      owner: v,
      rule: {
        name: "...",
        createdBy: "owa",
        conditions: { subjectOrBodyContainsWords: ["invoice", "payment", "overdue"] },
        actions: { moveToFolder: "Archive", markAsRead: true, stopProcessingRules: true },
      },
      ms: Date.parse(last.createdDateTime) + rng.int(2 * MINUTE, 10 * MINUTE),
      ip: ep.ip,
      form: "port",
      token: { signIn: last, context: "full", topSessionId: true },
    });
    t.victim(v.user);
    t.signIn(s.root);
    for (const r of s.refreshes) t.signIn(r);
    t.action(audit, [last, s.root]);
    containRule(t, v, rule);
    t.t.riskDetectionIds.push(
      riskDetection(rec, {
        user: v.user,
        signIn: s.root,
        type: "anomalousToken",
        level: "medium",
        timing: "offline",
        ms: t0,
      }),
    );
    riskyUser(rec, v.user, "medium", t0 + HOUR);
  },
};

export const oneIpThreeUsers: ScenarioDef = {
  description:
    "One attacker IP (Vultr) across three users: each gets a sign-in and a hiding rule within hours. Two of the rule records carry no AppAccessContext or SessionId, so the IP is their strongest link.",
  people: 3,
  minDays: 1,
  run(ctx, t, actors) {
    const { rng, rec } = ctx;
    const ep = attackerEndpoint(ctx, NETWORKS.vultr);
    let ms = ctx.at(rng.int(0, 2), 9);
    actors.forEach((v, i) => {
      const s = new Session(rec, {
        user: v.user,
        ms,
        endpoint: ep,
        app: APPS.owa,
        resource: RESOURCES.exchange,
        risk: i === 0 ? "medium" : "none",
        riskEventTypes: i === 0 ? ["unfamiliarFeatures"] : [],
        mfa: false,
      });
      const tok = s.refresh(ms + rng.int(2 * MINUTE, 8 * MINUTE));
      const { audit, rule } = newInboxRule(ctx, {
        actor: v.user,
        owner: v,
        rule: {
          name: ".",
          createdBy: "owa",
          conditions: { subjectOrBodyContainsWords: SECURITY_WORDS },
          actions: { moveToFolder: i === 1 ? "Archive" : "RSS Feeds", markAsRead: true },
        },
        ms: Date.parse(tok.createdDateTime) + rng.int(1 * MINUTE, 6 * MINUTE),
        ip: ep.ip,
        form: i === 2 ? "plain" : "port",
        token: { signIn: tok, context: i === 0 ? "full" : "none", topSessionId: i === 0 },
      });
      t.victim(v.user);
      t.signIn(s.root);
      t.action(audit, [tok, s.root]);
      containRule(t, v, rule);
      ms += rng.int(20 * MINUTE, 70 * MINUTE);
    });
  },
};

export const cloudProviderOverlap: ScenarioDef = {
  description:
    "Attacker on Microsoft Azure (AS8075), a network Microsoft's own services also use: the sign-in and the rule record come from two addresses of the same Azure range, with no session data on the record — only the network links them, and an allow-list of Microsoft networks would hide it.",
  people: 1,
  minDays: 1,
  run(ctx, t, [v]) {
    if (!v) return;
    const { rng, rec } = ctx;
    const ep = attackerEndpoint(ctx, NETWORKS.azure, UA_PYTHON, "");
    const t0 = ctx.at(rng.int(0, 3));
    const s = new Session(rec, {
      user: v.user,
      ms: t0,
      endpoint: ep,
      app: APPS.officeHome,
      risk: "low",
      riskEventTypes: ["unfamiliarFeatures"],
      mfa: false,
    });
    const tok = s.refresh(t0 + rng.int(2 * MINUTE, 8 * MINUTE), { app: APPS.owa });
    let other = pickV4(NETWORKS.azure, rng);
    while (other === ep.ip) other = pickV4(NETWORKS.azure, rng);
    rec.noteIp(other, NETWORKS.azure);
    const { audit, rule } = newInboxRule(ctx, {
      actor: v.user,
      owner: v,
      rule: {
        name: "Microsoft",
        createdBy: "owa",
        conditions: { fromAddressContainsWords: ["microsoft", "no-reply", "security"] },
        actions: { deleteMessage: true, stopProcessingRules: true },
      },
      ms: Date.parse(tok.createdDateTime) + rng.int(3 * MINUTE, 12 * MINUTE) + 3 * HOUR,
      ip: other,
      form: "port",
      token: { signIn: tok, context: "none", topSessionId: false },
    });
    t.victim(v.user);
    t.signIn(s.root);
    t.action(audit, [tok, s.root]);
    containRule(t, v, rule);
  },
};
