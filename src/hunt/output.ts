/**
 * Hunting output: hits as a table, JSON, JSON lines or CSV, and raw query rows (the seed profile) the same ways.
 * Everything here is attacker-influenced text: terminal output goes through termSafe (via table()), CSV cells that
 * a spreadsheet would run as formulas are neutralised (csv-stringify's escape_formulas: a leading `'`).
 */
import { stringify } from "csv-stringify/sync";
import type { Hit } from "../model/hit.js";
import { table } from "../cli/output.js";
import { describeTarget } from "../cli/commands/scan.js";

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

export function renderHits(hits: Hit[], format: HuntFormat, meta: HuntMeta): string {
  switch (format) {
    case "json":
      return JSON.stringify({ schemaVersion: 1, ...meta, hits }, null, 2);
    case "jsonl":
      return hits.map((h) => JSON.stringify(h)).join("\n");
    case "csv":
      return csv(
        HIT_CSV_HEAD,
        hits.map((h) => {
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
        }),
      );
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
