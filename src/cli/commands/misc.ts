import type { Command } from "commander";
import { actions } from "../../actions/registry.js";
import { reversibilityLabel } from "../../actions/types.js";
import { hitJsonSchema } from "../../model/hit.js";
import { caseReportJsonSchema } from "../../reports/model.js";
import { runJsonSchema } from "../../runner/report.js";
import { readFileSync } from "node:fs";
import { validatePlaybook } from "../../playbooks/load.js";
import { requireConfig } from "../common.js";
import { EXIT, UsageError } from "../errors.js";
import { table, termSafe, writeOut } from "../output.js";
import { parseFormat } from "./scan.js";

const parseFormatTJ = (v: string) => parseFormat(v, ["table", "json"]) as "table" | "json";

export function registerMisc(program: Command): void {
  program
    .command("schema")
    .description(
      "print a JSON Schema: hit (the hit model) | run (the output of run --format json) | case-report (report --format json)",
    )
    .argument("<name>", "hit | run | case-report")
    .action((name: string) => {
      if (name === "hit") writeOut(JSON.stringify(hitJsonSchema(), null, 2));
      else if (name === "run") writeOut(JSON.stringify(runJsonSchema(), null, 2));
      else if (name === "case-report") writeOut(JSON.stringify(caseReportJsonSchema(), null, 2));
      else throw new UsageError("known schemas: hit, run, case-report");
    });

  program
    .command("config")
    .description("validate a config file and print the effective config (secrets redacted)")
    .requiredOption("-c, --config <file>", "config file")
    .action((o: { config: string }) => {
      const c = requireConfig(o.config);
      const shown = {
        ...c,
        credential: {
          ...c.credential,
          ...("clientSecret" in c.credential ? { clientSecret: "[redacted]" } : {}),
        },
      };
      writeOut(JSON.stringify(shown, null, 2));
    });

  program
    .command("actions")
    .description("the action catalogue")
    .command("list")
    .description(
      "list every action: id, scope, description, permissions, reversibility (read-only: never writes)",
    )
    .option("-f, --format <format>", "table | json", "table")
    .action((o: { format: string }) => {
      const format = parseFormatTJ(o.format);
      const rows = actions.map((a) => ({
        id: a.id,
        scope: a.scope,
        description: a.description,
        permissions: a.permissions,
        reversibility: reversibilityLabel(a),
      }));
      if (format === "json") writeOut(JSON.stringify(rows, null, 2));
      else
        writeOut(
          table(
            ["id", "scope", "reversibility", "permissions", "description"],
            rows.map((r) => [
              r.id,
              r.scope,
              r.reversibility,
              [...r.permissions.graph, ...r.permissions.exchange].join(", "),
              r.description,
            ]),
          ),
        );
    });

  program
    .command("playbooks")
    .description("playbook files")
    .command("validate")
    .description(
      "check a playbook file: its schema and its semantics (errors exit 2; warnings are said and exit 0)",
    )
    .argument("<file>", "playbook YAML file")
    .option("-f, --format <format>", "table | json", "table")
    .action((file: string, o: { format: string }) => {
      const format = parseFormatTJ(o.format);
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const { playbook, issues } = validatePlaybook(text, file);
      if (format === "json")
        writeOut(JSON.stringify({ file, valid: playbook !== undefined, issues }, null, 2));
      else {
        if (issues.length)
          writeOut(
            table(
              ["level", "path", "message"],
              issues.map((i) => [i.level, i.path, i.message]),
              { wrap: 100 }, // wrapped, never cut: a finding is read whole
            ),
          );
        const errors = issues.filter((i) => i.level === "error").length;
        writeOut(
          `${termSafe(file)}: ${playbook ? `valid (playbook ${playbook.metadata.id})` : "invalid"}, ${errors} error(s), ${issues.length - errors} warning(s)`,
        );
      }
      if (!playbook) process.exitCode = EXIT.usage;
    });
}
