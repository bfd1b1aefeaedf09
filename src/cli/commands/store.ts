/**
 * Commands over the case store: `runs`, `cases`, `rollback`, `audit verify`. Each opens an existing store only
 * (a missing, empty or foreign store is an error naming the file); rollback also drives the tenant.
 */
import type { Command } from "commander";
import { trustCaInProcess } from "../../adapters/tls.js";
import type { Config } from "../../config/schema.js";
import { aftercarePhase, describePhase } from "../../runner/aftercare-phase.js";
import type { RollbackItem } from "../../runner/rollback.js";
import { SqliteCaseStore } from "../../store/sqlite.js";
import type { CaseStore } from "../../store/types.js";
import { requireConfig } from "../common.js";
import { EXIT, UsageError } from "../errors.js";
import { status, table, writeOut } from "../output.js";
import { openTenant } from "../tenant.js";
import { actionContext } from "../tenant.js";
import { parseFormat } from "./scan.js";

const parseFormatTJ = (v: string) => parseFormat(v, ["table", "json"]) as "table" | "json";

export function openStore(config: Config, o: { create?: boolean; allowNew?: boolean } = {}): SqliteCaseStore {
  return new SqliteCaseStore(config.store.path, { ...o, auditPath: config.audit.path });
}

/** A run or case id, or a unique prefix of at least 8 characters. */
export function resolveId(kind: "run" | "case", given: string, ids: string[]): string {
  if (ids.includes(given)) return given;
  if (given.length < 8)
    throw new UsageError(`${kind} id ${given}: give the whole id or at least 8 characters`);
  const m = ids.filter((id) => id.startsWith(given));
  if (m.length === 1) return m[0]!;
  if (!m.length) throw new UsageError(`no ${kind} ${given} in the store`);
  throw new UsageError(`${kind} id ${given} is ambiguous: ${m.join(", ")}`);
}

function renderRollback(items: RollbackItem[], applied: boolean): string {
  return table(
    ["run", "step", "action", applied ? "outcome" : "would", "restore to / why"],
    items.map((i) => [
      i.runId.slice(0, 8),
      i.stepKey,
      i.actionId,
      i.outcome + (i.verified === true ? " ✓" : i.verified === false ? " ✗" : ""),
      i.reason ?? JSON.stringify(i.restore ?? null),
    ]),
  );
}

function withStore<T>(config: Config, fn: (s: CaseStore) => T): T {
  const s = openStore(config);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

export function registerStoreCommands(program: Command): void {
  program
    .command("runs")
    .description("list the runs in the store, newest last")
    .requiredOption("-c, --config <file>", "config file")
    .option("-f, --format <format>", "table | json", "table")
    .action((o: { config: string; format: string }) => {
      const format = parseFormatTJ(o.format);
      withStore(requireConfig(o.config), (store) => {
        const runs = store.listRuns().map(({ snapshot: _s, input, ...r }) => ({
          ...r,
          user: (input as { user?: { upn: string } }).user?.upn ?? "",
        }));
        if (format === "json") writeOut(JSON.stringify(runs, null, 2));
        else
          writeOut(
            table(
              ["run", "case", "user", "playbook", "mode", "state", "updated"],
              runs.map((r) => [
                r.runId,
                r.caseId.slice(0, 8),
                r.user,
                r.playbook,
                r.mode,
                r.state,
                r.updatedAt,
              ]),
            ),
          );
      });
    });

  program
    .command("cases")
    .description("list the cases in the store (one per compromised user and epoch)")
    .requiredOption("-c, --config <file>", "config file")
    .option("-f, --format <format>", "table | json", "table")
    .action((o: { config: string; format: string }) => {
      const format = parseFormatTJ(o.format);
      withStore(requireConfig(o.config), (store) => {
        const cases = store.listCases().map((c) => ({
          ...c,
          targets: store.listTargets(c.caseId).length,
          runs: store.listRuns({ caseId: c.caseId }).map((r) => `${r.runId.slice(0, 8)}:${r.state}`),
          aftercare: aftercarePhase(store.listAftercare({ caseId: c.caseId })),
        }));
        if (format === "json") writeOut(JSON.stringify(cases, null, 2));
        else
          writeOut(
            table(
              ["case", "user", "epoch", "status", "targets", "runs", "opened", "closed", "aftercare"],
              cases.map((c) => [
                c.caseId,
                c.userUpn,
                String(c.epoch),
                c.status + (c.closeReason ? ` (${c.closeReason})` : ""),
                String(c.targets),
                c.runs.join(" "),
                c.openedAt,
                c.closedAt,
                describePhase(c.aftercare),
              ]),
            ),
          );
      });
    });

  program
    .command("rollback")
    .description(
      "undo a case's or a run's reversible steps from the journal's before-images, newest first, verified by re-reading",
    )
    .requiredOption("-c, --config <file>", "config file")
    .option("--run <id>", "the run id (or a unique prefix of 8+ characters)")
    .option("--case <id>", "the case id (or a unique prefix of 8+ characters): every run of the case")
    .option("--yes", "apply (without it nothing is written: a preview)")
    .option("-f, --format <format>", "table | json", "table")
    .action(async (o: { config: string; run?: string; case?: string; yes?: boolean; format: string }) => {
      if (!!o.run === !!o.case) throw new UsageError("name exactly one of --run ID or --case ID");
      const format = parseFormatTJ(o.format);
      const config = requireConfig(o.config);
      const { previewRollback, applyRollback } = await import("../../runner/rollback.js");
      const store = openStore(config);
      try {
        const scope = o.run
          ? {
              runId: resolveId(
                "run",
                o.run,
                store.listRuns().map((r) => r.runId),
              ),
            }
          : {
              caseId: resolveId(
                "case",
                o.case!,
                store.listCases().map((c) => c.caseId),
              ),
            };
        if (scope.runId && store.getRun(scope.runId)!.mode === "dry-run") {
          status(`run ${scope.runId} is a dry run: it wrote nothing, so there is nothing to roll back`);
          return;
        }
        if (!o.yes) {
          const items = previewRollback(store, scope);
          writeOut(format === "json" ? JSON.stringify(items, null, 2) : renderRollback(items, false));
          const irr = items.filter((i) => i.outcome === "irreversible");
          for (const i of irr) status(`cannot be undone: ${i.stepKey}: ${i.reason}`);
          status(
            `nothing written: add --yes to restore ${items.filter((i) => i.outcome === "would-restore").length} before-image(s)`,
          );
          return;
        }
        trustCaInProcess(config.endpoints.caFile);
        const { closeAuditLog, createAuditLog } = await import("../../audit/log.js");
        const t = await openTenant(config);
        const audit = createAuditLog(config.audit.path);
        try {
          const items = await applyRollback(
            { store, audit, actionCtx: actionContext(config, t), leaseMs: config.store.leaseSeconds * 1000 },
            scope,
          );
          writeOut(format === "json" ? JSON.stringify(items, null, 2) : renderRollback(items, true));
          for (const i of items.filter((x) => x.outcome === "irreversible"))
            status(`cannot be undone: ${i.stepKey}: ${i.reason}`);
          if (items.some((i) => i.outcome === "failed" || i.verified === false))
            process.exitCode = EXIT.runFailed;
        } finally {
          await closeAuditLog(audit);
          await t.close();
        }
      } finally {
        store.close();
      }
    });

  program
    .command("halt")
    .description(
      "the kill switch: while on, no step of any run writes (running runs end halted after their current step); --off ends it",
    )
    .requiredOption("-c, --config <file>", "config file")
    .option("--off", "turn the kill switch off")
    .option("--status", "only say whether it is on")
    .option("--as <name>", "who (journalled)")
    .option("--reason <text>", "why (journalled)")
    .action((o: { config: string; off?: boolean; status?: boolean; as?: string; reason?: string }) => {
      const config = requireConfig(o.config);
      // The switch must be settable before anything ever ran: a missing store is created for it.
      const store = openStore(config, { create: !o.status });
      try {
        const now = store.getHalt();
        if (o.status) {
          if (config.guardrails.halt) writeOut(`on (config guardrails.halt): ${config.guardrails.halt}`);
          else writeOut(now ? `on since ${now.at} by ${now.by}: ${now.reason}` : "off");
          return;
        }
        if (!o.as || !o.reason) throw new UsageError("say who and why: --as NAME --reason TEXT");
        if (o.off) {
          store.setHalt(undefined, o.as, o.reason);
          writeOut(now ? "kill switch off" : "kill switch was already off");
          if (config.guardrails.halt)
            status(`note: the config's guardrails.halt is still set: ${config.guardrails.halt}`);
        } else {
          store.setHalt({ reason: o.reason, by: o.as, at: new Date().toISOString() }, o.as, o.reason);
          writeOut("kill switch on: no step writes until `mailwarden halt --off`");
        }
      } finally {
        store.close();
      }
    });

  const audit = program.command("audit").description("the effect journal");
  audit
    .command("verify")
    .description("recompute the journal's hash chain and report the first broken link")
    .requiredOption("-c, --config <file>", "config file")
    .action((o: { config: string }) => {
      withStore(requireConfig(o.config), (store) => {
        const r = store.verifyChain();
        if (r.ok) writeOut(`journal intact: ${r.entries} entries, every link verified (${store.file})`);
        else {
          writeOut(`journal BROKEN at entry ${r.firstBroken!.seq}: ${r.firstBroken!.reason} (${store.file})`);
          process.exitCode = EXIT.integrity;
        }
      });
    });
}
