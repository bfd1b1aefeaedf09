/**
 * Offline hunting: exports → adapters → the KQL engine (DuckDB) → the same .kql files that run live → hits.
 * `now` (what ago() counts from) defaults to the newest event in the input, so an old export hunts as of its own time.
 */
import type { Hit } from "../model/hit.js";
import type { LoadReport } from "./adapters/index.js";
import type { HuntParams } from "./queries/index.js";
import {
  hitsFromRows,
  inferTenantDomains,
  networkIntelOf,
  type HuntProfile,
  type HuntTarget,
  type RowProblem,
} from "./hunt.js";
import { stat } from "node:fs/promises";
import { HuntUsageError } from "./errors.js";
import { renderHits, renderHunt, renderRows } from "./output.js";
import { textOf } from "./row.js";

export interface OfflineOptions {
  paths: string[];
  targets?: HuntTarget[];
  profile: HuntProfile;
  params: Partial<HuntParams>;
  riskThreshold: number;
  tenantId: string;
  now?: Date;
  ipDatabase?: string;
}

export interface SeedComparison {
  seedRows: number;
  mailwardenHits: number;
  mailwardenHigh: number;
  /** Mailwarden hits whose audit record the seed does not return. */
  missedBySeed: { operation: string; user: string; recordId?: string; severity: string; linkKey?: string }[];
  /** Seed rows that mailwarden does not report as a hit (ReportIds). */
  seedOnly: string[];
}

export interface OfflineRun {
  target: HuntTarget;
  query: string;
  now: string;
  nowSource: string;
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  hits: Hit[];
  problems: RowProblem[];
  comparison?: SeedComparison;
}

export interface OfflineResult {
  load: LoadReport;
  runs: OfflineRun[];
  render: { hits: typeof renderHits; rows: typeof renderRows; hunt: typeof renderHunt };
}

/** Which query each target needs rows in. */
const ACTION_TABLE: Record<HuntTarget, string> = { defender: "CloudAppEvents", sentinel: "OfficeActivity" };

export async function huntOffline(o: OfflineOptions): Promise<OfflineResult> {
  // A path that is not there is a mistake (a typo, a missing mount), not an empty export: say so, naming it.
  for (const p of o.paths)
    await stat(p).catch((e: NodeJS.ErrnoException) => {
      throw new HuntUsageError(
        e.code === "ENOENT"
          ? `--offline: no such file or folder: ${p}`
          : `--offline: cannot read ${p}: ${e.code ?? e.message}`,
      );
    });
  const { KqlEngine } = await import("./kql/engine.js");
  const { loadExports } = await import("./adapters/index.js");
  const { buildQuery } = await import("./queries/index.js");
  const { IpIntel } = await import("./enrich/index.js");
  const engine = await KqlEngine.create();
  try {
    const load = await loadExports(engine, o.paths);
    const targets =
      o.targets ??
      (["defender", "sentinel"] as const).filter((t) => (load.tableRows[ACTION_TABLE[t]] ?? 0) > 0);
    if (o.profile === "seed" && targets.includes("sentinel") && o.targets?.includes("sentinel"))
      throw new HuntUsageError(
        "the seed query is written for Defender's tables; use --target defender (or the default profile for Sentinel)",
      );
    const ipIntel = await IpIntel.open(o.ipDatabase ? { mmdbPath: o.ipDatabase } : {});
    const intel = networkIntelOf(ipIntel);
    const detectedAt = new Date().toISOString();
    const runs: OfflineRun[] = [];
    for (const target of targets) {
      if (o.profile === "seed" && target !== "defender") continue;
      // C5 by ASN needs each address's owner: a first pass lists the addresses, enrichment answers, and the
      // answers go into the query as the ipAsn parameter (a literal table, like every parameter).
      const params: Partial<HuntParams> = {
        ...o.params,
        ipAsn: o.params.ipAsn ?? (await ipAsnOf(engine, target, (ip) => ipIntel.lookup(ip)?.asn, o.now)),
      };
      const query = buildQuery({
        target,
        profile: o.profile,
        ...(o.profile === "default" ? { params } : {}),
      });
      const res = await engine.run(query, o.now ? { now: o.now } : {});
      const now = res.now;
      const nowSource = o.now ? "--now" : "the newest event in the input";
      const ctxFor = (rows: readonly Record<string, unknown>[]) => ({
        tenantId: o.tenantId,
        tenantDomains: o.params.tenantDomains?.length ? o.params.tenantDomains : inferTenantDomains(rows),
        riskThreshold: o.riskThreshold,
        intel,
        detectedAt,
      });
      const run: OfflineRun = {
        target,
        query,
        now,
        nowSource,
        columns: res.columns,
        rows: res.rows,
        hits: [],
        problems: [],
      };
      if (o.profile === "default") {
        const h = hitsFromRows(res.rows, ctxFor(res.rows));
        run.hits = h.hits;
        run.problems = h.problems;
      } else {
        // The seed's own rows, plus what mailwarden's default query finds that the seed does not.
        const def = await engine.run(buildQuery({ target, profile: "default", params }), {
          now: new Date(now),
        });
        const h = hitsFromRows(def.rows, ctxFor(def.rows));
        const seedIds = new Set(res.rows.map((r) => textOf(r["ReportId"])));
        const found = new Set(
          h.hits.flatMap((x) => [x.action.reportId, x.action.recordId].filter(Boolean) as string[]),
        );
        run.comparison = {
          seedRows: res.rows.length,
          mailwardenHits: h.hits.length,
          mailwardenHigh: h.hits.filter((x) => x.severity === "high").length,
          missedBySeed: h.hits
            .filter((x) => !seedIds.has(x.action.reportId ?? x.action.recordId ?? ""))
            .map((x) => ({
              operation: x.action.operation,
              user: x.user.upn,
              ...(x.action.recordId ? { recordId: x.action.recordId } : {}),
              severity: x.severity,
              ...(x.links[0] ? { linkKey: x.links[0].key } : {}),
            })),
          seedOnly: [...seedIds].filter((id) => !found.has(id)),
        };
        run.problems = h.problems;
      }
      runs.push(run);
    }
    return { load, runs, render: { hits: renderHits, rows: renderRows, hunt: renderHunt } };
  } finally {
    engine.close?.();
  }
}

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

async function ipAsnOf(
  engine: { run(q: string, o?: { now?: Date }): Promise<{ rows: Record<string, unknown>[] }> },
  target: HuntTarget,
  asnOf: (ip: string) => number | undefined,
  now: Date | undefined,
): Promise<{ ip: string; asn: number }[]> {
  const { defaultHuntParams, paramPrelude, queryFile } = await import("./queries/index.js");
  const q = `${paramPrelude(defaultHuntParams())}\n${queryFile(target)}\nunion (MwEvents | distinct IPRaw = ClientIPRaw), (MwSignIns | distinct IPRaw)\n| where isnotempty(IPRaw)\n| distinct IPRaw`;
  const { rows } = await engine.run(q, now ? { now } : {});
  const out = new Map<string, number>();
  for (const r of rows) {
    const raw = textOf(r["IPRaw"]);
    const asn = asnOf(raw);
    if (asn !== undefined && asn > 0) out.set(kqlNormalIp(raw), asn);
  }
  return [...out].map(([ip, asn]) => ({ ip, asn }));
}
