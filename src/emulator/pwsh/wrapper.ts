/**
 * Writes `<dir>/pwsh`: a POSIX shell script that runs the stand-in (dist/emulator/pwsh/standin.js) with this Node and
 * the emulated tenant's CA trusted, passing pwsh's arguments through. Point mailwarden's `exchange.pwshPath` at it.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "../../adapters/exo/paths.js";

/** Single-quotes a string for sh: `'…'`, with each `'` written as `'\''`. */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function standinEntryPath(): string {
  return path.join(packageRoot(), "dist", "emulator", "pwsh", "standin.js");
}

export function writePwshWrapper(dir: string, opts: { caFile: string }): string {
  const entry = standinEntryPath();
  if (!existsSync(entry))
    throw new Error(`the pwsh stand-in is not built (${entry} is missing): run npm run build`);
  mkdirSync(dir, { recursive: true });
  const file = path.resolve(dir, "pwsh");
  const script = [
    "#!/bin/sh",
    "# mailwarden pwsh stand-in for the emulated tenant (generated; see docs/emulator.md).",
    `exec env ${shQuote(`NODE_EXTRA_CA_CERTS=${path.resolve(opts.caFile)}`)} ${shQuote(process.execPath)} ${shQuote(entry)} "$@"`,
    "",
  ].join("\n");
  writeFileSync(file, script, { mode: 0o755 });
  chmodSync(file, 0o755);
  return file;
}
