import type { Command } from "commander";
import { requireConfig } from "../common.js";
import { EXIT } from "../errors.js";
import { table, writeOut } from "../output.js";
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
    .option("-f, --format <format>", "table | json", "table")
    .action(async (o: { config: string; probe?: boolean; format: string }) => {
      const format = parseFormat(o.format, ["table", "json"]);
      const config = requireConfig(o.config);
      trustCaInProcess(config.endpoints.caFile);
      const { runDoctor } = await import("../../doctor/doctor.js");
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
        });
        if (format === "json") writeOut(JSON.stringify({ schemaVersion: 1, checks }, null, 2));
        else
          writeOut(
            table(
              ["surface", "check", "status", "detail", "fix"],
              checks.map((c) => [c.surface, c.check, c.status, c.detail, c.fix]),
            ),
          );
        if (checks.some((c) => c.status === "missing" || c.status === "failed"))
          process.exitCode = EXIT.tenant;
      } finally {
        await t.close();
      }
    });
}
