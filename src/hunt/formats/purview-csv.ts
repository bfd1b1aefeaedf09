/** Purview audit search CSV: `RecordId,CreationDate,RecordType,Operation,UserId,AuditData,…` (formats.md §2.1a). */
import { ualCsvFormat } from "./ual-csv.js";

export const purviewCsv = ualCsvFormat({
  format: "purview-csv",
  audit: "auditdata",
  date: "creationdate",
  test: (h) => h.has("recordid") && h.has("operation"),
});
