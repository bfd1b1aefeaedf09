/**
 * Loading JS row objects into a DuckDB table of a KQL schema (the emulator's tables, tests). Rows go through the
 * appender into a VARCHAR staging table, then one typed INSERT; a value that does not fit its column is kept out
 * (null, or "" for strings) and reported with row, column and reason — never silently.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { fromDynamic } from "./coerce.js";
import { ident } from "./sqltext.js";
import { textOf } from "./values.js";
import { duckType, type KqlColumn, type KqlType } from "./types.js";

export interface RejectedValue {
  /** 0-based index of the row in the input. */
  row: number;
  column: string;
  reason: string;
}

export interface LoadReport {
  loaded: number;
  rejected: RejectedValue[];
}

/** Columns once per case-insensitive name (DuckDB's identifiers), with every spelling that maps to each. */
export function storageOf(columns: readonly KqlColumn[]): { col: KqlColumn; aliases: string[] }[] {
  const out = new Map<string, { col: KqlColumn; aliases: string[] }>();
  for (const c of columns) {
    const k = c.name.toLowerCase();
    const hit = out.get(k);
    if (hit) hit.aliases.push(c.name);
    else out.set(k, { col: c, aliases: [c.name] });
  }
  return [...out.values()];
}

/** The staging text of one value, or a reason it does not fit. */
function stage(v: unknown, type: KqlType): { text: string | null } | { reason: string } {
  if (v === null || v === undefined) return { text: null };
  switch (type) {
    case "string":
    case "guid":
      return { text: textOf(v) };
    case "int":
    case "long":
    case "real": {
      if (v === "") return { text: null };
      const n = typeof v === "number" || typeof v === "bigint" ? v : Number(textOf(v).trim());
      if (typeof n === "number" && !Number.isFinite(n))
        return { reason: `not a number: ${textOf(v).slice(0, 40)}` };
      if (type !== "real" && typeof n === "number" && !Number.isInteger(n))
        return { reason: `not an integer: ${textOf(v).slice(0, 40)}` };
      return { text: textOf(n) };
    }
    case "bool": {
      if (typeof v === "boolean") return { text: textOf(v) };
      const s = textOf(v).trim().toLowerCase();
      if (s === "") return { text: null };
      if (s === "true" || s === "1") return { text: "true" };
      if (s === "false" || s === "0") return { text: "false" };
      return { reason: `not a bool: ${s.slice(0, 40)}` };
    }
    case "datetime": {
      const s = v instanceof Date ? v.toISOString() : textOf(v).trim();
      if (s === "") return { text: null };
      const withZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`;
      if (Number.isNaN(Date.parse(withZone))) return { reason: `not a datetime: ${s.slice(0, 40)}` };
      return { text: withZone };
    }
    case "timespan":
      return { text: textOf(v) };
    case "dynamic": {
      if (typeof v !== "string") return { text: JSON.stringify(v) };
      // Text holding JSON is the JSON value (as parse_json would read it); other text is a dynamic string.
      try {
        JSON.parse(v);
        return { text: v };
      } catch {
        return { text: JSON.stringify(v) };
      }
    }
  }
}

function typedSql(col: string, type: KqlType): string {
  switch (type) {
    case "string":
    case "guid":
      return `coalesce(${col}, '')`;
    case "datetime":
      return fromDynamic(`to_json(${col})`, "datetime");
    case "timespan":
      return `kql_parse_timespan(${col})`;
    case "dynamic":
      return `CAST(${col} AS JSON)`;
    default:
      return `CAST(${col} AS ${duckType(type)})`;
  }
}

export async function loadRows(
  conn: DuckDBConnection,
  name: string,
  columns: readonly KqlColumn[],
  rows: readonly Record<string, unknown>[],
): Promise<LoadReport> {
  const storage = storageOf(columns);
  const staging = `_stage_${name.replace(/\W/g, "_")}`;
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${ident(staging)} (${storage.map((s, i) => `c${i} VARCHAR`).join(", ") || "c0 VARCHAR"})`,
  );
  const rejected: RejectedValue[] = [];
  const appender = await conn.createAppender(staging);
  try {
    rows.forEach((row, r) => {
      storage.forEach(({ col, aliases }) => {
        const key = aliases.find((a) => Object.hasOwn(row, a));
        const staged = stage(key === undefined ? null : row[key], col.type);
        if ("reason" in staged) {
          rejected.push({ row: r, column: col.name, reason: staged.reason });
          appender.appendNull();
        } else if (staged.text === null) appender.appendNull();
        else appender.appendVarchar(staged.text);
      });
      if (!storage.length) appender.appendNull();
      appender.endRow();
    });
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const defs = storage.map((s) => `${ident(s.col.name)} ${duckType(s.col.type)}`).join(", ");
  await conn.run(`CREATE OR REPLACE TABLE ${ident(name)} (${defs})`);
  if (storage.length)
    await conn.run(
      `INSERT INTO ${ident(name)} SELECT ${storage.map((s, i) => typedSql(`c${i}`, s.col.type)).join(", ")} FROM ${ident(staging)}`,
    );
  await conn.run(`DROP TABLE ${ident(staging)}`);
  return { loaded: rows.length, rejected };
}
