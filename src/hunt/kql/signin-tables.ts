/**
 * Defender's sign-in table has two names: `AADSignInEventsBeta` (the name the seed query and older exports use) and
 * `EntraIdSignInEvents` (Microsoft's rename; what new exports and the product fill). An export has one or the
 * other, so after the tables are loaded both names are bound to the same rows: a name without rows of its own
 * becomes a view of the other's rows (columns mapped by name; `AadDeviceId` ↔ `EntraIdDeviceId`). When both
 * hold rows, both names show the EntraIdSignInEvents rows plus the AADSignInEventsBeta rows older than the first
 * EntraIdSignInEvents row (the time before the rename), so no sign-in counts twice. Views, not copies: nothing is
 * duplicated in memory.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { ident, str as sqlString } from "./sqltext.js";

export const SIGNIN_TABLES = ["EntraIdSignInEvents", "AADSignInEventsBeta"] as const;
export type SignInTableName = (typeof SIGNIN_TABLES)[number];

/** What each name reads after binding: the loaded tables its rows come from, and how many rows it shows. */
export interface SignInBinding {
  table: SignInTableName;
  /** The tables whose loaded rows this name shows (its own name when it had rows of its own). */
  rowsFrom: SignInTableName[];
  rows: number;
}

/** Column pairs that carry the same value under the two names. */
const RENAMED: Record<string, string> = { aaddeviceid: "EntraIdDeviceId", entraiddeviceid: "AadDeviceId" };

/**
 * Both sign-in names show one set of rows (bindSignInTables), so each stores what a query reads under either name:
 * the union of the two, renamed pairs included.
 */
export function signInColumnsToStore(read: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const cols = new Set<string>();
  for (const t of SIGNIN_TABLES)
    for (const c of read.get(t) ?? []) {
      cols.add(c);
      const other = RENAMED[c.toLowerCase()];
      if (other) cols.add(other);
    }
  return [...cols];
}

interface Col {
  name: string;
  type: string;
}

async function columnsOf(conn: DuckDBConnection, table: string): Promise<Col[]> {
  const r = await conn.runAndReadAll(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ${sqlString(table)} ORDER BY ordinal_position`,
  );
  return r.getRows().map(([n, t]) => ({ name: String(n), type: String(t) }));
}

async function count(conn: DuckDBConnection, table: string): Promise<number> {
  const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM ${ident(table)}`);
  return Number(r.getRows()[0]?.[0] ?? 0);
}

/** `SELECT` list that gives `source`'s rows the columns of `target` (by name, else the renamed pair, else empty). */
function projection(target: readonly Col[], source: readonly Col[]): string {
  const have = new Map(source.map((c) => [c.name.toLowerCase(), c.name]));
  return target
    .map((c) => {
      const k = c.name.toLowerCase();
      const from = have.get(k) ?? (RENAMED[k] ? have.get(RENAMED[k].toLowerCase()) : undefined);
      if (from) return `${ident(from)} AS ${ident(c.name)}`;
      // the loaders' convention: a string column holds '' for "no value", other types NULL
      return `${c.type === "VARCHAR" ? "''" : `NULL::${c.type}`} AS ${ident(c.name)}`;
    })
    .join(", ");
}

const isTable = async (conn: DuckDBConnection, name: string) =>
  (
    await conn.runAndReadAll(
      `SELECT count(*) FROM information_schema.tables WHERE table_name = ${sqlString(name)} AND table_type = 'BASE TABLE'`,
    )
  ).getRows()[0]?.[0] !== 0n;

/**
 * Binds both sign-in table names to the same rows on `conn` (both must exist as tables, as the loaders and the
 * emulator create them). Returns what each name reads, for the reports that compare queries over them.
 */
export async function bindSignInTables(conn: DuckDBConnection): Promise<SignInBinding[]> {
  const [entra, beta] = SIGNIN_TABLES;
  if (!(await isTable(conn, entra)) || !(await isTable(conn, beta)))
    return SIGNIN_TABLES.map((t) => ({ table: t, rowsFrom: [], rows: 0 }));
  const n = { [entra]: await count(conn, entra), [beta]: await count(conn, beta) };
  const cols = { [entra]: await columnsOf(conn, entra), [beta]: await columnsOf(conn, beta) };
  if (n[entra] === 0 && n[beta] === 0) return SIGNIN_TABLES.map((t) => ({ table: t, rowsFrom: [], rows: 0 }));
  if (n[entra] === 0 || n[beta] === 0) {
    const [full, empty] = n[entra] > 0 ? [entra, beta] : [beta, entra];
    await conn.run(`DROP TABLE ${ident(empty)}`);
    await conn.run(
      `CREATE VIEW ${ident(empty)} AS SELECT ${projection(cols[empty], cols[full])} FROM ${ident(full)}`,
    );
    return SIGNIN_TABLES.map((t) => ({ table: t, rowsFrom: [full], rows: n[full] }));
  }
  // Both loaded: the rows of each stay under a private name; both names show the same union.
  const keep = (t: string) => `_mw_loaded_${t}`;
  for (const t of SIGNIN_TABLES) await conn.run(`ALTER TABLE ${ident(t)} RENAME TO ${ident(keep(t))}`);
  const first = `(SELECT min("Timestamp") FROM ${ident(keep(entra))})`;
  const union = (target: SignInTableName) =>
    `SELECT ${projection(cols[target], cols[entra])} FROM ${ident(keep(entra))} UNION ALL ` +
    `SELECT ${projection(cols[target], cols[beta])} FROM ${ident(keep(beta))} WHERE "Timestamp" < ${first}`;
  for (const t of SIGNIN_TABLES) await conn.run(`CREATE VIEW ${ident(t)} AS ${union(t)}`);
  const rows = await count(conn, entra);
  return SIGNIN_TABLES.map((t) => ({ table: t, rowsFrom: [entra, beta], rows }));
}
