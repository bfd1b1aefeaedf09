#!/usr/bin/env node
// Converts @ip-location-db/asn (CSV) and the vendored X4BNet CIDR lists into dist/ipdb/*.bin for O(log n) lookups
// at run time. Runs after tsc (it uses the compiled converter, so the file layout has one definition) and skips
// files whose inputs are unchanged. Usage: node scripts/build-ipdb.mjs [--force] [--out DIR]
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { existsSync } from "node:fs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const compiled = path.join(root, "dist", "hunt", "enrich", "range-table.js");
if (!existsSync(compiled)) {
  console.error(`build-ipdb: ${compiled} is missing; run tsc -p tsconfig.build.json first`);
  process.exit(1);
}
const { ensureIpDb } = await import(pathToFileURL(compiled).href);
const args = process.argv.slice(2);
const outIdx = args.indexOf("--out");
const outDir = outIdx >= 0 ? path.resolve(args[outIdx + 1] ?? "") : path.join(root, "dist", "ipdb");

const started = performance.now();
const { files } = ensureIpDb(outDir, args.includes("--force"));
let bad = 0;
for (const f of files) {
  const name = path.relative(root, f.outFile);
  if (f.skipped) {
    console.log(`build-ipdb: ${name} is up to date`);
    continue;
  }
  console.log(
    `build-ipdb: wrote ${name}: ${f.v4Ranges} IPv4 + ${f.v6Ranges} IPv6 ranges, ` +
      `${f.overlapsResolved} overlaps resolved, ${f.problems.length} bad lines`,
  );
  for (const p of f.problems.slice(0, 20)) console.warn(`  ${p.file}:${p.line}: ${p.reason}`);
  bad += f.problems.length;
}
console.log(`build-ipdb: done in ${Math.round(performance.now() - started)} ms`);
// Bad lines are reported, not fatal: the rest of the data is still correct and useful.
if (bad > 0) console.warn(`build-ipdb: ${bad} source lines skipped (listed above)`);
