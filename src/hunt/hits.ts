/**
 * Hunting rows → hits. The query finds and links; this module judges, with the same analysis code that `scan` uses
 * (so a rule scores the same whether it was read from the mailbox or from the audit log), adds local network
 * enrichment, and explains the score (D1, D2): every point of it is a reason with a code, a detail and a weight.
 *
 * Severity rules (the runner acts unattended only on high):
 *  - an action that neither moves mail out of sight nor out of the tenant stays low (≤ 39), whatever else is seen;
 *  - a rule that both sends mail outside the tenant and deletes or hides it is high on its content alone;
 *  - otherwise a primary action reaches high with a strong or medium link (token, request, session, IP) to a sign-in
 *    at or above the risk threshold, or token replay, or — where the data carries no Entra risk — mailwarden's own
 *    independent signals (B3): a concealment-shaped rule, a network or country first seen for the user, a hosting /
 *    VPN network (by list or by its organisation's name), a scripted client or legacy protocol, the session's other
 *    actions (mass rule creation, mail read/deleted/sent after it): two of them with a link, or three without;
 *  - else it stays medium (≤ 69).
 * Every point is a reason: when a band's floor or ceiling moves the score, a `severity-band` reason carries the
 * difference and says why, so the weights of a hit's reasons always add up to its score.
 */
import {
  analyzeDelegation,
  analyzeForwarding,
  analyzeRule,
  analyzeTransportRule,
  type RuleAnalysis,
} from "../rules/analyze.js";
import { contentFingerprint, normalizeExoRule } from "../rules/normalize.js";
import {
  computeHitKey,
  HIT_SCHEMA_VERSION,
  hitSchema,
  severityFromScore,
  type Hit,
  type HitLink,
  type HitReason,
  type HitTarget,
} from "../model/hit.js";
import {
  delegationFromParams,
  exoRuleFromParams,
  forwardingFromParams,
  ruleNameOf,
  transportRuleFromParams,
  type ParamBag,
} from "./audit-params.js";
import { riskScale, signalCode, signalValue, truthy, type HuntLink, type HuntRow } from "./row.js";

export interface NetworkFacts {
  asn?: number;
  org?: string;
  country?: string;
  tags: string[];
  /** `tag:source` of each tag (e.g. `hosting:org-pattern:hetzner`, `hosting:x4bnet-datacenter-asn`). */
  evidence?: string[];
}

/** What hit building needs of enrichment (src/hunt/enrich): a lookup by IP. */
export interface NetworkIntel {
  lookup(ip: string): NetworkFacts | undefined;
}

export interface HitContext {
  tenantId: string;
  tenantDomains: readonly string[];
  /** Defender scale (10 low, 50 medium, 100 high); a linked sign-in at or above it is risky. */
  riskThreshold: number;
  intel?: NetworkIntel;
  detectedAt: string;
  /** How many inbox rules a session of the user made in the hunted rows (the session's other actions). */
  sessionRules?: (upn: string, sessionId: string) => number;
}

const KEY_ORDER: HitLink["key"][] = ["token", "request", "session", "ip", "network", "user-time"];
const STRENGTH: Record<HitLink["key"], HitLink["strength"]> = {
  token: "strong",
  request: "strong",
  session: "strong",
  ip: "medium",
  network: "weak",
  "user-time": "weak",
};
const LINK_WEIGHT: Record<HitLink["strength"], number> = { strong: 35, medium: 25, weak: 15 };

/** Weights of the query's own signals that the TypeScript analysis cannot see (it sees one record). */
const QUERY_SIGNALS: Record<string, { weight: number; detail: string }> = {
  "follow-on": {
    weight: 10,
    detail: "mail deleted, sent or read in bulk in the same session or from the same IP afterwards",
  },
  "campaign-ip": { weight: 15, detail: "the same IP touched other users' mailboxes" },
  "campaign-forward": { weight: 15, detail: "other users forward to the same external address or domain" },
  "cover-up": { weight: 10, detail: "a rule removed or disabled soon after it was made" },
  "catch-all": { weight: 10, detail: "catch-all or obfuscated condition" },
  "name-suspicious": { weight: 10, detail: "rule name is punctuation, very short or random" },
  "defence-tampering": { weight: 30, detail: "weakens the mailbox's defences" },
};
const OWN_SIGNALS: Record<string, { weight: number; detail: string }> = {
  "unusual-user-agent": { weight: 10, detail: "scripted or unusual client" },
  "legacy-protocol": { weight: 10, detail: "legacy or password-only protocol" },
  "token-replay": { weight: 25, detail: "one session used from several IPs (token replay)" },
  "new-country": { weight: 10, detail: "a country new for this user" },
  "new-network": { weight: 10, detail: "a network (ASN) this user had not signed in from before" },
};
/** Own signals that are one independent observation together (a new country is usually a new network too). */
const SAME_OBSERVATION: Record<string, string> = { "new-country": "first-seen", "new-network": "first-seen" };
/** Query signals about the session's other actions: mail read, deleted or sent after the rule, the IP elsewhere. */
const SESSION_SIGNALS = new Set(["follow-on", "campaign-ip"]);

function linkOf(l: HuntLink, intel: NetworkIntel | undefined): HitLink | undefined {
  const key = l.Key as HitLink["key"];
  if (!KEY_ORDER.includes(key)) return undefined;
  const ip = l.IP || undefined;
  const net = ip ? intel?.lookup(ip) : undefined;
  const risk = Math.max(riskScale(l.RiskLevelDuringSignIn), riskScale(l.RiskLevelAggregated));
  const types = (() => {
    const v = l.RiskEventTypes;
    if (Array.isArray(v)) return v.map(String).filter(Boolean);
    if (typeof v === "string" && v.trim()) {
      try {
        const p = JSON.parse(v) as unknown;
        if (Array.isArray(p)) return p.map(String);
      } catch {
        /* a plain string */
      }
      return [v];
    }
    return [];
  })();
  const interactive = truthy(l.Interactive);
  const country = l.Country || net?.country;
  return {
    key,
    strength: STRENGTH[key],
    ...(l.RequestId ? { signInRequestId: l.RequestId } : {}),
    ...(l.SessionId ? { sessionId: l.SessionId } : {}),
    ...(l.UniqueTokenId ? { uniqueTokenId: l.UniqueTokenId } : {}),
    ...(ip ? { ip } : {}),
    ...(l.SignInTime ? { time: l.SignInTime } : {}),
    ...(l.GapMinutes !== undefined && Number.isFinite(l.GapMinutes) ? { gapMinutes: l.GapMinutes } : {}),
    ...(net?.asn !== undefined ? { asn: net.asn } : {}),
    ...(net?.org ? { org: net.org } : {}),
    ...(country ? { country } : {}),
    ...(net?.tags.length ? { networkTags: net.tags } : {}),
    risk: Math.min(100, Math.max(0, Math.round(risk))),
    ...(types.length ? { riskEventTypes: types } : {}),
    ...(interactive !== undefined ? { interactive } : {}),
    ...(l.UserAgent ? { userAgent: l.UserAgent } : {}),
    ...(l.AppDisplayName ? { app: l.AppDisplayName } : {}),
  };
}

function sortLinks(links: HitLink[]): HitLink[] {
  return [...links].sort(
    (a, b) => KEY_ORDER.indexOf(a.key) - KEY_ORDER.indexOf(b.key) || (b.risk ?? 0) - (a.risk ?? 0),
  );
}

interface Judged {
  target: HitTarget;
  analysis: RuleAnalysis;
}

function judge(row: HuntRow, ctx: HitContext): Judged | { error: string } {
  const bag: ParamBag = row.Rule ?? {};
  const upn = (row.MailboxUpn || row.UserUpn).toLowerCase();
  const sameMailbox = !row.MailboxUpn || row.MailboxUpn.toLowerCase() === row.UserUpn.toLowerCase();
  const mailboxId = sameMailbox && row.UserId ? row.UserId : upn;
  if (!upn) return { error: "the row names no user or mailbox" };
  const codes = new Set((row.Signals ?? []).map(signalCode));
  switch (row.TargetKind) {
    case "inboxRule": {
      const name = row.RuleName || ruleNameOf(bag);
      const normal = normalizeExoRule(exoRuleFromParams(bag, name), ctx.tenantDomains);
      return {
        target: {
          kind: "inboxRule",
          mailboxId,
          upn,
          ruleName: name,
          contentFingerprint: contentFingerprint(normal),
          hidden: codes.has("hidden-rule"),
          graphReadOnly: false,
        },
        analysis: analyzeRule(normal, { hidden: codes.has("hidden-rule") }),
      };
    }
    case "mailboxForwarding": {
      const f = forwardingFromParams(bag);
      return {
        target: { kind: "mailboxForwarding", mailboxId, upn, ...f },
        analysis: analyzeForwarding(f, ctx.tenantDomains),
      };
    }
    case "transportRule": {
      const name = row.RuleName || ruleNameOf(bag);
      const t = transportRuleFromParams(bag, name);
      // Audit records name a transport rule, they do not carry its GUID: the name is its Exchange identity.
      return {
        target: { kind: "transportRule", guid: name || row.RecordId, name, state: t.state },
        analysis: analyzeTransportRule(t, ctx.tenantDomains),
      };
    }
    case "delegation": {
      const d = delegationFromParams(row.Operation, bag);
      if (!d) return { error: `no trustee in the ${row.Operation} record` };
      return {
        target: {
          kind: "delegation",
          mailboxId,
          upn,
          delegationType: d.delegationType,
          trustee: d.trustee,
          accessRights: d.accessRights,
          ...(d.folder ? { folder: d.folder } : {}),
        },
        analysis: analyzeDelegation(d, ctx.tenantDomains),
      };
    }
    default: {
      const category = row.TargetKind || "other";
      const summary = `${row.Operation}${row.RuleName ? ` ${JSON.stringify(row.RuleName)}` : ""}`;
      return {
        target: { kind: "auditAction", ...(row.UserId ? { mailboxId } : {}), upn, category, summary },
        analysis: { suspect: false, score: 0, reasons: [] },
      };
    }
  }
}

/** Turns one hunting row into a hit, or says why it cannot. */
export function hitFromRow(row: HuntRow, ctx: HitContext): { hit: Hit } | { error: string } {
  const judged = judge(row, ctx);
  if ("error" in judged) return judged;
  const { target, analysis } = judged;
  const reasons: HitReason[] = [...analysis.reasons];
  const have = new Set(reasons.map((r) => r.code));
  const add = (code: string, detail: string, weight: number) => {
    if (have.has(code)) return;
    have.add(code);
    reasons.push({ code, detail, weight });
  };

  for (const s of row.Signals ?? []) {
    const code = signalCode(s);
    const known = QUERY_SIGNALS[code];
    if (known) {
      const v = signalValue(s);
      add(code, v ? `${known.detail}: ${v}` : known.detail, known.weight);
    }
  }
  const primary = analysis.suspect;

  const links = sortLinks(
    (row.Links ?? []).map((l) => linkOf(l, ctx.intel)).filter((l): l is HitLink => !!l),
  );
  const risky = links.filter((l) => (l.risk ?? 0) >= ctx.riskThreshold);
  const bestRisky = risky[0];
  if (bestRisky)
    add(
      "linked-risky-signin",
      `made in a ${bestRisky.strength}ly linked (${bestRisky.key}) sign-in with risk ${riskName(bestRisky.risk)}${bestRisky.ip ? ` from ${bestRisky.ip}` : ""}${bestRisky.signInRequestId ? ` (request ${bestRisky.signInRequestId})` : ""}`,
      LINK_WEIGHT[bestRisky.strength],
    );
  else if (links[0])
    add("linked-signin", `linked (${links[0].key}) to a sign-in without risk at or above the threshold`, 0);

  // Own signals (B3): from the query, plus local network enrichment of the action's and the linked sign-ins' IPs.
  // Counted as independent observations: a new country and a new network of one sign-in are one.
  const observed = new Set<string>();
  for (const s of row.OwnSignals ?? []) {
    const code = signalCode(s);
    const known = OWN_SIGNALS[code];
    if (known && !have.has(code)) {
      observed.add(SAME_OBSERVATION[code] ?? code);
      const v = signalValue(s);
      const asn = code === "new-network" ? Number(v) : NaN;
      const org = Number.isFinite(asn) ? orgOfAsn(asn, row, links, ctx.intel) : undefined;
      add(
        code,
        v ? `${known.detail}: ${code === "new-network" ? `AS${v}${org ? ` ${org}` : ""}` : v}` : known.detail,
        known.weight,
      );
    }
  }
  // The rule's shape: it hides mail (a strong hiding folder, or deletion) and keeps the user from noticing.
  const codesNow = new Set(reasons.map((r) => r.code));
  const hidesStrongly =
    codesNow.has("deletes-mail") ||
    (codesNow.has("moves-to-hiding-folder") &&
      (reasons.find((r) => r.code === "moves-to-hiding-folder")?.weight ?? 0) >= 40);
  if (
    target.kind === "inboxRule" &&
    primary &&
    hidesStrongly &&
    (codesNow.has("marks-read") || codesNow.has("stops-processing"))
  ) {
    observed.add("concealment-rule");
    add(
      "concealment-rule",
      "concealment shape: hides or deletes the mail and keeps the user from noticing",
      10,
    );
  }
  // The session's other actions: mass rule creation, mail access or deletion after the rule.
  const sessionRules = row.SessionId ? (ctx.sessionRules?.(row.UserUpn, row.SessionId) ?? 0) : 0;
  if (target.kind === "inboxRule" && sessionRules >= 3) {
    observed.add("session-activity");
    add("mass-rule-creation", `${sessionRules} inbox rules made in the same session`, 10);
  }
  if ([...have].some((c) => SESSION_SIGNALS.has(c))) observed.add("session-activity");
  const netIps = [
    row.ClientIP,
    ...links.filter((l) => l.key !== "user-time" || l === links[0]).map((l) => l.ip),
  ];
  for (const ip of new Set(netIps.filter((x): x is string => !!x))) {
    const net = ctx.intel?.lookup(ip);
    const tags = (net?.tags ?? []).filter((t) => ["hosting", "vpn", "tor", "abuse-asn"].includes(t));
    if (tags.length && !have.has("hosting-network")) {
      observed.add("hosting-network");
      // reputation beyond list membership: the owner's name and what kind of network it is, and how that is known
      const how = (net?.evidence ?? [])
        .filter((e) => tags.some((t) => e.startsWith(`${t}:`)))
        .map((e) => e.replace(/^[^:]+:/, "").replace(/^org-pattern:(.*)$/, "its organisation's name ($1)"));
      add(
        "hosting-network",
        `${ip} is on a ${tags.join("/")} network${net?.asn ? ` (AS${net.asn}${net.org ? ` ${net.org}` : ""})` : ""}${how.length ? `, known by ${[...new Set(how)].join(", ")}` : ""}`,
        20,
      );
    }
  }
  if (truthy(row.InAlert)) add("user-in-alert", "the user is already named in a security alert", 10);

  const sum = reasons.reduce((s, r) => s + r.weight, 0);
  let score = Math.min(100, sum);
  const disabled = reasons.some((r) => r.code === "rule-disabled");
  const strongRisky = risky.some((l) => l.strength !== "weak");
  const replay = have.has("token-replay");
  const has = (c: string) => reasons.some((r) => r.code === c);
  // sends mail outside and deletes or hides it: nobody's own housekeeping looks like that
  const exfilConceal =
    target.kind === "inboxRule" &&
    has("forwards-external") &&
    (has("deletes-mail") || has("moves-to-hiding-folder"));
  const own = observed.size;
  let why = "";
  if (!primary) {
    score = Math.min(score, 39);
    why = "capped at low: it neither sends mail outside nor hides it";
  } else if (disabled) {
    score = Math.min(score, 20);
    why = "capped: the rule is disabled";
  } else if (strongRisky || replay || exfilConceal || own >= 3 || (links.length > 0 && own >= 2)) {
    score = Math.max(score, 70);
    why = strongRisky
      ? "high: made in a risky sign-in it is strongly linked to"
      : replay
        ? "high: token replay"
        : exfilConceal
          ? "high on its content alone: it sends mail outside the tenant and deletes or hides it"
          : `high on mailwarden's own signals: ${[...observed].join(", ")}`;
  } else if (target.kind === "delegation" && analysis.score < 40) {
    // Delegation is mostly legitimate: without a risky link it stays where scan puts it (low unless external/everyone).
    score = Math.min(score, 39);
    why = "capped at low: a delegation without a risky link or outside trustee";
  } else {
    score = Math.min(score, 69);
    why = `capped at medium: no risky linked sign-in, and ${own} own signal(s) (high needs 2 with a link, or 3)`;
  }
  if (score !== sum) reasons.push({ code: "severity-band", detail: why, weight: score - sum });

  if (!reasons.length) add("suspect-action", `${row.Operation} recorded`, 0);
  const hitKey = computeHitKey(ctx.tenantId, target);
  const hit = hitSchema.parse({
    schemaVersion: HIT_SCHEMA_VERSION,
    hitKey,
    tenantId: ctx.tenantId,
    user: { id: row.UserId || row.UserUpn.toLowerCase(), upn: row.UserUpn.toLowerCase() },
    target,
    action: {
      operation: row.Operation,
      ...(row.Timestamp ? { time: row.Timestamp } : {}),
      recordId: row.RecordId || row.ReportId || undefined,
      ...(row.ReportId && row.ReportId !== row.RecordId ? { reportId: row.ReportId } : {}),
      ...(row.Source ? { source: row.Source } : {}),
      ...(row.ClientIP ? { ip: row.ClientIP } : {}),
      ...(row.SessionId ? { sessionId: row.SessionId } : {}),
      ...(row.UniqueTokenId ? { uniqueTokenId: row.UniqueTokenId } : {}),
      ...(row.ClientInfo ? { clientInfo: row.ClientInfo } : {}),
      ...(row.Rule && Object.keys(row.Rule).length ? { parameters: row.Rule } : {}),
    },
    links,
    severity: severityFromScore(score),
    score,
    reasons,
    detectedBy: "hunt",
    detectedAt: ctx.detectedAt,
  });
  return { hit };
}

/** The organisation of an ASN, from enrichment of an IP of the row that has it. */
function orgOfAsn(
  asn: number,
  row: HuntRow,
  links: readonly HitLink[],
  intel: NetworkIntel | undefined,
): string | undefined {
  for (const l of links) if (l.asn === asn && l.org) return l.org;
  const a = row.ClientIP ? intel?.lookup(row.ClientIP) : undefined;
  return a?.asn === asn ? a.org : undefined;
}

function riskName(r: number | undefined): string {
  if (r === undefined) return "unknown";
  if (r >= 100) return "high";
  if (r >= 50) return "medium";
  if (r >= 10) return "low";
  return r === 1 ? "none" : "not set";
}
