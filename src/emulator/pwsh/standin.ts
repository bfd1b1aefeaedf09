#!/usr/bin/env node
/**
 * The pwsh stand-in: behaves like `pwsh -NoLogo -NoProfile -NonInteractive -File <script>` for the reviewed bridge
 * script (known-scripts.ts) and refuses any other script (exit 64, like pwsh's "argument … is not recognized").
 * It speaks the bridge protocol on stdin/stdout and does what the ExchangeOnlineManagement v3 module would,
 * against the connection's -ConnectionUri (the emulated tenant, trusted through NODE_EXTRA_CA_CERTS).
 *
 * Environment: MAILWARDEN_STANDIN_CONNECT_MS / MAILWARDEN_STANDIN_CMDLET_MS add emulated latency (default 0;
 * live Exchange takes seconds to connect and about one second per per-mailbox cmdlet, apis.md B5 [T]).
 *
 * It never outlives the process that started it: once that parent is gone (it was killed: its end of stdin closed
 * and this process was re-parented), the stand-in exits at once — the cmdlet in progress is dropped before or during
 * its REST call, and no queued request is started. A parent that is alive and closes stdin gets every queued
 * request answered, then exit 0, as the script's read loop does.
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

  const parent = watchParent();
  // One request at a time, in order, like the script's read loop.
  let chain: Promise<void> = Promise.resolve();
  let endOfInput: Promise<void> | null = null;
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    chain = chain.then(async () => {
      // After end of input, a request starts only if the parent that sent it is still there.
      if (endOfInput) {
        await endOfInput;
        parent.exitIfGone();
      }
      process.stdout.write(`${await session.handle(line)}\n`);
    });
  });
  // At end of input the script disconnects and exits 0; exit once the last response is flushed.
  lines.on("close", () => {
    parent.exitIfGone();
    // A killed parent's pipes close a moment before its children are re-parented: look again shortly after.
    endOfInput = new Promise((r) => setTimeout(r, PARENT_SETTLE_MS));
    void endOfInput.then(() => parent.exitIfGone());
    void chain.then(() => process.stdout.write("", () => process.exit(0)));
  });
}

/** How often the stand-in checks that its parent is alive, and how long after end of input it checks again. */
const PARENT_POLL_MS = 100;
const PARENT_SETTLE_MS = 50;
/** Exit code when the parent is gone (nobody reads it; distinct from pwsh's codes for a trace). */
const EXIT_PARENT_GONE = 70;

/**
 * Watches the parent process: a process whose parent died is re-parented (to init or a subreaper), so its parent
 * pid changes. No signal reaches a child when its parent is SIGKILLed; this poll is what stops it.
 */
function watchParent(): { exitIfGone: () => void } {
  const original = process.ppid;
  // Started by init itself (or detached from the start): there is no parent to outlive.
  const gone = (): boolean => original > 1 && process.ppid !== original;
  const exitIfGone = (): void => {
    if (!gone()) return;
    process.stderr.write(`mailwarden pwsh stand-in: parent process ${original} is gone; exiting\n`);
    process.exit(EXIT_PARENT_GONE);
  };
  setInterval(exitIfGone, PARENT_POLL_MS).unref();
  return { exitIfGone };
}

main();
