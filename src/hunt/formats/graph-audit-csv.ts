/** Graph audit log query CSV: `id,createdDateTime,auditLogRecordType,…,auditData` (formats.md §2.3). */
import { ualCsvFormat } from "./ual-csv.js";

export const graphAuditCsv = ualCsvFormat({
  format: "graph-audit-csv",
  audit: "auditdata",
  date: "createddatetime",
  test: (h) => h.has("auditlogrecordtype"),
});
