import type { Command } from "commander";
import { requireConfig } from "../common.js";
import { EXIT } from "../errors.js";
import { status, table, writeOut } from "../output.js";
import { openTenant } from "../tenant.js";
import { trustCaInProcess } from "../../adapters/tls.js";
import { parseFormat } from "./scan.js";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description(
      "check the app's permissions against what scanning and the playbook need; --probe also calls each surface read-only",
    )
    .requiredOption("-c, --config <file>", "config file (YAML or JSON)")
    .option("--probe", "make read-only calls to Graph and Exchange")
    .option(
      "--verbose",
      "with --probe, also the developer diagnostics: the open API questions (apis.md §E), mostly unverified",
    )
    .option("-f, --format <format>", "table | json", "table")
    .action(async (o: { config: string; probe?: boolean; verbose?: boolean; format: string }) => {
      const format = parseFormat(o.format, ["table", "json"]);
      const config = requireConfig(o.config);
      if (o.verbose && !o.probe)
        status("note: --verbose adds diagnostics only with --probe (they read the tenant)");
      trustCaInProcess(config.endpoints.caFile);
      const { problems, runDoctor } = await import("../../doctor/doctor.js");
      const { loadPlaybook } = await import("../../playbooks/load.js");
      const t = await openTenant(config);
      try {
        const checks = await runDoctor({
          config,
          playbook: loadPlaybook(config.playbooks.selected[0]!, config.playbooks.dirs),
          credential: t.credential,
          graph: t.graph,
          ...(t.exchange ? { exchange: t.exchange } : {}),
          probe: o.probe === true,
          verbose: o.verbose === true,
        });
        const diagnostics = checks.filter((c) => c.diagnostic);
        if (format === "json") writeOut(JSON.stringify({ schemaVersion: 1, checks }, null, 2));
        else {
          writeOut(
            table(
              ["surface", "check", "status", "detail", "fix"],
              checks.filter((c) => !c.diagnostic).map((c) => [c.surface, c.check, c.status, c.detail, c.fix]),
            ),
          );
          if (diagnostics.length)
            writeOut(
              `\ndiagnostics for mailwarden's developers (--verbose; nothing here for you to fix):\n${table(
                ["surface", "check", "status", "detail"],
                diagnostics.map((c) => [c.surface, c.check, c.status, c.detail]),
              )}`,
            );
        }
        // What the user must fix, apart from the diagnostics: the verdict and the exit code rest on these alone.
        const toFix = problems(checks);
        if (toFix.length) {
          status(`doctor: ${toFix.length} problem${toFix.length === 1 ? "" : "s"} to fix:`);
          for (const c of toFix)
            status(`  ${c.surface} ${c.check}: ${c.status}${c.fix ? ` — ${c.fix}` : ""}`);
          process.exitCode = EXIT.tenant;
        } else status("doctor: nothing to fix");
      } finally {
        await t.close();
      }
    });
}
