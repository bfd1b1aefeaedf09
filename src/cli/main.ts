/**
 * mailwarden's command line. Data goes to stdout, status and errors to stderr; exit codes come from one mapper
 * (errors.ts).
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerDemo } from "./commands/demo.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerEmulator } from "./commands/emulator.js";
import { registerHunt } from "./commands/hunt.js";
import { registerMisc } from "./commands/misc.js";
import { registerReport } from "./commands/report.js";
import { registerRun } from "./commands/run.js";
import { registerStoreCommands } from "./commands/store.js";
import { registerApprovals } from "./commands/approvals.js";
import { registerConsole } from "./commands/console.js";
import { registerScan } from "./commands/scan.js";
import { registerWatch } from "./commands/watch.js";
import { errorLines, EXIT, exitCodeFor } from "./errors.js";
import { termSafe } from "./output.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command()
    .name("mailwarden")
    .description(
      "Find suspect Microsoft 365 mailbox actions (inbox rules, forwarding) and contain them with audited, resumable playbooks.",
    )
    .version(pkg.version)
    .showHelpAfterError()
    .configureHelp({ helpWidth: 110 })
    .exitOverride();
  registerDemo(program);
  registerScan(program);
  registerHunt(program);
  registerRun(program);
  registerWatch(program);
  registerDoctor(program);
  registerEmulator(program);
  registerMisc(program);
  registerStoreCommands(program);
  registerApprovals(program);
  registerConsole(program);
  registerReport(program);
  program.addHelpText(
    "after",
    `\nExit codes: 0 ok, 1 unexpected failure, 2 usage/config/bad input (or rejected input records, a bad run store), 3 tenant refused (auth/permission),\n4 a run failed, partial, waiting or halted, 5 incomplete (not scanned, driven elsewhere, needs migration), 6 journal chain broken (audit verify).\nSee docs/cli.md. Quick start: mailwarden demo`,
  );
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const code = exitCodeFor(e);
    const lines = errorLines(e).map((l) => termSafe(l, 2000));
    process.stderr.write(`mailwarden: ${lines.join("\n")}\n`);
    if (code === EXIT.failure && process.env.MAILWARDEN_DEBUG && e instanceof Error)
      process.stderr.write(`${e.stack}\n`);
    return code;
  }
}
