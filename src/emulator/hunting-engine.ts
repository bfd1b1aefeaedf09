/**
 * The emulated tenant's hunting engine: the offline KQL engine (src/hunt/kql) over the tenant's log tables, so the
 * Graph runHuntingQuery and Log Analytics faces answer real queries. A fresh in-memory DuckDB per call: the tables
 * change as scenarios run, and the emulator's tables are small.
 */
import { KqlEngine } from "../hunt/kql/engine.js";
import { analyse } from "../hunt/kql/transpile.js";
import {
  KqlExecutionError,
  KqlSemanticError,
  KqlTimeoutError,
  KqlUnsupportedError,
} from "../hunt/kql/errors.js";
import type { KqlColumn, KqlType } from "../hunt/kql/types.js";
import { huntTables } from "../hunt/schema/schema.js";
import { HuntingQueryError, type HuntingEngine, type HuntingResult } from "./hunting.js";
import type { LogRow } from "./state.js";

const GRAPH_TYPES: Record<KqlType, string> = {
  string: "String",
  datetime: "DateTime",
  long: "Int64",
  int: "Int32",
  real: "Double",
  bool: "Boolean",
  dynamic: "Dynamic",
  guid: "Guid",
  timespan: "TimeSpan",
};

/** Service limit of the API (apis.md A1): a query longer than this is cancelled. */
const TIMEOUT_MS = 180_000;

/** Column types of a table the schema does not know, from its values. */
function inferColumns(rows: readonly LogRow[]): KqlColumn[] {
  const types = new Map<string, KqlType>();
  for (const row of rows.slice(0, 1000))
    for (const [k, v] of Object.entries(row)) {
      if (v === null || types.has(k)) continue;
      types.set(
        k,
        typeof v === "boolean"
          ? "bool"
          : typeof v === "number"
            ? Number.isInteger(v)
              ? "long"
              : "real"
            : typeof v === "object"
              ? "dynamic"
              : "string",
      );
    }
  for (const row of rows.slice(0, 1000))
    for (const k of Object.keys(row)) if (!types.has(k)) types.set(k, "string");
  return [...types].map(([name, type]) => ({ name, type }));
}

/** Microseconds of an ISO 8601 duration (`P30D`, `PT1H`, `P1W`); undefined for other forms (then no filter). */
function durationMs(timespan: string | undefined): number | undefined {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
    timespan?.trim() ?? "",
  );
  if (!m || !timespan || timespan.trim() === "P") return undefined;
  const [, w, d, h, min, s] = m;
  return (
    ((Number(w ?? 0) * 7 + Number(d ?? 0)) * 86_400 +
      Number(h ?? 0) * 3600 +
      Number(min ?? 0) * 60 +
      Number(s ?? 0)) *
    1000
  );
}

function withinTimespan(
  rows: LogRow[],
  timeColumn: string | undefined,
  now: Date,
  timespan?: string,
): LogRow[] {
  const ms = durationMs(timespan);
  if (ms === undefined || !timeColumn) return rows;
  const from = now.getTime() - ms;
  return rows.filter((r) => {
    const t = Date.parse(((v) => (typeof v === "string" ? v : ""))(r[timeColumn]));
    return Number.isNaN(t) || t >= from;
  });
}

export const kqlHuntingEngine: HuntingEngine = {
  async run(query, tables, now, options = {}): Promise<HuntingResult> {
    // Every schema table exists (empty unless the tenant has rows), so valid queries on absent tables still run.
    const columns: Record<string, KqlColumn[]> = {};
    for (const name of new Set([...Object.keys(huntTables), ...Object.keys(tables)])) {
      const schema = huntTables[name];
      columns[name] = schema
        ? schema.columns.map((c) => ({ name: c.name, type: c.type }))
        : inferColumns(tables[name] ?? []);
    }
    let engine: KqlEngine | undefined;
    try {
      analyse(query, columns); // a bad query is refused before any table is loaded
      engine = await KqlEngine.create({ threads: 1 });
      for (const [name, cols] of Object.entries(columns)) {
        const rows = tables[name] ?? [];
        await engine.registerRows(
          name,
          cols,
          withinTimespan(rows, huntTables[name]?.timeColumn, now, options.timespan),
        );
      }
      // Defender's sign-ins under both their names, whichever the tenant's tables hold (as offline).
      await engine.bindSignInTables();
      const result = await engine.run(query, { now, timeoutMs: TIMEOUT_MS });
      return {
        schema: result.columns.map((c) => ({ name: c.name, type: GRAPH_TYPES[c.type] })),
        results: result.rows,
      };
    } catch (err) {
      if (err instanceof KqlSemanticError) throw new HuntingQueryError(`Semantic error: ${err.message}`);
      if (err instanceof KqlUnsupportedError)
        throw new HuntingQueryError(`Query could not be executed by the emulated tenant: ${err.message}`);
      if (err instanceof KqlTimeoutError)
        throw new HuntingQueryError(`Query execution has exceeded the allowed limits: ${err.message}`);
      if (err instanceof KqlExecutionError)
        throw new HuntingQueryError(`Query execution failed: ${err.message}`);
      throw err;
    } finally {
      engine?.close();
    }
  },
};
