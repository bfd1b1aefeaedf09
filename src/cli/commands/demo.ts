import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { configSchema } from "../../config/schema.js";
import { EXIT } from "../errors.js";
import { status, table, writeOut } from "../output.js";
import { openTenant } from "../tenant.js";
import { trustCaInProcess } from "../../adapters/tls.js";
import { DEFAULT_CA_DIR, launchEmulator } from "./emulator.js";
import type { Config } from "../../config/schema.js";
import type { RunMode } from "../../engine/machine.js";
import type { RunningEmulator } from "../../emulator/server.js";
import type { Hit } from "../../model/hit.js";
import type { JobOutcome, UnattendedPolicy } from "../../runner/job.js";
import type { RunReport } from "../../runner/report.js";
import type { TenantHandles } from "../tenant.js";
import { actionContext, renderRuns, runHits, writePlanReport, type RunOutcome } from "./run.js";
import { openStore } from "./store.js";
import { renderScan, scanWith } from "./scan.js";

const DAY = 86_400_000;

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "the main job on a generated tenant with every attack scenario: hunt, cases, a dry-run audit, unattended (--auto high) and attended (--yes) containment, approvals, the clock advanced through the verification and watch windows, an attacker re-creating a rule during the watch; prints a summary",
    )
    .option(
      "--state-dir <dir>",
      "keep the emulator's files, run store and audit log here (default: a temp dir, removed)",
    )
    .option("--reports-dir <dir>", "where the reports go (kept)", ".mailwarden/demo-reports")
    .option("--ca-dir <dir>", "the emulator's CA (created when absent)", DEFAULT_CA_DIR)
    .action(async (o: { stateDir?: string; caDir: string; reportsDir: string }) => {
      const { ensureCa } = await import("../../emulator/ca.js");
      const ca = await ensureCa(o.caDir);
      trustCaInProcess(ca.caFile);
      const started = Date.now();
      const stateDir = o.stateDir ?? mkdtempSync(path.join(os.tmpdir(), "mailwarden-demo-"));
      const { generateTenant } = await import("../../emulator/generator/index.js");
      const g = generateTenant({ scenarios: "all", users: 20, days: 3, seed: 1 });
      // The demo's responder app holds what the default playbook bec-containment needs (doctor lists the same).
      // Disabling an administrator's account (the generated tenant has compromised admins) needs the app to hold a
      // privileged Entra role too; without it Graph answers 403 and the step fails, as user.disable's limits say.
      for (const a of g.state.apps) {
        a.graphRoles = [...new Set([...a.graphRoles, ...BEC_ROLES])];
        a.directoryRoles = [...new Set([...a.directoryRoles, "Privileged Authentication Administrator"])];
      }
      const { emulator, config: input } = await launchEmulator({
        stateDir,
        caDir: o.caDir,
        tenant: { state: g.state, startTime: g.startTime, seed: 1 },
      });
      let ok = false;
      const base = configSchema.parse({
        ...input,
        run: { source: "hunt" },
        playbooks: { ...input.playbooks, selected: ["bec-containment", "contain-transport-rule"] },
      });
      const t = await openTenant(base);
      try {
        ok = await stages(emulator, base, t, path.resolve(o.reportsDir), started, g.truth);
      } finally {
        await t.close();
        await emulator.close();
        if (!o.stateDir) rmSync(stateDir, { recursive: true, force: true });
      }
      if (!ok) process.exitCode = EXIT.runFailed;
    });
}

/** Graph application permissions bec-containment's steps and gather need beyond the generated app's. */
const BEC_ROLES = [
  "User.EnableDisableAccount.All",
  "IdentityRiskyUser.ReadWrite.All",
  "DelegatedPermissionGrant.ReadWrite.All",
  "AppRoleAssignment.ReadWrite.All",
  "UserAuthenticationMethod.ReadWrite.All",
];

interface Check {
  stage: string;
  fact: string;
  value: string | number;
  ok: boolean;
}

type Truth = {
  scenarios: {
    name: string;
    containment: { rules: { ruleIdentity: string; userPrincipalName: string; hidden: boolean }[] };
  }[];
};

async function stages(
  emulator: RunningEmulator,
  base: Config,
  t: TenantHandles,
  reportsDir: string,
  started: number,
  truth: unknown,
): Promise<boolean> {
  const { runMainJob } = await import("../../mainjob/main-job.js");
  const { liveHunter } = await import("../../mainjob/sources.js");
  const { writeMainJobReports } = await import("../../mainjob/reports.js");
  const checks: Check[] = [];
  const check = (stage: string, fact: string, value: string | number, pass: boolean) =>
    checks.push({ stage, fact, value, ok: pass });
  const writesSince = (mark: number) =>
    emulator
      .requests()
      .slice(mark)
      .filter((r) => r.write).length;
  // The runner's clock is the emulated tenant's: verification and watch windows pass when the demo advances it.
  const clock = { now: () => emulator.ctx.clock.now() };
  const sources = {
    hunt: liveHunter(base, t),
    scan: (users?: string[]) => scanWith(base, t, users, { transportRules: true }),
  };

  status(
    `\n== emulated tenant ${emulator.organization} at ${emulator.baseUrl} (generated: every attack scenario)`,
  );
  status("== 1. hunt (Defender advanced hunting) → hits");
  const hunted = await sources.hunt();
  const { renderHits } = await import("../../hunt/output.js");
  writeOut(
    renderHits(hunted.hits, "table", {
      target: "defender",
      profile: "default",
      now: emulator.ctx.clock.now().toISOString(),
      nowSource: "the emulated tenant's clock",
    }),
  );
  const high = hunted.hits.filter((h) => h.severity === "high");
  check(
    "hunt",
    "audit actions found (high / linked to a sign-in)",
    `${hunted.hits.length} (${high.length} / ${hunted.hits.filter((h) => h.links.length).length})`,
    high.length > 0 && high.every((h) => h.links.length > 0) && hunted.problems.length === 0,
  );

  // One user the hunt found is a protected account: their case waits for a person, who approves it step by step.
  const protectedUpn = (hunted.hits.find((h) => h.severity !== "high" && h.target.kind !== "auditAction") ??
    hunted.hits.at(-1))!.user.upn;
  const config = configSchema.parse({
    ...base,
    guardrails: {
      ...base.guardrails,
      protectedAccounts: [...base.guardrails.protectedAccounts, protectedUpn],
    },
  });
  const drive = (hits: Hit[], mode: RunMode, unattended?: UnattendedPolicy) =>
    runHits(config, t, hits, mode, {
      actionCtx: clock,
      namedSteps: [],
      ...(unattended ? { unattended } : {}),
    });
  const auto: UnattendedPolicy = { minSeverity: "high", cap: { max: 25, windowMs: DAY } };

  status("== 2. run -c --dry-run: the hunted hits grouped into cases, planned; a plan report for audit");
  let mark = emulator.requests().length;
  const dry = await runMainJob("hunt", { sources, drive: (h, m) => drive(h, m) }, "dry-run");
  writeOut(renderRuns(dry.outcome, "table"));
  const planReport = writePlanReport(config, "(demo)", dry.outcome, path.join(reportsDir, "plan.md"));
  const hits = dry.collected.hits;
  check(
    "dry run",
    "cases planned (runs)",
    `${new Set(dry.outcome.runs.map((r) => r.caseId)).size} (${dry.outcome.runs.length})`,
    dry.outcome.runs.length > 0 && dry.outcome.runs.every((r) => r.state === "planned"),
  );
  check("dry run", "tenant writes", writesSince(mark), writesSince(mark) === 0);

  // Half the users' cases go to an unattended run, the other half to a responder's --yes.
  const users = [...new Set(hits.map((h) => h.user.upn.toLowerCase()))].sort();
  const unattendedUsers = new Set(users.filter((_, i) => i % 2 === 0));
  const byUnattended = (h: Hit) => unattendedUsers.has(h.user.upn.toLowerCase());

  status(
    "== 3. run -c --auto high: unattended, only auto-approved steps on high cases; the rest wait for a person",
  );
  mark = emulator.requests().length;
  const unattended = await drive(hits.filter(byUnattended), "execute", auto);
  writeOut(renderRuns({ ...unattended, notScanned: [] }, "table"));
  const autoDone = unattended.runs.flatMap((r) => r.steps).filter((s) => s.outcome === "done");
  check(
    "--auto high",
    "steps done unattended (all auto-approved, on high cases)",
    autoDone.length,
    autoDone.length > 0 &&
      autoDone.every((s) => s.approval?.startsWith("auto:") && s.approval.includes("severity high")),
  );
  check(
    "--auto high",
    "runs left waiting for a person",
    unattended.runs.filter((r) => r.state === "waiting").length,
    unattended.runs.every((r) => ["done", "waiting"].includes(r.state)),
  );

  status("== 4. run -c --yes: a responder contains the other cases (a protected account's waits)");
  const attended = await drive(
    hits.filter((h) => !byUnattended(h)),
    "execute",
  );
  writeOut(renderRuns({ ...attended, notScanned: [] }, "table"));
  // The --yes invocation also resumed the unattended cases' waiting runs (they wait for approval, not for --yes).
  const mine = attended.runs.filter((r) => !unattendedUsers.has(r.user.toLowerCase()));
  const yesDone = mine.filter((r) => r.state === "done").length;
  check(
    "--yes",
    "its cases' runs done; waiting (protected account)",
    `${yesDone}; ${mine.filter((r) => r.state === "waiting").length}`,
    yesDone > 0 &&
      mine.every(
        (r) =>
          r.state === "done" ||
          (r.state === "waiting" && r.user.toLowerCase() === protectedUpn.toLowerCase()),
      ),
  );

  status(
    "== 5. approvals: each waiting step approved on its plan (protected account, steps the unattended run left)",
  );
  const approved = await approveAll(config, t);
  const waitingAfter = openStore(config);
  let stillWaiting: number;
  try {
    stillWaiting = waitingAfter.listRuns({ active: true }).length;
  } finally {
    waitingAfter.close();
  }
  check(
    "approvals",
    "steps approved on their plan; runs still open",
    `${approved.reduce((n, r) => n + r.approvals.length, 0)}; ${stillWaiting}`,
    approved.length > 0 && stillWaiting === 0 && approved.every((r) => r.state === "done"),
  );
  check("writes", "tenant writes (unattended, --yes, approvals)", writesSince(mark), writesSince(mark) > 0);

  status("== 6. scan: nothing suspect left active");
  const after = await scanWith(config, t);
  writeOut(renderScan(after, "table"));
  check("scan", "suspect rules/forwarding still active", activeSuspects(after), activeSuspects(after) === 0);

  status(
    "== 7. the clock passes the verification window (session revocation / CAE delay): the runner re-checks",
  );
  emulator.ctx.clock.advance(16 * 60_000);
  await drive([], "execute");
  const rechecks = journalCount(config, "verify.recheck");
  // The aftercare's re-checks come with playbooks that declare `verify`; without one, none is expected.
  const verifying = await anyDeclares(config, "verify");
  check("verify window", "re-checks journalled", rechecks, !verifying || rechecks > 0);

  status(
    "== 8. a day later the attacker re-creates a contained rule; Defender raises an alert; the watch ticks",
  );
  emulator.ctx.clock.advance(DAY);
  const recreated = recreateRule(emulator, truth as Truth, protectedUpn);
  const tick = await watchOnce(config, t, emulator, drive, auto);
  writeOut(renderRuns({ ...tick.outcome, notScanned: [] }, "table"));
  for (const h of tick.outcome.hits)
    status(`${h.outcome}: hit ${h.hitKey} (${h.user}, ${h.kind}): ${h.reason}`);
  await approveAll(config, t);
  const live = emulator.ctx.state.mailboxes
    .flatMap((m) => m.rules)
    .find((r) => r.ruleIdentity === recreated?.ruleIdentity);
  check(
    "watch",
    "re-created rule found (new alert → scan) and contained",
    recreated
      ? `${recreated.upn}: ${live?.enabled === false ? "disabled" : "ACTIVE"}`
      : "no rule to re-create",
    !!recreated && live?.enabled === false && tick.alerts > 0,
  );
  check(
    "watch",
    "the tick's run for that user (opened or joined its case)",
    recreated
      ? tick.outcome.runs
          .filter((r) => r.user.toLowerCase() === recreated.upn.toLowerCase())
          .map((r) => r.state)
          .join(", ") || "none"
      : "none",
    !!recreated &&
      tick.outcome.runs.some(
        (r) => r.user.toLowerCase() === recreated.upn.toLowerCase() && r.state === "done",
      ),
  );

  status("== 9. the clock passes the watch window (7 days): the runner's last watch checks");
  emulator.ctx.clock.advance(7 * DAY);
  await drive([], "execute");
  const watchChecks = journalCount(config, "watch.check");
  const watching = await anyDeclares(config, "watch");
  check("watch window", "watch checks journalled", watchChecks, !watching || watchChecks > 0);

  const { loadPlaybook } = await import("../../playbooks/load.js");
  const written = await writeMainJobReports(
    { runs: [...unattended.runs, ...attended.runs, ...approved], hits: [], skipped: [], notScanned: [] },
    {
      config,
      playbooks: config.playbooks.selected.map((id) => loadPlaybook(id, config.playbooks.dirs)),
      mode: "execute",
      dir: reportsDir,
    },
  );
  const reports = [...written.caseFiles, ...written.summaryFiles];
  check("reports", "case reports and the summary written", reports.length, written.caseFiles.length > 0);
  const ok = checks.every((c) => c.ok);
  status("== summary");
  writeOut(
    table(
      ["stage", "check", "result", ""],
      [
        ...checks.map((c) => [c.stage, c.fact, c.value, c.ok ? "ok" : "FAILED"]),
        ["reports", "plan report (dry run, for audit)", planReport, ""],
        [
          "reports",
          "case reports",
          `${written.caseFiles.length} file(s) in ${reportsDir}${written.summaryFiles.length ? `\nsummary: ${written.summaryFiles.join(", ")}` : ""}`,
          "",
        ],
        ["", "elapsed", `${((Date.now() - started) / 1000).toFixed(1)} s`, ""],
        ["", "result", ok ? "PASS" : "FAIL", ""],
      ],
      { wrap: 72 },
    ),
  );
  return ok;
}

/** Suspect rules and forwarding a scan still sees active. */
function activeSuspects(after: Awaited<ReturnType<typeof scanWith>>): number {
  return after.mailboxes.reduce(
    (n, m) =>
      n +
      m.rules.filter(
        (r) =>
          r.enabled &&
          after.hits.some(
            (h) => h.target.kind === "inboxRule" && h.target.upn === m.upn && h.target.ruleName === r.name,
          ),
      ).length +
      (after.hits.some((h) => h.target.kind === "mailboxForwarding" && h.target.upn === m.upn) ? 1 : 0),
    0,
  );
}

function journalCount(config: Config, kind: string): number {
  const store = openStore(config);
  try {
    return store.journal().filter((j) => j.kind === kind).length;
  } finally {
    store.close();
  }
}

/** Whether a selected playbook has a section (`verify`, `watch`: the aftercare's, where it has landed). */
async function playbookDeclares(config: Config, id: string, section: string): Promise<boolean> {
  const { loadPlaybook } = await import("../../playbooks/load.js");
  return (
    (loadPlaybook(id, config.playbooks.dirs) as unknown as Record<string, unknown>)[section] !== undefined
  );
}

async function anyDeclares(config: Config, section: string): Promise<boolean> {
  for (const id of config.playbooks.selected) if (await playbookDeclares(config, id, section)) return true;
  return false;
}

/**
 * The attacker comes back: a copy of a rule the demo contained (a visible one, not the protected user's) is made
 * again in the mailbox, enabled, with new ids — and Defender raises an alert naming the user.
 */
function recreateRule(
  emulator: RunningEmulator,
  truth: Truth,
  protectedUpn: string,
): { upn: string; ruleIdentity: string } | undefined {
  const state = emulator.ctx.state;
  for (const s of truth.scenarios)
    for (const want of s.containment.rules) {
      if (want.hidden || want.userPrincipalName.toLowerCase() === protectedUpn.toLowerCase()) continue;
      const mbx = state.mailboxes.find((m) => m.rules.some((r) => r.ruleIdentity === want.ruleIdentity));
      const old = mbx?.rules.find((r) => r.ruleIdentity === want.ruleIdentity);
      if (!mbx || !old || old.enabled) continue;
      // The same content under a new name (attackers vary the name: "." becomes ".."); new ids, enabled.
      const copy = {
        ...structuredClone(old),
        name: `${old.name}.`,
        ruleIdentity: emulator.ctx.ids.ruleIdentity(),
        graphId: emulator.ctx.ids.graphRuleId(),
        enabled: true,
        priority: mbx.rules.length + 1,
      };
      mbx.rules.push(copy);
      const user = state.users.find(
        (u) => u.userPrincipalName.toLowerCase() === want.userPrincipalName.toLowerCase(),
      );
      const now = emulator.ctx.clock.now().toISOString();
      const id = `da${emulator.ctx.ids.guid().replace(/-/g, "").slice(0, 16)}`;
      const incidentId = String(90_000 + state.incidents.length);
      state.alerts.push({
        id,
        providerAlertId: id.slice(2),
        incidentId,
        status: "new",
        severity: "medium",
        classification: null,
        determination: null,
        serviceSource: "microsoftDefenderForCloudApps",
        detectionSource: "cloudAppSecurity",
        title: "Suspicious inbox manipulation rule",
        description: "Suspicious inbox manipulation rule",
        category: "DefenseEvasion",
        assignedTo: null,
        createdDateTime: now,
        lastUpdateDateTime: now,
        firstActivityDateTime: now,
        lastActivityDateTime: now,
        evidence: [
          {
            "@odata.type": "#microsoft.graph.security.userEvidence",
            roles: [],
            remediationStatus: "none",
            verdict: "suspicious",
            userAccount: {
              accountName: want.userPrincipalName.split("@")[0] ?? "",
              domainName: want.userPrincipalName.split("@")[1] ?? "",
              userPrincipalName: want.userPrincipalName,
              azureAdUserId: user?.id ?? null,
              displayName: user?.displayName ?? null,
            },
          },
        ],
        comments: [],
      });
      state.incidents.push({
        id: incidentId,
        displayName: "Suspicious inbox manipulation rule involving one user",
        status: "active",
        severity: "medium",
        classification: null,
        determination: null,
        assignedTo: null,
        createdDateTime: now,
        lastUpdateDateTime: now,
        tags: [],
        alertIds: [id],
        comments: [],
      });
      status(
        `attacker: re-created ${JSON.stringify(old.name)} as ${JSON.stringify(copy.name)} in ${want.userPrincipalName} (RuleIdentity ${copy.ruleIdentity})`,
      );
      return { upn: want.userPrincipalName, ruleIdentity: copy.ruleIdentity };
    }
  return undefined;
}

/** One tick of `watch -c` (unattended, --auto high) on the emulated clock; the cursor starts where the run left off. */
async function watchOnce(
  config: Config,
  t: TenantHandles,
  emulator: RunningEmulator,
  drive: (hits: Hit[], mode: RunMode, u?: UnattendedPolicy) => Promise<JobOutcome>,
  auto: UnattendedPolicy,
): Promise<{ outcome: RunOutcome; alerts: number }> {
  const { watchTick } = await import("../../mainjob/watch.js");
  const { liveHunter } = await import("../../mainjob/sources.js");
  const hunt = liveHunter(config, t);
  let outcome: JobOutcome = { runs: [], hits: [], skipped: [] };
  const stop = new AbortController().signal;
  // The alerts the tenant had before the job started were the hunt's business; the watch takes the new ones.
  const since = new Date(emulator.ctx.clock.now().getTime() - DAY / 2).toISOString();
  const { summary } = await watchTick(
    {
      hunt,
      listSecurity: (kind, s) => t.graph.listSecurity(kind, { ...(s ? { since: s } : {}) }),
      scan: (users) => scanWith(config, t, users, { transportRules: true }),
      drive: async (hits) => (outcome = await drive(hits, "execute", auto)),
      now: () => emulator.ctx.clock.now(),
      sleep: () => Promise.resolve(),
      stateFile: "",
      stop,
      log: (line) => status(line),
    },
    { intervalMs: 60_000, overlapMs: 3_600_000, maxLookbackMs: 3 * DAY, alerts: true },
    {
      version: 1,
      huntedFrom: new Date(emulator.ctx.clock.now().getTime() - 2 * DAY).toISOString(),
      alertsSince: since,
      incidentsSince: since,
      seenAtCursor: [],
      ticks: 1,
    },
  );
  const { describeTick } = await import("../../mainjob/watch.js");
  status(describeTick(summary));
  return { outcome: { ...outcome, notScanned: [] }, alerts: summary.alerts };
}

/** Every waiting step approved in turn by "demo-responder", each bound to the plan it was shown. */
async function approveAll(config: Config, t: TenantHandles): Promise<RunReport[]> {
  const { createAuditLog, closeAuditLog } = await import("../../audit/log.js");
  const { loadPlaybook } = await import("../../playbooks/load.js");
  const { decide, listWaiting } = await import("../../runner/approvals.js");
  const store = openStore(config);
  const audit = createAuditLog(config.audit.path);
  const out = new Map<string, RunReport>();
  try {
    for (let i = 0; i < 60; i++) {
      const w = listWaiting(store)[0];
      if (!w) break;
      status(
        `approvals approve ${w.runId.slice(0, 8)} --step ${w.stepKey} --plan ${w.planHash.slice(0, 12)} --as demo-responder  (${w.user.upn}: ${w.gate})`,
      );
      const r = await decide(
        {
          store,
          audit,
          actionCtx: actionContext(config, t),
          leaseMs: config.store.leaseSeconds * 1000,
          playbooks: config.playbooks.selected.map((id) => loadPlaybook(id, config.playbooks.dirs)),
        },
        {
          runId: w.runId,
          stepKeys: [w.stepKey],
          decision: "approve",
          by: "demo-responder",
          reason: "confirmed with the user by phone",
          planHashes: { [w.stepKey]: w.planHash },
        },
      );
      out.set(r.runId, r);
    }
  } finally {
    store.close();
    await closeAuditLog(audit);
  }
  const reports = [...out.values()];
  if (reports.length) writeOut(renderRuns({ runs: reports, hits: [], skipped: [], notScanned: [] }, "table"));
  return reports;
}
