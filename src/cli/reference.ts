/** Renders the CLI reference (docs/cli.md) from the commander definitions, so the doc cannot drift. */
import type { Command } from "commander";
import { buildProgram } from "./main.js";

function walk(cmd: Command, prefix: string, out: string[]): void {
  const name = prefix ? `${prefix} ${cmd.name()}` : cmd.name();
  out.push(`## \`${name}\``, "", "```text", cmd.helpInformation().trimEnd(), "```", "");
  for (const sub of cmd.commands) walk(sub, name, out);
}

export function cliReference(): string {
  const program = buildProgram();
  const out = [
    "# CLI reference",
    "",
    "Generated from the command definitions by `node scripts/gen-cli-doc.mjs`; a test fails when it is stale.",
    "",
    "Data goes to stdout, status and errors to stderr. Exit codes: 0 ok, 1 unexpected failure, 2 usage or config",
    "error or rejected input records, 3 the tenant refused (authentication, permission), 4 a run failed or was held by a guardrail,",
    "5 the job is incomplete — e.g. a mailbox or listing could not be read after retries (each is named on stderr as",
    "`not scanned` and in `scan --format json` under `notScanned`): what is reported is true, but something is missing.",
    "",
  ];
  for (const sub of program.commands) walk(sub, "mailwarden", out);
  return out.join("\n");
}
