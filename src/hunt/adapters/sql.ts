/**
 * SQL text for the loaders. Values that reach SQL text (file paths, JSON keys from the input, column names) go
 * through `lit()` or `ident()`; record contents never do — DuckDB reads them from the file or an appender.
 */
import { duckType } from "../kql/types.js";
import type { KqlType } from "../schema/schema.js";

/** A DuckDB string literal: standard strings take backslashes literally, only `'` is doubled. */
export function lit(value: string): string {
  if (value.includes("\u0000")) throw new Error("a SQL literal cannot hold a NUL character");
  return `'${value.replaceAll("'", "''")}'`;
}

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The engine's storage type of a KQL type (one mapping for loaders and the transpiler). */
export const storageType = duckType;

/**
 * Datetime texts that exports write besides ISO 8601: Log Analytics portal CSV (`4/28/2021, 3:05:26.000 PM`),
 * Purview/PowerShell US-locale (`9/20/2023 4:05:03 AM`). Day-first locales are ambiguous and not guessed.
 */
const DATE_FORMATS = [
  "%m/%d/%Y, %I:%M:%S.%g %p",
  "%m/%d/%Y, %I:%M:%S %p",
  "%m/%d/%Y %I:%M:%S %p",
  "%m/%d/%Y %I:%M %p",
  "%m/%d/%Y %H:%M:%S",
  "%m/%d/%Y %H:%M",
];

/**
 * The typed value of raw text `r` (a VARCHAR expression; NULL or '' = no value). Returns NULL both for "no value" and
 * for text that does not convert; `failed()` tells them apart. Datetimes become UTC (the session runs in UTC).
 */
export function typedExpr(t: KqlType, r: string): string {
  switch (t) {
    case "string":
    case "guid":
      return `coalesce(${r}, '')`;
    // DuckDB's casts skip surrounding white space themselves: no trim() (it copies every value) before them.
    case "int":
    case "long":
      // Defender exports may write integer flags as booleans. CASE, not coalesce(): DuckDB evaluates every argument
      // of coalesce() for every row, and the fallback's lower(trim()) copies each value (half the cost on 5 M rows).
      return `CASE WHEN TRY_CAST(${r} AS ${duckType(t)}) IS NOT NULL THEN TRY_CAST(${r} AS ${duckType(t)}) ELSE CASE lower(trim(${r})) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END END`;
    case "real":
      return `TRY_CAST(${r} AS DOUBLE)`;
    case "bool":
      // The spellings exports write are compared as they are; only other text is trimmed and lower-cased (a copy).
      return `CASE ${r} WHEN 'true' THEN true WHEN 'false' THEN false WHEN 'True' THEN true WHEN 'False' THEN false ELSE CASE lower(trim(${r})) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN '0' THEN false END END`;
    case "datetime":
      // An offset (`Z`, `+02:00`) is applied; the instant's microseconds become the UTC TIMESTAMP without a time-zone
      // conversion per value (TIMESTAMPTZ → TIMESTAMP goes through ICU, the slowest part of a load). `infinity` is
      // not a time any export writes: it does not convert.
      return `CASE WHEN TRY_CAST(${r} AS TIMESTAMPTZ) IS NOT NULL THEN make_timestamp(epoch_us(TRY_CAST(${r} AS TIMESTAMPTZ))) ELSE try_strptime(trim(${r}), [${DATE_FORMATS.map(lit).join(", ")}]) END`;
    case "timespan":
      return `TRY_CAST(${r} AS INTERVAL)`;
    case "dynamic":
      // The cast validates as json_valid() does (invalid text gives NULL) and parses each document once, not twice.
      return `TRY_CAST(${r} AS JSON)`;
  }
}

const KIND: Record<KqlType, string> = {
  string: "",
  guid: "",
  int: "integer",
  long: "integer",
  real: "number",
  bool: "boolean",
  datetime: "datetime",
  timespan: "timespan",
  dynamic: "JSON",
};

/**
 * True for every row where `failedExpr` may give a reason (a superset: also text of white space only), so that the
 * reasons are put together only for those rows; undefined for types that cannot fail.
 */
export function mayFailExpr(t: KqlType, r: string, typed: string): string | undefined {
  if (t === "string" || t === "guid") return undefined;
  return `(${typed} IS NULL AND ${r} IS NOT NULL)`;
}

/** A reason text when raw `r` holds a value that `typed` (the alias of `typedExpr`) could not convert, else NULL. */
export function failedExpr(t: KqlType, column: string, r: string, typed: string): string | undefined {
  if (t === "string" || t === "guid") return undefined;
  // A converted value needs no second look: the text is trimmed only when the conversion failed.
  return `CASE WHEN ${typed} IS NOT NULL THEN NULL WHEN trim(coalesce(${r}, '')) <> '' THEN ${lit(`${column}: not a valid ${KIND[t]} `)} || '"' || left(${r}, 60) || '"' END`;
}
