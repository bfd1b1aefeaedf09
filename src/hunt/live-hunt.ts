/**
 * Live hunting against the configured tenant: the query runs in Defender XDR (Graph runHuntingQuery) or in the
 * Sentinel workspace (Log Analytics); enrichment happens here, locally, with the same data as offline (nothing about
 * the user's data leaves for a third party): a first query lists the window's addresses, their owners (ASN) go into
 * the hunting query for same-network links (ip-asn.ts), and the returned rows' IPs are enriched for the hits.
 */
import type { TokenCredential } from "@azure/identity";
import type { GraphAdapter } from "../adapters/graph/client.js";
import type { Config } from "../config/schema.js";
import type { Hit } from "../model/hit.js";
import type { HuntParams } from "./queries/index.js";
import { HuntUsageError } from "./errors.js";
import { hitsFromRows, networkIntelOf, type HuntProfile, type HuntTarget, type RowProblem } from "./hunt.js";

/** What live hunting reads the tenant through; the caller (the CLI's command) opens it from config. */
export interface HuntTenant {
  credential: TokenCredential;
  graph: GraphAdapter;
  close(): Promise<void>;
}

export interface LiveResult {
  target: HuntTarget;
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  hits: Hit[];
  problems: RowProblem[];
  /** The platform's row limit was reached: there may be more. */
  truncated: boolean;
}

export async function huntLive(
  config: Config,
  o: { target?: HuntTarget; profile: HuntProfile; params: Partial<HuntParams>; ipDatabase?: string },
  /** Opens the tenant (Graph only: hunting never needs Exchange), after the arguments were checked. */
  openTenant: (config: Config) => Promise<HuntTenant>,
): Promise<LiveResult> {
  const { trustCaInProcess } = await import("../adapters/tls.js");
  trustCaInProcess(config.endpoints.caFile);
  const { buildQuery } = await import("./queries/index.js");
  const { runDefender, runSentinel } = await import("./live.js");
  const target = o.target ?? config.hunting.target;
  if (o.profile === "seed" && target !== "defender")
    throw new HuntUsageError("the seed query is written for Defender's tables; use --target defender");
  if (target === "sentinel" && !config.hunting.workspaceId)
    throw new HuntUsageError("hunting.workspaceId is required to hunt in Sentinel");
  const t = await openTenant({ ...config, exchange: { ...config.exchange, enabled: false } });
  try {
    const run = (q: string) =>
      target === "defender"
        ? runDefender(t.graph, q)
        : runSentinel(
            {
              credential: t.credential,
              baseUrl: config.endpoints.logAnalyticsBaseUrl,
              workspaceId: config.hunting.workspaceId!,
            },
            q,
          );
    const { IpIntel } = await import("./enrich/index.js");
    const ipDb = o.ipDatabase ?? config.hunting.ipDatabase;
    const ipIntel = o.profile === "default" ? await IpIntel.open(ipDb ? { mmdbPath: ipDb } : {}) : undefined;
    // C5 by ASN, as offline: list the window's addresses, enrich them here, pass the owners in as `ipAsn`.
    let params = o.params;
    if (ipIntel && !params.ipAsn) {
      const { ipListQuery, ipAsnFromRows } = await import("./ip-asn.js");
      const ips = await run(ipListQuery(target, params));
      params = { ...params, ipAsn: ipAsnFromRows(ips.rows, (ip) => ipIntel.lookup(ip)?.asn) };
    }
    const query = buildQuery({
      target,
      profile: o.profile,
      ...(o.profile === "default" ? { params } : {}),
    });
    const res = await run(query);
    const limit = Math.min(100_000, o.params.maxRows ?? 100_000);
    let hits: Hit[] = [];
    let problems: RowProblem[] = [];
    if (ipIntel) {
      const intel = networkIntelOf(ipIntel);
      ({ hits, problems } = hitsFromRows(res.rows, {
        tenantId: config.tenant.id,
        tenantDomains: config.tenant.domains,
        riskThreshold: o.params.riskThreshold ?? 50,
        intel,
        detectedAt: new Date().toISOString(),
      }));
    }
    return {
      target,
      columns: res.columns,
      rows: res.rows,
      hits,
      problems,
      truncated: res.rows.length >= limit,
    };
  } finally {
    await t.close();
  }
}
