/**
 * Offline hunting: exports → adapters → the KQL engine (DuckDB) → the same .kql files that run live → hits.
 * `now` (what ago() counts from) defaults to the newest event in the input, so an old export hunts as of its own time.
 * The window is the whole input unless `params.lookback` (--lookback-days) or `now` (--now) narrow it: the user
 * chose what to export. Every run says how many mailbox actions of the input its window left out.
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
import { ipAsnFromRows, ipListQuery } from "./ip-asn.js";
import { buildQuery, defaultHuntParams, paramPrelude, queryFile } from "./queries/index.js";

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
  /**
   * Which sign-in table each side read: the seed names AADSignInEventsBeta, mailwarden EntraIdSignInEvents; both
   * names show the same loaded rows (`rowsFrom`: the tables the export filled), so the comparison is like with like.
   */
  signInTables: {
    seed: { table: string; rowsFrom: string[]; rows: number };
    mailwarden: { table: string; rowsFrom: string[]; rows: number };
  };
}

/** The time window a run hunted in, and what of the input it left out. */
export interface HuntWindow {
  /** `whole input`, or the look-back given (`30d`). */
  lookback: string;
  /** The window's end: what ago() counted from. */
  until: string;
  /** Mailbox actions (audit records of the operations the hunt reads, follow-on mail activity not counted). */
  mailboxActions: number;
  /** …of which the window left out (older than the look-back, or after --now). */
  leftOut: number;
}

export interface OfflineRun {
  target: HuntTarget;
  window: HuntWindow;
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
  const { declareHuntTables, loadExports } = await import("./adapters/index.js");
  const { IpIntel } = await import("./enrich/index.js");
  const engine = await KqlEngine.create();
  try {
    // Only the columns this run's queries read are stored (the others are read and checked, not kept): DuckDB's
    // plan of each query says which; the queries are the ones below, whichever targets the input turns out to feed.
    await declareHuntTables(engine);
    const lookback0 = o.params.lookback ?? WHOLE_INPUT;
    const planned = (o.targets ?? (["defender", "sentinel"] as const)).flatMap((target) => [
      ipListQuery(target, { lookback: lookback0 }),
      windowQuery(target, lookback0),
      buildQuery({ target, profile: "default", params: { ...o.params, lookback: lookback0, ipAsn: [] } }),
      ...(o.profile === "seed" && target === "defender" ? [buildQuery({ target, profile: "seed" })] : []),
    ]);
    // Narrowing only saves time: a plan DuckDB cannot build here means a full load, and the query's own error later.
    const columns = await engine.columnsToStore(planned).catch(() => undefined);
    const load = await loadExports(engine, o.paths, columns ? { columns } : {});
    // An export holds its sign-ins under one of the table's two names; queries may read either (the seed the old one).
    const signIns = await engine.bindSignInTables();
    const signInRead = (table: string) => {
      const b = signIns.find((x) => x.table === table);
      return { table, rowsFrom: b?.rowsFrom ?? [], rows: b?.rows ?? 0 };
    };
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
      const lookback = o.params.lookback ?? WHOLE_INPUT;
      const params: Partial<HuntParams> = {
        ...o.params,
        lookback,
        ipAsn:
          o.params.ipAsn ?? (await ipAsnOf(engine, target, (ip) => ipIntel.lookup(ip)?.asn, o.now, lookback)),
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
        window: await windowOf(engine, target, lookback, new Date(now)),
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
          h.hits.flatMap(
            (x) =>
              [x.action.reportId, x.action.recordId, ...(x.action.recordIds ?? [])].filter(
                Boolean,
              ) as string[],
          ),
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
          signInTables: {
            seed: signInRead("AADSignInEventsBeta"),
            mailwarden: signInRead("EntraIdSignInEvents"),
          },
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

/** A look-back longer than any export: offline, the default window is the whole input. */
const WHOLE_INPUT = "36500d";

type QueryEngine = {
  run(q: string, o?: { now?: Date }): Promise<{ rows: Record<string, unknown>[] }>;
};

/** Counts the mailbox actions of the input and those inside the window (follow-on mail activity not counted). */
function windowQuery(target: HuntTarget, lookback: string): string {
  const [table, time, op, app] =
    target === "defender"
      ? [
          "CloudAppEvents",
          "Timestamp",
          "ActionType",
          `| where ApplicationId == 20893 or Application == "Microsoft Exchange Online"`,
        ]
      : ["OfficeActivity", "TimeGenerated", "Operation", ""];
  return (
    `${paramPrelude({ ...defaultHuntParams(), lookback })}\n${queryFile(target)}\n${table}\n${app}\n` +
    `| where ${op} in (_exoOps) and ${op} !in (_followOps)\n` +
    `| summarize Total = count(), Inside = countif(${time} > ago(lookback) and ${time} <= now())`
  );
}

/** How many mailbox actions the input holds for `target`, and how many fall outside the window. */
async function windowOf(
  engine: QueryEngine,
  target: HuntTarget,
  lookback: string,
  now: Date,
): Promise<HuntWindow> {
  const { rows } = await engine.run(windowQuery(target, lookback), { now });
  const total = Number(rows[0]?.["Total"] ?? 0);
  const inside = Number(rows[0]?.["Inside"] ?? 0);
  return {
    lookback: lookback === WHOLE_INPUT ? "whole input" : lookback,
    until: now.toISOString(),
    mailboxActions: total,
    leftOut: total - inside,
  };
}

async function ipAsnOf(
  engine: QueryEngine,
  target: HuntTarget,
  asnOf: (ip: string) => number | undefined,
  now: Date | undefined,
  lookback: string,
): Promise<{ ip: string; asn: number }[]> {
  const { rows } = await engine.run(ipListQuery(target, { lookback }), now ? { now } : {});
  return ipAsnFromRows(rows, asnOf);
}
