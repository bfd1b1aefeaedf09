/**
 * The shared loader of unified audit log CSV exports: the AuditData column holds each record's JSON, a date column
 * the wrapper's (locale) time; records feed CloudAppEvents and, for STS logons, EntraIdSignInEvents (ual.ts).
 * Each flavour is its own format file (purview-csv.ts, graph-audit-csv.ts, …) naming its header fingerprint.
 */
import { normalizeHeader } from "../adapters/identify.js";
import { DOCS } from "../adapters/mapping.js";
import type { FormatId } from "../adapters/types.js";
import { numberDocs, readCsvSql, runCsvPlans } from "./pipeline.js";
import { defineFormat, type FormatDefinition } from "./types.js";

export const headerSet = (header: readonly string[]): string[] =>
  header.map((h) => normalizeHeader(h).toLowerCase());

export function ualCsvFormat(o: {
  format: FormatId;
  /** The AuditData column and the wrapper's date column (lower-case, normalised). */
  audit: string;
  date: string;
  /** The rest of the fingerprint, over the normalised lower-case header names. */
  test: (h: Set<string>) => boolean;
}): FormatDefinition<"csv"> {
  return defineFormat({
    ids: [o.format],
    container: "csv",
    recognise: (head) => {
      const set = new Set(headerSet(head.header));
      return set.has(o.audit) && o.test(set);
    },
    async load(ctx, file, head) {
      const names = headerSet(head.header);
      const date = names.indexOf(o.date);
      await ctx.sink.connection.run(
        `CREATE TEMP TABLE ${DOCS} AS SELECT NULL::BIGINT AS _ord, NULL::VARCHAR AS _loc, c${names.indexOf(o.audit)} AS doc, ` +
          `${date >= 0 ? `c${date}` : "NULL::VARCHAR"} AS hint FROM ${readCsvSql(file, head.header.length)}`,
      );
      await numberDocs(ctx);
      await runCsvPlans(ctx, file, o.format, ctx.plansFor("ual"));
    },
  });
}
