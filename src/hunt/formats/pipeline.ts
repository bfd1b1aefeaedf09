/**
 * What every format's loader shares: staging records, running a format's plans (its mapping into tables) through
 * `commitRows`, and accounting for every record — loaded, duplicate, or quarantined with file, line and reason.
 */
import path from "node:path";
import { huntTables, storageColumns } from "../schema/schema.js";
import { commitRows, type CommitStage, type MappedRows } from "../adapters/commit.js";
import { recordPlaces, truncate } from "../adapters/csvlines.js";
import type { StagedRecord } from "../adapters/docs.js";
import { identifyTable } from "../adapters/identify.js";
import { DOCS, mapDocs, sameNameMap } from "../adapters/mapping.js";
import { lit } from "../adapters/sql.js";
import type { FileReport, FormatId, LoadReport, QuarantineEntry, TableSink } from "../adapters/types.js";

export interface Plan {
  table: string;
  rows: MappedRows;
  /** Whether this table's outcome counts the records (a record feeding two shapes is counted once). */
  counted: boolean;
}

export interface LoadCtx {
  sink: TableSink;
  wanted: Set<string> | undefined;
  cap: number;
  /** LoadOptions.columns: the columns stored per table (others are checked, not kept). */
  columns?: Record<string, readonly string[]>;
  report: LoadReport;
  /** The plans of a kind of staged record (the registry's `staged` definitions). */
  plansFor(kind: "ual" | "signin" | "risk"): Plan[];
  /** This file's conversion table and its turn to commit (commitRows; loadExports loads two files at once). */
  stage?: CommitStage;
}

export function skip(ctx: LoadCtx, file: string, reason: string): void {
  ctx.report.skipped.push({ file, reason });
}

export function addQuarantine(ctx: LoadCtx, q: QuarantineEntry): void {
  if (ctx.report.quarantine.length < ctx.cap) ctx.report.quarantine.push({ ...q, raw: truncate(q.raw) });
  else ctx.report.quarantineOmitted++;
}

const wantedPlans = (ctx: LoadCtx, plans: Plan[]) =>
  plans.filter((p) => !ctx.wanted || ctx.wanted.has(p.table));

export type Places = (ords: number[]) => Promise<Map<number, { line: string; raw: string }>>;

/** Runs the plans and accounts for the records; `place` resolves `_ord`s of quarantined rows to line and text. */
export async function runPlans(
  ctx: LoadCtx,
  file: string,
  format: FormatId,
  plans: Plan[],
  place: Places,
  pre: { records: number; bad: QuarantineEntry[] } = { records: 0, bad: [] },
): Promise<void> {
  const chosen = wantedPlans(ctx, plans);
  if (chosen.length === 0) {
    skip(ctx, file, `${format}: feeds only tables not requested (${plans.map((p) => p.table).join(", ")})`);
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
    const res = await commitRows(ctx.sink.connection, plan.table, plan.rows, keep, ctx.columns, ctx.stage);
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

/** DuckDB's reader of a CSV file as `n` VARCHAR columns `c0…`; malformed lines go to the rejects table `mw_rej`. */
export function readCsvSql(file: string, n: number): string {
  const cols = Array.from({ length: n }, (_, i) => `${lit(`c${i}`)}: 'VARCHAR'`).join(", ");
  // Explicit columns and dialect: nothing is guessed from the data; malformed lines go to the rejects table.
  return (
    `read_csv(${lit(file)}, header = true, columns = {${cols}}, auto_detect = false, delim = ',', quote = '"', ` +
    `escape = '"', max_line_size = 67108864, store_rejects = true, rejects_table = 'mw_rej', rejects_scan = 'mw_rej_scan')`
  );
}

/** Rejected CSV records by 0-based record number (DuckDB counts the header as line 1). Needs a scan to have run. */
async function csvRejects(ctx: LoadCtx): Promise<Map<number, string>> {
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

/** Runs a CSV format's plans, with DuckDB's rejected lines quarantined and quarantined rows placed on their lines. */
export async function runCsvPlans(
  ctx: LoadCtx,
  file: string,
  format: FormatId,
  plans: Plan[],
): Promise<void> {
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

// ---- staged documents --------------------------------------------------------------------------------------------

/**
 * Numbers the staged records 1, 2, … in file order: the scan filled the table in that order (DuckDB preserves
 * insertion order), so its rowid is the record's place. `row_number() OVER ()` in the scan would run on one thread.
 */
export async function numberDocs(ctx: LoadCtx): Promise<void> {
  await ctx.sink.connection.run(`UPDATE ${DOCS} SET _ord = rowid + 1`);
}

/** Places of staged records: their `_loc` (a line, or a pointer inside a document), else their number. */
export function lineDocPlaces(ctx: LoadCtx): Places {
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

/** Stages JS-read records (by kind) through an appender and commits each kind with its mapping. */
export async function loadStaged(
  ctx: LoadCtx,
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
    if (key === "ual" || key === "signin" || key === "risk") plans = ctx.plansFor(key);
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

/** Stages a JSON Lines file as one VARCHAR per physical line (no quoting), numbered by line, BOM removed. */
export async function stageLines(ctx: LoadCtx, file: string): Promise<void> {
  const conn = ctx.sink.connection;
  await conn.run(
    `CREATE TEMP TABLE ${DOCS} AS SELECT NULL::BIGINT AS _ord, NULL::VARCHAR AS _loc, l AS doc, NULL::VARCHAR AS hint ` +
      `FROM read_csv(${lit(file)}, header = false, columns = {'l': 'VARCHAR'}, auto_detect = false, delim = chr(1), ` +
      `quote = '', escape = '', strict_mode = false, max_line_size = 67108864)`,
  );
  await numberDocs(ctx);
  await conn.run(`UPDATE ${DOCS} SET doc = ltrim(doc, chr(65279)) WHERE _ord = 1`);
}
