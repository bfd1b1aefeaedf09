/**
 * Hunting end to end: build the query, run it (offline on exports through the KQL engine, or live in Defender /
 * Sentinel), turn rows into hits. Rows that cannot become a hit are reported with their place and reason, never
 * dropped silently.
 */
import type { Hit } from "../model/hit.js";
import { hitFromRow, type HitContext, type NetworkIntel } from "./hits.js";
import { huntRowSchema } from "./row.js";

export type HuntTarget = "defender" | "sentinel";
export type HuntProfile = "default" | "seed";

export interface RowProblem {
  /** `row N` (1-based, in result order). */
  at: string;
  reason: string;
}

export interface HitsOutcome {
  hits: Hit[];
  problems: RowProblem[];
}

/** Query rows → hits, strongest first; the same suspect object seen in several records is one hit (its best). */
export function hitsFromRows(rows: readonly Record<string, unknown>[], ctx: HitContext): HitsOutcome {
  const problems: RowProblem[] = [];
  const byKey = new Map<string, Hit>();
  // The session's other actions (B3): how many inbox rules each session made (mass rule creation).
  const rulesBySession = new Map<string, number>();
  for (const raw of rows) {
    const p = huntRowSchema.safeParse(raw);
    if (!p.success || p.data.TargetKind !== "inboxRule" || !p.data.SessionId) continue;
    if (!/^(New-InboxRule|UpdateInboxRules)$/.test(p.data.Operation)) continue;
    const k = `${p.data.UserUpn.toLowerCase()}|${p.data.SessionId.toLowerCase()}`;
    rulesBySession.set(k, (rulesBySession.get(k) ?? 0) + 1);
  }
  const withSession: HitContext = {
    ...ctx,
    sessionRules: (upn, session) => rulesBySession.get(`${upn.toLowerCase()}|${session.toLowerCase()}`) ?? 0,
  };
  rows.forEach((raw, i) => {
    const parsed = huntRowSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push({
        at: `row ${i + 1}`,
        reason: `not a hunting row: ${parsed.error.issues[0]?.message ?? "invalid"}`,
      });
      return;
    }
    const r = hitFromRow(parsed.data, withSession);
    if ("error" in r) {
      problems.push({ at: `row ${i + 1}`, reason: r.error });
      return;
    }
    const prev = byKey.get(r.hit.hitKey);
    if (!prev) byKey.set(r.hit.hitKey, r.hit);
    else byKey.set(r.hit.hitKey, mergeRecords(r.hit.score > prev.score ? r.hit : prev, prev, r.hit));
  });
  const hits = [...byKey.values()].sort(
    (a, b) => b.score - a.score || (b.action.time ?? "").localeCompare(a.action.time ?? ""),
  );
  return { hits, problems };
}

const idsOf = (h: Hit): string[] => h.action.recordIds ?? (h.action.recordId ? [h.action.recordId] : []);

/**
 * Several records that made the same thing (same target: identical rules made again and again) are one hit that
 * lists every record id and the count — never silently one of them. `best` keeps its place as the hit shown.
 */
function mergeRecords(best: Hit, a: Hit, b: Hit): Hit {
  const ids = [...new Set([...idsOf(a), ...idsOf(b)])];
  if (ids.length < 2) return best;
  const creates = (h: Hit) =>
    h.target.kind === "inboxRule" && /^(New-InboxRule|UpdateInboxRules)$/.test(h.action.operation);
  const reasons = best.reasons.filter((r) => r.code !== "repeated-rule");
  if (a.target.kind === "inboxRule" && (creates(a) || creates(b)))
    reasons.push({
      code: "repeated-rule",
      detail: `${ids.length} records made this same rule (name and content): each is a rule of its own, all are contained`,
      weight: 0,
    });
  return { ...best, action: { ...best.action, recordIds: ids, recordCount: ids.length }, reasons };
}

/**
 * The tenant's own domains when the user gave none (A4): the UPN domains of the accounts that made the actions —
 * the query infers them the same way from the sign-in and audit tables. External recipients never make actions here.
 */
export function inferTenantDomains(rows: readonly Record<string, unknown>[]): string[] {
  const out = new Set<string>();
  for (const r of rows)
    for (const k of ["UserUpn", "MailboxUpn"]) {
      const v = r[k];
      if (typeof v !== "string") continue;
      const at = v.lastIndexOf("@");
      if (at > 0 && !v.includes("#EXT#")) out.add(v.slice(at + 1).toLowerCase());
    }
  return [...out].sort();
}

/** IpIntel (src/hunt/enrich) adapted to what hit building reads. */
export function networkIntelOf(intel: {
  lookup(ip: unknown): {
    asn?: number;
    org?: string;
    country?: string;
    tags: readonly string[];
    evidence?: readonly { tag: string; source: string }[];
  } | null;
}): NetworkIntel {
  return {
    lookup(ip) {
      const r = intel.lookup(ip);
      if (!r) return undefined;
      return {
        ...(r.asn !== undefined ? { asn: r.asn } : {}),
        ...(r.org ? { org: r.org } : {}),
        ...(r.country ? { country: r.country } : {}),
        tags: [...r.tags],
        ...(r.evidence?.length ? { evidence: r.evidence.map((e) => `${e.tag}:${e.source}`) } : {}),
      };
    },
  };
}

export const RISK_LEVELS = { low: 10, medium: 50, high: 100 } as const;
