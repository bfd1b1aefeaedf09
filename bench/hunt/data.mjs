// The benchmark's input: the project's generator (all scenarios) scaled up by replicate.mjs to the target row counts,
// cached under .cache/bench-hunt/<scale>/<format>/ and reused while its manifest matches the recipe.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { collectIdentities, replicateFile } from "./replicate.mjs";

/** Rows at scale 1 (issue §7): 1 M CloudAppEvents, 5 M sign-ins. */
export const FULL_ROWS = { CloudAppEvents: 1_000_000, EntraIdSignInEvents: 5_000_000 };
/** Bump when the replication changes, so stale caches are rebuilt. */
const RECIPE = 1;

/**
 * Generates (or reuses) the base tenant.
 * @param {{ root: string, cacheDir: string, users: number, days: number, seed: number }} o
 */
export async function ensureBase({ root, cacheDir, users, days, seed }) {
  const dir = path.join(cacheDir, `base-u${users}-d${days}-s${seed}`);
  const done = path.join(dir, "done");
  if (existsSync(done)) return dir;
  await rm(dir, { recursive: true, force: true });
  const args = ["dist/cli/bin.js", "emulator", "seed", "--scenario", "all", "--users", String(users)];
  args.push("--days", String(days), "--seed", String(seed), "--out", dir);
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`emulator seed failed (${r.status}): ${r.stderr}`);
  await writeFile(done, r.stdout);
  return dir;
}

/**
 * The benchmark files at `scale` in `format`, generated when missing.
 * @param {{ root: string, scale: number, format: "csv" | "jsonl", cacheDir?: string, users?: number, days?: number,
 *   seed?: number, rows?: { CloudAppEvents: number, EntraIdSignInEvents: number }, log?: (s: string) => void }} o
 */
export async function ensureData(o) {
  const cacheDir = o.cacheDir ?? path.join(o.root, ".cache", "bench-hunt");
  const users = o.users ?? 200;
  const days = o.days ?? 14;
  const seed = o.seed ?? 1;
  const rows = o.rows ?? {
    CloudAppEvents: Math.round(FULL_ROWS.CloudAppEvents * o.scale),
    EntraIdSignInEvents: Math.round(FULL_ROWS.EntraIdSignInEvents * o.scale),
  };
  const dir = path.join(cacheDir, String(o.scale), o.format);
  const manifestFile = path.join(dir, "manifest.json");
  const recipe = { recipe: RECIPE, users, days, seed, rows };
  if (existsSync(manifestFile)) {
    const m = JSON.parse(await readFile(manifestFile, "utf8"));
    if (JSON.stringify(m.recipe) === JSON.stringify(recipe)) return { dir, ...m, cached: true };
  }
  const base = await ensureBase({ root: o.root, cacheDir, users, days, seed });
  const baseTable = (t, ext) => path.join(base, "defender", `${t}.${ext}`);
  const known = await collectIdentities(
    ["CloudAppEvents", "EntraIdSignInEvents", "AlertInfo", "AlertEvidence"].map((t) => baseTable(t, "jsonl")),
  );
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const ext = o.format === "csv" ? "csv" : "jsonl";
  const tables = {};
  const make = async (table, n) => {
    const t0 = performance.now();
    const src = baseTable(table, ext);
    const dest = path.join(dir, `${table}.${ext}`);
    const r = await replicateFile({ src, dest, format: o.format, rows: n, known });
    tables[table] = { file: dest, rows: r.rows, replicas: r.replicas, bytes: (await stat(dest)).size };
    o.log?.(
      `${table}: ${r.rows} rows, ${r.replicas} replicas, ${Math.round((performance.now() - t0) / 1000)} s`,
    );
    return r;
  };
  const cae = await make("CloudAppEvents", rows.CloudAppEvents);
  await make("EntraIdSignInEvents", rows.EntraIdSignInEvents);
  // Alerts follow the mailbox actions' replicas, so every replica's attacked users are "already in an alert".
  for (const t of ["AlertInfo", "AlertEvidence"]) {
    const baseRows = (await readFile(baseTable(t, "jsonl"), "utf8"))
      .split("\n")
      .filter((l) => l.trim()).length;
    await make(t, baseRows * cae.replicas);
  }
  const manifest = { recipe, base, identities: known.ids.size, users: known.users.size, tables };
  await writeFile(manifestFile, JSON.stringify(manifest, null, 2) + "\n");
  return { dir, ...manifest, cached: false };
}
