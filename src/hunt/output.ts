/**
 * Hunting output: hits as a table, JSON, JSON lines or CSV, and raw query rows (the seed profile) the same ways.
 * Everything here is attacker-influenced text: terminal output goes through termSafe (via table()), CSV cells that
 * a spreadsheet would run as formulas are neutralised (csv-stringify's escape_formulas: a leading `'`).
 */
import { stringify } from "csv-stringify/sync";
import type { Hit } from "../model/hit.js";
import { describeTarget } from "../model/describe.js";
import { table } from "../text/table.js";

export const HUNT_FORMATS = ["table", "json", "jsonl", "csv"] as const;
export type HuntFormat = (typeof HUNT_FORMATS)[number];

export function csv(head: string[], rows: unknown[][]): string {
  return stringify([head, ...rows.map((r) => r.map(cellText))], {
    escape_formulas: true,
    record_delimiter: "\r\n",
  });
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

const HIT_CSV_HEAD = [
  "hitKey",
  "severity",
  "score",
  "user",
  "operation",
  "time",
  "recordId",
  "target",
  "linkKey",
  "signInRequestId",
  "sessionId",
  "ip",
  "asn",
  "country",
  "risk",
  "reasons",
];

export interface HuntMeta {
  target: string;
  profile: string;
  /** The "now" that ago() used. */
  now: string;
  nowSource: string;
  [k: string]: unknown;
}

/** A hit as `hunt` prints it in `json`, `jsonl` and `csv`: once per hitKey, with the targets that found it. */
export type FoundHit = Hit & { foundBy: string[] };

/**
 * De-duplicates hits by hitKey across targets (and within one): the first seen keeps its place, the highest score
 * wins, and `foundBy` lists every target that found it, in hunting order.
 */
export function mergeHits(results: readonly { target: string; hits: readonly Hit[] }[]): FoundHit[] {
  const byKey = new Map<string, FoundHit>();
  for (const r of results)
    for (const h of r.hits) {
      const seen = byKey.get(h.hitKey);
      if (!seen) byKey.set(h.hitKey, { ...h, foundBy: [r.target] });
      else {
        const foundBy = seen.foundBy.includes(r.target) ? seen.foundBy : [...seen.foundBy, r.target];
        byKey.set(h.hitKey, h.score > seen.score ? { ...h, foundBy } : { ...seen, foundBy });
      }
    }
  return [...byKey.values()];
}

/** One target's part of a hunt (offline hunts may have two: defender and sentinel). */
export interface TargetResult {
  target: string;
  now: string;
  nowSource: string;
  columns: { name: string; type?: string }[];
  rows: Record<string, unknown>[];
  hits: Hit[];
  comparison?: unknown;
  rowProblems?: unknown[];
  /** Offline: the window hunted and how many mailbox actions of the input it left out. */
  window?: unknown;
}

/**
 * The output of one hunt over one or more targets. `json` is always exactly one document: `hits` at the top
 * level (de-duplicated, each with `foundBy`), one `targets` entry per target (its `now`, row count, hitKeys,
 * seed comparison and row problems); with exactly one target, that target's `target`, `now`, `nowSource`,
 * `comparison` and `rowProblems` are also at the top level, as before. In rows mode (`--rows`, `--profile seed`) a
 * target's `columns` and `rows` are in its `targets` entry, or at the top level when only one target was hunted.
 * `jsonl` and `csv` print each hit once (by hitKey) with `foundBy`; `table` prints one table per target.
 */
export function renderHunt(
  results: readonly TargetResult[],
  format: HuntFormat,
  o: { profile: string; rowsOnly: boolean; extra?: Record<string, unknown> },
): string {
  const single = results.length === 1 ? results[0] : undefined;
  if (format === "json") {
    const meta = (r: TargetResult) => ({
      target: r.target,
      now: r.now,
      nowSource: r.nowSource,
      ...(r.window ? { window: r.window } : {}),
      ...(r.comparison ? { comparison: r.comparison } : {}),
      ...(r.rowProblems?.length ? { rowProblems: r.rowProblems } : {}),
    });
    const targets = results.map((r) => ({
      ...meta(r),
      rowCount: r.rows.length,
      ...(o.rowsOnly
        ? single
          ? {}
          : { columns: r.columns, rows: r.rows }
        : { hitKeys: [...new Set(r.hits.map((h) => h.hitKey))] }),
    }));
    const doc = {
      schemaVersion: 1,
      ...(single ? meta(single) : {}),
      profile: o.profile,
      ...o.extra,
      ...(o.rowsOnly
        ? single
          ? { columns: single.columns, rows: single.rows }
          : {}
        : { hits: mergeHits(results) }),
      targets,
    };
    return JSON.stringify(doc, null, 2);
  }
  if (o.rowsOnly)
    return results
      .map((r) => renderRows(r.columns, r.rows, format, { ...r, profile: o.profile }))
      .filter((t) => t !== "")
      .join("\n");
  if (format === "table")
    return results.map((r) => renderHits(r.hits, "table", { ...r, profile: o.profile })).join("\n");
  return renderFoundHits(mergeHits(results), format);
}

function renderFoundHits(hits: FoundHit[], format: "jsonl" | "csv"): string {
  if (format === "jsonl") return hits.map((h) => JSON.stringify(h)).join("\n");
  return csv(
    [...HIT_CSV_HEAD, "foundBy"],
    hits.map((h) => [...hitCsvRow(h), h.foundBy.join(" ")]),
  );
}

function hitCsvRow(h: Hit): unknown[] {
  const l = h.links[0];
  return [
    h.hitKey,
    h.severity,
    h.score,
    h.user.upn,
    h.action.operation,
    h.action.time,
    h.action.recordId,
    describeTarget(h.target),
    l?.key,
    l?.signInRequestId,
    l?.sessionId ?? h.action.sessionId,
    l?.ip ?? h.action.ip,
    l?.asn,
    l?.country,
    l?.risk,
    h.reasons.map((r) => r.code).join(" "),
  ];
}

export function renderHits(hits: Hit[], format: HuntFormat, meta: HuntMeta): string {
  switch (format) {
    case "json":
      return JSON.stringify({ schemaVersion: 1, ...meta, hits }, null, 2);
    case "jsonl":
      return hits.map((h) => JSON.stringify(h)).join("\n");
    case "csv":
      return csv(HIT_CSV_HEAD, hits.map(hitCsvRow));
    case "table":
      return table(
        ["severity", "score", "user", "action", "time", "target", "linked by", "why"],
        hits.map((h) => {
          const l = h.links[0];
          return [
            h.severity,
            h.score,
            h.user.upn,
            h.action.operation,
            h.action.time?.replace(/\.\d+Z$/, "Z"),
            describeTarget(h.target),
            l ? `${l.key}${l.ip ? ` ${l.ip}` : ""}${l.asn ? ` AS${l.asn}` : ""}` : "—",
            h.reasons
              .filter((r) => r.weight > 0)
              .map((r) => r.code)
              .join(", "),
          ];
        }),
      );
  }
}

export function renderRows(
  columns: { name: string }[],
  rows: Record<string, unknown>[],
  format: HuntFormat,
  meta: HuntMeta,
): string {
  const head = columns.map((c) => c.name);
  switch (format) {
    case "json":
      return JSON.stringify({ schemaVersion: 1, ...meta, columns, rows }, null, 2);
    case "jsonl":
      return rows.map((r) => JSON.stringify(r)).join("\n");
    case "csv":
      return csv(
        head,
        rows.map((r) => head.map((h) => r[h])),
      );
    case "table":
      return table(
        head,
        rows.map((r) => head.map((h) => cellText(r[h]))),
      );
  }
}
