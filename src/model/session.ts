/**
 * The attacker's session as the hits of a case show it. Graph's sign-in API has no session filter, so the case's
 * linked sign-ins are the ones the hunt linked to its hits (each hit's `links`), never a fresh tenant query.
 *
 * The attacker's sign-ins: the linked sign-ins of the case's high-severity hits, and any linked sign-in Identity
 * Protection rated medium or high risk. Their session ids, unique token ids and IPs, with the same ids of the
 * high-severity hits' own audit records, mark the attacker's session. A hit is "in the attacker's session" when
 * its own record or one of its links shares one of them.
 */
import type { Hit, HitLink } from "./hit.js";

export interface SessionMarks {
  sessionIds: Set<string>;
  tokenIds: Set<string>;
  ips: Set<string>;
}

export interface LinkedSignIn {
  key: HitLink["key"];
  strength: HitLink["strength"];
  signInRequestId?: string;
  sessionId?: string;
  uniqueTokenId?: string;
  ip?: string;
  time?: string;
  risk?: number;
  country?: string;
  networkTags?: string[];
  /** The hits (keys) linked to it. */
  hitKeys: string[];
  /** Counted as the attacker's (see the module's comment). */
  attacker: boolean;
}

const RISKY = 50;

const isAttackerLink = (h: Hit, l: HitLink) => h.severity === "high" || (l.risk ?? 0) >= RISKY;

/** The case's linked sign-ins, one per distinct sign-in (request id, else session/token/ip/time), oldest first. */
export function linkedSignIns(hits: readonly Hit[]): LinkedSignIn[] {
  const byKey = new Map<string, LinkedSignIn>();
  for (const h of hits)
    for (const l of h.links) {
      const id =
        l.signInRequestId ??
        [l.sessionId ?? "", l.uniqueTokenId ?? "", l.ip ?? "", l.time ?? ""].join("\u0000");
      const known = byKey.get(id);
      if (known) {
        if (!known.hitKeys.includes(h.hitKey)) known.hitKeys.push(h.hitKey);
        known.attacker ||= isAttackerLink(h, l);
        continue;
      }
      byKey.set(id, {
        key: l.key,
        strength: l.strength,
        ...(l.signInRequestId ? { signInRequestId: l.signInRequestId } : {}),
        ...(l.sessionId ? { sessionId: l.sessionId } : {}),
        ...(l.uniqueTokenId ? { uniqueTokenId: l.uniqueTokenId } : {}),
        ...(l.ip ? { ip: l.ip } : {}),
        ...(l.time ? { time: l.time } : {}),
        ...(l.risk !== undefined ? { risk: l.risk } : {}),
        ...(l.country ? { country: l.country } : {}),
        ...(l.networkTags ? { networkTags: l.networkTags } : {}),
        hitKeys: [h.hitKey],
        attacker: isAttackerLink(h, l),
      });
    }
  return [...byKey.values()].sort((a, b) => (a.time ?? "").localeCompare(b.time ?? ""));
}

/** The session ids, token ids and IPs of the attacker's session in this case. */
export function attackerMarks(hits: readonly Hit[]): SessionMarks {
  const m: SessionMarks = { sessionIds: new Set(), tokenIds: new Set(), ips: new Set() };
  const add = (x: {
    sessionId?: string | undefined;
    uniqueTokenId?: string | undefined;
    ip?: string | undefined;
  }) => {
    if (x.sessionId) m.sessionIds.add(x.sessionId.toLowerCase());
    if (x.uniqueTokenId) m.tokenIds.add(x.uniqueTokenId);
    if (x.ip) m.ips.add(x.ip.toLowerCase());
  };
  for (const s of linkedSignIns(hits)) if (s.attacker) add(s);
  for (const h of hits) if (h.severity === "high") add(h.action);
  return m;
}

/** What of `marks` the hit's own record or its links share: `session`, `token`, `ip` (empty: none). */
export function sharedMarks(hit: Hit, marks: SessionMarks): ("session" | "token" | "ip")[] {
  const out = new Set<"session" | "token" | "ip">();
  for (const x of [hit.action, ...hit.links]) {
    if (x.sessionId && marks.sessionIds.has(x.sessionId.toLowerCase())) out.add("session");
    if (x.uniqueTokenId && marks.tokenIds.has(x.uniqueTokenId)) out.add("token");
    if (x.ip && marks.ips.has(x.ip.toLowerCase())) out.add("ip");
  }
  return [...out];
}

export const inAttackerSession = (hit: Hit, marks: SessionMarks): boolean =>
  sharedMarks(hit, marks).length > 0;
