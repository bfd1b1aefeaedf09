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
    "Data goes to stdout, status and errors to stderr.",
    "",
    "## Exit codes",
    "",
    "One mapper decides them (`src/cli/errors.ts`); `test/slow/exit-codes.test.ts` triggers each through the built CLI.",
    "When several apply, `run` reports the worst: 4 before 5 before 2.",
    "",
    "| code | meaning | for example |",
    "| ---- | ------- | ----------- |",
    "| 0 | ok | the command did what it was asked; `scan` and `hunt` also exit 0 when they find hits |",
    "| 1 | unexpected failure: a bug, or an error mailwarden could not classify (`MAILWARDEN_DEBUG=1` prints the stack) | — |",
    "| 2 | usage, config or bad input; input records rejected (the valid ones were still processed); a bad run store | an unknown flag or command; `--users 0`; a config, scenario or faults file that does not validate (every problem with its dotted path); `hunt --offline` on a path that does not exist; quarantined audit records; rejected records in a `--hits` file; a run store that is missing, empty, foreign, newer or corrupt |",
    "| 3 | the tenant refused | a wrong client secret or certificate, an unknown tenant, a token of another tenant, a missing permission; `doctor` finding grants to fix |",
    "| 4 | a run did not finish its job | a run `failed`, `partial`, `waiting` for a human (a guardrail held it), `halted`, `rejected` or `expired`; a rollback step failed or did not verify; `demo` failed |",
    "| 5 | incomplete: what is reported is true, but something is missing | a mailbox or listing not scanned after retries (named on stderr as `not scanned`, in `scan --format json` under `notScanned`); a case driven by another process; a stored run that needs migration |",
    "| 6 | the journal's hash chain is broken | `audit verify` found an entry edited, removed or reordered |",
    "| 128 + n | ended by signal n (130 SIGINT, 143 SIGTERM) | a second Ctrl-C, or a command still busy 5 s after the first signal; a command that stops within that time exits with its own code (`emulator start`: 0) |",
    "",
  ];
  for (const sub of program.commands) walk(sub, "mailwarden", out);
  return out.join("\n");
}
