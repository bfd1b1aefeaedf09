/**
 * Who decided what in a case: a person's approval or rejection (journal `approval.granted` / `approval.rejected`,
 * and `approve` / `reject` entries), the invocation releasing steps it may run (the run's recorded approvals: `--yes`,
 * a gate that opened), and unattended runs' slots of the blast-radius cap (`auto.slot`, `auto.cap-reached`).
 */
import type { JournalEntry, RunRow } from "../store/types.js";
import type { CaseReport } from "./model.js";

type Decision = CaseReport["decisions"][number];
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const s = (v: unknown) => (typeof v === "string" ? v : "");
const n = (v: unknown) => (typeof v === "number" ? String(v) : "?");

function fromJournal(e: JournalEntry): Decision | undefined {
  const d = obj(e.detail);
  const base = { at: e.at, ...(e.runId ? { runId: e.runId } : {}) };
  switch (e.kind) {
    case "approve":
    case "approval.granted":
      return { ...base, kind: "approved", by: s(d.by), reason: s(d.reason), steps: strs(d.steps) };
    case "reject":
    case "approval.rejected":
      return { ...base, kind: "rejected", by: s(d.by), reason: s(d.reason), steps: strs(d.steps) };
    case "auto.slot":
      return {
        ...base,
        kind: "unattended-slot",
        by: "unattended",
        reason: `slot ${n(d.slot)} of ${n(d.max)} in the cap's window`,
        steps: [],
      };
    case "auto.cap-reached":
      return {
        ...base,
        kind: "cap-reached",
        by: "unattended",
        reason: `the cap of ${n(d.max)} was reached; waits for a person${d.freesAt ? ` (frees at ${s(d.freesAt)})` : ""}`,
        steps: [],
      };
    default:
      return undefined;
  }
}

/** Releases the runs recorded (their context's approvals) that no person's journal entry stands for. */
function releases(runs: RunRow[], people: Decision[]): Decision[] {
  const out: Decision[] = [];
  for (const r of runs) {
    const ctx = obj(obj(r.snapshot).context);
    for (const a of Array.isArray(ctx.approvals) ? ctx.approvals : []) {
      const o = obj(a);
      const by = s(o.by);
      const steps = strs(o.stepKeys);
      const person = people.some((p) => p.runId === r.runId && p.by === by && p.kind === "approved");
      if (person) continue;
      out.push({ at: s(o.at), runId: r.runId, kind: "released", by, reason: s(o.reason), steps });
    }
  }
  return out;
}

export function decisionsOf(journal: JournalEntry[], runs: RunRow[]): Decision[] {
  const people = journal.map(fromJournal).filter((d): d is Decision => d !== undefined);
  return [...people, ...releases(runs, people)].sort((a, b) => a.at.localeCompare(b.at));
}
