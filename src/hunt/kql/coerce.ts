/** Conversions between the DuckDB representations of KQL types (see README.md, "Types"). */
import type { Sql } from "./context.js";
import { duckType, type KqlType } from "./types.js";

/** Text of a value for the string operators (`==`, `contains`, `startswith`, ...): a dynamic string is unquoted. */
export function asText(e: Sql): string {
  switch (e.type) {
    case "string":
    case "guid":
      return e.sql;
    default:
      return toStringSql(e);
  }
}

/**
 * Text for term search (`has` family): a dynamic value is searched in its JSON text, as Kusto does for `has` on a
 * dynamic column; quotes and braces are never part of a term, so they change no match. Cheaper than re-serialising.
 */
export function asSearchText(e: Sql): string {
  return e.type === "dynamic" ? `coalesce(CAST(${e.sql} AS VARCHAR), '')` : asText(e);
}

/** `tostring()`: strings unchanged, a dynamic string without quotes, objects as compact JSON, null as "". */
export function toStringSql(e: Sql): string {
  switch (e.type) {
    case "string":
    case "guid":
      return e.sql;
    case "dynamic":
      return `coalesce(${dynamicText(e.sql)}, '')`;
    case "bool":
      return `coalesce(CASE WHEN ${e.sql} THEN 'true' ELSE 'false' END, '')`;
    case "datetime":
      return `coalesce(strftime(${e.sql}, '%Y-%m-%dT%H:%M:%S.%f') || '0Z', '')`;
    case "timespan":
      return `coalesce(kql_timespan_text(${e.sql}), '')`;
    default:
      return `coalesce(CAST(${e.sql} AS VARCHAR), '')`;
  }
}

/**
 * The text of a dynamic value (a string unquoted, anything else as compact JSON, JSON null as NULL). A member read by a
 * constant pointer from a column (`json_extract("c", '/a/b')`, as paths.ts writes `c.a.b`) is read as text directly:
 * `json_extract_string("c", '/a/b')` gives the same text without writing the member as JSON and parsing it again.
 */
export function dynamicText(sql: string): string {
  const m = /^json_extract\(("(?:[^"]|"")+"), ('\/[A-Za-z0-9_~/]*')\)$/.exec(sql);
  return m ? `json_extract_string(${m[1]}, ${m[2]})` : `json_extract_string(${sql}, '$')`;
}

/** A dynamic value read as `target` (for comparisons and `to*()` conversions); unconvertible → null. */
export function fromDynamic(sql: string, target: KqlType): string {
  const text = dynamicText(sql);
  switch (target) {
    case "string":
    case "guid":
      return text;
    case "dynamic":
      return sql;
    case "datetime":
      return `TRY_CAST(TRY_CAST(${text} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)`;
    default:
      return `TRY_CAST(${text} AS ${duckType(target)})`;
  }
}

/** `e` as `target` where the two types meet in one operator (dynamic vs typed, int vs long). */
export function coerce(e: Sql, target: KqlType): Sql {
  if (e.type === target) return e;
  if (e.type === "dynamic") return { sql: fromDynamic(e.sql, target), type: target };
  if (target === "dynamic") return { sql: `to_json(${e.sql})`, type: "dynamic" };
  return e;
}

/** The common type of two operands: the typed side wins over dynamic. */
export function meet(a: Sql, b: Sql): [Sql, Sql] {
  if (a.type === "dynamic" && b.type !== "dynamic") return [coerce(a, b.type), b];
  if (b.type === "dynamic" && a.type !== "dynamic") return [a, coerce(b, a.type)];
  return [a, b];
}
