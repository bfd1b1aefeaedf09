/**
 * `run --offline`: the offline audit with its inputs (the config's playbooks, guardrails and unattended policy when
 * one is given, else the defaults) and its output (the Markdown audit report, 0600: it quotes the evidence).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { configSchema, type Config } from "../config/schema.js";
import { RISK_LEVELS } from "../hunt/hunt.js";
import { loadPlaybook } from "../playbooks/load.js";
import { renderPlanReport } from "../runner/plan-report.js";
import { offlineAudit, type OfflineAudit } from "./offline-audit.js";
import { huntParamsOf } from "./sources.js";

export interface OfflineRunOptions {
  paths: string[];
  config?: Config;
  configFile?: string;
  now?: Date;
  users?: string[];
  /** Where the report goes; default `<store folder>/reports/offline-audit-<time>.md` (store.path's default without a config). */
  report?: string;
  generatedAt?: Date;
}

export async function offlineAuditRun(
  o: OfflineRunOptions,
): Promise<{ audit: OfflineAudit; reportFile: string; markdown: string }> {
  const s = configSchema.shape;
  const playbooksCfg = o.config?.playbooks ?? s.playbooks.parse(undefined);
  const unattended = o.config?.unattended ?? s.unattended.parse(undefined);
  const guardrails = o.config?.guardrails ?? s.guardrails.parse(undefined);
  const storePath = o.config?.store.path ?? s.store.parse(undefined).path;
  const playbooks = playbooksCfg.selected.map((id) => loadPlaybook(id, playbooksCfg.dirs));
  // Offline the window is the whole input unless --now narrows it (the user chose what to export).
  const { lookback: _whole, ...params } = o.config
    ? huntParamsOf(o.config)
    : { lookback: undefined, riskThreshold: RISK_LEVELS.medium };
  const audit = await offlineAudit({
    hunt: {
      paths: o.paths,
      params,
      riskThreshold: params.riskThreshold ?? RISK_LEVELS.medium,
      tenantId: o.config?.tenant.id ?? "offline",
      ...(o.now ? { now: o.now } : {}),
      ...(o.config?.hunting.ipDatabase ? { ipDatabase: o.config.hunting.ipDatabase } : {}),
    },
    playbooks,
    protectedAccounts: guardrails.protectedAccounts,
    unattended: { minSeverity: unattended.minSeverity, capMax: unattended.cap.max },
  });
  if (o.users?.length) {
    const want = new Set(o.users.map((u) => u.toLowerCase()));
    audit.runs = audit.runs.filter((r) => want.has(r.user.toLowerCase()));
    audit.hits = audit.hits.filter((h) => want.has(h.user.toLowerCase()));
  }
  const generatedAt = (o.generatedAt ?? new Date()).toISOString();
  const markdown = renderPlanReport(audit, {
    generatedAt,
    tenantId: o.config?.tenant.id ?? "(none: offline)",
    configFile: o.configFile ?? "(none: defaults)",
    playbooks: playbooksCfg.selected,
    unattended: {
      minSeverity: unattended.minSeverity,
      capMax: unattended.cap.max,
      capWindow: unattended.cap.window,
    },
    protectedAccounts: guardrails.protectedAccounts.length,
    basis: { kind: "exports", paths: o.paths },
  });
  const reportFile =
    o.report ??
    path.join(
      path.dirname(path.resolve(storePath)),
      "reports",
      `offline-audit-${generatedAt.replace(/[:.]/g, "-")}.md`,
    );
  mkdirSync(path.dirname(reportFile), { recursive: true });
  writeFileSync(reportFile, markdown, { mode: 0o600 });
  return { audit, reportFile, markdown };
}
