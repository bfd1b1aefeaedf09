/**
 * Moves mapped rows into a hunting table: typed conversion, quarantine of rows whose values do not convert, and
 * de-duplication by record identity — all inside DuckDB, so millions of rows never pass through JavaScript.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { huntTable, storageColumns } from "../schema/schema.js";
import { identityExpr, storedIdentityExpr } from "./identity.js";
import { failedExpr, ident, lit, typedExpr } from "./sql.js";

/**
 * A relation holding mapped rows: `_ord` (BIGINT, the record's place in its file), `_pre` (VARCHAR, a reason found
 * while reading, e.g. invalid JSON, or NULL) and one VARCHAR column per target column present (`columns`).
 */
export interface MappedRows {
  sql: string;
  columns: ReadonlySet<string>;
  /** Routes rows between tables fed by the same input (a predicate over the relation's columns). */
  where?: string;
}

export interface CommitResult {
  /** Rows considered (after routing). */
  rows: number;
  loaded: number;
  duplicate: number;
  quarantined: number;
  /** The first quarantined rows, by `_ord`. */
  bad: { ord: number; reason: string }[];
}

const typedAlias = (c: string) => ident(`t:${c}`);

export async function commitRows(
  conn: DuckDBConnection,
  table: string,
  src: MappedRows,
  keepBad: number,
): Promise<CommitResult> {
  const t = huntTable(table);
  if (!t) throw new Error(`unknown hunting table ${table}`);
  const cols = storageColumns(table);
  const present = new Map([...src.columns].map((c) => [c.toLowerCase(), c]));
  const selects: string[] = [];
  const reasons: string[] = [];
  for (const c of cols) {
    const have = present.get(c.name.toLowerCase());
    const raw = have ? `src.${ident(have)}` : "NULL::VARCHAR";
    selects.push(`${typedExpr(c.type, raw)} AS ${typedAlias(c.name)}`);
    if (c.name === t.timeColumn) {
      reasons.push(`CASE WHEN trim(coalesce(${raw}, '')) = '' THEN ${lit(`missing time (${c.name})`)} END`);
    }
    if (have) {
      const f = failedExpr(c.type, c.name, raw, typedAlias(c.name));
      if (f) reasons.push(f);
    }
  }
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE mw_conv AS SELECT src._ord AS _ord, ${selects.join(", ")}, ` +
      // A record unreadable as a whole has that one reason; otherwise every column that failed is named.
      `coalesce(src._pre, concat_ws('; ', ${reasons.join(", ")})) AS _reason FROM (${src.sql}) AS src` +
      (src.where ? ` WHERE ${src.where}` : ""),
  );
  try {
    const counts = await conn.runAndReadAll(
      `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE _reason <> '')::BIGINT AS bad FROM mw_conv`,
    );
    const [n, bad] = (counts.getRows()[0] ?? [0, 0]).map(Number) as [number, number];
    const badRows = (
      await conn.runAndReadAll(
        `SELECT _ord::BIGINT, _reason FROM mw_conv WHERE _reason <> '' ORDER BY _ord LIMIT ${Math.max(0, Math.floor(keepBad))}`,
      )
    )
      .getRows()
      .map(([o, r]) => ({ ord: Number(o), reason: String(r) }));
    const id = identityExpr(table, typedAlias);
    const inserted = await conn.run(
      `INSERT INTO ${ident(table)} (${cols.map((c) => ident(c.name)).join(", ")}) ` +
        `SELECT ${cols.map((c) => typedAlias(c.name)).join(", ")} FROM mw_conv ` +
        `WHERE _reason = '' AND (${id} = '' OR ${id} NOT IN (SELECT ${storedIdentityExpr(table)} FROM ${ident(table)})) ` +
        `QUALIFY ${id} = '' OR row_number() OVER (PARTITION BY ${id} ORDER BY _ord) = 1`,
    );
    const loaded = Number(inserted.rowsChanged);
    return { rows: n, loaded, duplicate: n - bad - loaded, quarantined: bad, bad: badRows };
  } finally {
    await conn.run("DROP TABLE IF EXISTS mw_conv");
  }
}
