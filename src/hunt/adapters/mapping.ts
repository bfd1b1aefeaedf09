/**
 * Declarative JSON → table mappings, turned into one SQL relation over the staged documents (`mw_docs`: `_ord`,
 * `doc`, `hint`). All paths of a mapping are extracted by one `json_extract_string` call, so each document is parsed
 * once. Paths and keys are literals built by `lit()`, never record contents.
 */
import { ident, lit } from "./sql.js";
import type { MappedRows } from "./commit.js";

/** `get(path)` is the text at a JSON path (`$.a.b`); `hint` is the staged hint column. */
export interface Get {
  (path: string): string;
  hint: string;
  doc: string;
}

export type ColumnMap = Record<string, string | ((g: Get) => string)>;

export const DOCS = "mw_docs";

/** The relation of mapped rows. A record that is no JSON object goes to the route marked `unreadableHere`. */
export function mapDocs(
  map: ColumnMap,
  o: {
    where?: (g: Get) => string;
    what?: string;
    /** Route of a record that is not a JSON object. */ unreadableHere?: boolean;
  } = {},
): MappedRows {
  const paths: string[] = [];
  const index = new Map<string, number>();
  const get = ((path: string) => {
    let i = index.get(path);
    if (i === undefined) {
      i = paths.length + 1;
      index.set(path, i);
      paths.push(path);
    }
    return `src_j[${i}]`;
  }) as Get;
  get.hint = "hint";
  get.doc = "d";
  const cols = Object.entries(map).map(
    ([col, m]) => `${typeof m === "string" ? get(m) : m(get)} AS ${ident(col)}`,
  );
  // The route is computed inside (where the extracted paths are) and filtered on outside.
  if (o.where)
    cols.push(
      `CASE WHEN d IS NULL THEN ${o.unreadableHere ? "true" : "false"} ELSE coalesce(${o.where(get)}, false) END AS _route`,
    );
  const what = o.what ?? "record";
  const pathList = paths.length ? `[${paths.map(lit).join(", ")}]` : "['$.x']";
  const sql =
    `SELECT _ord, CASE WHEN d IS NULL THEN CASE WHEN json_valid(doc) THEN ${lit(`${what} is not a JSON object`)} ` +
    `ELSE ${lit(`invalid JSON in ${what}`)} END END AS _pre, ${cols.join(", ")} FROM (` +
    `SELECT _ord, doc, hint, d, json_extract_string(d, ${pathList}) AS src_j FROM (` +
    `SELECT _ord, doc, hint, CASE WHEN json_valid(doc) AND json_type(doc) = 'OBJECT' THEN doc END AS d ` +
    `FROM ${DOCS} WHERE trim(coalesce(doc, '')) <> ''))`;
  const out: MappedRows = { sql, columns: new Set(Object.keys(map)) };
  if (o.where) out.where = "_route";
  return out;
}

/** A mapping of table columns to same-named JSON keys, matching key spellings seen in the input case-insensitively. */
export function sameNameMap(columns: readonly string[], keysSeen: Iterable<string>): ColumnMap {
  const byLower = new Map<string, string[]>();
  for (const k of keysSeen) {
    const l = k.toLowerCase();
    const list = byLower.get(l) ?? [];
    if (!list.includes(k)) list.push(k);
    byLower.set(l, list);
  }
  const map: ColumnMap = {};
  for (const c of columns) {
    const keys = byLower.get(c.toLowerCase());
    if (!keys) continue;
    map[c] =
      keys.length === 1
        ? `$.${quoteKey(keys[0] ?? c)}`
        : (g: Get) => `coalesce(${keys.map((k) => g(`$.${quoteKey(k)}`)).join(", ")})`;
  }
  return map;
}

/** A JSON path step for any key text (quoted, so dots and spaces in keys are literal). */
function quoteKey(k: string): string {
  return `"${k.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** SQL CASE mapping a text to other texts (both sides literals); unmatched → `fallback`. */
export function caseMap(x: string, pairs: Record<string, string | number>, fallback = "NULL"): string {
  const whens = Object.entries(pairs).map(([k, v]) => `WHEN ${lit(k.toLowerCase())} THEN ${lit(String(v))}`);
  return `CASE lower(${x}) ${whens.join(" ")} ELSE ${fallback} END`;
}
