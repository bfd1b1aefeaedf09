#!/usr/bin/env node
// The offline hunting engine on generated Defender exports (issue 4 §7), against a bare DuckDB scan of the same files
// in the same run. Run after `npm run build`:
//   node bench/hunt/run.mjs [--scale 0.01|0.1|1] [--format csv|jsonl] [--db-file] [--query-timeout S] [--memory-limit 8GB] [--skip-warmup] [--skip-seed]
// Scale 1 = 1 M CloudAppEvents + 5 M EntraIdSignInEvents rows. Data is cached under .cache/bench-hunt/. Each
// measurement runs in its own process (measure.mjs) for its own peak RSS. Writes
// bench/results/hunt-<date>-<scale>[-jsonl].json and prints it.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureData } from "./data.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "0.01" },
    format: { type: "string", default: "csv" },
    // DuckDB database in a file (beside the data) instead of memory, for runs larger than RAM.
    "db-file": { type: "boolean", default: false },
    // Cancel each query after S seconds (0: never); a cancelled query is reported, with the ratio as a lower bound.
    "query-timeout": { type: "string", default: "0" },
    // DuckDB memory_limit on both sides (e.g. 8GB); default DuckDB's own (80 % of RAM).
    "memory-limit": { type: "string", default: "" },
    // Skip the warm-up scan (when the files were just written and sit in the page cache).
    "skip-warmup": { type: "boolean", default: false },
    // Skip the seed query (outside the ratio; at scale 1 it takes about ten minutes).
    "skip-seed": { type: "boolean", default: false },
  },
});
const scale = Number(values.scale);
const format = values.format;
const queryTimeoutS = Number(values["query-timeout"]);
if (!(scale > 0 && scale <= 1) || (format !== "csv" && format !== "jsonl") || !(queryTimeoutS >= 0)) {
  console.error(
    "usage: run.mjs [--scale 0 < s <= 1] [--format csv|jsonl] [--db-file] [--query-timeout S] [--memory-limit 8GB] [--skip-warmup]",
  );
  process.exit(2);
}
const log = (s) => console.error(`[bench:hunt] ${s}`);

let t0 = performance.now();
const data = await ensureData({ root, scale, format, log });
const generateMs = Math.round(performance.now() - t0);
log(`data ${data.cached ? "reused" : "generated"} in ${data.dir} (${Math.round(generateMs / 1000)} s)`);
const manifestFile = path.join(data.dir, "manifest.json");

function measure(phase) {
  const args = [path.join(root, "bench/hunt/measure.mjs"), phase, manifestFile];
  const db = path.join(data.dir, `${phase}.duckdb`);
  if (values["db-file"]) {
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
    args.push(db);
  }
  log(`${phase}…`);
  const t = performance.now();
  const env = {
    ...process.env,
    MW_BENCH_QUERY_TIMEOUT_S: String(queryTimeoutS),
    MW_BENCH_MEMORY_LIMIT: values["memory-limit"],
    MW_BENCH_SKIP_SEED: values["skip-seed"] ? "1" : "",
  };
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (values["db-file"]) rmSync(db, { force: true });
  if (r.status !== 0) throw new Error(`${phase} failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1));
  out.processMs = Math.round(performance.now() - t);
  log(`${phase} done in ${Math.round(out.processMs / 1000)} s`);
  return out;
}

// The scan first, then the engine; both read the same files, which the first reader brings into the page cache.
// A warm-up scan makes the order irrelevant.
if (!values["skip-warmup"]) measure("bare");
const bare = measure("bare");
const engine = measure("engine");

const git = (...a) => {
  try {
    return execFileSync("git", a, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
};
const rows = Object.fromEntries(Object.entries(data.tables).map(([t, v]) => [t, v.rows]));
const allRows = Object.values(rows).reduce((a, b) => a + b, 0);
const totalMs = engine.load.ms + engine.defaultQuery.ms;
const perSecond = (n, ms) => Math.round(n / (ms / 1000));
const cpus = os.cpus();
const result = {
  date: new Date().toISOString(),
  commit: git("rev-parse", "HEAD"),
  // Uncommitted work counts: the tree may hold the modules being measured before they are committed.
  dirty: git("status", "--porcelain", "--", "src", "bench").split("\n").filter(Boolean).length,
  machine: {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    ramGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtEnd: os.loadavg().map((l) => +l.toFixed(2)),
  },
  scale,
  format,
  duckdb: values["db-file"] ? "file" : "memory",
  memoryLimit: values["memory-limit"] || "DuckDB default (80 % of RAM)",
  warmUpScan: !values["skip-warmup"],
  data: {
    generator: { users: data.recipe.users, days: data.recipe.days, seed: data.recipe.seed, base: data.base },
    rows,
    bytes: Object.fromEntries(Object.entries(data.tables).map(([t, v]) => [t, v.bytes])),
    replicas: Object.fromEntries(Object.entries(data.tables).map(([t, v]) => [t, v.replicas])),
    generateMs: data.cached ? null : generateMs,
  },
  bareScan: { ms: bare.ms, rowsPerSecond: perSecond(allRows, bare.ms), peakRssMiB: bare.peakRssMiB },
  engine: {
    loadMs: engine.load.ms,
    // of which working out the columns the queries read (DuckDB's plan of each)
    columnsMs: engine.load.columnsMs ?? null,
    defaultQueryMs: engine.defaultQuery.ms,
    totalMs,
    rowsPerSecond: engine.defaultQuery.rows === undefined ? null : perSecond(allRows, totalMs),
    loadRowsPerSecond: perSecond(allRows, engine.load.ms),
    peakRssMiB: {
      load: engine.load.peakRssMiB,
      defaultQuery: engine.defaultQuery.peakRssMiB,
      seedQuery: engine.seedQuery.peakRssMiB ?? null,
    },
    load: engine.load.totals,
    tableRows: engine.load.tableRows,
    skipped: engine.load.skipped,
    quarantineSample: engine.load.quarantineSample,
    defaultQuery: engine.defaultQuery,
    seedQuery: engine.seedQuery,
  },
  queryTimeoutS: queryTimeoutS || null,
  // total / bare scan; when the default query did not finish, only a lower bound is known.
  ratio: engine.defaultQuery.rows === undefined ? null : +(totalMs / bare.ms).toFixed(2),
  ratioAtLeast: +(totalMs / bare.ms).toFixed(2),
  loadRatio: +(engine.load.ms / bare.ms).toFixed(2),
  target: "ratio <= 2",
};
mkdirSync(path.join(root, "bench/results"), { recursive: true });
const file = path.join(
  root,
  "bench/results",
  `hunt-${result.date.slice(0, 10)}-${scale}${format === "jsonl" ? "-jsonl" : ""}.json`,
);
writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
console.log(JSON.stringify(result, null, 2));
log(`written ${path.relative(root, file)}`);
