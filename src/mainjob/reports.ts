/**
 * The main job's reports: the seam where `run -c` and `watch -c` hand the cases they touched to src/reports.
 *
 * LEAD (issue 11 merge): src/reports (the reports branch) provides `writeCaseReports({ store, caseIds, dir, formats? })`
 * and `writeInvocationSummary({ outcome, dir, ... })`. Wire them here — the only call site — and return the files
 * they wrote; until then the main job writes the dry run's plan report (run.ts) and no case reports.
 */
import type { MainJobOutcome } from "./main-job.js";

export interface ReportTarget {
  /** Where the reports go: `<store folder>/reports`. */
  dir: string;
  storePath: string;
}

/** Case ids the invocation touched, in first-seen order. */
export function touchedCases(o: MainJobOutcome): string[] {
  return [
    ...new Set([...o.runs.map((r) => r.caseId), ...o.hits.flatMap((h) => (h.caseId ? [h.caseId] : []))]),
  ];
}

export function writeMainJobReports(o: MainJobOutcome, t: ReportTarget): Promise<string[]> {
  void t;
  void touchedCases(o);
  return Promise.resolve([]);
}
