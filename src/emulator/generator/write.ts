/**
 * Writes a generated tenant: every log table as CSV (RFC 4180; dynamic columns as JSON text in one cell, as the
 * Defender portal export does, formats.md §1.5) and as JSON Lines (one row object per line, dynamic columns as nested
 * JSON, like the streaming API's storage blobs), plus `state.json` (secrets and certificates removed) and
 * `truth.json`.
 *
 * Layout: `<out>/defender/<Table>.csv|.jsonl`, `<out>/sentinel/<Table>.csv|.jsonl`, `<out>/state.json`,
 * `<out>/truth.json`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { LogRow, LogValue, TenantState } from "../state.js";
import type { Generated } from "./generate.js";

export type TableFormat = "csv" | "json";

function cell(v: LogValue | undefined): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Columns in first-seen order across all rows (rows of one table share their columns; this tolerates extras). */
export function columnsOf(rows: readonly LogRow[]): string[] {
  const cols: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        cols.push(k);
      }
  return cols;
}

export function toCsv(rows: readonly LogRow[]): string {
  const cols = columnsOf(rows);
  const lines = [cols.map((c) => cell(c)).join(",")];
  for (const r of rows) lines.push(cols.map((c) => cell(r[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}

export function toJsonLines(rows: readonly LogRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
}

/** The state without secrets or certificates (and without the log tables, which are written separately). */
export function publicState(state: TenantState): Omit<TenantState, "logs"> {
  const { logs: _logs, ...rest } = state;
  void _logs;
  return { ...rest, apps: rest.apps.map((a) => ({ ...a, secrets: [], certificates: [] })) };
}

export async function writeGenerated(
  g: Generated,
  outDir: string,
  o: { formats?: TableFormat[] } = {},
): Promise<string[]> {
  const formats = o.formats ?? ["csv", "json"];
  const written: string[] = [];
  const put = async (rel: string, text: string) => {
    const file = path.join(outDir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    written.push(file);
  };
  for (const kind of ["defender", "sentinel"] as const)
    for (const [table, rows] of Object.entries(g.tables[kind])) {
      if (formats.includes("csv")) await put(path.join(kind, `${table}.csv`), toCsv(rows));
      if (formats.includes("json")) await put(path.join(kind, `${table}.jsonl`), toJsonLines(rows));
    }
  await put(
    "state.json",
    JSON.stringify({ startTime: g.startTime, seed: g.seed, state: publicState(g.state) }, null, 2) + "\n",
  );
  await put("truth.json", JSON.stringify(g.truth, null, 2) + "\n");
  return written;
}
