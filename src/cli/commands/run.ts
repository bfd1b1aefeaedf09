import type { Command } from "commander";
import type { ActionContext } from "../../actions/types.js";
import type { Config } from "../../config/schema.js";
import type { RunMode } from "../../engine/machine.js";
import type { Hit } from "../../model/hit.js";
import type { RunReport } from "../../runner/runner.js";
import { readHitsFile, requireConfig, type RejectedRecord } from "../common.js";
import { EXIT, UsageError } from "../errors.js";
import { status, table, writeOut } from "../output.js";
import { openTenant, type TenantHandles } from "../tenant.js";
import { trustCaInProcess } from "../../adapters/tls.js";
import { parseFormat, scanWith } from "./scan.js";

export const RUN_SCHEMA_VERSION = 1;

export interface RunOutcome {
  runs: RunReport[];
  resumed: RunReport[];
  pendingNotResumed: number;
}

export function actionContext(config: Config, t: TenantHandles): ActionContext {
  return {
    tenantId: config.tenant.id,
    tenantDomains: config.tenant.domains,
    graph: t.graph,
    ...(t.exchange ? { exchange: t.exchange } : {}),
    now: () => new Date(),
    poll: { attempts: 6, delayMs: 5_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  };
}

/** Resumes interrupted runs (execute mode only: a dry run never writes), then runs each hit through the playbook. */
export async function runHits(
  config: Config,
  t: TenantHandles,
  hits: Hit[],
  mode: RunMode,
  overrides: { actionCtx?: Partial<ActionContext> } = {},
): Promise<RunOutcome> {
  const { closeAuditLog, createAuditLog } = await import("../../audit/log.js");
  const { loadPlaybook } = await import("../../playbooks/load.js");
  const { PlaybookRunner } = await import("../../runner/runner.js");
  const { RunStore } = await import("../../store/run-store.js");
  const playbooks = config.playbooks.selected.map((id) => loadPlaybook(id, config.playbooks.dirs));
  const store = new RunStore(config.store.path);
  const audit = createAuditLog(config.audit.path);
  try {
    // One runner per playbook; they share the store, the audit log and the containment budget.
    let budget = config.guardrails.maxContainmentsPerRun;
    const runners = playbooks.map(
      (playbook) =>
        new PlaybookRunner({
          store,
          audit,
          playbook,
          actionCtx: { ...actionContext(config, t), ...overrides.actionCtx },
          guardrails: config.guardrails,
          budget: { take: () => (budget > 0 ? (budget--, true) : false) },
        }),
    );
    const pending = store
      .listRuns()
      .filter((r) => !["planned", "held", "contained", "failed"].includes(r.state));
    const resumed: RunReport[] = [];
    if (mode === "execute") for (const r of runners) resumed.push(...(await r.resumePending()));
    const runs: RunReport[] = [];
    for (const h of hits) {
      const i = playbooks.findIndex((p) => (p.trigger.targets as readonly string[]).includes(h.target.kind));
      if (i >= 0) runs.push(await runners[i]!.run(h, mode));
    }
    return { runs, resumed, pendingNotResumed: mode === "execute" ? 0 : pending.length };
  } finally {
    store.close();
    await closeAuditLog(audit);
  }
}

export function renderRuns(o: RunOutcome, format: "table" | "json", rejected: RejectedRecord[] = []): string {
  const all = [...o.resumed, ...o.runs];
  if (format === "json")
    return JSON.stringify(
      { schemaVersion: RUN_SCHEMA_VERSION, runs: all, ...(rejected.length ? { rejected } : {}) },
      null,
      2,
    );
  const rows: (string | undefined)[][] = [];
  for (const r of all)
    for (const s of r.steps.filter((x) => x.outcome !== "skipped"))
      rows.push([
        r.runId.slice(0, 8),
        r.user,
        r.state,
        s.id,
        s.outcome + (s.verified === true ? " ✓" : s.verified === false ? " ✗" : ""),
        s.transport,
        `${JSON.stringify(s.before ?? null)} → ${JSON.stringify(s.after ?? null)}`,
      ]);
  return table(["run", "user", "state", "step", "outcome", "via", "before → after"], rows);
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run the containment playbook on each hit (from a fresh scan, or --hits FILE)")
    .requiredOption("-c, --config <file>", "config file (YAML or JSON)")
    .option("--dry-run", "plan only: read live state, show the exact before → after, write nothing")
    .option("--yes", "contain: apply the plan (guardrails still apply)")
    .option("--hits <file>", "hits from `scan --format json` or `--format jsonl` instead of scanning")
    .option("-u, --user <upn...>", "scan only these users")
    .option("-f, --format <format>", "output: table | json", "table")
    .action(
      async (o: {
        config: string;
        dryRun?: boolean;
        yes?: boolean;
        hits?: string;
        user?: string[];
        format: string;
      }) => {
        if (!!o.dryRun === !!o.yes)
          throw new UsageError("choose exactly one of --dry-run (plan, no writes) or --yes (contain)");
        const format = parseFormat(o.format, ["table", "json"]) as "table" | "json";
        const config = requireConfig(o.config);
        const read = o.hits ? readHitsFile(o.hits) : undefined;
        const hits = read?.hits;
        trustCaInProcess(config.endpoints.caFile);
        const rejected = read?.rejected ?? [];
        for (const r of rejected) status(`rejected: ${r.file} ${r.at}: ${r.reason}`);
        if (read) status(`${read.hits.length} hit(s) read, ${rejected.length} record(s) rejected`);
        const t = await openTenant(config);
        let outcome: RunOutcome;
        try {
          const h = hits ?? (await scanWith(config, t, o.user)).hits;
          outcome = await runHits(config, t, h, o.dryRun ? "dry-run" : "execute");
        } finally {
          await t.close();
        }
        writeOut(renderRuns(outcome, format, rejected));
        if (outcome.pendingNotResumed)
          status(
            `note: ${outcome.pendingNotResumed} interrupted run(s) in the store; a --yes run resumes them`,
          );
        const bad = [...outcome.resumed, ...outcome.runs].filter(
          (r) => r.state === "failed" || r.state === "held",
        );
        for (const r of bad) status(`${r.state}: run ${r.runId} (${r.user}): ${r.error ?? r.hold ?? ""}`);
        if (bad.length) process.exitCode = EXIT.runFailed;
        else if (rejected.length) process.exitCode = EXIT.usage;
      },
    );
}
