/**
 * JSON documents and irregular records, read in JavaScript (they are small: API pages, portal downloads) and staged
 * as one JSON text per record for the SQL mappings. Recognises each record by its keys (formats.md §0).
 */
export type RecordKind =
  | { kind: "ual"; doc: string; hint: string | null }
  | { kind: "signin"; doc: string; hint: string | null }
  | { kind: "risk"; doc: string }
  | { kind: "row"; table?: string; doc: string; keys: string[] }
  | { kind: "bad"; reason: string };

export interface StagedRecord {
  loc: string;
  rec: RecordKind;
  raw: string;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** PowerShell SDK objects write PascalCase (`CreatedDateTime`, `Status.ErrorCode`); Graph writes camelCase. */
function camel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camel);
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k.charAt(0).toLowerCase() + k.slice(1)] = camel(x);
  return out;
}

const has = (o: Record<string, unknown>, ...keys: string[]) => keys.every((k) => Object.hasOwn(o, k));
const text = (v: unknown) =>
  typeof v === "string" ? v : v === undefined || v === null ? null : JSON.stringify(v);

/** What one JSON object is. `envelopeTable` is set for Defender streaming `properties` (their table is known). */
export function classify(o: unknown, envelopeCategory?: string): RecordKind {
  if (!isObj(o)) return { kind: "bad", reason: "record is not a JSON object" };
  if (envelopeCategory?.startsWith("AdvancedHunting-"))
    return {
      kind: "row",
      table: envelopeCategory.slice("AdvancedHunting-".length),
      doc: JSON.stringify(o),
      keys: Object.keys(o),
    };
  if (envelopeCategory === "SignInLogs" || envelopeCategory === "NonInteractiveUserSignInLogs")
    return { kind: "signin", doc: JSON.stringify(camel(o)), hint: envelopeCategory };
  // Envelopes: Defender streaming / Entra diagnostic settings records.
  if (has(o, "category", "properties") && typeof o.category === "string")
    return classify(o.properties, o.category);
  // Wrappers holding the AuditData: PowerShell/Extractor-Suite objects, Graph audit search records.
  for (const k of ["AuditData", "auditData"]) {
    const a = o[k];
    if (a !== undefined && a !== null) {
      const hint = text(o.CreationDate ?? o.createdDateTime ?? null);
      return { kind: "ual", doc: typeof a === "string" ? a : JSON.stringify(a), hint };
    }
  }
  if (has(o, "CreationTime", "Operation") && (has(o, "RecordType") || has(o, "Workload")))
    return { kind: "ual", doc: JSON.stringify(o), hint: null };
  const c = camel(o) as Record<string, unknown>;
  if (
    has(c, "riskEventType") &&
    (has(c, "detectedDateTime") || has(c, "activityDateTime")) &&
    !has(c, "timeGenerated")
  )
    return { kind: "risk", doc: JSON.stringify(c) };
  if (
    has(c, "createdDateTime") &&
    !has(c, "timeGenerated") &&
    ["userPrincipalName", "ipAddress", "appDisplayName", "status"].some((k) => has(c, k))
  )
    return { kind: "signin", doc: JSON.stringify(c), hint: null };
  return { kind: "row", doc: JSON.stringify(o), keys: Object.keys(o) };
}

export interface DocumentRecords {
  format:
    | "defender-hunting-json"
    | "defender-legacy-json"
    | "defender-streaming-json"
    | "graph-audit-json"
    | "management-api-json"
    | "graph-signin-json"
    | "entra-diagnostic-json"
    | "graph-riskdetection-json"
    | "rows-json";
  records: StagedRecord[];
  /** Column names from a hunting-API `schema`, when the document has one. */
  schemaColumns?: string[];
}

const RAW_MAX = 300;
const rawOf = (v: unknown) => {
  const s = JSON.stringify(v) ?? "";
  return s.length > RAW_MAX ? `${s.slice(0, RAW_MAX)}…` : s;
};

/** The records of one parsed JSON document, each with its JSON pointer-like place. */
export function documentRecords(root: unknown): DocumentRecords | { error: string } {
  const list = (items: unknown[], prefix: string, category?: (x: unknown) => string | undefined) =>
    items.map((x, i) => ({ loc: `${prefix}[${i}]`, rec: classify(x, category?.(x)), raw: rawOf(x) }));
  if (Array.isArray(root)) {
    const records = list(root, "");
    return { format: formatOf(records), records };
  }
  if (!isObj(root)) return { error: "JSON document is neither an object nor an array" };
  const schema = root.schema ?? root.Schema;
  const results = root.results ?? root.Results;
  if (Array.isArray(schema) && Array.isArray(results)) {
    const schemaColumns = schema
      .map((s) => (isObj(s) ? (s.name ?? s.Name) : undefined))
      .filter((n): n is string => typeof n === "string" && n !== "");
    const records = results.map((x, i): StagedRecord => ({
      loc: `${"results" in root ? "results" : "Results"}[${i}]`,
      rec: isObj(x)
        ? { kind: "row", doc: JSON.stringify(x), keys: schemaColumns }
        : { kind: "bad", reason: "result row is not a JSON object" },
      raw: rawOf(x),
    }));
    return {
      format: "schema" in root ? "defender-hunting-json" : "defender-legacy-json",
      records,
      schemaColumns,
    };
  }
  if (Array.isArray(root.records)) {
    const records = list(root.records, "records");
    return { format: formatOf(records, true), records };
  }
  if (Array.isArray(root.value)) {
    const records = list(root.value, "value");
    return { format: formatOf(records), records };
  }
  const records = [{ loc: "", rec: classify(root), raw: rawOf(root) }];
  return { format: formatOf(records), records };
}

function formatOf(records: StagedRecord[], envelope = false): DocumentRecords["format"] {
  const kinds = new Map<string, number>();
  for (const r of records) kinds.set(r.rec.kind, (kinds.get(r.rec.kind) ?? 0) + 1);
  const top = [...kinds.entries()].filter(([k]) => k !== "bad").sort((a, b) => b[1] - a[1])[0]?.[0];
  switch (top) {
    case "ual":
      return records.some((r) => r.raw.includes('"auditLogRecordType"'))
        ? "graph-audit-json"
        : "management-api-json";
    case "signin":
      return envelope ? "entra-diagnostic-json" : "graph-signin-json";
    case "risk":
      return "graph-riskdetection-json";
    case "row":
      return envelope ? "defender-streaming-json" : "rows-json";
    default:
      return "rows-json";
  }
}
