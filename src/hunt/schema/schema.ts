/**
 * The one schema of the hunting tables (tables.json): Kusto.Language validates every query against it, the offline
 * adapters load exports into these shapes, and the emulator's hunting faces type their results with it.
 */
import tablesJson from "./tables.json" with { type: "json" };

/** The KQL scalar types the hunting tables use. */
export type KqlType =
  "string" | "int" | "long" | "real" | "bool" | "datetime" | "timespan" | "dynamic" | "guid";

export interface HuntColumn {
  name: string;
  type: KqlType;
  /** Why a column is here although Microsoft's doc table omits or spells it differently. */
  evidence?: string;
}

export interface HuntTable {
  platform: "defender" | "sentinel";
  /** Where the columns come from (formats.md section and the documentation page behind it). */
  source: string;
  /** The event-time column (`Timestamp` in Defender, `TimeGenerated` in Log Analytics). */
  timeColumn: string;
  columns: HuntColumn[];
}

export type HuntTableName = keyof typeof tablesJson.tables;

export const huntTables: Readonly<Record<string, HuntTable>> = tablesJson.tables as unknown as Record<
  string,
  HuntTable
>;

export function huntTable(name: string): HuntTable | undefined {
  return Object.hasOwn(huntTables, name) ? huntTables[name] : undefined;
}

/**
 * The columns as a case-insensitive store (DuckDB) holds them: KQL declares both `Isp` (documented) and `ISP` (what
 * the seed query and the streaming API use); offline they are one column, the first spelling wins.
 */
export function storageColumns(name: string): HuntColumn[] {
  const t = huntTable(name);
  if (!t) return [];
  const seen = new Set<string>();
  return t.columns.filter((c) => {
    const k = c.name.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Tables of one platform, by name. */
export function tablesOf(platform: HuntTable["platform"]): string[] {
  return Object.entries(huntTables)
    .filter(([, t]) => t.platform === platform)
    .map(([n]) => n);
}

/** The column list in Kusto.Language's schema syntax: `(A:string, B:long)`. */
export function kustoSchemaText(name: string): string {
  const t = huntTable(name);
  if (!t) throw new Error(`unknown hunting table ${name}`);
  return `(${t.columns.map((c) => `['${c.name}']:${c.type}`).join(", ")})`;
}
