/**
 * Where the main job's hits come from (`run.source`): live hunting over the audit logs (Defender advanced hunting or
 * Sentinel, `hunting.target`), a scan of every mailbox now, or both — one hit per suspect object (the hunt's, which
 * carries the linked sign-ins, when both find it). The tenant is opened by the caller; hunting reuses its Graph client.
 */
import type { Config } from "../config/schema.js";
import type { LiveResult, HuntTenant } from "../hunt/live-hunt.js";
import { RISK_LEVELS } from "../hunt/hunt.js";
import type { HuntParams } from "../hunt/queries/index.js";
import type { Hit } from "../model/hit.js";
import type { NotScanned } from "../scan/scan.js";

export type HitSource = "hunt" | "scan" | "both";

/** The hunt's parameters from the config (as `hunt -c` takes them), with an optional narrower look-back. */
export function huntParamsOf(config: Config, lookback?: string): Partial<HuntParams> {
  const h = config.hunting;
  return {
    lookback: lookback ?? `${h.lookbackDays}d`,
    riskThreshold: RISK_LEVELS[h.riskThreshold],
    tenantDomains: config.tenant.domains,
    allowForwardAddresses: h.allowForwardAddresses,
    allowForwardDomains: h.allowForwardDomains,
    userTimeWindow: `${Math.round(h.userTimeWindowHours * 60)}m`,
    maxRows: h.maxRows,
  };
}

/** A live hunter on an open tenant (its Graph client and credential; hunting never needs Exchange). */
export function liveHunter(
  config: Config,
  tenant: Omit<HuntTenant, "close">,
): (o?: { lookback?: string }) => Promise<LiveResult> {
  return async (o = {}) => {
    const { huntLive } = await import("../hunt/live-hunt.js");
    return huntLive(config, { profile: "default", params: huntParamsOf(config, o.lookback) }, () =>
      Promise.resolve({ credential: tenant.credential, graph: tenant.graph, close: () => Promise.resolve() }),
    );
  };
}

/** What a scan returns that the main job reads: its hits, what it could not read, and each mailbox's live rules. */
export interface ScanOutcome {
  hits: Hit[];
  notScanned: NotScanned[];
  mailboxes?: { upn: string; userId: string; rules: { name: string }[] }[];
}

export interface HitSources {
  hunt?: (o?: { lookback?: string }) => Promise<LiveResult>;
  scan?: (users?: string[]) => Promise<ScanOutcome>;
}

export interface CollectedHits {
  hits: Hit[];
  notScanned: NotScanned[];
  /** What the hunt returned, when it ran. */
  hunt?: { target: string; rows: number; hits: number; problems: LiveResult["problems"]; truncated: boolean };
  /** Hits the scan found that the hunt had already (same suspect object): counted once. */
  duplicates: number;
  /** Hunted objects the scan identified live (a rule the audit record did not name, a transport rule by name). */
  identified?: number;
  /** Hunted rules no longer in their mailbox (removed since: the hunt's cover-up evidence says by whom). */
  gone?: Hit[];
}

export async function collectHits(
  source: HitSource,
  from: HitSources,
  o: { lookback?: string; users?: string[]; hiddenRulesRead?: boolean } = {},
): Promise<CollectedHits> {
  const out: CollectedHits = { hits: [], notScanned: [], duplicates: 0 };
  const seen = new Set<string>();
  const add = (hs: Hit[]) => {
    for (const h of hs) {
      if (o.users?.length && !o.users.some((u) => u.toLowerCase() === h.user.upn.toLowerCase())) continue;
      if (seen.has(h.hitKey)) {
        out.duplicates++;
        continue;
      }
      seen.add(h.hitKey);
      out.hits.push(h);
    }
  };
  if (source !== "scan") {
    if (!from.hunt) throw new Error("run.source needs hunting, and no hunter was given");
    const r = await from.hunt(o.lookback ? { lookback: o.lookback } : {});
    out.hunt = {
      target: r.target,
      rows: r.rows.length,
      hits: r.hits.length,
      problems: r.problems,
      truncated: r.truncated,
    };
    add(r.hits);
  }
  // hunt: the hunted users' mailboxes are read too (the whole picture: hidden rules, forwarding, the live identity of
  // a rule the audit record did not name); both: every mailbox.
  const hunted = [...new Set(out.hits.map((h) => h.user.upn.toLowerCase()))].sort();
  if (source !== "hunt" || (from.scan && hunted.length)) {
    if (!from.scan) throw new Error("run.source needs a scan, and no scanner was given");
    const r = await from.scan(source === "hunt" ? hunted : o.users);
    out.notScanned.push(...r.notScanned);
    add(r.hits);
    if (source !== "scan") {
      const rec = reconcileHunted(out.hits, r, { hiddenRulesRead: o.hiddenRulesRead ?? true });
      out.hits = rec.hits;
      out.identified = rec.identified;
      out.gone = rec.gone;
    }
  }
  return out;
}

/**
 * Hunted hits against what a scan read live. A hunted inbox rule the audit record did not name (a MAPI
 * UpdateInboxRules records neither name nor id, and its recorded flags need not match the live rule's) cannot be
 * addressed by itself: where the scan found suspect rules in that mailbox — it reads every rule, hidden ones too —
 * those carry the live identities and the unnamed hunt hit goes. A hunted transport rule is named, not identified,
 * by its audit record: the scan's transport rule of that name stands for it. A hunted rule whose mailbox the scan
 * read completely and that holds no rule of that name any more is gone (removed since): nothing to contain, said.
 */
export function reconcileHunted(
  hits: Hit[],
  scan: ScanOutcome,
  /** Whether the scan read hidden rules (Exchange): without it, a hunted rule missing from Graph's list may be hidden. */
  o: { hiddenRulesRead: boolean } = { hiddenRulesRead: true },
): { hits: Hit[]; identified: number; gone: Hit[] } {
  const key = (s: string) => s.toLowerCase();
  const suspectIn = new Set<string>();
  const transportNames = new Set<string>();
  for (const h of hits)
    if (h.detectedBy === "scan" && h.target.kind === "inboxRule" && h.target.ruleName)
      suspectIn.add(key(h.target.mailboxId)).add(key(h.target.upn));
    else if (h.detectedBy === "scan" && h.target.kind === "transportRule")
      transportNames.add(key(h.target.name));
  const unreadable = new Set(
    scan.notScanned.flatMap((n) => [n.mailbox, n.userId].filter(Boolean).map((x) => key(x!))),
  );
  const live = new Map<string, Set<string>>();
  for (const m of scan.mailboxes ?? [])
    if (!unreadable.has(key(m.upn)) && !unreadable.has(key(m.userId))) {
      const names = new Set(m.rules.map((r) => r.name));
      live.set(key(m.upn), names).set(key(m.userId), names);
    }
  let identified = 0;
  const gone: Hit[] = [];
  const kept = hits.filter((h) => {
    if (h.detectedBy !== "hunt") return true;
    const t = h.target;
    if (t.kind === "transportRule" && transportNames.has(key(t.name))) return (identified++, false);
    if (t.kind !== "inboxRule") return true;
    if (!t.ruleName) {
      if (suspectIn.has(key(t.mailboxId)) || suspectIn.has(key(t.upn))) return (identified++, false);
      return true;
    }
    const names = live.get(key(t.mailboxId)) ?? live.get(key(t.upn));
    if (names && o.hiddenRulesRead && !names.has(t.ruleName)) return (gone.push(h), false);
    return true;
  });
  return { hits: kept, identified, gone };
}
