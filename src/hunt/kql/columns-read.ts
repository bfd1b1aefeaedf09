/**
 * Which columns of which tables a statement reads, from DuckDB's own plan (`EXPLAIN (FORMAT JSON)`): every table
 * scan lists the columns it projects and the filters pushed into it. The loaders use the answer to store only what
 * the hunt's queries read (LoadOptions.columns). Read before the tables hold rows, the optimiser would replace a scan
 * of an empty table by an empty result and lose its columns: the statistics that tell it so are turned off for the
 * EXPLAIN and restored after.
 */
import type { DuckDBConnection } from "@duckdb/node-api";

const NOT_COLUMNS = new Set(["Table", "Type", "Estimated Cardinality", "Function"]);

interface PlanNode {
  extra_info?: Record<string, unknown>;
  children?: PlanNode[];
}

const words = (v: unknown): string[] =>
  typeof v === "string"
    ? (v.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])
    : Array.isArray(v)
      ? v.flatMap(words)
      : [];

/**
 * Adds to `into` the columns each table scan of `sql` reads. `schemas` names each table's columns (any letter case);
 * the answer uses those spellings. Only the plan is built: the statement does not run.
 */
export async function addColumnsRead(
  conn: DuckDBConnection,
  sql: string,
  schemas: ReadonlyMap<string, readonly string[]>,
  into: Map<string, Set<string>>,
): Promise<void> {
  const byLower = new Map([...schemas.keys()].map((t) => [t.toLowerCase(), t]));
  await conn.run("SET disabled_optimizers = 'statistics_propagation,empty_result_pullup'");
  let plan: PlanNode[];
  try {
    const r = await conn.runAndReadAll(`EXPLAIN (FORMAT JSON) ${sql}`);
    plan = r.getRows().flatMap((row) => JSON.parse(String(row[1])) as PlanNode[]);
  } finally {
    await conn.run("SET disabled_optimizers = ''");
  }
  const visit = (n: PlanNode): void => {
    const info = n.extra_info ?? {};
    const scanned = typeof info["Table"] === "string" ? info["Table"].split(".").at(-1) : undefined;
    const table = scanned ? byLower.get(scanned.toLowerCase()) : undefined;
    if (table) {
      const cols = new Map((schemas.get(table) ?? []).map((c) => [c.toLowerCase(), c]));
      const set = into.get(table) ?? new Set<string>();
      into.set(table, set);
      for (const [k, v] of Object.entries(info))
        if (!NOT_COLUMNS.has(k))
          for (const w of words(v)) {
            const c = cols.get(w.toLowerCase());
            if (c) set.add(c);
          }
    }
    for (const c of n.children ?? []) visit(c);
  };
  for (const n of plan) visit(n);
}
