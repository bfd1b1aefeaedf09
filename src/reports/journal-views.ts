/**
 * The report's views over journal entries written by the runner's aftercare and gather/assess (the shared
 * journal contract of issue 11): `step.verified`, `verify.recheck`, `watch.check`, `watch.recurrence`,
 * `case.reopened`, `context.gathered`, `assess.scored`, `incident.commented`. Payloads are read defensively:
 * a field missing or of another type shows as absent, never as a crash.
 */
import type { JournalEntry } from "../store/types.js";
import type { CaseReport } from "./model.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
/** Long findings are cut in the summary line (the whole payload stays in `detail`). */
const clip = (s: string, max = 2000) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const bool = (v: unknown): boolean | null => (typeof v === "boolean" ? v : null);

export function verificationOf(journal: JournalEntry[]): CaseReport["verification"] {
  const out: CaseReport["verification"] = [];
  for (const e of journal) {
    const d = obj(e.detail);
    if (e.kind === "step.verified")
      out.push({
        at: e.at,
        kind: "verify",
        stepKey: e.stepKey ?? "",
        ok: bool(d.ok),
        observed: e.after ?? null,
        ...(str(d.error) ? { error: str(d.error)! } : {}),
      });
    else if (e.kind === "verify.recheck")
      out.push({
        at: str(d.at) ?? e.at,
        kind: "recheck",
        stepKey: str(d.stepKey) ?? e.stepKey ?? "",
        ok: bool(d.ok),
        observed: d.observed ?? null,
        ...(str(d.due) ? { due: str(d.due)! } : {}),
        ...(str(d.error) ? { error: str(d.error)! } : {}),
      });
  }
  return out;
}

export function watchOf(journal: JournalEntry[]): CaseReport["watch"] {
  const out: CaseReport["watch"] = [];
  for (const e of journal) {
    const d = obj(e.detail);
    if (e.kind === "watch.check") {
      const findings = Array.isArray(d.findings) ? d.findings : [];
      out.push({
        at: str(d.at) ?? e.at,
        kind: "check",
        summary: findings.length
          ? `${findings.length} finding(s): ${clip(JSON.stringify(findings))}`
          : "nothing came back",
        detail: e.detail ?? null,
      });
    } else if (e.kind === "watch.recurrence")
      out.push({
        at: str(d.at) ?? e.at,
        kind: "recurrence",
        summary: `came back: ${str(d.what) ?? "?"}${str(d.newCaseId) ? `; new case ${str(d.newCaseId)!}` : d.reopened ? "; case re-opened" : ""}`,
        detail: e.detail ?? null,
      });
    else if (e.kind === "case.reopened")
      out.push({
        at: e.at,
        kind: "reopened",
        summary: `case re-opened: ${str(d.reason) ?? "?"}`,
        detail: e.detail ?? null,
      });
  }
  return out;
}

export function contextOf(journal: JournalEntry[]): CaseReport["context"] {
  return journal
    .filter((e) => e.kind === "context.gathered")
    .map((e) => {
      const d = obj(e.detail);
      return {
        at: e.at,
        gatherId: str(d.gatherId) ?? "",
        action: str(d.action) ?? e.actionId ?? "",
        result: d.result ?? null,
        ...(str(d.error) ? { error: str(d.error)! } : {}),
      };
    });
}

/** The latest assessment of the case, if gather/assess scored it. */
export function assessmentOf(journal: JournalEntry[]): CaseReport["assessment"] {
  const e = journal.filter((x) => x.kind === "assess.scored").at(-1);
  if (!e) return undefined;
  const d = obj(e.detail);
  return {
    at: e.at,
    score: typeof d.score === "number" ? d.score : null,
    severity: str(d.severity) ?? null,
    reasons: Array.isArray(d.reasons) ? d.reasons : [],
  };
}

export function commentsOf(journal: JournalEntry[]): CaseReport["comments"] {
  return journal
    .filter((e) => e.kind === "incident.commented")
    .map((e) => {
      const d = obj(e.detail);
      const target = str(d.incidentId)
        ? `incident ${str(d.incidentId)!}`
        : str(d.alertId)
          ? `alert ${str(d.alertId)!}`
          : "?";
      return { at: e.at, target, ...(str(d.requestId) ? { requestId: str(d.requestId)! } : {}) };
    });
}
