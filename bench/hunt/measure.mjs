#!/usr/bin/env node
// One measurement of the hunting benchmark, in its own process so its peak RSS (DuckDB's native memory included) is
// its own: `node bench/hunt/measure.mjs bare|engine <manifest.json> [dbFile]`. Prints one JSON object.
// MW_BENCH_MEMORY_LIMIT sets DuckDB's memory_limit (e.g. 8GB) on both sides; MW_BENCH_QUERY_TIMEOUT_S bounds each query (a query that runs out is reported as such, with the time it had).
//   bare   — one DuckDB connection scans every file with every column read (README.md defines it exactly)
//   engine — the offline path: loadExports into the KQL engine, mailwarden's default Defender query, then the seed
import { readFile } from "node:fs/promises";

const [phase, manifestFile, dbFile] = process.argv.slice(2);
if (!phase || !manifestFile) {
  console.error("usage: measure.mjs bare|engine <manifest.json> [dbFile]");
  process.exit(2);
}
const manifest = JSON.parse(await readFile(manifestFile, "utf8"));
const files = Object.values(manifest.tables).map((t) => t.file);
const mib = () => Math.round(process.resourceUsage().maxRSS / 1024);
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const ms = (t0) => Math.round(performance.now() - t0);
const timeoutS = Number(process.env.MW_BENCH_QUERY_TIMEOUT_S ?? 0);
const runOpts = timeoutS > 0 ? { timeoutMs: timeoutS * 1000 } : {};
const memoryLimit = process.env.MW_BENCH_MEMORY_LIMIT ?? "";
if (memoryLimit && !/^\d+(\.\d+)?\s*[KMGT]i?B$/i.test(memoryLimit))
  throw new Error(`bad memory limit ${memoryLimit}`);
const limitMemory = async (conn) => {
  if (memoryLimit) await conn.run(`SET memory_limit = ${sqlString(memoryLimit)}`);
};
/** Runs a query; a timeout or failure becomes part of the result instead of ending the measurement. */
async function timed(engine, query) {
  const t0 = performance.now();
  try {
    const res = await engine.run(query, runOpts);
    return { ms: ms(t0), res };
  } catch (e) {
    const timedOut = e instanceof Error && e.name === "KqlTimeoutError";
    return { ms: ms(t0), timedOut, error: e instanceof Error ? e.message.split("\n")[0] : String(e) };
  }
}

/** The seed reads AADSignInEventsBeta, the older name of the same sign-ins, bound to them after the load. */
async function seedQuery(engine, buildQuery) {
  const seed = await timed(engine, buildQuery({ target: "defender", profile: "seed" }));
  const out = { ms: seed.ms, peakRssMiB: mib() };
  if (seed.res) out.rows = seed.res.rows.length;
  else Object.assign(out, { timedOut: seed.timedOut, error: seed.error });
  return out;
}

if (phase === "bare") {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(dbFile ?? ":memory:");
  const conn = await instance.connect();
  await limitMemory(conn);
  const perFile = {};
  const t0 = performance.now();
  for (const file of files) {
    const t1 = performance.now();
    const source = file.endsWith(".csv")
      ? `read_csv(${sqlString(file)}, header = true, all_varchar = true, auto_detect = true, delim = ',', ` +
        `quote = '"', escape = '"', max_line_size = 67108864)`
      : `read_json(${sqlString(file)}, format = 'newline_delimited', maximum_depth = 1, sample_size = -1)`;
    // Every column is read and measured, so the scan cannot skip parsing any of them.
    const r = await conn.runAndReadAll(
      `SELECT count(*)::BIGINT, max(length(CAST(COLUMNS(*) AS VARCHAR))) FROM ${source}`,
    );
    perFile[file] = { rows: Number(r.getRows()[0]?.[0] ?? 0), ms: ms(t1) };
  }
  const total = ms(t0);
  conn.closeSync();
  instance.closeSync();
  console.log(JSON.stringify({ phase, ms: total, perFile, peakRssMiB: mib() }));
} else if (phase === "engine") {
  const { KqlEngine } = await import("../../dist/hunt/kql/engine.js");
  const { declareHuntTables, loadExports } = await import("../../dist/hunt/adapters/index.js");
  const { buildQuery } = await import("../../dist/hunt/queries/index.js");
  const engine = await KqlEngine.create(dbFile ? { path: dbFile } : {});
  await limitMemory(engine.connection);
  const out = { phase };
  const skipSeed = process.env.MW_BENCH_SKIP_SEED === "1";
  let t0 = performance.now();
  // As the offline hunt does: store only the columns its queries read (DuckDB's plan of each says which).
  await declareHuntTables(engine);
  const queries = [
    buildQuery({ target: "defender" }),
    ...(skipSeed ? [] : [buildQuery({ target: "defender", profile: "seed" })]),
  ];
  const columns = await engine.columnsToStore(queries);
  const columnsMs = ms(t0);
  const report = await loadExports(engine, files, { columns });
  // Both sign-in names show the loaded rows (the default query reads EntraIdSignInEvents, the seed the old name).
  await engine.bindSignInTables();
  out.load = {
    ms: ms(t0),
    columnsMs,
    totals: report.totals,
    tableRows: report.tableRows,
    skipped: report.skipped,
  };
  out.load.quarantineSample = report.quarantine.slice(0, 3);
  out.load.peakRssMiB = mib();

  const q = await timed(engine, buildQuery({ target: "defender" }));
  // How the query got its analysis: from the analysis cache or Kusto.Language (time included in ms).
  out.defaultQuery = { ms: q.ms, peakRssMiB: mib(), analysis: engine.lastAnalysis ?? null };
  if (q.res) {
    out.defaultQuery.rows = q.res.rows.length;
    out.defaultQuery.now = q.res.now;
    // What was found, in the terms of the hit model: severity band of the score, and the key of the best link.
    const count = (o, k) => (o[k] = (o[k] ?? 0) + 1);
    out.defaultQuery.severity = {};
    out.defaultQuery.linkKey = {};
    for (const r of q.res.rows) {
      const score = Number(r.Score);
      count(out.defaultQuery.severity, score >= 70 ? "high" : score >= 40 ? "medium" : "low");
      count(out.defaultQuery.linkKey, String(r.LinkKey || "none"));
    }
  } else Object.assign(out.defaultQuery, { timedOut: q.timedOut, error: q.error });

  if (skipSeed) out.seedQuery = { skipped: true };
  else out.seedQuery = await seedQuery(engine, buildQuery);
  engine.close();
  console.log(JSON.stringify(out));
} else {
  console.error(`unknown phase ${phase}`);
  process.exit(2);
}
