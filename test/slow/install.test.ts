/**
 * Getting the command (README "Running the command"): `npm pack` makes a tarball with what the CLI needs at run time
 * and nothing test-only; installed with `npm install -g --prefix TMP`, `TMP/bin/mailwarden --version` and
 * `TMP/bin/mailwarden demo` work from an unrelated folder.
 *
 * Network: dependency tarballs come from npm's cache (`--prefer-offline`; `npm ci` filled it). npm may still fetch
 * package metadata the cache lacks (`npm ci` reads versions from the lockfile and caches tarballs, not metadata),
 * so a machine with neither a warm cache nor the registry cannot run this test. Slow: better-sqlite3 compiles its
 * native binding when no prebuilt one can be downloaded (minutes on 2 cores).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(".");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };

/**
 * The environment without what the test runner adds (npm's lifecycle variables, the test CA, mailwarden's own),
 * keeping the user's npm settings that say where the cache and the registry are.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep =
    /^npm_config_(cache|userconfig|globalconfig|registry|nodedir|cafile|proxy|https_proxy|noproxy)$/i;
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => keep.test(k) || !/^(npm_|MAILWARDEN_|NODE_EXTRA_CA_CERTS$|NODE_OPTIONS$|VITEST)/i.test(k),
    ),
  );
}

const temps: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
};
// The installed prefix holds every dependency (hundreds of MB): never left behind.
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe("npm pack + npm install -g", () => {
  it("packs what the CLI needs, installs into a prefix, and runs --version and demo from there", async () => {
    const tmp = tempDir("mw-install-");
    const env = cleanEnv();
    // dist/ is built (npm test builds it first): --ignore-scripts skips prepack's second build.
    const pack = await execa("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], {
      cwd: ROOT,
      env,
      extendEnv: false,
    });
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path);
    for (const needed of [
      "package.json",
      "README.md",
      "dist/cli/bin.js",
      "dist/emulator/pwsh/standin.js",
      "dist/hunt/schema/tables.json",
      "dist/ipdb/asn.bin",
      "dist/ipdb/country.bin",
      "dist/ipdb/x4bnet-datacenter-cidr.bin",
      "dist/ipdb/x4bnet-vpn-cidr.bin",
      "playbooks/contain-mailbox-exfiltration.yaml",
      "scripts/exo-bridge.ps1",
      "src/hunt/queries/defender.kql",
      "src/hunt/queries/sentinel.kql",
      "src/hunt/queries/core.kql",
      "src/hunt/queries/seed.kql",
      "vendor/enrichment/SOURCES.md",
      "src/console/assets/console.js",
      "src/console/assets/console.css",
    ])
      expect(files, needed).toContain(needed);
    const testOnly = files.filter(
      (f) =>
        /^(test|bench|\.cache|\.ci|\.mailwarden|node_modules)\//.test(f) ||
        (f.startsWith("src/") && !f.endsWith(".kql") && !f.startsWith("src/console/assets/")) ||
        /\.test\.[jt]s$/.test(f) ||
        f === "dist/.tsbuildinfo" ||
        /^scripts\/(test|gen|build-ipdb)\.mjs$/.test(f),
    );
    expect(testOnly).toEqual([]);

    const prefix = path.join(tmp, "prefix");
    const install = await execa(
      "npm",
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        path.join(tmp, info!.filename),
      ],
      { cwd: tmp, env, extendEnv: false, reject: false },
    );
    expect(install.exitCode, install.stderr).toBe(0);

    const bin = path.join(prefix, "bin", "mailwarden");
    const work = tempDir("mw-installed-");
    const version = await execa(bin, ["--version"], { cwd: work, env, extendEnv: false });
    expect(version.stdout.trim()).toBe(pkg.version);
    const demo = await execa(bin, ["demo"], { cwd: work, env, extendEnv: false, reject: false });
    expect(demo.exitCode, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/result\s*│\s*PASS/);
  }, 900_000);
});
