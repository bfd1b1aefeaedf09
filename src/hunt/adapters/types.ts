/** The contract of the offline adapters: where they load (a `TableSink`) and what they report (`LoadReport`). */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { KqlType } from "../schema/schema.js";

/** What the adapters need of the KQL engine: its DuckDB connection and a way to declare the tables created in it. */
export interface TableSink {
  connection: DuckDBConnection;
  defineTable(name: string, columns: { name: string; type: KqlType }[]): void;
  /** Told that a table holds values in only these columns (LoadOptions.columns): queries must read no other. */
  narrowed?(name: string, kept: readonly string[]): void;
  /**
   * Another connection to the same database (its time zone UTC), closed by the caller: loadExports converts two files
   * at once, each on its own connection, and commits them in file order.
   */
  connect(): Promise<DuckDBConnection>;
}

/** The recognised input formats (README.md has the fingerprint of each). */
export type FormatId =
  | "defender-csv"
  | "defender-jsonl"
  | "defender-hunting-json"
  | "defender-legacy-json"
  | "defender-streaming-json"
  | "sentinel-csv"
  | "sentinel-jsonl"
  | "purview-csv"
  | "purview-legacy-csv"
  | "ual-powershell-csv"
  | "graph-audit-csv"
  | "graph-audit-json"
  | "management-api-json"
  | "entra-admin-csv"
  | "graph-signin-json"
  | "entra-diagnostic-json"
  | "graph-riskdetection-json";

export interface QuarantineEntry {
  file: string;
  /** 1-based physical line where the record starts, or a JSON pointer (`records[3]`) inside one JSON document. */
  line: string;
  reason: string;
  /** The record's text, truncated; raw bytes from the input, to be escaped by whoever prints it. */
  raw: string;
}

export interface FileReport {
  file: string;
  format: FormatId;
  tables: string[];
  records: number;
  loaded: number;
  duplicate: number;
  quarantined: number;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface LoadTotals {
  files: number;
  records: number;
  loaded: number;
  duplicate: number;
  quarantined: number;
  skipped: number;
}

export interface LoadReport {
  files: FileReport[];
  totals: LoadTotals;
  /** The first `quarantineCap` quarantined records; `quarantineOmitted` counts the rest. */
  quarantine: QuarantineEntry[];
  quarantineOmitted: number;
  skipped: SkippedFile[];
  /** Rows per table after loading. */
  tableRows: Record<string, number>;
}

export interface LoadOptions {
  /** Load only these tables (others are still created, empty). */
  tables?: string[];
  /** Quarantined records kept in the report (default 1,000). */
  quarantineCap?: number;
  /**
   * Store values only in these columns of these tables (names as the schema spells them, any letter case); a table
   * not named keeps every column. The record's identity and time columns are always kept, and a table identified by
   * its whole row (AlertEvidence) is never narrowed. Columns left out stay NULL, but are still read and checked — a
   * record is quarantined for a value that does not convert whether or not its column is kept — so narrowing never
   * changes which records load. The engine refuses a query that reads a column left out (it would read nothing).
   */
  columns?: Record<string, readonly string[]>;
}
