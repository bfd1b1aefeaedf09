#!/usr/bin/env node
// The README's test command. Builds dist/ (the CLI and the pwsh stand-in run as real processes in tests),
// makes sure the emulated tenant's test CA exists, then runs vitest in a child process that trusts that CA
// (NODE_EXTRA_CA_CERTS is read only at process start). Extra arguments go to vitest.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { tsImport } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

const build = spawnSync(bin("tsc"), ["-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
// The bundled IP data (ASN, country, hosting/VPN ranges) is converted at build time into dist/ipdb.
const ipdb = spawnSync(process.execPath, [path.join(root, "scripts", "build-ipdb.mjs")], {
  cwd: root,
  stdio: "inherit",
});
if (ipdb.status !== 0) process.exit(ipdb.status ?? 1);

const { ensureCa } = await tsImport("../src/emulator/ca.ts", import.meta.url);
const caDir = path.join(root, ".cache", "emulator-ca");
const ca = await ensureCa(caDir);

const run = spawnSync(bin("vitest"), ["run", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caFile, MAILWARDEN_TEST_CA_DIR: caDir },
});
process.exit(run.status ?? 1);
