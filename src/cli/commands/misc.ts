import type { Command } from "commander";
import { actions } from "../../actions/registry.js";
import { hitJsonSchema } from "../../model/hit.js";
import { requireConfig } from "../common.js";
import { EXIT, UsageError } from "../errors.js";
import { status, table, writeOut } from "../output.js";
import { openTenant } from "../tenant.js";
import { trustCaInProcess } from "../../adapters/tls.js";
import { actionContext } from "./run.js";
import { parseFormat } from "./scan.js";

const parseFormatTJ = (v: string) => parseFormat(v, ["table", "json"]) as "table" | "json";

export function registerMisc(program: Command): void {
  program
    .command("schema")
    .description("print a JSON Schema: hit")
    .argument("<name>", "hit")
    .action((name: string) => {
      if (name !== "hit") throw new UsageError("known schemas: hit");
      writeOut(JSON.stringify(hitJsonSchema(), null, 2));
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
    .description("list every action: id, scope, description, permissions, reversibility")
    .option("-f, --format <format>", "table | json", "table")
    .action((o: { format: string }) => {
      const format = parseFormatTJ(o.format);
      const rows = actions.map((a) => ({
        id: a.id,
        scope: a.scope,
        description: a.description,
        permissions: a.permissions,
        reversibility: a.reversibility,
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
    .command("runs")
    .description("list the runs in the run store")
    .requiredOption("-c, --config <file>", "config file")
    .option("-f, --format <format>", "table | json", "table")
    .action(async (o: { config: string; format: string }) => {
      const format = parseFormatTJ(o.format);
      const config = requireConfig(o.config);
      const { RunStore } = await import("../../store/run-store.js");
      const store = new RunStore(config.store.path);
      try {
        const runs = store.listRuns().map(({ snapshot: _s, ...r }) => r);
        if (format === "json") writeOut(JSON.stringify(runs, null, 2));
        else
          writeOut(
            table(
              ["run", "user", "mode", "state", "updated"],
              runs.map((r) => [r.runId, r.userUpn, r.mode, r.state, r.updatedAt]),
            ),
          );
      } finally {
        store.close();
      }
    });

  program
    .command("rollback")
    .description("undo a run's reversible steps from their stored before-images")
    .requiredOption("-c, --config <file>", "config file")
    .requiredOption("--run <id>", "the run id")
    .option("--yes", "apply (without it nothing is written)")
    .action(async (o: { config: string; run: string; yes?: boolean }) => {
      const config = requireConfig(o.config);
      const { closeAuditLog, createAuditLog } = await import("../../audit/log.js");
      const { loadPlaybook } = await import("../../playbooks/load.js");
      const { PlaybookRunner } = await import("../../runner/runner.js");
      const { RunStore } = await import("../../store/run-store.js");
      const store = new RunStore(config.store.path);
      try {
        const run = store.getRun(o.run);
        if (!run) throw new UsageError(`no run ${o.run} in ${config.store.path}`);
        const effects = store.listEffects(o.run);
        if (!o.yes) {
          writeOut(
            table(
              ["step", "action", "status", "restore to"],
              effects.map((e) => [e.stepId, e.actionId, e.status, JSON.stringify(e.before)]),
            ),
          );
          status("nothing written: add --yes to restore these before-images");
          return;
        }
      } finally {
        store.close();
      }
      trustCaInProcess(config.endpoints.caFile);
      const t = await openTenant(config);
      const store2 = new RunStore(config.store.path);
      const audit = createAuditLog(config.audit.path);
      try {
        const runner = new PlaybookRunner({
          store: store2,
          audit,
          playbook: loadPlaybook(config.playbooks.selected[0]!, config.playbooks.dirs),
          actionCtx: actionContext(config, t),
          guardrails: config.guardrails,
        });
        const res = await runner.rollback(o.run);
        writeOut(
          table(
            ["step", "action", "outcome", "error"],
            res.map((r) => [r.stepId, r.actionId, r.outcome, r.error]),
          ),
        );
        if (res.some((r) => r.outcome === "failed")) process.exitCode = EXIT.runFailed;
      } finally {
        store2.close();
        await closeAuditLog(audit);
        await t.close();
      }
    });
}
