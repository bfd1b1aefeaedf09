/**
 * Validation of a query by Kusto.Language against the hunting schema: Error diagnostics make a query invalid.
 */
import { parseAndAnalyze, type KustoDiagnostic, type TableDecl } from "./kusto.js";

export interface ValidationResult {
  ok: boolean;
  errors: KustoDiagnostic[];
  warnings: KustoDiagnostic[];
}

export function validateKql(text: string, tables?: readonly TableDecl[]): ValidationResult {
  const { diagnostics } = parseAndAnalyze(text, tables);
  const errors = diagnostics.filter((d) => d.severity === "Error");
  const warnings = diagnostics.filter((d) => d.severity !== "Error");
  return { ok: errors.length === 0, errors, warnings };
}

export function formatDiagnostic(d: KustoDiagnostic): string {
  return `${d.line}:${d.column} ${d.severity} ${d.code}: ${d.message}`;
}
