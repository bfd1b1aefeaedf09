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
  /** Hunted rules the audit record did not name, identified by the scan (same mailbox, same content). */
  identified?: number;
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
  // hunt: the hunted users' mailboxes are read too (the whole picture: hidden rules, forwarding, the live identity of
  // a rule the audit record did not name); both: every mailbox.
  const hunted = [...new Set(out.hits.map((h) => h.user.upn.toLowerCase()))].sort();
  if (source === "both" || (source === "hunt" && from.scan && hunted.length)) {
    if (!from.scan) throw new Error("run.source needs a scan, and no scanner was given");
    const r = await from.scan(source === "hunt" ? hunted : o.users);
    out.notScanned.push(...r.notScanned);
    add(r.hits);
    out.identified = identifyUnnamed(out);
  }
  return out;
}

/**
 * A hunted inbox rule the audit record did not name (a MAPI UpdateInboxRules records neither name nor id, and its
 * recorded flags need not match the live rule's) cannot be addressed by itself. The scan read every rule of that
 * mailbox, hidden ones included, and reports each suspect one with its live identity: where it found any, the
 * unnamed hunt hit goes (those scan hits are contained; the hunt's evidence stays in the hunt output). Where it found
 * none, the hunt hit stays, and its containment step says the rule is not there.
 */
function identifyUnnamed(out: CollectedHits): number {
  const scanned = new Set<string>();
  for (const h of out.hits)
    if (h.detectedBy === "scan" && h.target.kind === "inboxRule" && h.target.ruleName)
      scanned.add(h.target.mailboxId.toLowerCase()).add(h.target.upn.toLowerCase());
  const before = out.hits.length;
  out.hits = out.hits.filter(
    (h) =>
      !(
        h.detectedBy === "hunt" &&
        h.target.kind === "inboxRule" &&
        !h.target.ruleName &&
        (scanned.has(h.target.mailboxId.toLowerCase()) || scanned.has(h.target.upn.toLowerCase()))
      ),
  );
  return before - out.hits.length;
}
