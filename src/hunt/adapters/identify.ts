/**
 * Which hunting table a set of column names (a CSV header, the keys of JSON rows) belongs to. Content decides; a
 * file name only breaks a tie between tables whose columns fit equally well (formats.md §0).
 */
import { huntTables } from "../schema/schema.js";

/** Normalises a header cell: BOM, surrounding spaces, the Log Analytics ` [UTC]` suffix, repeated spaces. */
export function normalizeHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, "")
    .replace(/\s*\[UTC\]\s*$/i, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Columns that must all be present for a table to be considered, and columns that tell look-alikes apart. */
const RULES: Record<string, { all: string[]; any?: string[]; marks?: string[]; never?: string[] }> = {
  CloudAppEvents: {
    all: ["timestamp", "actiontype"],
    any: ["raweventdata", "activityobjects", "activitytype", "reportid"],
  },
  EntraIdSignInEvents: {
    all: ["timestamp"],
    any: ["logontype", "errorcode", "sessionid", "requestid", "risklevelduringsignin"],
    marks: ["entraiddeviceid", "uniquetokenid", "isthroughglobalsecureaccess"],
    never: ["aaddeviceid", "actiontype"],
  },
  AADSignInEventsBeta: {
    all: ["timestamp"],
    any: ["logontype", "errorcode", "sessionid", "requestid", "risklevelduringsignin"],
    marks: ["aaddeviceid"],
    never: ["entraiddeviceid", "uniquetokenid", "actiontype"],
  },
  AlertInfo: { all: ["timestamp", "alertid", "title"], never: ["entitytype"] },
  AlertEvidence: { all: ["timestamp", "alertid", "entitytype"] },
  OfficeActivity: {
    // Some Log Analytics exports drop TimeGenerated and keep the record's own Start_Time (the Sentinel training
    // lab's office_activity_inbox_rule.csv): either names the event time.
    all: ["timegenerated|start_time", "operation"],
    any: ["officeworkload", "officeid", "officeobjectid", "recordtype", "userkey", "parameters", "clientip"],
    never: ["operationname", "operationnamevalue"],
  },
  SigninLogs: {
    all: ["timegenerated|createddatetime"],
    any: [
      "userprincipalname",
      "appdisplayname",
      "risklevelduringsignin",
      "uniquetokenidentifier",
      "conditionalaccessstatus",
    ],
    marks: ["processingtimeinmilliseconds"],
    never: ["signineventtypes", "processingtimeinms", "riskeventtype", "operationnamevalue", "caller"],
  },
  AADNonInteractiveUserSignInLogs: {
    all: ["timegenerated|createddatetime"],
    any: [
      "userprincipalname",
      "appdisplayname",
      "risklevelduringsignin",
      "uniquetokenidentifier",
      "conditionalaccessstatus",
    ],
    marks: ["signineventtypes", "processingtimeinms"],
    never: ["processingtimeinmilliseconds", "riskeventtype", "operationnamevalue", "caller"],
  },
  AADUserRiskEvents: {
    all: ["timegenerated", "riskeventtype"],
    any: ["detectiontimingtype", "requestid", "riskstate"],
  },
};

export interface TableMatch {
  table: string;
  /** How many of the input's columns the table has. */
  score: number;
}

/** The table whose columns fit best; undefined when none does. Ties go to the table named in `fileName`. */
export function identifyTable(columns: readonly string[], fileName = ""): TableMatch | undefined {
  const have = new Set(columns.map((c) => normalizeHeader(c).toLowerCase()));
  const candidates: { table: string; score: number; marks: number }[] = [];
  for (const [table, rule] of Object.entries(RULES)) {
    if (!rule.all.every((c) => c.split("|").some((alt) => have.has(alt)))) continue;
    if (rule.any && !rule.any.some((c) => have.has(c.toLowerCase()))) continue;
    if (rule.never?.some((c) => have.has(c))) continue;
    const cols = huntTables[table]?.columns ?? [];
    const score = new Set(cols.map((c) => c.name.toLowerCase()).filter((c) => have.has(c))).size;
    const marks = (rule.marks ?? []).filter((c) => have.has(c)).length;
    candidates.push({ table, score, marks });
  }
  if (candidates.length === 0) return undefined;
  const lowerName = fileName.toLowerCase();
  candidates.sort(
    (a, b) =>
      b.marks - a.marks ||
      b.score - a.score ||
      Number(lowerName.includes(b.table.toLowerCase())) - Number(lowerName.includes(a.table.toLowerCase())) ||
      // Without any mark, the successor table is the default Defender sign-in shape (formats.md §1.3).
      Number(b.table === "EntraIdSignInEvents") - Number(a.table === "EntraIdSignInEvents"),
  );
  const best = candidates[0];
  return best ? { table: best.table, score: best.score } : undefined;
}
