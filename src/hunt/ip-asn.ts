/**
 * Same-network links by ASN (C5) need each address's owner, which the query cannot know: a first query lists the
 * addresses of the hunted window, local enrichment (src/hunt/enrich) answers, and the answers go into the hunting
 * query as its `ipAsn` parameter (a literal table, like every parameter). Offline and live do the same, so both
 * find the same links: nothing about the user's data leaves for a third party.
 */
import type { HuntTarget } from "./hunt.js";
import { defaultHuntParams, paramPrelude, queryFile, type HuntParams } from "./queries/index.js";
import { textOf } from "./row.js";

/** The address forms core.kql compares (`NIP`): brackets, `:port` / `-port` and `::ffff:` removed, lower-case. */
export function kqlNormalIp(raw: string): string {
  const t = raw.trim();
  const bare = t.startsWith("[")
    ? (/^\[([^\]]*)\]/.exec(t)?.[1] ?? t)
    : /^\d{1,3}(\.\d{1,3}){3}[:-]\d+$/.test(t)
      ? (/^([0-9.]+)/.exec(t)?.[1] ?? t)
      : t;
  return bare.replace(/^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i, "$1").toLowerCase();
}

/** The query listing every distinct address (actions and sign-ins) the hunting query will read. */
export function ipListQuery(target: HuntTarget, params: Partial<HuntParams> = {}): string {
  const p = { ...defaultHuntParams(), ...(params.lookback ? { lookback: params.lookback } : {}) };
  return `${paramPrelude(p)}\n${queryFile(target)}\nunion (MwEvents | distinct IPRaw = ClientIPRaw), (MwSignIns | distinct IPRaw)\n| where isnotempty(IPRaw)\n| distinct IPRaw`;
}

/** The `ipAsn` parameter from that query's rows: each address enrichment knows an owner of. */
export function ipAsnFromRows(
  rows: readonly Record<string, unknown>[],
  asnOf: (ip: string) => number | undefined,
): { ip: string; asn: number }[] {
  const out = new Map<string, number>();
  for (const r of rows) {
    const raw = textOf(r["IPRaw"]);
    const asn = asnOf(raw);
    if (asn !== undefined && asn > 0) out.set(kqlNormalIp(raw), asn);
  }
  return [...out].map(([ip, asn]) => ({ ip, asn }));
}
