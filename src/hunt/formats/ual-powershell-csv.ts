/** `Search-UnifiedAuditLog | Export-Csv`: `RecordType,CreationDate,UserIds,Operations,AuditData,…` (§2.2). */
import { ualCsvFormat } from "./ual-csv.js";

export const ualPowershellCsv = ualCsvFormat({
  format: "ual-powershell-csv",
  audit: "auditdata",
  date: "creationdate",
  test: (h) => h.has("recordtype") && h.has("operations"),
});
