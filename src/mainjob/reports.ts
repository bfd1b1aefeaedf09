/**
 * The main job's reports: where `run -c`, `watch -c` and the demo hand the cases an invocation drove to src/reports —
 * comments written back to the Defender incident or alert where the playbook's `report.incidentComment` says
 * (execute runs only), then the case reports (the playbooks' `report.formats`) and the invocation's summary.
 */
import type { ActionContext } from "../actions/types.js";
import type { AuditLogger } from "../audit/log.js";
import type { Config } from "../config/schema.js";
import type { RunMode } from "../engine/machine.js";
import type { Playbook } from "../playbooks/schema.js";
import { reportInvocation, type ReportInvocationResult } from "../reports/invocation.js";
import { SqliteCaseStore } from "../store/sqlite.js";
import type { MainJobOutcome } from "./main-job.js";

export interface ReportTarget {
  config: Config;
  configFile?: string;
  playbooks: Playbook[];
  mode: RunMode;
  /** Where the reports go; without it only comments are posted. */
  dir?: string;
  /** For incident comments (execute runs). */
  actionCtx?: ActionContext;
  audit?: AuditLogger;
  startedAt?: Date;
}

/** Case ids the invocation touched, in first-seen order. */
export function touchedCases(o: MainJobOutcome): string[] {
  return [
    ...new Set([...o.runs.map((r) => r.caseId), ...o.hits.flatMap((h) => (h.caseId ? [h.caseId] : []))]),
  ];
}

export async function writeMainJobReports(
  o: MainJobOutcome,
  t: ReportTarget,
): Promise<ReportInvocationResult> {
  const store = new SqliteCaseStore(t.config.store.path, { auditPath: t.config.audit.path });
  try {
    return await reportInvocation({
      store,
      outcome: o,
      mode: t.mode,
      playbooks: t.playbooks,
      ...(t.dir ? { dir: t.dir } : {}),
      ...(t.actionCtx ? { actionCtx: t.actionCtx } : {}),
      ...(t.audit ? { audit: t.audit } : {}),
      ...(t.configFile ? { configFile: t.configFile } : {}),
      ...(t.startedAt ? { startedAt: t.startedAt } : {}),
    });
  } finally {
    store.close();
  }
}
