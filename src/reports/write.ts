/**
 * Where reports land: `case-<caseId>.{md,html,json}` per case and `summary-<time>.{csv,html,json}` per invocation,
 * in a folder made for them. Files are 0600 (they hold before-images: forwarding addresses, rule contents) and
 * are written whole (a temporary file renamed), so a reader never sees half a report.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { JobOutcome } from "../runner/job.js";
import type { CaseStore } from "../store/types.js";
import { buildCaseReport } from "./build.js";
import { renderCaseHtml } from "./html.js";
import { renderCaseMarkdown } from "./markdown.js";
import type { CaseReport } from "./model.js";
import {
  buildInvocationSummary,
  renderSummaryCsv,
  renderSummaryHtml,
  type InvocationSummary,
} from "./summary.js";

export const CASE_FORMATS = ["md", "html", "json"] as const;
export type CaseFormat = (typeof CASE_FORMATS)[number];
export const SUMMARY_FORMATS = ["csv", "html", "json"] as const;
export type SummaryFormat = (typeof SUMMARY_FORMATS)[number];

/** Writes one file readable by its owner only, atomically. */
export function writePrivate(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function renderCase(r: CaseReport, format: CaseFormat): string {
  if (format === "md") return renderCaseMarkdown(r);
  if (format === "html") return renderCaseHtml(r);
  return `${JSON.stringify(r, null, 2)}\n`;
}

export interface WriteCaseReportsInput {
  store: CaseStore;
  caseIds: string[];
  dir: string;
  formats?: readonly CaseFormat[];
  /** The config file the undo command names. */
  configFile?: string;
  now?: Date;
}

export interface WrittenCase {
  caseId: string;
  files: string[];
  report: CaseReport;
}

export function writeCaseReports(i: WriteCaseReportsInput): WrittenCase[] {
  const formats = i.formats ?? CASE_FORMATS;
  return i.caseIds.map((caseId) => {
    const report = buildCaseReport(i.store, caseId, {
      ...(i.configFile ? { configFile: i.configFile } : {}),
      ...(i.now ? { now: i.now } : {}),
    });
    const files = formats.map((f) => {
      const file = path.join(i.dir, `case-${caseId}.${f}`);
      writePrivate(file, renderCase(report, f));
      return file;
    });
    return { caseId, files, report };
  });
}

export interface WriteSummaryInput {
  outcome: JobOutcome;
  dir: string;
  store?: CaseStore;
  startedAt?: Date;
  finishedAt?: Date;
  formats?: readonly SummaryFormat[];
  now?: Date;
}

export function writeInvocationSummary(i: WriteSummaryInput): {
  files: string[];
  summary: InvocationSummary;
} {
  const summary = buildInvocationSummary({
    outcome: i.outcome,
    ...(i.store ? { store: i.store } : {}),
    ...(i.startedAt ? { startedAt: i.startedAt } : {}),
    ...(i.finishedAt ? { finishedAt: i.finishedAt } : {}),
    ...(i.now ? { now: i.now } : {}),
  });
  const stamp = summary.generatedAt.replace(/[:.]/g, "-");
  const files = (i.formats ?? SUMMARY_FORMATS).map((f) => {
    const file = path.join(i.dir, `summary-${stamp}.${f}`);
    writePrivate(
      file,
      f === "csv"
        ? renderSummaryCsv(summary)
        : f === "html"
          ? renderSummaryHtml(summary)
          : `${JSON.stringify(summary, null, 2)}\n`,
    );
    return file;
  });
  return { files, summary };
}
