/**
 * `mailwarden report`: case reports (Markdown, self-contained HTML, JSON) from the store, with no tenant call;
 * and the status lines the end of a run prints (src/mainjob/reports.ts writes them). The work is in src/reports.
 */
import path from "node:path";
import type { Command } from "commander";
import type { Config } from "../../config/schema.js";
import type { ReportInvocationResult } from "../../reports/invocation.js";
import { CASE_FORMATS, type CaseFormat } from "../../reports/write.js";
import { requireConfig } from "../common.js";
import { UsageError } from "../errors.js";
import { status, termSafe, writeOut } from "../output.js";
import { openStore, resolveId } from "./store.js";

export function parseCaseFormats(v: string): CaseFormat[] {
  const list = v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  const bad = list.filter((x) => !(CASE_FORMATS as readonly string[]).includes(x));
  if (!list.length || bad.length)
    throw new UsageError(
      `--format: ${bad.join(", ") || "(empty)"}: give one or more of ${CASE_FORMATS.join(",")}`,
    );
  return [...new Set(list)] as CaseFormat[];
}

/** Default folder: `reports/` beside the store (as the dry run's plan report). */
export const defaultReportDir = (config: Config) =>
  path.join(path.dirname(path.resolve(config.store.path)), "reports");

/** Status lines for what the end of a run wrote and commented (comment reasons can quote ids only). */
export function sayReported(r: ReportInvocationResult): void {
  for (const c of r.comments.filter((x) => x.outcome === "commented" || x.outcome === "failed"))
    status(
      termSafe(
        `incident comment ${c.outcome}: case ${c.caseId} ${c.target ?? ""}${c.reason ? `: ${c.reason}` : ""}`,
        2000,
      ),
    );
  if (r.caseFiles.length)
    status(`case reports: ${r.caseFiles.length} file(s) in ${path.dirname(r.caseFiles[0]!)}`);
  for (const f of r.summaryFiles) status(`summary: ${f}`);
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "write case reports from the store (no tenant call): hits and evidence, linked sign-ins, exposure window, decisions, every change with before/after and request ids, verification, watch, how to undo",
    )
    .requiredOption("-c, --config <file>", "config file")
    .option("--case <id>", "the case id (or a unique prefix of 8+ characters)")
    .option("--all", "every case in the store")
    .option("--format <formats>", `comma-separated: ${CASE_FORMATS.join(",")}`, CASE_FORMATS.join(","))
    .option("--out <dir>", "where to write (default: reports/ beside the store); files are 0600")
    .action(async (o: { config: string; case?: string; all?: boolean; format: string; out?: string }) => {
      if (!!o.case === !!o.all) throw new UsageError("name exactly one of --case ID or --all");
      const formats = parseCaseFormats(o.format);
      const config = requireConfig(o.config);
      const { writeCaseReports } = await import("../../reports/write.js");
      const store = openStore(config);
      try {
        const ids = store.listCases().map((c) => c.caseId);
        const caseIds = o.all ? ids : [resolveId("case", o.case!, ids)];
        if (!caseIds.length) status("the store holds no case: nothing to report");
        const dir = path.resolve(o.out ?? defaultReportDir(config));
        const written = writeCaseReports({ store, caseIds, dir, formats, configFile: o.config });
        for (const w of written) writeOut(w.files.join("\n"));
        status(`${written.length} case report(s) written to ${dir}`);
      } finally {
        store.close();
      }
    });
}
