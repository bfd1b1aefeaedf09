/**
 * Moves mapped rows into a hunting table: typed conversion, quarantine of rows whose values do not convert, and
 * de-duplication by record identity — all inside DuckDB, so millions of rows never pass through JavaScript.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { huntTable, storageColumns } from "../schema/schema.js";
import { identityColumn, identityExpr, storedIdentityExpr } from "./identity.js";
import { failedExpr, ident, lit, mayFailExpr, storageType, typedExpr } from "./sql.js";

/**
 * A relation holding mapped rows: `_ord` (BIGINT, the record's place in its file), `_pre` (VARCHAR, a reason found
 * while reading, e.g. invalid JSON, or NULL) and one VARCHAR column per target column present (`columns`).
 */
export interface MappedRows {
  sql: string;
  columns: ReadonlySet<string>;
  /** Routes rows between tables fed by the same input (a predicate over the relation's columns). */
  where?: string;
  /**
   * The relation has no `_ord`: its rows come in record order (a file scan) and a record's `_ord` is its 1-based place.
   * Numbering them in SQL (`row_number() OVER ()`) would force the whole scan and conversion onto one thread.
   */
  inOrder?: boolean;
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

/**
 * The columns a table stores under LoadOptions.columns: the ones named, plus its identity and time columns; every
 * column when the table is not named or is identified by its whole row (no identity column).
 */
export function storedColumns(
  table: string,
  columns: Record<string, readonly string[]> | undefined,
): ReturnType<typeof storageColumns> {
  const all = storageColumns(table);
  const named = columns?.[table];
  const id = identityColumn(table);
  if (!named || !id) return all;
  const keep = new Set([...named, id, huntTable(table)?.timeColumn ?? ""].map((c) => c.toLowerCase()));
  return all.filter((c) => keep.has(c.name.toLowerCase()));
}

/**
 * How a commit shares the database with others running at once (loadExports converts two files at a time): the name
 * of its conversion table, and its turn — awaited after the conversion and its counts, before anything that reads or
 * writes the target table, so that files commit in their order whatever order their conversions finish in.
 */
export interface CommitStage {
  name?: string;
  turn?: () => Promise<void>;
}

export async function commitRows(
  conn: DuckDBConnection,
  table: string,
  src: MappedRows,
  keepBad: number,
  columns?: Record<string, readonly string[]>,
  stage: CommitStage = {},
): Promise<CommitResult> {
  const conv = ident(stage.name ?? "mw_conv");
  const t = huntTable(table);
  if (!t) throw new Error(`unknown hunting table ${table}`);
  const cols = storageColumns(table);
  const stored = new Set(storedColumns(table, columns).map((c) => c.name));
  const present = new Map([...src.columns].map((c) => [c.toLowerCase(), c]));
  const selects: string[] = [];
  const reasons: string[] = [];
  // A row needs its reasons put together only when one of these holds (most rows: none).
  const suspects: string[] = [];
  // Every column is checked (a value that does not convert quarantines its record); only stored ones are kept.
  for (const c of cols) {
    const have = present.get(c.name.toLowerCase());
    const raw = have ? `src.${ident(have)}` : "NULL::VARCHAR";
    const keep = stored.has(c.name);
    // Cast to the stored type so that mw_conv can become the table itself (see `adopt`).
    selects.push(
      `CAST(${keep ? typedExpr(c.type, raw) : "NULL"} AS ${storageType(c.type)}) AS ${typedAlias(c.name)}`,
    );
    const typed = keep ? typedAlias(c.name) : `(${typedExpr(c.type, raw)})`;
    if (c.name === t.timeColumn) {
      reasons.push(`CASE WHEN trim(coalesce(${raw}, '')) = '' THEN ${lit(`missing time (${c.name})`)} END`);
      // No text, or text that did not convert, has no typed value (a string time column: checked on every row).
      suspects.push(c.type === "string" || c.type === "guid" ? "TRUE" : `${typed} IS NULL`);
    }
    if (have) {
      const f = failedExpr(c.type, c.name, raw, typed);
      if (f) reasons.push(f);
      const m = mayFailExpr(c.type, raw, typed);
      if (m) suspects.push(m);
    }
  }
  const reason = reasons.length
    ? `CASE WHEN ${suspects.join(" OR ")} THEN concat_ws('; ', ${reasons.join(", ")}) ELSE '' END`
    : "''";
  if (src.inOrder && src.where) throw new Error("commitRows: a routed relation needs its own _ord");
  // An in-order relation keeps its order in mw_conv (DuckDB preserves insertion order), so rowid numbers it.
  const ordSelect = src.inOrder ? "" : "src._ord AS _ord, ";
  const ord = src.inOrder ? "(rowid + 1)" : "_ord";
  await conn.run(
    // In the tables' own schema (not TEMP), so that it can be renamed into the table it feeds.
    `CREATE OR REPLACE TABLE ${conv} AS SELECT ${ordSelect}${selects.join(", ")}, ` +
      // A record unreadable as a whole has that one reason; otherwise every column that failed is named.
      `coalesce(src._pre, ${reason}) AS _reason FROM (${src.sql}) AS src` +
      (src.where ? ` WHERE ${src.where}` : ""),
  );
  try {
    const id = identityExpr(table, typedAlias);
    const counts = await conn.runAndReadAll(
      `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE _reason <> '')::BIGINT AS bad, ` +
        `count(${id}) FILTER (WHERE _reason = '' AND ${id} <> '')::BIGINT AS ids, ` +
        // Distinct 64-bit hashes are distinct ids, and hashing is cheaper than a hash table of the texts; only when two
        // hashes collide or ids repeat are the texts counted (below).
        `count(DISTINCT hash(${id})) FILTER (WHERE _reason = '' AND ${id} <> '')::BIGINT AS distinct_hashes ` +
        `FROM ${conv}`,
    );
    const [n, bad, ids, distinctHashes] = (counts.getRows()[0] ?? [0, 0, 0, 0]).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    const distinctIds =
      distinctHashes === ids
        ? ids
        : Number(
            (
              await conn.runAndReadAll(
                `SELECT count(DISTINCT ${id}) FILTER (WHERE _reason = '' AND ${id} <> '')::BIGINT FROM ${conv}`,
              )
            ).getRows()[0]?.[0] ?? 0,
          );
    const badRows = (
      await conn.runAndReadAll(
        `SELECT ${ord}::BIGINT AS o, _reason FROM ${conv} WHERE _reason <> '' ORDER BY o LIMIT ${Math.max(0, Math.floor(keepBad))}`,
      )
    )
      .getRows()
      .map(([o, r]) => ({ ord: Number(o), reason: String(r) }));
    // From here on the target table is read and written: in file order.
    await stage.turn?.();
    const stored = Number(
      (
        await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM (SELECT 1 FROM ${ident(table)} LIMIT 1)`)
      ).getRows()[0]?.[0] ?? 0,
    );
    // The de-duplication steps only when they can remove something: the window over millions of rows is costly.
    const notStored =
      stored > 0
        ? ` AND (${id} = '' OR ${id} NOT IN (SELECT ${storedIdentityExpr(table)} FROM ${ident(table)}))`
        : "";
    const firstOnly =
      ids > distinctIds
        ? ` QUALIFY ${id} = '' OR row_number() OVER (PARTITION BY ${id} ORDER BY ${ord}) = 1`
        : "";
    if (stored === 0 && bad === 0 && ids === distinctIds) {
      // Every row loads into an empty table: mw_conv becomes the table instead of being copied into it.
      await adopt(conn, conv, table, cols, src.inOrder ? [] : ["_ord"]);
      return { rows: n, loaded: n, duplicate: 0, quarantined: 0, bad: badRows };
    }
    const inserted = await conn.run(
      `INSERT INTO ${ident(table)} (${cols.map((c) => ident(c.name)).join(", ")}) ` +
        `SELECT ${cols.map((c) => typedAlias(c.name)).join(", ")} FROM ${conv} WHERE _reason = ''${notStored}${firstOnly}`,
    );
    const loaded = Number(inserted.rowsChanged);
    return { rows: n, loaded, duplicate: n - bad - loaded, quarantined: bad, bad: badRows };
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${conv}`);
  }
}

/** Turns `conv` (typed columns `t:<name>` in table order, plus bookkeeping) into `table`, in one transaction. */
async function adopt(
  conn: DuckDBConnection,
  conv: string,
  table: string,
  cols: readonly { name: string }[],
  extra: readonly string[],
): Promise<void> {
  await conn.run("BEGIN TRANSACTION");
  try {
    for (const c of ["_reason", ...extra]) await conn.run(`ALTER TABLE ${conv} DROP COLUMN ${ident(c)}`);
    for (const c of cols)
      await conn.run(`ALTER TABLE ${conv} RENAME COLUMN ${typedAlias(c.name)} TO ${ident(c.name)}`);
    await conn.run(`DROP TABLE ${ident(table)}`);
    await conn.run(`ALTER TABLE ${conv} RENAME TO ${ident(table)}`);
    await conn.run("COMMIT");
  } catch (e) {
    await conn.run("ROLLBACK");
    throw e;
  }
}
