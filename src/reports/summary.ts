/**
 * The organisation-level summary of one invocation (`run`, `watch`, the demo): cases by state, steps by outcome,
 * hits no run took, and timings per case (its run's first and last record) and in total. Rendered as CSV (one row
 * per run; cells a spreadsheet would run as formulas neutralised by csv-stringify's escape_formulas) and as
 * self-contained HTML.
 */
import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import type { JobOutcome } from "../runner/job.js";
import type { CaseStore } from "../store/types.js";
import { text } from "../text/html.js";
import { grid, h, page } from "./html.js";

export const SUMMARY_SCHEMA_VERSION = 1 as const;

export const summaryRowSchema = z.object({
  caseId: z.string(),
  runId: z.string(),
  user: z.string(),
  playbook: z.string(),
  mode: z.string(),
  state: z.string(),
  steps: z.record(z.string(), z.number()),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  seconds: z.number().optional(),
});

export const invocationSummarySchema = z.object({
  schemaVersion: z.literal(SUMMARY_SCHEMA_VERSION),
  generatedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  totalSeconds: z.number().optional(),
  casesByState: z.record(z.string(), z.number()),
  stepsByOutcome: z.record(z.string(), z.number()),
  hitsNotRun: z.record(z.string(), z.number()),
  runs: z.array(summaryRowSchema),
});

export type InvocationSummary = z.output<typeof invocationSummarySchema>;

export function summaryJsonSchema(): unknown {
  return z.toJSONSchema(invocationSummarySchema, { io: "output" });
}

const count = <T>(xs: T[], key: (x: T) => string): Record<string, number> => {
  const m: Record<string, number> = {};
  for (const x of xs) m[key(x)] = (m[key(x)] ?? 0) + 1;
  return m;
};

const seconds = (from?: string, to?: string) =>
  from && to && !Number.isNaN(Date.parse(from)) && !Number.isNaN(Date.parse(to))
    ? Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10
    : undefined;

export interface SummaryInput {
  outcome: JobOutcome;
  /** Timings per case come from the store's run records when given. */
  store?: CaseStore;
  startedAt?: Date;
  finishedAt?: Date;
  now?: Date;
}

export function buildInvocationSummary(i: SummaryInput): InvocationSummary {
  const o = i.outcome;
  const runs = o.runs.map((r) => {
    const row = i.store?.getRun(r.runId);
    const startedAt = row?.createdAt;
    const finishedAt = row?.updatedAt;
    const s = seconds(startedAt, finishedAt);
    return {
      caseId: r.caseId,
      runId: r.runId,
      user: r.user,
      playbook: r.playbook,
      mode: r.mode,
      state: r.state,
      steps: count(
        r.steps.filter((x) => x.outcome !== "skipped"),
        (x) => x.outcome,
      ),
      ...(startedAt ? { startedAt } : {}),
      ...(finishedAt ? { finishedAt } : {}),
      ...(s !== undefined ? { seconds: s } : {}),
    };
  });
  // A case driven by several runs counts once, in the state of its last run.
  const caseState = new Map(o.runs.map((r) => [r.caseId, r.state]));
  const total = seconds(i.startedAt?.toISOString(), i.finishedAt?.toISOString());
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    generatedAt: (i.now ?? new Date()).toISOString(),
    ...(i.startedAt ? { startedAt: i.startedAt.toISOString() } : {}),
    ...(i.finishedAt ? { finishedAt: i.finishedAt.toISOString() } : {}),
    ...(total !== undefined ? { totalSeconds: total } : {}),
    casesByState: count([...caseState.values()], (s) => s),
    stepsByOutcome: count(
      o.runs.flatMap((r) => r.steps.filter((x) => x.outcome !== "skipped")),
      (x) => x.outcome,
    ),
    hitsNotRun: count(o.hits, (x) => x.outcome),
    runs,
  };
}

const OUTCOMES = ["done", "already-done", "planned", "waiting", "failed", "rejected", "expired"];

export const SUMMARY_CSV_HEAD = [
  "caseId",
  "runId",
  "user",
  "playbook",
  "mode",
  "state",
  ...OUTCOMES.map((x) => `steps ${x}`),
  "startedAt",
  "finishedAt",
  "seconds",
];

/** One row per run; user and playbook text is attacker-influenced: formula cells get a leading `'`. */
export function renderSummaryCsv(s: InvocationSummary): string {
  const rows = s.runs.map((r) => [
    r.caseId,
    r.runId,
    r.user,
    r.playbook,
    r.mode,
    r.state,
    ...OUTCOMES.map((x) => String(r.steps[x] ?? 0)),
    r.startedAt ?? "",
    r.finishedAt ?? "",
    r.seconds !== undefined ? String(r.seconds) : "",
  ]);
  return stringify([SUMMARY_CSV_HEAD, ...rows], { escape_formulas: true, record_delimiter: "\r\n" });
}

const pairs = (m: Record<string, number>) => Object.entries(m).map(([k, n]) => [k, n]);

export function renderSummaryHtml(s: InvocationSummary): string {
  const body = h`<h1>mailwarden: summary of the invocation</h1>
<p class="meta">Generated ${text(s.generatedAt)}${s.startedAt ? h`; started ${text(s.startedAt)}` : ""}${
    s.finishedAt ? h`, finished ${text(s.finishedAt)}` : ""
  }${s.totalSeconds !== undefined ? h` (<strong>${s.totalSeconds} s</strong> in total)` : ""}.</p>
<h2>Cases by state</h2>
${Object.keys(s.casesByState).length ? grid(["state", "cases"], pairs(s.casesByState)) : h`<p>No case was driven.</p>`}
<h2>Steps by outcome</h2>
${Object.keys(s.stepsByOutcome).length ? grid(["outcome", "steps"], pairs(s.stepsByOutcome)) : h`<p>No step.</p>`}
${Object.keys(s.hitsNotRun).length ? h`<h2>Hits no run took</h2>${grid(["why", "hits"], pairs(s.hitsNotRun))}` : ""}
<h2>Runs</h2>
${grid(
  ["case", "run", "user", "playbook", "mode", "state", "steps", "started", "finished", "seconds"],
  s.runs.map((r) => [
    r.caseId,
    r.runId,
    r.user,
    r.playbook,
    r.mode,
    r.state,
    Object.entries(r.steps)
      .map(([k, n]) => `${n} ${k}`)
      .join(", "),
    r.startedAt,
    r.finishedAt,
    r.seconds,
  ]),
)}`;
  return page("mailwarden invocation summary", body);
}
