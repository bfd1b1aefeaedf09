/**
 * `loadExports`: loads what responders have (files and folders of Defender, Sentinel, Purview and Entra exports)
 * into the hunting tables, recognising each format by content (the registry in src/hunt/formats) and accounting for
 * every record (README.md).
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { formatsOf, stagedPlans } from "../formats/index.js";
import type { LoadCtx } from "../formats/pipeline.js";
import type { Container, FormatDefinition, HeadOf } from "../formats/types.js";
import { huntTables, storageColumns } from "../schema/schema.js";
import { storedColumns } from "./commit.js";
import { DOCS } from "./mapping.js";
import { sniff } from "./sniff.js";
import { ident, storageType } from "./sql.js";
import type { LoadOptions, LoadReport, TableSink } from "./types.js";

/** Files a generator run writes beside its tables; not logs. */
const IGNORED = new Set(["state.json", "truth.json"]);

export async function loadExports(
  sink: TableSink,
  paths: string[],
  opts: LoadOptions = {},
): Promise<LoadReport> {
  const conn = sink.connection;
  await declareHuntTables(sink, opts.columns);
  const report = emptyReport();
  const ctx: LoadCtx = {
    sink,
    wanted: opts.tables ? new Set(opts.tables) : undefined,
    cap: opts.quarantineCap ?? 1000,
    ...(opts.columns ? { columns: opts.columns } : {}),
    report,
    plansFor: stagedPlans,
  };
  // One DuckDB thread more than it runs with while loading: a file scan has phases where a thread waits (reading the
  // next buffer, appending to the table), and the spare thread keeps every core busy meanwhile (benchmark scale 1 CSV
  // on 2 cores: 15.6 s -> 14.7 s, mean of four alternating runs; no gain on queries, so it is set back afterwards).
  const threads = Number((await conn.runAndReadAll("SELECT current_setting('threads')")).getRows()[0]?.[0]);
  const spare = Number.isInteger(threads) && threads > 0;
  if (spare) await conn.run(`SET threads = ${threads + 1}`);
  try {
    await loadAll(ctx, paths);
  } finally {
    if (spare) await conn.run(`SET threads = ${threads}`);
  }
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

/**
 * Creates the hunting tables on the sink's connection (empty; those that exist are kept) and declares their KQL
 * columns. With `columns` (LoadOptions.columns) the sink is told which columns of each table will hold values: the
 * others stay NULL, and the engine refuses a query that reads one of them.
 */
export async function declareHuntTables(
  sink: TableSink,
  columns?: Record<string, readonly string[]>,
): Promise<void> {
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
    const kept = storedColumns(name, columns);
    if (kept.length < cols.length)
      sink.narrowed?.(
        name,
        kept.map((c) => c.name),
      );
  }
}

/** Files converted at once, each on a connection of its own (a scan waits on I/O; two keep the cores busy). */
const FILES_AT_ONCE = 2;

/**
 * Every file of every path. Up to FILES_AT_ONCE files load at once, each on its own connection (`sink.connect`)
 * (its temporary tables its own) into a report of its own; each commits to the hunting tables only in its turn (the
 * previous file done) and its report joins the whole in file order — the same tables and report as one at a time
 * (benchmark scale 1: the CSV load about 0.8 s shorter on 2 cores).
 */
async function loadAll(ctx: LoadCtx, paths: string[]): Promise<void> {
  const { sink, report } = ctx;
  let prev: Promise<void> = Promise.resolve();
  const active = new Set<Promise<void>>();
  let seq = 0;
  for (const p of paths) {
    const walked: Pick<LoadReport, "skipped"> = { skipped: [] };
    const files = await walk(p, walked);
    const before = prev;
    prev = before.then(() => void report.skipped.push(...walked.skipped));
    for (const file of files) {
      while (active.size >= FILES_AT_ONCE) await Promise.race(active);
      const turn = prev;
      let release = (): void => undefined;
      prev = new Promise<void>((r) => (release = r));
      const own = emptyReport();
      const name = `mw_conv_${++seq}`;
      const run = (async () => {
        try {
          const connection = await sink.connect();
          try {
            const fileSink: TableSink = {
              connection,
              defineTable: (n, c) => sink.defineTable(n, c),
              connect: () => sink.connect(),
            };
            await loadOne({ ...ctx, sink: fileSink, report: own, stage: { name, turn: () => turn } }, file);
          } finally {
            connection.closeSync();
          }
        } catch (e) {
          own.skipped.push({ file, reason: `unreadable: ${(e as Error).message.split("\n")[0] ?? ""}` });
        } finally {
          await turn;
          mergeReport(report, own, ctx.cap);
          release();
        }
      })();
      active.add(run);
      void run.finally(() => active.delete(run));
    }
  }
  await prev;
}

function emptyReport(): LoadReport {
  return {
    files: [],
    totals: { files: 0, records: 0, loaded: 0, duplicate: 0, quarantined: 0, skipped: 0 },
    quarantine: [],
    quarantineOmitted: 0,
    skipped: [],
    tableRows: {},
  };
}

/** A file's report joins the whole: its quarantine sample only while the whole is under the cap. */
function mergeReport(into: LoadReport, own: LoadReport, cap: number): void {
  into.files.push(...own.files);
  into.skipped.push(...own.skipped);
  for (const q of own.quarantine)
    if (into.quarantine.length < cap) into.quarantine.push(q);
    else into.quarantineOmitted++;
  into.quarantineOmitted += own.quarantineOmitted;
}

async function walk(p: string, report: Pick<LoadReport, "skipped">): Promise<string[]> {
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

async function loadOne(ctx: LoadCtx, file: string): Promise<void> {
  const conn = ctx.sink.connection;
  try {
    const s = await sniff(file);
    if (s.kind === "unknown") {
      ctx.report.skipped.push({ file, reason: s.reason });
      return;
    }
    if (s.kind === "csv") await conn.run("DROP TABLE IF EXISTS mw_rej; DROP TABLE IF EXISTS mw_rej_scan");
    await loadAs(ctx, file, s.kind, s);
  } catch (e) {
    ctx.report.skipped.push({ file, reason: `unreadable: ${(e as Error).message.split("\n")[0] ?? ""}` });
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${DOCS}`);
  }
}

/** The first format of the container that recognises the file loads it (each container ends with a catch-all). */
async function loadAs<C extends Container>(
  ctx: LoadCtx,
  file: string,
  container: C,
  head: HeadOf<C>,
): Promise<void> {
  const f: FormatDefinition<C> | undefined = formatsOf(container).find((d) => d.recognise(head, file));
  if (!f) {
    ctx.report.skipped.push({ file, reason: `no ${container} format recognises it` });
    return;
  }
  await f.load(ctx, file, head);
}
