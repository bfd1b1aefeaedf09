/**
 * The input formats, one definition per file. For each file the definitions of its container (CSV, JSON Lines, one
 * JSON document; sniff.ts) are tried in this order and the first that recognises it loads it; so a more specific
 * fingerprint comes before a general one, and each container ends with its catch-all (which reports what it could
 * not place). Adding a format: docs/contributing.md, "Add an input format".
 */
import type { Plan } from "./pipeline.js";
import type { Container, FormatDefinition } from "./types.js";
import { entraAdminCsv } from "./entra-admin-csv.js";
import { graphAuditCsv } from "./graph-audit-csv.js";
import { graphRiskdetectionJson } from "./graph-riskdetection-json.js";
import { graphSigninJson } from "./graph-signin-json.js";
import { jsonDocument } from "./json-document.js";
import { jsonlEnvelope } from "./jsonl-envelope.js";
import { managementApiJson } from "./management-api-json.js";
import { purviewCsv } from "./purview-csv.js";
import { purviewLegacyCsv } from "./purview-legacy-csv.js";
import { tableCsv } from "./table-csv.js";
import { tableJsonl } from "./table-jsonl.js";
import { ualPowershellCsv } from "./ual-powershell-csv.js";

/** Any definition: each keeps its own container's head type. */
export type AnyFormat = FormatDefinition<"csv"> | FormatDefinition<"jsonl"> | FormatDefinition<"json">;

export const FORMATS: readonly AnyFormat[] = [
  // CSV
  entraAdminCsv,
  purviewCsv,
  graphAuditCsv,
  ualPowershellCsv,
  purviewLegacyCsv,
  tableCsv,
  // JSON Lines
  jsonlEnvelope,
  managementApiJson,
  graphSigninJson,
  graphRiskdetectionJson,
  tableJsonl,
  // one JSON document
  jsonDocument,
];

/** The definitions of one container, in recognition order. */
export function formatsOf<C extends Container>(container: C): FormatDefinition<C>[] {
  // The filter keeps exactly the definitions whose head type is C's.
  return FORMATS.filter((f) => f.container === container) as unknown as FormatDefinition<C>[];
}

/** The plans of records that JavaScript staged by kind (JSON documents, envelopes). */
export function stagedPlans(kind: "ual" | "signin" | "risk"): Plan[] {
  const f = FORMATS.find((d) => d.staged?.kind === kind);
  if (!f?.staged) throw new Error(`no format maps staged ${kind} records`);
  return f.staged.plans();
}

export type { FormatDefinition } from "./types.js";
