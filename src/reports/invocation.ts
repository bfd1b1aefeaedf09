/**
 * What the end of an invocation does for reports (`run --report-dir`, and the main job's `run -c` / `watch`):
 * comments written back where policy says (execute runs only), then the case reports of every case the
 * invocation drove and the summary of the invocation. Report failures are the caller's to show; a comment's
 * failure is only reported (see comment.ts).
 */
import type { ActionContext } from "../actions/types.js";
import type { AuditLogger } from "../audit/log.js";
import type { Playbook } from "../playbooks/schema.js";
import type { JobOutcome } from "../runner/job.js";
import type { CaseStore } from "../store/types.js";
import { postIncidentComments, type CommentResult } from "./comment.js";
import { CASE_FORMATS, writeCaseReports, writeInvocationSummary, type CaseFormat } from "./write.js";

export interface ReportInvocationInput {
  store: CaseStore;
  outcome: JobOutcome;
  mode: "dry-run" | "execute";
  /** Where to write; without it only comments are posted. */
  dir?: string;
  playbooks: Playbook[];
  actionCtx?: ActionContext;
  audit?: AuditLogger;
  configFile?: string;
  startedAt?: Date;
  /** Formats when given (`report --format`); else the union of the case playbooks' `report.formats`. */
  formats?: readonly CaseFormat[];
}

export interface ReportInvocationResult {
  comments: CommentResult[];
  caseFiles: string[];
  summaryFiles: string[];
}

/** The case formats the playbooks ask for (all three when none says). */
export function playbookFormats(playbooks: Playbook[], lanes: string[]): CaseFormat[] {
  const wanted = new Set<CaseFormat>();
  for (const lane of lanes) {
    const pb = playbooks.find((p) => p.metadata.id === lane.split("#")[0]);
    for (const f of pb?.report?.formats ?? CASE_FORMATS) wanted.add(f);
  }
  return CASE_FORMATS.filter((f) => wanted.has(f));
}

export async function reportInvocation(i: ReportInvocationInput): Promise<ReportInvocationResult> {
  const caseIds = [...new Set(i.outcome.runs.map((r) => r.caseId))];
  const comments =
    i.actionCtx && i.mode === "execute"
      ? await postIncidentComments(
          {
            store: i.store,
            actionCtx: i.actionCtx,
            playbooks: i.playbooks,
            ...(i.audit ? { audit: i.audit } : {}),
          },
          caseIds,
          i.mode,
        )
      : [];
  if (!i.dir) return { comments, caseFiles: [], summaryFiles: [] };
  const formats =
    i.formats ??
    playbookFormats(
      i.playbooks,
      i.outcome.runs.map((r) => r.playbook),
    );
  const cases = writeCaseReports({
    store: i.store,
    caseIds,
    dir: i.dir,
    formats: formats.length ? formats : CASE_FORMATS,
    ...(i.configFile ? { configFile: i.configFile } : {}),
  });
  const summary = writeInvocationSummary({
    outcome: i.outcome,
    dir: i.dir,
    store: i.store,
    ...(i.startedAt ? { startedAt: i.startedAt } : {}),
    finishedAt: new Date(),
  });
  return { comments, caseFiles: cases.flatMap((c) => c.files), summaryFiles: summary.files };
}
