/**
 * Defender and Log Analytics (Sentinel) table exports as CSV: the header says which hunting table (identify.ts); a
 * union export of both sign-in tables is split per row by its Type / Category.
 */
import path from "node:path";
import { huntTables, storageColumns } from "../schema/schema.js";
import { truncate } from "../adapters/csvlines.js";
import { identifyTable } from "../adapters/identify.js";
import { DOCS } from "../adapters/mapping.js";
import { ident } from "../adapters/sql.js";
import type { FormatId } from "../adapters/types.js";
import { numberDocs, readCsvSql, runCsvPlans, skip, type Plan } from "./pipeline.js";
import { defineFormat } from "./types.js";
import { headerSet } from "./ual-csv.js";

export const tableCsv = defineFormat({
  ids: ["defender-csv", "sentinel-csv"],
  container: "csv",
  // The last CSV definition: a header no table fits is reported as skipped by the loader.
  recognise: () => true,
  async load(ctx, file, head) {
    const conn = ctx.sink.connection;
    const header = head.header;
    const names = headerSet(header);
    const set = new Set(names);
    const idx = (n: string) => names.indexOf(n);
    const match = identifyTable(header, path.basename(file));
    if (!match) {
      skip(ctx, file, `CSV header matches no known export: ${truncate(header.join(","), 200)}`);
      return;
    }
    const t = huntTables[match.table];
    const format: FormatId = t?.platform === "sentinel" ? "sentinel-csv" : "defender-csv";
    // First spelling of a column wins (duplicate headers); other columns are not part of the hunting shape.
    const cols = new Map<string, number>();
    for (const c of storageColumns(match.table)) {
      const i = idx(c.name.toLowerCase());
      if (i >= 0) cols.set(c.name, i);
    }
    // Log Analytics exports of a union-typed column split it into `X_dynamic` / `X_string` (the training lab's
    // sign-in export): either one stands for X.
    for (const c of storageColumns(match.table))
      if (!cols.has(c.name))
        for (const alt of [`${c.name.toLowerCase()}_dynamic`, `${c.name.toLowerCase()}_string`])
          if (idx(alt) >= 0) {
            cols.set(c.name, idx(alt));
            break;
          }
    // An export without TimeGenerated still carries the event time: OfficeActivity's Start_Time, a sign-in's
    // CreatedDateTime (both the record's own time).
    const timeAlt = match.table === "OfficeActivity" ? idx("start_time") : idx("createddatetime");
    if (!cols.has("TimeGenerated") && timeAlt >= 0) cols.set("TimeGenerated", timeAlt);
    const signIn = match.table === "SigninLogs" || match.table === "AADNonInteractiveUserSignInLogs";
    const routeCols = signIn ? ["type", "category"].filter((c) => set.has(c)) : [];
    const allCols = new Map(cols);
    for (const c of routeCols) allCols.set(`mw_route_${c}`, idx(c));
    // No `_ord` here: the scan is in record order (MappedRows.inOrder) or numbered once staged.
    const select =
      `SELECT NULL::VARCHAR AS _pre, ` +
      [...allCols].map(([name, i]) => `c${i} AS ${ident(name)}`).join(", ") +
      ` FROM ${readCsvSql(file, header.length)}`;
    const columns = new Set(cols.keys());
    let plans: Plan[];
    if (routeCols.length) {
      // A union export of both sign-in tables: each row goes where its Type/Category says.
      await conn.run(`CREATE TEMP TABLE ${DOCS} AS SELECT NULL::BIGINT AS _ord, * FROM (${select})`);
      await numberDocs(ctx);
      const non = routeCols
        .map(
          (c) =>
            `coalesce(mw_route_${c}, '') IN ('AADNonInteractiveUserSignInLogs', 'NonInteractiveUserSignInLogs')`,
        )
        .join(" OR ");
      const dflt = match.table;
      const other = dflt === "SigninLogs" ? "AADNonInteractiveUserSignInLogs" : "SigninLogs";
      const isNon = `(${non})`;
      const isInt = routeCols
        .map((c) => `coalesce(mw_route_${c}, '') IN ('SigninLogs', 'SignInLogs')`)
        .join(" OR ");
      plans = [
        {
          table: dflt,
          rows: {
            sql: `SELECT * FROM ${DOCS}`,
            columns,
            where: dflt === "SigninLogs" ? `NOT ${isNon}` : `NOT (${isInt})`,
          },
          counted: true,
        },
        {
          table: other,
          rows: {
            sql: `SELECT * FROM ${DOCS}`,
            columns,
            where: other === "SigninLogs" ? `(${isInt})` : isNon,
          },
          counted: true,
        },
      ];
    } else plans = [{ table: match.table, rows: { sql: select, columns, inOrder: true }, counted: true }];
    await runCsvPlans(ctx, file, format, plans);
  },
});
