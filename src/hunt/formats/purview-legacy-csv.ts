/** The older Purview audit CSV: `CreationDate,UserIds,Operations,AuditData` (formats.md §2.1b). */
import { ualCsvFormat } from "./ual-csv.js";

export const purviewLegacyCsv = ualCsvFormat({
  format: "purview-legacy-csv",
  audit: "auditdata",
  date: "creationdate",
  test: (h) => h.has("operations") && h.has("userids"),
});
