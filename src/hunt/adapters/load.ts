/**
 * `loadExports`: loads what responders have (files and folders of Defender, Sentinel, Purview and Entra exports)
 * into the hunting tables, recognising each format by content and accounting for every record (README.md).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { huntTables, storageColumns } from "../schema/schema.js";
import { commitRows, type MappedRows } from "./commit.js";
import { recordPlaces, truncate } from "./csvlines.js";
import { documentRecords, type StagedRecord } from "./docs.js";
import { entraAdminRecords, isEntraAdminHeader } from "./entraCsv.js";
import { identifyTable, normalizeHeader } from "./identify.js";
import { DOCS, mapDocs, sameNameMap } from "./mapping.js";
import { riskDetectionsToSentinel, signInsToDefender, signInsToSentinel } from "./signin.js";
import { sniff } from "./sniff.js";
import { ident, lit, storageType } from "./sql.js";
import type { FileReport, FormatId, LoadOptions, LoadReport, QuarantineEntry, TableSink } from "./types.js";
import { ualToCloudAppEvents, ualToEntraSignIns } from "./ual.js";

/** Files a generator run writes beside its tables; not logs. */
const IGNORED = new Set(["state.json", "truth.json"]);

interface Plan {
  table: string;
  rows: MappedRows;
  /** Whether this table's outcome counts the records (a record feeding two shapes is counted once). */
  counted: boolean;
}

interface Ctx {
  sink: TableSink;
  wanted: Set<string> | undefined;
  cap: number;
  report: LoadReport;
}

export async function loadExports(
  sink: TableSink,
  paths: string[],
  opts: LoadOptions = {},
): Promise<LoadReport> {
  const conn = sink.connection;
  // Texts without a zone are UTC in every Microsoft export; make DuckDB read them so.
  await conn.run("SET TimeZone = 'UTC'");
  for (const [name] of Object.entries(huntTables)) {
    const cols = storageColumns(name);
    await conn.run(
      `CREATE TABLE IF NOT EXISTS ${ident(name)} (${cols.map((c) => `${ident(c.name)} ${storageType(c.type)}`).join(", ")})`,
    );
    // Queries are analysed against every declared spelling (the seed's ISP as well as the documented Isp);
    // DuckDB resolves either to the one stored column, its names being case-insensitive.
    sink.defineTable(
      name,
      (huntTables[name]?.columns ?? cols).map((c) => ({ name: c.name, type: c.type })),
    );
  }
  const report: LoadReport = {
    files: [],
    totals: { files: 0, records: 0, loaded: 0, duplicate: 0, quarantined: 0, skipped: 0 },
    quarantine: [],
    quarantineOmitted: 0,
    skipped: [],
    tableRows: {},
  };
  const ctx: Ctx = {
    sink,
    wanted: opts.tables ? new Set(opts.tables) : undefined,
    cap: opts.quarantineCap ?? 1000,
    report,
  };
  for (const p of paths) for (const file of await walk(p, report)) await loadOne(ctx, file);
  for (const f of report.files) {
    report.totals.files++;
    report.totals.records += f.records;
    report.totals.loaded += f.loaded;
    report.totals.duplicate += f.duplicate;
    report.totals.quarantined += f.quarantined;
  }
  report.totals.skipped = report.skipped.length;
  for (const name of Object.keys(huntTables)) {
    const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM ${ident(name)}`);
    report.tableRows[name] = Number(r.getRows()[0]?.[0] ?? 0);
  }
  return report;
}

async function walk(p: string, report: LoadReport): Promise<string[]> {
  let s;
  try {
    s = await stat(p);
  } catch (e) {
    report.skipped.push({ file: p, reason: `cannot read: ${(e as Error).message}` });
    return [];
  }
  if (s.isFile()) return [p];
  if (!s.isDirectory()) {
    report.skipped.push({ file: p, reason: "not a file or folder" });
    return [];
  }
  const out: string[] = [];
  const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const full = path.join(p, e.name);
    if (e.isFile() && IGNORED.has(e.name)) {
      report.skipped.push({ file: full, reason: "generator state, not a log" });
      continue;
    }
    out.push(...(await walk(full, report)));
  }
  return out;
}

function addQuarantine(ctx: Ctx, q: QuarantineEntry): void {
  if (ctx.report.quarantine.length < ctx.cap) ctx.report.quarantine.push({ ...q, raw: truncate(q.raw) });
  else ctx.report.quarantineOmitted++;
}

async function loadOne(ctx: Ctx, file: string): Promise<void> {
  const conn = ctx.sink.connection;
  try {
    const s = await sniff(file);
    if (s.kind === "unknown") {
      ctx.report.skipped.push({ file, reason: s.reason });
      return;
    }
    if (s.kind === "csv") await loadCsv(ctx, file, s.header);
    else if (s.kind === "jsonl") await loadJsonLines(ctx, file, s.samples);
    else await loadJsonDocument(ctx, file);
  } catch (e) {
    ctx.report.skipped.push({ file, reason: `unreadable: ${(e as Error).message.split("\n")[0] ?? ""}` });
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${DOCS}`);
  }
}

const wantedPlans = (ctx: Ctx, plans: Plan[]) => plans.filter((p) => !ctx.wanted || ctx.wanted.has(p.table));

/** Runs the plans and accounts for the records; `place` resolves `_ord`s of quarantined rows to line and text. */
async function runPlans(
  ctx: Ctx,
  file: string,
  format: FormatId,
  plans: Plan[],
  place: (ords: number[]) => Promise<Map<number, { line: string; raw: string }>>,
  pre: { records: number; bad: QuarantineEntry[] } = { records: 0, bad: [] },
): Promise<void> {
  const chosen = wantedPlans(ctx, plans);
  if (chosen.length === 0) {
    ctx.report.skipped.push({
      file,
      reason: `${format}: feeds only tables not requested (${plans.map((p) => p.table).join(", ")})`,
    });
    return;
  }
  const fr: FileReport = {
    file,
    format,
    tables: [],
    records: pre.records,
    loaded: 0,
    duplicate: 0,
    quarantined: pre.bad.length,
  };
  fr.records += pre.bad.length;
  for (const q of pre.bad) addQuarantine(ctx, q);
  for (const plan of chosen) {
    const keep = plan.counted ? Math.max(0, ctx.cap - ctx.report.quarantine.length) : 0;
    const res = await commitRows(ctx.sink.connection, plan.table, plan.rows, keep);
    if (res.loaded > 0 || plan.counted)
      if (!fr.tables.includes(plan.table) && res.rows > 0) fr.tables.push(plan.table);
    if (!plan.counted) continue;
    fr.records += res.rows;
    fr.loaded += res.loaded;
    fr.duplicate += res.duplicate;
    fr.quarantined += res.quarantined;
    const places = await place(res.bad.map((b) => b.ord));
    for (const b of res.bad) {
      const p = places.get(b.ord);
      addQuarantine(ctx, { file, line: p?.line ?? `record ${b.ord}`, reason: b.reason, raw: p?.raw ?? "" });
    }
    ctx.report.quarantineOmitted += Math.max(0, res.quarantined - res.bad.length);
  }
  ctx.report.files.push(fr);
}

// ---- CSV ---------------------------------------------------------------------------------------------------------

const UAL_CSV: { format: FormatId; audit: string; date: string; test: (h: Set<string>) => boolean }[] = [
  {
    format: "purview-csv",
    audit: "auditdata",
    date: "creationdate",
    test: (h) => h.has("recordid") && h.has("operation"),
  },
  {
    format: "graph-audit-csv",
    audit: "auditdata",
    date: "createddatetime",
    test: (h) => h.has("auditlogrecordtype"),
  },
  {
    format: "ual-powershell-csv",
    audit: "auditdata",
    date: "creationdate",
    test: (h) => h.has("recordtype") && h.has("operations"),
  },
  {
    format: "purview-legacy-csv",
    audit: "auditdata",
    date: "creationdate",
    test: (h) => h.has("operations") && h.has("userids"),
  },
];

function readCsvSql(file: string, n: number): string {
  const cols = Array.from({ length: n }, (_, i) => `${lit(`c${i}`)}: 'VARCHAR'`).join(", ");
  // Explicit columns and dialect: nothing is guessed from the data; malformed lines go to the rejects table.
  return (
    `read_csv(${lit(file)}, header = true, columns = {${cols}}, auto_detect = false, delim = ',', quote = '"', ` +
    `escape = '"', max_line_size = 67108864, store_rejects = true, rejects_table = 'mw_rej', rejects_scan = 'mw_rej_scan')`
  );
}

async function loadCsv(ctx: Ctx, file: string, header: string[]): Promise<void> {
  const conn = ctx.sink.connection;
  const names = header.map((h) => normalizeHeader(h).toLowerCase());
  const set = new Set(names);
  const idx = (n: string) => names.indexOf(n);
  await conn.run("DROP TABLE IF EXISTS mw_rej; DROP TABLE IF EXISTS mw_rej_scan");

  if (isEntraAdminHeader(header)) {
    const nonInteractive = /noninteractive/i.test(path.basename(file));
    const staged: StagedRecord[] = [];
    for await (const r of entraAdminRecords(file, nonInteractive)) staged.push(r);
    await loadStaged(ctx, file, "entra-admin-csv", staged);
    return;
  }
  const ual = UAL_CSV.find((u) => set.has(u.audit) && u.test(set));
  let plans: Plan[];
  let format: FormatId;
  let staged = false;
  if (ual) {
    format = ual.format;
    const date = idx(ual.date);
    await conn.run(
      `CREATE TEMP TABLE ${DOCS} AS SELECT NULL::BIGINT AS _ord, NULL::VARCHAR AS _loc, c${idx(ual.audit)} AS doc, ` +
        `${date >= 0 ? `c${date}` : "NULL::VARCHAR"} AS hint FROM ${readCsvSql(file, header.length)}`,
    );
    await numberDocs(ctx);
    staged = true;
    plans = [
      { table: "CloudAppEvents", rows: ualToCloudAppEvents(), counted: true },
      { table: "EntraIdSignInEvents", rows: ualToEntraSignIns(), counted: true },
    ];
  } else {
    const match = identifyTable(header, path.basename(file));
    if (!match) {
      ctx.report.skipped.push({
        file,
        reason: `CSV header matches no known export: ${truncate(header.join(","), 200)}`,
      });
      return;
    }
    const t = huntTables[match.table];
    format = t?.platform === "sentinel" ? "sentinel-csv" : "defender-csv";
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
    if (routeCols.length) {
      // A union export of both sign-in tables: each row goes where its Type/Category says.
      await conn.run(`CREATE TEMP TABLE ${DOCS} AS SELECT NULL::BIGINT AS _ord, * FROM (${select})`);
      await numberDocs(ctx);
      staged = true;
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
  }
  void staged;
  const rejects = await csvRejects(ctx);
  const place = async (ords: number[]) => {
    // `_ord` counts parsed rows; rejected records are not among them. Record 0 is the header.
    const rejected = [...rejects.keys()].sort((a, b) => a - b);
    const recordOf = (ord: number) => {
      let rec = ord;
      for (const r of rejected) if (r <= rec) rec++;
      return rec;
    };
    const recs = new Map(ords.map((o) => [o, recordOf(o)]));
    const places = await recordPlaces(file, new Set(recs.values()));
    return new Map(
      ords.map((o) => {
        const p = places.get(recs.get(o) ?? -1);
        return [o, { line: String(p?.line ?? `record ${o}`), raw: p?.raw ?? "" }];
      }),
    );
  };
  const bad: QuarantineEntry[] = [];
  if (rejects.size) {
    const places = await recordPlaces(file, new Set(rejects.keys()));
    for (const [rec, reason] of rejects) {
      const p = places.get(rec);
      bad.push({
        file,
        line: String(p?.line ?? `record ${rec}`),
        reason: `malformed CSV: ${reason}`,
        raw: p?.raw ?? "",
      });
    }
  }
  await runPlans(ctx, file, format, plans, place, { records: 0, bad });
}

/** Rejected CSV records by 0-based record number (DuckDB counts the header as line 1). Needs a scan to have run. */
async function csvRejects(ctx: Ctx): Promise<Map<number, string>> {
  const conn = ctx.sink.connection;
  const out = new Map<number, string>();
  try {
    // The rejects table fills when a scan runs; the staged formats already ran it, the inline one runs it here.
    const r = await conn.runAndReadAll("SELECT line::BIGINT, error_message FROM mw_rej ORDER BY line");
    for (const [line, msg] of r.getRows())
      if (!out.has(Number(line) - 1)) out.set(Number(line) - 1, String(msg));
  } catch {
    // No rejects table: nothing was rejected.
  }
  return out;
}

// ---- JSON Lines ----------------------------------------------------------------------------------------------------

async function loadJsonLines(ctx: Ctx, file: string, samples: unknown[]): Promise<void> {
  const conn = ctx.sink.connection;
  const first = samples[0];
  const { classify } = await import("./docs.js");
  const kind = classify(first);
  const envelope =
    typeof first === "object" &&
    first !== null &&
    ("records" in first || "record" in first || "event" in first || "properties" in first);
  if (envelope) {
    // Envelopes per line (Event Hub captures, diagnostic settings, labelled samples): small, read in JavaScript.
    const text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
    const staged: StagedRecord[] = [];
    let format: FormatId = "defender-streaming-json";
    text.split("\n").forEach((l, i) => {
      if (l.trim() === "") return;
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch (e) {
        staged.push({
          loc: String(i + 1),
          rec: { kind: "bad", reason: `invalid JSON: ${(e as Error).message}` },
          raw: l.slice(0, 300),
        });
        return;
      }
      const o = v as Record<string, unknown>;
      const inner = o.record ?? o.event;
      // Labelled samples (`{label, table?, record}`) wrap one original record; their `table` names its table.
      const wrapped = inner !== undefined && typeof o.label === "string";
      const doc = documentRecords(wrapped ? inner : v);
      if ("error" in doc) {
        staged.push({ loc: String(i + 1), rec: { kind: "bad", reason: doc.error }, raw: l.slice(0, 300) });
        return;
      }
      if (doc.format === "entra-diagnostic-json") format = "entra-diagnostic-json";
      const named = wrapped && typeof o.table === "string" && huntTables[o.table] ? o.table : undefined;
      for (const r of doc.records) {
        const rec = named && r.rec.kind === "row" ? { ...r.rec, table: named } : r.rec;
        staged.push({ ...r, rec, loc: r.loc ? `${i + 1}:${r.loc}` : String(i + 1) });
      }
    });
    await loadStaged(ctx, file, format, staged);
    return;
  }
  // One record per line, read by DuckDB: one VARCHAR per physical line (no quoting), numbered by line.
  await conn.run(
    `CREATE TEMP TABLE ${DOCS} AS SELECT NULL::BIGINT AS _ord, NULL::VARCHAR AS _loc, l AS doc, NULL::VARCHAR AS hint ` +
      `FROM read_csv(${lit(file)}, header = false, columns = {'l': 'VARCHAR'}, auto_detect = false, delim = chr(1), ` +
      `quote = '', escape = '', strict_mode = false, max_line_size = 67108864)`,
  );
  await numberDocs(ctx);
  await conn.run(`UPDATE ${DOCS} SET doc = ltrim(doc, chr(65279)) WHERE _ord = 1`);
  const place = lineDocPlaces(ctx);
  if (kind.kind === "ual") {
    await runPlans(
      ctx,
      file,
      "management-api-json",
      [
        { table: "CloudAppEvents", rows: ualToCloudAppEvents(), counted: true },
        { table: "EntraIdSignInEvents", rows: ualToEntraSignIns(), counted: true },
      ],
      place,
    );
  } else if (kind.kind === "signin") {
    await runPlans(ctx, file, "graph-signin-json", signInPlans(), place);
  } else if (kind.kind === "risk") {
    await runPlans(
      ctx,
      file,
      "graph-riskdetection-json",
      [{ table: "AADUserRiskEvents", rows: riskDetectionsToSentinel(), counted: true }],
      place,
    );
  } else {
    const keys = new Set<string>();
    for (const s of samples)
      if (typeof s === "object" && s !== null) for (const k of Object.keys(s)) keys.add(k);
    const match = identifyTable([...keys], path.basename(file));
    if (!match) {
      ctx.report.skipped.push({
        file,
        reason: `JSON Lines keys match no known export: ${truncate([...keys].join(","), 200)}`,
      });
      return;
    }
    const cols = storageColumns(match.table).map((c) => c.name);
    const rows = mapDocs(sameNameMap(cols, keys));
    const format: FormatId =
      huntTables[match.table]?.platform === "sentinel" ? "sentinel-jsonl" : "defender-jsonl";
    await runPlans(ctx, file, format, [{ table: match.table, rows, counted: true }], place);
  }
}

/**
 * Numbers the staged records 1, 2, … in file order: the scan filled the table in that order (DuckDB preserves
 * insertion order), so its rowid is the record's place. `row_number() OVER ()` in the scan would run on one thread.
 */
async function numberDocs(ctx: Ctx): Promise<void> {
  await ctx.sink.connection.run(`UPDATE ${DOCS} SET _ord = rowid + 1`);
}

function lineDocPlaces(ctx: Ctx) {
  return async (ords: number[]) => {
    const out = new Map<number, { line: string; raw: string }>();
    if (ords.length === 0) return out;
    const r = await ctx.sink.connection.runAndReadAll(
      `SELECT _ord::BIGINT, coalesce(_loc, CAST(_ord AS VARCHAR)), left(doc, 300) FROM ${DOCS} WHERE _ord IN (${ords.map((o) => String(Math.floor(o))).join(", ")})`,
    );
    for (const [o, loc, raw] of r.getRows())
      out.set(Number(o), { line: String(loc), raw: String(raw ?? "") });
    return out;
  };
}

function signInPlans(): Plan[] {
  return [
    { table: "EntraIdSignInEvents", rows: signInsToDefender(), counted: true },
    { table: "SigninLogs", rows: signInsToSentinel("SigninLogs"), counted: false },
    {
      table: "AADNonInteractiveUserSignInLogs",
      rows: signInsToSentinel("AADNonInteractiveUserSignInLogs"),
      counted: false,
    },
  ];
}

// ---- JSON documents ------------------------------------------------------------------------------------------------

async function loadJsonDocument(ctx: Ctx, file: string): Promise<void> {
  let root: unknown;
  try {
    root = JSON.parse((await readFile(file, "utf8")).replace(/^\uFEFF/, ""));
  } catch (e) {
    ctx.report.skipped.push({ file, reason: `invalid JSON document: ${(e as Error).message}` });
    return;
  }
  const doc = documentRecords(root);
  if ("error" in doc) {
    ctx.report.skipped.push({ file, reason: doc.error });
    return;
  }
  const format: FormatId = doc.format === "rows-json" ? "defender-hunting-json" : doc.format;
  await loadStaged(ctx, file, format, doc.records, doc.schemaColumns);
}

/** Stages JS-read records (by kind) through an appender and commits each kind with its mapping. */
async function loadStaged(
  ctx: Ctx,
  file: string,
  format: FormatId,
  records: StagedRecord[],
  schemaColumns?: string[],
): Promise<void> {
  const conn = ctx.sink.connection;
  const bad: QuarantineEntry[] = records
    .filter((r) => r.rec.kind === "bad")
    .map((r) => ({ file, line: r.loc, reason: (r.rec as { reason: string }).reason, raw: r.raw }));
  const groups = new Map<string, StagedRecord[]>();
  for (const r of records) {
    if (r.rec.kind === "bad") continue;
    const key = r.rec.kind === "row" ? `row:${r.rec.table ?? ""}` : r.rec.kind;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const fr0 = ctx.report.files.length;
  let first = true;
  for (const [key, group] of groups) {
    await conn.run(`DROP TABLE IF EXISTS ${DOCS}`);
    await conn.run(`CREATE TEMP TABLE ${DOCS} (_ord BIGINT, _loc VARCHAR, doc VARCHAR, hint VARCHAR)`);
    const app = await conn.createAppender(DOCS);
    group.forEach((r, i) => {
      app.appendBigInt(BigInt(i + 1));
      app.appendVarchar(r.loc);
      const rec = r.rec as { doc: string; hint?: string | null };
      app.appendVarchar(rec.doc);
      if (rec.hint) app.appendVarchar(rec.hint);
      else app.appendNull();
      app.endRow();
    });
    app.closeSync();
    let plans: Plan[];
    if (key === "ual")
      plans = [
        { table: "CloudAppEvents", rows: ualToCloudAppEvents(), counted: true },
        { table: "EntraIdSignInEvents", rows: ualToEntraSignIns(), counted: true },
      ];
    else if (key === "signin") plans = signInPlans();
    else if (key === "risk")
      plans = [{ table: "AADUserRiskEvents", rows: riskDetectionsToSentinel(), counted: true }];
    else {
      const keys = new Set<string>(schemaColumns ?? []);
      for (const r of group) if (r.rec.kind === "row") for (const k of r.rec.keys) keys.add(k);
      const named = key.slice(4);
      const table = named && huntTables[named] ? named : identifyTable([...keys], path.basename(file))?.table;
      if (!table) {
        for (const r of group)
          bad.push({ file, line: r.loc, reason: `record keys match no hunting table`, raw: r.raw });
        continue;
      }
      plans = [
        {
          table,
          rows: mapDocs(
            sameNameMap(
              storageColumns(table).map((c) => c.name),
              keys,
            ),
          ),
          counted: true,
        },
      ];
    }
    await runPlans(ctx, file, format, plans, lineDocPlaces(ctx), first ? { records: 0, bad: [] } : undefined);
    first = false;
  }
  // Merge the per-kind reports of this file into one, with the records no mapping took.
  const parts = ctx.report.files.splice(fr0);
  const fr: FileReport = { file, format, tables: [], records: 0, loaded: 0, duplicate: 0, quarantined: 0 };
  for (const p of parts) {
    fr.records += p.records;
    fr.loaded += p.loaded;
    fr.duplicate += p.duplicate;
    fr.quarantined += p.quarantined;
    for (const t of p.tables) if (!fr.tables.includes(t)) fr.tables.push(t);
  }
  fr.records += bad.length;
  fr.quarantined += bad.length;
  for (const q of bad) addQuarantine(ctx, q);
  ctx.report.files.push(fr);
}
