import { readFileSync } from "node:fs";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { hitSchema, type Hit } from "../model/hit.js";
import { ConfigError, UsageError } from "./errors.js";
import { status } from "./output.js";
import { needsReexec } from "./trust.js";

export function requireConfig(
  file: string | undefined,
  flags: Record<string, string | undefined> = {},
): Config {
  const r = loadConfig({ ...(file ? { file } : {}), env: process.env, flags });
  // A process about to re-execute itself to trust the config's CA leaves the warnings to its child.
  if (!r.config || !needsReexec(r.config.endpoints.caFile))
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

/** Reads hits from a `scan --format json` document or JSON lines; every bad record is reported with its line. */
export function readHitsFile(file: string): Hit[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const trimmed = text.trim();
  const records: { line: number; value: unknown }[] = [];
  if (trimmed.startsWith("{") && !trimmed.includes("\n{")) {
    const doc = JSON.parse(trimmed) as { hits?: unknown[] };
    (doc.hits ?? [doc]).forEach((value) => records.push({ line: 1, value }));
  } else {
    text.split("\n").forEach((l, i) => {
      if (!l.trim()) return;
      try {
        records.push({ line: i + 1, value: JSON.parse(l) });
      } catch (e) {
        throw new UsageError(`${file}:${i + 1}: not JSON: ${(e as Error).message}`);
      }
    });
  }
  return records.map(({ line, value }) => {
    const r = hitSchema.safeParse(value);
    if (!r.success)
      throw new UsageError(
        `${file}:${line}: not a hit: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    return r.data;
  });
}
