import { readFileSync } from "node:fs";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { hitSchema, type Hit } from "../model/hit.js";
import { ConfigError, UsageError } from "./errors.js";
import { status } from "./output.js";

export function requireConfig(
  file: string | undefined,
  flags: Record<string, string | undefined> = {},
): Config {
  const r = loadConfig({ ...(file ? { file } : {}), env: process.env, flags });
  for (const w of r.warnings) status(`warning: ${w.path}: ${w.message}`);
  if (!r.config) {
    for (const e of r.errors) status(`error: ${e.path}: ${e.message}`);
    throw new ConfigError(
      `invalid configuration (${r.errors.length} error${r.errors.length === 1 ? "" : "s"})`,
      r.errors,
    );
  }
  return r.config;
}

export interface RejectedRecord {
  file: string;
  /** Line number (JSON lines) or `hits[N]` (a scan document). */
  at: string;
  reason: string;
}

/**
 * Reads hits from a `scan --format json` document or JSON lines. A bad record never stops the others: it is kept
 * with its file, place and reason in `rejected`, and the caller reports and counts it.
 */
export function readHitsFile(file: string): { hits: Hit[]; rejected: RejectedRecord[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const rejected: RejectedRecord[] = [];
  const records: { at: string; value: unknown }[] = [];
  const trimmed = text.trim();
  let doc: { hits?: unknown } | undefined;
  if (trimmed.startsWith("{")) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (parsed && typeof parsed === "object" && Array.isArray((parsed as { hits?: unknown }).hits))
        doc = parsed;
    } catch {
      // not one JSON document: read it as JSON lines below
    }
  }
  if (doc) {
    (doc.hits as unknown[]).forEach((value, i) => records.push({ at: `hits[${i}]`, value }));
  } else {
    text.split("\n").forEach((l, i) => {
      if (!l.trim()) return;
      try {
        records.push({ at: `line ${i + 1}`, value: JSON.parse(l) });
      } catch (e) {
        rejected.push({ file, at: `line ${i + 1}`, reason: `not JSON: ${(e as Error).message}` });
      }
    });
  }
  const hits: Hit[] = [];
  for (const { at, value } of records) {
    const r = hitSchema.safeParse(value);
    if (r.success) hits.push(r.data);
    else
      rejected.push({
        file,
        at,
        reason: `not a hit: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      });
  }
  return { hits, rejected };
}
