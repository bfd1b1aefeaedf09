/** KQL scalar types and their DuckDB storage types (the contract with the loaders: see README.md). */
import type { KqlType } from "../schema/schema.js";

export type { KqlType };

export interface KqlColumn {
  name: string;
  type: KqlType;
}

export const KQL_TYPES: readonly KqlType[] = [
  "string",
  "int",
  "long",
  "real",
  "bool",
  "datetime",
  "timespan",
  "dynamic",
  "guid",
];

const DUCK: Record<KqlType, string> = {
  string: "VARCHAR",
  int: "INTEGER",
  long: "BIGINT",
  real: "DOUBLE",
  bool: "BOOLEAN",
  datetime: "TIMESTAMP",
  timespan: "INTERVAL",
  dynamic: "JSON",
  guid: "VARCHAR",
};

export function duckType(t: KqlType): string {
  return DUCK[t];
}

/** Maps a Kusto.Language type name (`string`, `long`, `real`, `decimal`, `int`, ...) to the subset; unknown → undefined. */
export function kqlTypeOf(name: string): KqlType | undefined {
  switch (name) {
    case "string":
    case "int":
    case "long":
    case "real":
    case "bool":
    case "datetime":
    case "timespan":
    case "dynamic":
    case "guid":
      return name;
    case "double":
    case "decimal":
      return "real";
    case "boolean":
      return "bool";
    case "date":
      return "datetime";
    case "time":
      return "timespan";
    case "uniqueid":
      return "guid";
    default:
      return undefined;
  }
}

export function isNumeric(t: KqlType): boolean {
  return t === "int" || t === "long" || t === "real";
}

export function isIntegral(t: KqlType): boolean {
  return t === "int" || t === "long";
}
