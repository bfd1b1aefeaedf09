/**
 * What makes two records the same record, per table (README.md "Duplicates"): the id the source itself assigns. A
 * record whose identity is empty is never a duplicate.
 */
import { storageColumns } from "../schema/schema.js";

const IDENTITY: Record<string, string> = {
  CloudAppEvents: "ReportId",
  OfficeActivity: "OfficeId",
  EntraIdSignInEvents: "RequestId",
  AADSignInEventsBeta: "RequestId",
  SigninLogs: "Id",
  AADNonInteractiveUserSignInLogs: "Id",
  AADUserRiskEvents: "Id",
  AlertInfo: "AlertId",
};

/**
 * The identity expression over a table's typed columns (aliases `t:<column>`). AlertEvidence has no id of its own
 * (one alert has many evidence rows), so an exact copy of the whole row is its duplicate.
 */
export function identityExpr(table: string, typed: (column: string) => string): string {
  const col = IDENTITY[table];
  if (col) return typed(col);
  const cols = storageColumns(table).map((c) => `coalesce(CAST(${typed(c.name)} AS VARCHAR), '')`);
  return `md5(concat_ws(chr(31), ${cols.join(", ")}))`;
}

/** The same identity over the stored table (plain column names). */
export function storedIdentityExpr(table: string): string {
  return identityExpr(table, (c) => `"${c}"`);
}

export function identityColumn(table: string): string | undefined {
  return IDENTITY[table];
}
