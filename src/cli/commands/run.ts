import type { Command } from "commander";
import { trustCaInProcess } from "../../adapters/tls.js";
import type { ActionContext } from "../../actions/types.js";
import type { Config } from "../../config/schema.js";
import type { RunMode } from "../../engine/machine.js";
import type { Hit } from "../../model/hit.js";
import type { NotScanned } from "../../scan/scan.js";
import type { JobOutcome } from "../../runner/job.js";
import { RUN_SCHEMA_VERSION, type RunOutput } from "../../runner/report.js";
import { readHitsFile, requireConfig, type RejectedRecord } from "../common.js";
import { EXIT, UsageError } from "../errors.js";
import { status, table, writeOut } from "../output.js";
import { shutdownSignal } from "../shutdown.js";
import { openTenant, type TenantHandles } from "../tenant.js";
import { describeNotScanned, parseFormat, scanWith } from "./scan.js";
import { openStore } from "./store.js";

export { RUN_SCHEMA_VERSION };

export interface RunOutcome extends JobOutcome {
  notScanned: NotScanned[];
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

export interface RunHitsOptions {
  actionCtx?: Partial<ActionContext>;
  /** Tenant-scope / attended-only step ids the invocation names (`--tenant-step`). */
  namedSteps?: string[];
  newStore?: boolean;
  stop?: AbortSignal;
}

/** Resumes interrupted runs (execute mode only: a dry run never writes), then runs the hits' cases. */
export async function runHits(
  config: Config,
  t: TenantHandles,
  hits: Hit[],
  mode: RunMode,
  o: RunHitsOptions = {},
): Promise<JobOutcome> {
  const { closeAuditLog, createAuditLog } = await import("../../audit/log.js");
  const { loadPlaybook } = await import("../../playbooks/load.js");
  const { Job } = await import("../../runner/job.js");
  const playbooks = config.playbooks.selected.map((id) => loadPlaybook(id, config.playbooks.dirs));
  const store = openStore(config, { create: true, ...(o.newStore ? { allowNew: true } : {}) });
  const audit = createAuditLog(config.audit.path);
  audit.info("store.opened", { storePath: store.file, storeId: store.storeId, actor: store.actor });
  try {
    const job = new Job({
      store,
      audit,
      actionCtx: { ...actionContext(config, t), ...o.actionCtx },
      playbooks,
      guardrails: config.guardrails,
      leaseMs: config.store.leaseSeconds * 1000,
      namedSteps: o.namedSteps ?? [],
      attended: true,
      ...(o.stop ? { stop: o.stop } : {}),
    });
    return await job.run(hits, mode);
  } finally {
    store.close();
    await closeAuditLog(audit);
  }
}

export function runOutput(o: RunOutcome, rejected: RejectedRecord[] = []): RunOutput {
  return {
    schemaVersion: RUN_SCHEMA_VERSION,
    runs: o.runs,
    hits: o.hits,
    skipped: o.skipped,
    ...(o.notScanned.length ? { notScanned: o.notScanned } : {}),
    ...(rejected.length ? { rejected } : {}),
  };
}

const show = (v: unknown) => JSON.stringify(v ?? null);

export function renderRuns(o: RunOutcome, format: "table" | "json", rejected: RejectedRecord[] = []): string {
  if (format === "json") return JSON.stringify(runOutput(o, rejected), null, 2);
  const rows: (string | undefined)[][] = [];
  for (const r of o.runs)
    for (const s of r.steps.filter((x) => x.outcome !== "skipped"))
      rows.push([
        r.caseId.slice(0, 8),
        r.runId.slice(0, 8),
        r.user,
        r.state,
        s.key.length > 40 ? `${s.id}@${s.target?.slice(0, 8) ?? ""}` : s.key,
        s.outcome + (s.verified === true ? " ✓" : s.verified === false ? " ✗" : ""),
        (s.transport ?? "") + (s.reversibility === "irreversible" ? " (irreversible)" : ""),
        `${show(s.before)} → ${show(s.after)}${s.gate ? `\nwaits: ${s.gate}` : ""}${s.error ? `\nerror: ${s.error}` : ""}`,
      ]);
  return table(["case", "run", "user", "state", "step", "outcome", "via", "before → after"], rows);
}

/** Exit code of a run invocation: the worst of failed/waiting (4) and incomplete (5). */
export function runExitCode(o: RunOutcome, rejected: RejectedRecord[]): number {
  const bad = o.runs.filter((r) =>
    ["failed", "partial", "waiting", "halted", "rejected", "expired"].includes(r.state),
  );
  if (bad.length) return EXIT.runFailed;
  if (o.notScanned.length || o.skipped.length || o.hits.some((h) => h.outcome === "driven-elsewhere"))
    return EXIT.incomplete;
  if (rejected.length) return EXIT.usage;
  return EXIT.ok;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description(
      "contain: group hits (a fresh scan, or --hits FILE) into one case per user and run the playbooks; resumes interrupted runs first",
    )
    .requiredOption("-c, --config <file>", "config file (YAML or JSON)")
    .option(
      "--dry-run",
      "plan only: read live state, show the exact before → after, write nothing to the tenant",
    )
    .option(
      "--yes",
      "contain: apply the plan (guardrails still apply; tenant-scope steps need --tenant-step)",
    )
    .option("--hits <file>", "hits from `scan --format json` or `--format jsonl` instead of scanning")
    .option("-u, --user <upn...>", "scan only these users")
    .option(
      "--tenant-step <step...>",
      "also run these tenant-scope steps (e.g. disable-transport-rule): never by --yes alone",
    )
    .option(
      "--new-store",
      "start a new run store although the audit log records an earlier one at store.path",
    )
    .option("-f, --format <format>", "output: table | json", "table")
    .action(
      async (o: {
        config: string;
        dryRun?: boolean;
        yes?: boolean;
        hits?: string;
        user?: string[];
        tenantStep?: string[];
        newStore?: boolean;
        format: string;
      }) => {
        if (!!o.dryRun === !!o.yes)
          throw new UsageError("choose exactly one of --dry-run (plan, no writes) or --yes (contain)");
        const format = parseFormat(o.format, ["table", "json"]) as "table" | "json";
        const config = requireConfig(o.config);
        const read = o.hits ? readHitsFile(o.hits) : undefined;
        const rejected = read?.rejected ?? [];
        for (const r of rejected) status(`rejected: ${r.file} ${r.at}: ${r.reason}`);
        if (read) status(`${read.hits.length} hit(s) read, ${rejected.length} record(s) rejected`);
        // The store is checked before the tenant is touched: a missing or damaged store stops everything.
        openStore(config, { create: true, ...(o.newStore ? { allowNew: true } : {}) }).close();
        trustCaInProcess(config.endpoints.caFile);
        const t = await openTenant(config);
        let outcome: RunOutcome;
        try {
          let hits = read?.hits;
          let notScanned: NotScanned[] = [];
          if (!hits) {
            const scan = await scanWith(config, t, o.user);
            hits = scan.hits;
            notScanned = scan.notScanned;
          }
          const job = await runHits(config, t, hits, o.dryRun ? "dry-run" : "execute", {
            namedSteps: o.tenantStep ?? [],
            ...(o.newStore ? { newStore: true } : {}),
            stop: shutdownSignal,
          });
          outcome = { ...job, notScanned };
        } finally {
          await t.close();
        }
        writeOut(renderRuns(outcome, format, rejected));
        for (const n of outcome.notScanned) status(describeNotScanned(n));
        for (const h of outcome.hits)
          status(`${h.outcome}: hit ${h.hitKey} (${h.user}, ${h.kind}): ${h.reason}`);
        for (const s of outcome.skipped)
          status(`${s.reason}: run ${s.runId} (case ${s.caseId}): ${s.detail}`);
        for (const r of outcome.runs.filter((x) => !["done", "planned"].includes(x.state)))
          status(`${r.state}: run ${r.runId} (${r.user}): ${r.waiting ?? r.error ?? ""}`);
        process.exitCode = runExitCode(outcome, rejected);
      },
    );
}
