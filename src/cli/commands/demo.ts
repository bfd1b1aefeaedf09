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
import type { RunReport } from "../../runner/report.js";
import type { TenantHandles } from "../tenant.js";
import { actionContext, renderRuns, runHits } from "./run.js";
import { openStore } from "./store.js";
import { renderScan, scanWith } from "./scan.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "hunt the emulated tenant's Defender tables, then scan it, dry-run the playbook, contain with --yes, approve a protected account's steps one by one, verify; print a summary",
    )
    .option(
      "--state-dir <dir>",
      "keep the emulator's files, run store and audit log here (default: a temp dir, removed)",
    )
    .option("--ca-dir <dir>", "the emulator's CA (created when absent)", DEFAULT_CA_DIR)
    .action(async (o: { stateDir?: string; caDir: string }) => {
      const { ensureCa } = await import("../../emulator/ca.js");
      const ca = await ensureCa(o.caDir);
      trustCaInProcess(ca.caFile);
      const started = Date.now();
      const stateDir = o.stateDir ?? mkdtempSync(path.join(os.tmpdir(), "mailwarden-demo-"));
      const hunt = await huntStage(stateDir, o.caDir);
      const { emulator, config: input } = await launchEmulator({
        stateDir,
        caDir: o.caDir,
        scenario: "default",
      });
      // Megan is a protected account here: her case waits for a person, who approves it step by step (stage 4).
      const config = configSchema.parse({
        ...input,
        guardrails: {
          ...input.guardrails,
          protectedAccounts: [...(input.guardrails?.protectedAccounts ?? []), "MeganB@contoso.com"],
        },
      });
      const t = await openTenant(config);
      let ok = false;
      try {
        status(`\n== emulated tenant ${emulator.organization} at ${emulator.baseUrl}\n== 1. scan`);
        const scan = await scanWith(config, t);
        writeOut(renderScan(scan, "table"));

        status("== 2. run --dry-run (plan only)");
        const mark = emulator.requests().length;
        const dry = { ...(await runHits(config, t, scan.hits, "dry-run")), notScanned: [] };
        const dryWrites = emulator
          .requests()
          .slice(mark)
          .filter((r) => r.write).length;
        writeOut(renderRuns(dry, "table"));

        status("== 3. run --yes (contain, then verify by re-reading)");
        const mark2 = emulator.requests().length;
        const wet = { ...(await runHits(config, t, scan.hits, "execute")), notScanned: [] };
        const writes = emulator
          .requests()
          .slice(mark2)
          .filter((r) => r.write).length;
        writeOut(renderRuns(wet, "table"));

        status(
          "== 4. approvals: the protected account's case waits; a responder approves each step on its plan",
        );
        const approved = await approveAll(config, t);
        const final = wet.runs.map((r) => approved.find((a) => a.runId === r.runId) ?? r);

        status("== 5. scan again");
        const after = await scanWith(config, t);
        const active = after.mailboxes.reduce(
          (n, m) =>
            n +
            m.rules.filter(
              (r) =>
                r.enabled &&
                after.hits.some(
                  (h) =>
                    h.target.kind === "inboxRule" && h.target.upn === m.upn && h.target.ruleName === r.name,
                ),
            ).length +
            (after.hits.some((h) => h.target.kind === "mailboxForwarding" && h.target.upn === m.upn) ? 1 : 0),
          0,
        );
        const contained = final.filter((r) => r.state === "done").length;
        const verified = final.flatMap((r) => r.steps).filter((s) => s.verified === true).length;
        const waitedForPerson = wet.runs.filter((r) => r.state === "waiting").length;
        ok =
          hunt.ok &&
          dryWrites === 0 &&
          contained === wet.runs.length &&
          wet.runs.length > 0 &&
          waitedForPerson > 0 &&
          active === 0;
        status("== summary");
        writeOut(
          table(
            ["check", "result"],
            [
              ["hunt: audit actions found (high / linked to a sign-in)", hunt.summary],
              ["hunt: the seed query's rows", hunt.seedRows],
              ["mailboxes scanned", scan.mailboxes.length],
              [
                "hits (high / medium / low)",
                `${scan.hits.length} (${["high", "medium", "low"].map((s) => scan.hits.filter((h) => h.severity === s).length).join(" / ")})`,
              ],
              ["dry run: runs planned", dry.runs.filter((r) => r.state === "planned").length],
              ["dry run: tenant writes", dryWrites],
              [
                "cases contained (done and verified)",
                `${contained} of ${final.length} (${new Set(final.map((r) => r.caseId)).size} case(s))`,
              ],
              ["--yes: tenant writes", writes],
              [
                "approvals: cases that waited for a person, steps approved on their plan",
                `${waitedForPerson}, ${approved.reduce((n, r) => n + r.approvals.length, 0)}`,
              ],
              ["steps verified by re-reading", verified],
              ["suspect rules/forwarding still active", active],
              ["elapsed", `${((Date.now() - started) / 1000).toFixed(1)} s`],
              ["result", ok ? "PASS" : "FAIL"],
            ],
          ),
        );
      } finally {
        await t.close();
        await emulator.close();
        if (!o.stateDir) rmSync(stateDir, { recursive: true, force: true });
      }
      if (!ok) process.exitCode = EXIT.runFailed;
    });
}

/**
 * Stage 0: a generated tenant (every attack scenario, 20 users, 3 days) served by the emulator, hunted live through
 * Graph runHuntingQuery with mailwarden's query and with the seed query.
 */
async function huntStage(
  stateDir: string,
  caDir: string,
): Promise<{ ok: boolean; summary: string; seedRows: number }> {
  const { generateTenant } = await import("../../emulator/generator/index.js");
  const { huntLive } = await import("../../hunt/live-hunt.js");
  const { renderHits } = await import("../../hunt/output.js");
  const g = generateTenant({ scenarios: "all", users: 20, days: 3, seed: 1 });
  const { emulator, config: input } = await launchEmulator({
    stateDir: path.join(stateDir, "hunt"),
    caDir,
    tenant: { state: g.state, startTime: g.startTime, seed: 1 },
  });
  try {
    const config = configSchema.parse({ ...input, exchange: { enabled: false } });
    status(
      `\n== emulated tenant with audit logs at ${emulator.baseUrl}\n== 0. hunt (Defender advanced hunting)`,
    );
    const params = { tenantDomains: config.tenant.domains };
    const r = await huntLive(config, { target: "defender", profile: "default", params }, openTenant);
    writeOut(
      renderHits(r.hits, "table", {
        target: "defender",
        profile: "default",
        now: emulator.ctx.clock.now().toISOString(),
        nowSource: "the emulated tenant's clock",
      }),
    );
    const seed = await huntLive(config, { target: "defender", profile: "seed", params: {} }, openTenant);
    const high = r.hits.filter((h) => h.severity === "high");
    const linked = r.hits.filter((h) => h.links.length > 0).length;
    status(`the seed query returns ${seed.rows.length} of these; mailwarden finds ${r.hits.length}`);
    return {
      ok: high.length > 0 && high.every((h) => h.links.length > 0) && r.problems.length === 0,
      summary: `${r.hits.length} (${high.length} / ${linked})`,
      seedRows: seed.rows.length,
    };
  } finally {
    await emulator.close();
  }
}

/** Stage 4: every waiting step approved in turn by "demo-responder", each bound to the plan it was shown. */
async function approveAll(config: Config, t: TenantHandles): Promise<RunReport[]> {
  const { createAuditLog, closeAuditLog } = await import("../../audit/log.js");
  const { loadPlaybook } = await import("../../playbooks/load.js");
  const { decide, listWaiting } = await import("../../runner/approvals.js");
  const store = openStore(config);
  const audit = createAuditLog(config.audit.path);
  const out = new Map<string, RunReport>();
  try {
    for (let i = 0; i < 20; i++) {
      const w = listWaiting(store)[0];
      if (!w) break;
      writeOut(
        table(
          ["run", "user", "step", "waits because", "before → after", "plan"],
          [
            [
              w.runId.slice(0, 8),
              w.user.upn,
              `${w.stepId}\n${w.object}`,
              w.gate,
              `${JSON.stringify(w.before)}\n→ ${JSON.stringify(w.after)}`,
              w.planHash.slice(0, 12),
            ],
          ],
          { wrap: 48 },
        ),
      );
      status(
        `approvals approve ${w.runId.slice(0, 8)} --step ${w.stepKey} --plan ${w.planHash.slice(0, 12)} --as demo-responder`,
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
  writeOut(renderRuns({ runs: reports, hits: [], skipped: [], notScanned: [] }, "table"));
  return reports;
}
