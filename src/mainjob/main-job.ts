/**
 * The main job (`run -c`): hits from the configured source (hunt, scan or both) → one case per user → the playbooks
 * (the runner: gather, assess, approvals, containment, verification, watch) → reports. The command opens the tenant
 * and the store; this module only orders the stages, so `run -c`, `watch -c` and the demo share it.
 */
import type { RunMode } from "../engine/machine.js";
import type { Hit } from "../model/hit.js";
import type { JobOutcome } from "../runner/job.js";
import type { NotScanned } from "../scan/scan.js";
import { collectHits, type CollectedHits, type HitSource, type HitSources } from "./sources.js";

export interface MainJobOutcome extends JobOutcome {
  notScanned: NotScanned[];
}

export interface MainJobDeps {
  sources: HitSources;
  /** Runs the hits' cases (the runner's Job: resumes interrupted runs first, in execute mode). */
  drive(hits: Hit[], mode: RunMode): Promise<JobOutcome>;
  /** Writes the reports of the cases the invocation touched; returns the files written. */
  reports?(outcome: MainJobOutcome): Promise<string[]>;
}

export interface MainJobResult {
  outcome: MainJobOutcome;
  collected: CollectedHits;
  reports: string[];
}

export async function runMainJob(
  source: HitSource,
  deps: MainJobDeps,
  mode: RunMode,
  o: { users?: string[]; lookback?: string; hits?: Hit[]; hiddenRulesRead?: boolean } = {},
): Promise<MainJobResult> {
  const collected: CollectedHits = o.hits
    ? { hits: o.hits, notScanned: [], duplicates: 0 }
    : await collectHits(source, deps.sources, {
        ...(o.users ? { users: o.users } : {}),
        ...(o.lookback ? { lookback: o.lookback } : {}),
        ...(o.hiddenRulesRead !== undefined ? { hiddenRulesRead: o.hiddenRulesRead } : {}),
      });
  const job = await deps.drive(collected.hits, mode);
  const outcome: MainJobOutcome = { ...job, notScanned: collected.notScanned };
  const reports = deps.reports ? await deps.reports(outcome) : [];
  return { outcome, collected, reports };
}
