import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { renderPlanReport } from "../../runner/plan-report.js";
import { trustCaInProcess } from "../../adapters/tls.js";
import type { ActionContext } from "../../actions/types.js";
import type { Config } from "../../config/schema.js";
import type { RunMode } from "../../engine/machine.js";
import type { Hit } from "../../model/hit.js";
import type { NotScanned } from "../../scan/scan.js";
import type { JobEnv, JobOutcome, UnattendedPolicy } from "../../runner/job.js";
import { parseDuration } from "../../playbooks/schema.js";
import { RUN_SCHEMA_VERSION, type RunOutput } from "../../runner/report.js";
import { readHitsFile, requireConfig, type RejectedRecord } from "../common.js";
import { EXIT, UsageError } from "../errors.js";
import { status, table, termSafe, writeOut } from "../output.js";
import { shutdownSignal } from "../shutdown.js";
import { actionContext, openTenant, type TenantHandles } from "../tenant.js";
import { describeNotScanned, parseFormat, scanWith } from "./scan.js";
import { defaultReportDir, sayReported } from "./report.js";
import { openStore } from "./store.js";

export { RUN_SCHEMA_VERSION };
/** Kept here too: tests and older imports take it from the run command. */
export { actionContext } from "../tenant.js";

export interface RunOutcome extends JobOutcome {
  notScanned: NotScanned[];
}

export interface RunHitsOptions {
  actionCtx?: Partial<ActionContext>;
  /** Unattended (`--auto`): no person at the keyboard; only auto-approved steps on severe enough cases run. */
  unattended?: UnattendedPolicy;
  /** Where notices go (approval needed, contained, cap reached, halted); never fails the run. */
  notify?: JobEnv["notify"];
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
  let notify = o.notify;
  if (!notify && config.notify && mode === "execute") {
    const { notifierFromConfig } = await import("../../notify/index.js");
    const { noticeSink } = await import("../../runner/notices.js");
    notify = noticeSink(notifierFromConfig(config), audit);
  }
  audit.info("store.opened", { storePath: store.file, storeId: store.storeId, actor: store.actor });
  try {
    const job = new Job({
      store,
      audit,
      actionCtx: { ...actionContext(config, t), ...o.actionCtx },
      playbooks,
      guardrails: config.guardrails,
      leaseMs: config.store.leaseSeconds * 1000,
      ...(config.playbooks.concurrency ? { concurrency: config.playbooks.concurrency } : {}),
      namedSteps: o.namedSteps ?? [],
      attended: !o.unattended,
      ...(o.unattended ? { unattended: o.unattended } : {}),
      auditPolicy: o.unattended ?? {
        minSeverity: config.unattended.minSeverity,
        cap: { max: config.unattended.cap.max, windowMs: parseDuration(config.unattended.cap.window) },
      },
      ...(notify ? { notify } : {}),
      ...(o.stop ? { stop: o.stop } : {}),
    });
    try {
      return await job.run(hits, mode);
    } finally {
      await job.flushNotices();
    }
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

/** The width at which before → after values wrap in the table (never cut). */
const WRAP = 72;

/** One line: what the invocation wrote (or, in a dry run, would write), and what waits. */
export function summaryLine(o: RunOutcome): string {
  const steps = o.runs.flatMap((r) => r.steps.map((s) => ({ r, s })));
  const dry = o.runs.length > 0 && o.runs.every((r) => r.mode === "dry-run");
  const writes = steps.filter(({ s }) => (dry ? s.outcome === "planned" : s.outcome === "done"));
  const irreversible = writes.filter(({ s }) => s.reversibility === "irreversible").length;
  const waiting = steps.filter(({ s }) => s.outcome === "waiting" || (dry && s.gate)).length;
  const failed = steps.filter(({ s }) => s.outcome === "failed").length;
  const cases = new Set(o.runs.map((r) => r.caseId)).size;
  return (
    `${dry ? "would write" : "wrote"} ${writes.length} change(s) (${irreversible} irreversible) in ${cases} case(s)` +
    `; ${steps.filter(({ s }) => s.outcome === "already-done").length} already so` +
    `; ${waiting} step(s) ${dry ? "would wait" : "wait"} for a human` +
    (failed ? `; ${failed} failed` : "") +
    (o.hits.length ? `; ${o.hits.length} hit(s) not run (see above)` : "") +
    (dry ? "; nothing was written" : "")
  );
}

export function renderRuns(o: RunOutcome, format: "table" | "json", rejected: RejectedRecord[] = []): string {
  if (format === "json") return JSON.stringify(runOutput(o, rejected), null, 2);
  const rows: (string | undefined)[][] = [];
  for (const r of o.runs)
    for (const s of r.steps.filter((x) => x.outcome !== "skipped"))
      rows.push([
        `${r.caseId.slice(0, 8)}\n${r.runId.slice(0, 8)}`,
        `${r.state}`,
        `${s.id}\n${s.object}`,
        s.outcome + (s.verified === true ? " ✓" : s.verified === false ? " ✗" : ""),
        (s.transport ?? "") + (s.reversibility === "irreversible" ? "\nIRREVERSIBLE" : ""),
        `${show(s.before)}\n→ ${show(s.after)}${s.gate ? `\nwaits: ${s.gate}` : ""}${s.error ? `\nerror: ${s.error}` : ""}${s.warnings.map((w) => `\nwarning: ${w}`).join("")}`,
      ]);
  return `${table(["case\nrun", "state", "step\nobject", "outcome", "via", "before → after"], rows, { wrap: WRAP })}\n${summaryLine(o)}`;
}

/** Exit code of a run invocation: the worst of failed/waiting (4) and incomplete (5). */
export function runExitCode(o: RunOutcome, rejected: RejectedRecord[]): number {
  const bad = o.runs.filter((r) =>
    ["failed", "partial", "waiting", "halted", "rejected", "expired"].includes(r.state),
  );
  if (bad.length || o.hits.some((h) => h.outcome === "halted")) return EXIT.runFailed;
  if (o.notScanned.length || o.skipped.length || o.hits.some((h) => h.outcome === "driven-elsewhere"))
    return EXIT.incomplete;
  if (rejected.length) return EXIT.usage;
  return EXIT.ok;
}

/**
 * Which of the three ways the invocation runs: exactly one of --dry-run, --yes, --auto [SEVERITY]; none of them
 * runs unattended only when the config says `unattended.enabled: true`. Returns the unattended policy, if any.
 */
export function unattendedPolicy(
  config: Config,
  o: { dryRun?: boolean; yes?: boolean; auto?: boolean | string; tenantStep?: string[] },
): UnattendedPolicy | undefined {
  const chosen = [o.dryRun, o.yes, o.auto !== undefined].filter(Boolean).length;
  if (chosen > 1)
    throw new UsageError("choose one of --dry-run (plan, no writes), --yes (contain) or --auto (unattended)");
  if (chosen === 0 && !config.unattended.enabled)
    throw new UsageError(
      "choose one of --dry-run (plan, no writes), --yes (contain) or --auto [SEVERITY] (contain unattended)",
    );
  if (o.dryRun || o.yes) return undefined;
  const sev = typeof o.auto === "string" ? o.auto : config.unattended.minSeverity;
  if (!["low", "medium", "high"].includes(sev))
    throw new UsageError(`--auto ${sev}: the severity is one of low, medium, high`);
  if (o.tenantStep?.length)
    throw new UsageError("--tenant-step needs a person: tenant-scope steps never run unattended (use --yes)");
  return {
    minSeverity: sev as UnattendedPolicy["minSeverity"],
    cap: { max: config.unattended.cap.max, windowMs: parseDuration(config.unattended.cap.window) },
  };
}

/** Writes the dry run's plan report (Markdown, 0600: it holds before-images); returns its path. */
export function writePlanReport(config: Config, configFile: string, o: RunOutcome, file?: string): string {
  const generatedAt = new Date().toISOString();
  const out =
    file ??
    path.join(
      path.dirname(path.resolve(config.store.path)),
      "reports",
      `plan-${generatedAt.replace(/[:.]/g, "-")}.md`,
    );
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    renderPlanReport(o, {
      generatedAt,
      tenantId: config.tenant.id,
      configFile,
      playbooks: config.playbooks.selected,
      unattended: {
        minSeverity: config.unattended.minSeverity,
        capMax: config.unattended.cap.max,
        capWindow: config.unattended.cap.window,
      },
      protectedAccounts: config.guardrails.protectedAccounts.length,
    }),
    { mode: 0o600 },
  );
  return out;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description(
      "the main job: hits (run.source: a live hunt, a scan, or both; or --hits FILE) grouped into one case per user, the playbooks run; resumes interrupted runs first. --offline EXPORTS: the same from exported records, a dry-run audit report only",
    )
    .option("-c, --config <file>", "config file (YAML or JSON); optional with --offline")
    .option(
      "--dry-run",
      "plan only: read live state, show the exact before → after, write nothing to the tenant",
    )
    .option(
      "--yes",
      "contain: apply the plan (guardrails still apply; tenant-scope steps need --tenant-step)",
    )
    .option(
      "--auto [severity]",
      "contain unattended: only steps whose approval is auto, on cases at least this severe (default unattended.minSeverity), within the blast-radius cap; the rest wait for a person",
    )
    .option("--hits <file>", "hits from `scan --format json` or `--format jsonl` instead of run.source")
    .option(
      "--offline <path...>",
      "no tenant: hunt exported files or folders, group the hits into cases and write the dry-run audit report (what each case's playbook would do; nothing is contacted)",
    )
    .option(
      "--now <time>",
      "--offline: hunt as of this ISO 8601 time (default: the newest event in the input)",
    )
    .option("-u, --user <upn...>", "only these users")
    .option(
      "--tenant-step <step...>",
      "also run these tenant-scope steps (e.g. disable-transport-rule): never by --yes alone",
    )
    .option(
      "--new-store",
      "start a new run store although the audit log records an earlier one at store.path",
    )
    .option(
      "--report <file>",
      "dry runs and --offline: where to write the plan report for audit (Markdown; default <store folder>/reports/plan-<time>.md)",
    )
    .option(
      "--report-dir <dir>",
      "write case reports (Markdown, HTML, JSON per the playbook's report.formats) and the invocation summary (CSV, HTML, JSON) here at the end",
    )
    .option("-f, --format <format>", "output: table | json", "table")
    .action(async (o: RunFlags) => {
      const format = parseFormat(o.format, ["table", "json"]) as "table" | "json";
      if (o.offline?.length) return runOffline(o, format);
      if (!o.config)
        throw new UsageError("run needs --config FILE (or --offline EXPORTS, which needs no tenant)");
      if (o.now) throw new UsageError("--now is for --offline (a live run hunts as of the service's clock)");
      const config = requireConfig(o.config);
      const unattended = unattendedPolicy(config, o);
      const read = o.hits ? readHitsFile(o.hits) : undefined;
      const rejected = read?.rejected ?? [];
      for (const r of rejected) status(`rejected: ${r.file} ${r.at}: ${r.reason}`);
      if (read) status(`${read.hits.length} hit(s) read, ${rejected.length} record(s) rejected`);
      // The store is checked before the tenant is touched: a missing or damaged store stops everything.
      openStore(config, { create: true, ...(o.newStore ? { allowNew: true } : {}) }).close();
      trustCaInProcess(config.endpoints.caFile);
      const startedAt = new Date();
      const mode = o.dryRun ? "dry-run" : "execute";
      const reportDir = o.reportDir ?? (mode === "execute" ? defaultReportDir(config) : undefined);
      const t = await openTenant(config);
      let outcome: RunOutcome;
      try {
        const { runMainJob } = await import("../../mainjob/main-job.js");
        const { liveHunter } = await import("../../mainjob/sources.js");
        const { writeMainJobReports } = await import("../../mainjob/reports.js");
        const { loadPlaybook } = await import("../../playbooks/load.js");
        const source = config.run.source;
        const r = await runMainJob(
          source,
          {
            sources: {
              hunt: liveHunter(config, t),
              scan: (users) => scanWith(config, t, users, { transportRules: true }),
            },
            drive: (hits, mode) =>
              runHits(config, t, hits, mode, {
                namedSteps: o.tenantStep ?? [],
                ...(unattended ? { unattended } : {}),
                ...(o.newStore ? { newStore: true } : {}),
                stop: shutdownSignal,
              }),
            // Comments written back (execute, per playbook policy), then the case reports and the summary:
            // beside the store for an execute run, or in --report-dir. A report failing never fails the run.
            reports: (out) =>
              writeMainJobReports(out, {
                config,
                configFile: o.config!,
                playbooks: config.playbooks.selected.map((id) => loadPlaybook(id, config.playbooks.dirs)),
                mode,
                actionCtx: actionContext(config, t),
                startedAt,
                ...(reportDir ? { dir: reportDir } : {}),
              }).then(
                (r) => (sayReported(r), [...r.caseFiles, ...r.summaryFiles]),
                (e: unknown) => (status(`reports: ${e instanceof Error ? e.message : String(e)}`), []),
              ),
          },
          mode,
          {
            ...(read ? { hits: read.hits } : {}),
            ...(o.user ? { users: o.user } : {}),
            hiddenRulesRead: config.exchange.enabled,
          },
        );
        outcome = r.outcome;
        if (r.collected.hunt) {
          const h = r.collected.hunt;
          status(
            `hunt (${h.target}): ${h.rows} row(s), ${h.hits} hit(s)${source === "both" ? `; the scan found ${r.collected.duplicates} of them too` : ""}${h.truncated ? " — truncated at the platform's row limit; narrow hunting.lookbackDays" : ""}`,
          );
          for (const p of h.problems) status(`row problem: ${p.at}: ${termSafe(p.reason)}`);
        }
        if (r.collected.identified)
          status(
            `hunt: ${r.collected.identified} hunted object(s) identified live by the scan of their mailboxes`,
          );
        for (const g of r.collected.gone ?? [])
          status(
            termSafe(
              `gone: hunted rule ${JSON.stringify(g.target.kind === "inboxRule" ? g.target.ruleName : "")} of ${g.user.upn} is no longer in the mailbox: nothing to contain`,
              Number.POSITIVE_INFINITY,
            ),
          );
      } finally {
        await t.close();
      }
      writeOut(renderRuns(outcome, format, rejected));
      if (o.dryRun) status(`plan report: ${writePlanReport(config, o.config, outcome, o.report)}`);
      if (o.dryRun) {
        // A dry run never resumes anything (it never writes): say what a --yes run would pick up first.
        const store = openStore(config);
        try {
          const pending = store.listRuns({ active: true }).filter((r) => r.mode === "execute");
          if (pending.length)
            status(
              `note: ${pending.length} interrupted or waiting run(s) in the store (${pending.map((r) => `${r.runId.slice(0, 8)}:${r.state}`).join(", ")}); a --yes run resumes them first`,
            );
        } finally {
          store.close();
        }
      }
      // Reasons can quote attacker-chosen text (rule names): made terminal-safe, never cut.
      const say = (line: string) => status(termSafe(line, Number.POSITIVE_INFINITY));
      for (const n of outcome.notScanned) say(describeNotScanned(n));
      for (const h of outcome.hits) say(`${h.outcome}: hit ${h.hitKey} (${h.user}, ${h.kind}): ${h.reason}`);
      for (const s of outcome.skipped) say(`${s.reason}: run ${s.runId} (case ${s.caseId}): ${s.detail}`);
      for (const r of outcome.runs.filter((x) => !["done", "planned"].includes(x.state)))
        say(`${r.state}: run ${r.runId} (${r.user}): ${r.waiting ?? r.error ?? ""}`);
      process.exitCode = runExitCode(outcome, rejected);
    });
}

interface RunFlags {
  config?: string;
  dryRun?: boolean;
  yes?: boolean;
  auto?: boolean | string;
  hits?: string;
  offline?: string[];
  now?: string;
  user?: string[];
  tenantStep?: string[];
  newStore?: boolean;
  report?: string;
  reportDir?: string;
  format: string;
}

/**
 * `run --offline EXPORTS`: no tenant, no store; a dry-run audit of what the playbooks would do with the hunted hits.
 * Only a plan: --yes / --auto / --hits / --tenant-step are refused (there is nothing to contain offline).
 */
async function runOffline(o: RunFlags, format: "table" | "json"): Promise<void> {
  for (const [flag, set] of [
    ["--yes", o.yes],
    ["--auto", o.auto !== undefined],
    ["--hits", o.hits],
    ["--tenant-step", o.tenantStep?.length],
    ["--new-store", o.newStore],
  ] as const)
    if (set)
      throw new UsageError(
        `${flag} cannot go with --offline: offline is a dry-run audit only (no tenant to contain)`,
      );
  let now: Date | undefined;
  if (o.now) {
    now = new Date(o.now);
    if (Number.isNaN(now.getTime()))
      throw new UsageError(`--now must be an ISO 8601 time, got ${JSON.stringify(o.now)}`);
  }
  const config = o.config ? requireConfig(o.config) : undefined;
  const { offlineAuditRun } = await import("../../mainjob/offline-run.js");
  const r = await offlineAuditRun({
    paths: o.offline ?? [],
    ...(config ? { config, configFile: o.config! } : {}),
    ...(now ? { now } : {}),
    ...(o.user ? { users: o.user } : {}),
    ...(o.report ? { report: o.report } : {}),
  });
  for (const h of r.audit.hunted)
    status(
      `hunt offline (${h.target}): ${h.window}; ${h.rows} row(s), ${h.hits} hit(s)${h.problems ? `, ${h.problems} row problem(s)` : ""}`,
    );
  const l = r.audit.load;
  status(
    `input: ${l.files} file(s), ${l.records} record(s): ${l.loaded} loaded, ${l.quarantined} quarantined`,
  );
  const outcome: RunOutcome = { runs: r.audit.runs, hits: r.audit.hits, skipped: [], notScanned: [] };
  writeOut(renderRuns(outcome, format));
  status(`audit report (planned from the exports, not live state): ${r.reportFile}`);
  const say = (line: string) => status(termSafe(line, Number.POSITIVE_INFINITY));
  for (const h of outcome.hits) say(`${h.outcome}: hit ${h.hitKey} (${h.user}, ${h.kind}): ${h.reason}`);
  process.exitCode = l.quarantined > 0 || r.audit.hunted.some((h) => h.problems > 0) ? EXIT.usage : EXIT.ok;
}
