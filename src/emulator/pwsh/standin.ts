#!/usr/bin/env node
/**
 * The pwsh stand-in: behaves like `pwsh -NoLogo -NoProfile -NonInteractive -File <script>` for the reviewed bridge
 * script (known-scripts.ts) and refuses any other script (exit 64, like pwsh's "argument … is not recognized").
 * It speaks the bridge protocol on stdin/stdout and does what the ExchangeOnlineManagement v3 module would,
 * against the connection's -ConnectionUri (the emulated tenant, trusted through NODE_EXTRA_CA_CERTS).
 *
 * Environment: MAILWARDEN_STANDIN_CONNECT_MS / MAILWARDEN_STANDIN_CMDLET_MS add emulated latency (default 0;
 * live Exchange takes seconds to connect and about one second per per-mailbox cmdlet, apis.md B5 [T]).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parsePwshArgs } from "./argv.js";
import { KNOWN_SCRIPTS } from "./known-scripts.js";
import { StandinSession } from "./session.js";

const EXIT_BAD_ARGUMENT = 64;

/** Reports like pwsh does for a bad script argument; the process then ends with nothing else to do. */
function refuse(message: string): void {
  process.exitCode = EXIT_BAD_ARGUMENT;
  process.stderr.write(`${message}\n`);
}

function delayFromEnv(name: string): number {
  const value = Number(process.env[name] ?? "0");
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function main(): void {
  const args = parsePwshArgs(process.argv.slice(2));
  if (!args.ok) return refuse(args.message);
  let bytes: Buffer;
  try {
    bytes = readFileSync(args.file);
  } catch {
    return refuse(
      `The argument '${args.file}' is not recognized as the name of a script file. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
    );
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const protocol = KNOWN_SCRIPTS[sha256];
  if (protocol === undefined) {
    return refuse(
      `mailwarden pwsh stand-in: refusing to run '${args.file}': SHA-256 ${sha256} is not a reviewed exo-bridge.ps1. ` +
        `After checking the stand-in still matches the script, add the hash to src/emulator/pwsh/known-scripts.ts.`,
    );
  }

  const session = new StandinSession({
    connectDelayMs: delayFromEnv("MAILWARDEN_STANDIN_CONNECT_MS"),
    cmdletDelayMs: delayFromEnv("MAILWARDEN_STANDIN_CMDLET_MS"),
  });
  process.stdout.write(`${JSON.stringify({ ready: true, protocol })}\n`);

  // One request at a time, in order, like the script's read loop.
  let chain: Promise<void> = Promise.resolve();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    chain = chain.then(async () => {
      process.stdout.write(`${await session.handle(line)}\n`);
    });
  });
  // At end of input the script disconnects and exits 0; exit once the last response is flushed.
  lines.on("close", () => {
    void chain.then(() => process.stdout.write("", () => process.exit(0)));
  });
}

main();
