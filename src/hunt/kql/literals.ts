/** SQL literals for KQL values: query literals, `let` parameters and first-pass constants. */
import { str } from "./sqltext.js";
import { textOf } from "./values.js";
import { duckType, type KqlType } from "./types.js";

/** Microseconds of a timespan → DuckDB INTERVAL. */
export function intervalSql(micros: number | bigint): string {
  return `to_microseconds(CAST(${String(micros)} AS BIGINT))`;
}

/** An instant → DuckDB TIMESTAMP literal (UTC, microseconds). */
export function timestampSql(d: Date | string): string {
  const iso = typeof d === "string" ? d : d.toISOString();
  return `CAST(${str(iso.replace(/Z$/i, ""))} AS TIMESTAMP)`;
}

export function nullSql(type: KqlType): string {
  return type === "string" ? "''" : `CAST(NULL AS ${duckType(type)})`;
}

/** A JS value (as the engine returns them) → SQL literal of `type`. */
export function valueSql(value: unknown, type: KqlType): string {
  if (value === null || value === undefined) return nullSql(type);
  switch (type) {
    case "string":
    case "guid":
      return str(typeof value === "string" ? value : JSON.stringify(value));
    case "int":
    case "long":
      return `CAST(${str(textOf(value))} AS ${duckType(type)})`;
    case "real":
      return `CAST(${str(textOf(value))} AS DOUBLE)`;
    case "bool":
      return value === true ? "TRUE" : "FALSE";
    case "datetime":
      return timestampSql(textOf(value));
    case "timespan":
      return typeof value === "number" || typeof value === "bigint"
        ? intervalSql(value)
        : `CAST(${str(textOf(value))} AS INTERVAL)`;
    case "dynamic":
      return `CAST(${str(JSON.stringify(value))} AS JSON)`;
  }
}
