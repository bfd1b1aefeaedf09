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

export interface HitSources {
  hunt?: (o?: { lookback?: string }) => Promise<LiveResult>;
  scan?: (users?: string[]) => Promise<{ hits: Hit[]; notScanned: NotScanned[] }>;
}

export interface CollectedHits {
  hits: Hit[];
  notScanned: NotScanned[];
  /** What the hunt returned, when it ran. */
  hunt?: { target: string; rows: number; hits: number; problems: LiveResult["problems"]; truncated: boolean };
  /** Hits the scan found that the hunt had already (same suspect object): counted once. */
  duplicates: number;
}

export async function collectHits(
  source: HitSource,
  from: HitSources,
  o: { lookback?: string; users?: string[] } = {},
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
  if (source !== "hunt") {
    if (!from.scan) throw new Error("run.source needs a scan, and no scanner was given");
    const r = await from.scan(o.users);
    out.notScanned.push(...r.notScanned);
    add(r.hits);
  }
  return out;
}
