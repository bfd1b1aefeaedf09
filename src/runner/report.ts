/**
 * What `run` reports: one entry per run (a case's playbook run), every hit accounted for. The zod schema is the
 * contract; `mailwarden schema run` prints its JSON Schema (docs/schemas/run.json).
 */
import { z } from "zod";
import { STEP_OUTCOMES, type RunContext } from "../engine/machine.js";
import type { RunRow } from "../store/types.js";

export const RUN_SCHEMA_VERSION = 2 as const;

const json: z.ZodType<unknown> = z.unknown();

export const stepReportSchema = z.object({
  /** Unique in the run: the step id, plus `@<target hit key>` for object and tenant steps. */
  key: z.string(),
  id: z.string(),
  action: z.string(),
  scope: z.enum(["object", "user", "tenant"]),
  /** The case target (hit key) the step acts on; absent for user-scope steps. */
  target: z.string().optional(),
  /** What the step acts on, for people: the rule (name and id) and mailbox, the forwarding address, the user. */
  object: z.string(),
  outcome: z.enum(STEP_OUTCOMES),
  transport: z.enum(["graph", "exchange", "none"]).optional(),
  reversibility: z.enum(["reversible", "partly-reversible", "irreversible"]).optional(),
  before: json.optional(),
  after: json.optional(),
  verified: z.boolean().optional(),
  observed: json.optional(),
  warnings: z.array(z.string()),
  /** Why the step waits (or, in a dry run, would wait) for a human. */
  gate: z.string().optional(),
  /** The playbook's approval policy on this case: `auto: …` or `manual: …`, with the reason. */
  approval: z.string().optional(),
  /** Dry runs: whether an unattended run (`--auto`) under the configured policy would do this step, and why not. */
  unattended: z.object({ auto: z.boolean(), why: z.string() }).optional(),
  error: z.string().optional(),
});

export const runReportSchema = z.object({
  runId: z.string(),
  caseId: z.string(),
  /** The first hit of the run (kept from schema 1); every hit is in `hitKeys`. */
  hitKey: z.string(),
  hitKeys: z.array(z.string()),
  user: z.string(),
  mode: z.enum(["dry-run", "execute"]),
  state: z.enum([
    "planning",
    "next",
    "waiting",
    "executing",
    "verifying",
    "settle",
    "planned",
    "done",
    "partial",
    "rejected",
    "expired",
    "halted",
    "failed",
    "rolledBack",
  ]),
  playbook: z.string(),
  steps: z.array(stepReportSchema),
  approvals: z.array(json),
  /** Why the run waits for a human. */
  waiting: z.string().optional(),
  error: z.string().optional(),
});

export const hitAccountSchema = z.object({
  hitKey: z.string(),
  user: z.string(),
  kind: z.string(),
  /** not-containable: no selected playbook takes this kind of hit; already-contained: a closed case holds it. */
  outcome: z.enum(["not-containable", "already-contained", "driven-elsewhere", "halted"]),
  caseId: z.string().optional(),
  reason: z.string(),
});

export const skippedRunSchema = z.object({
  runId: z.string(),
  caseId: z.string(),
  reason: z.enum(["needs-migration", "driven-elsewhere"]),
  detail: z.string(),
});

/** A mailbox or listing the scan could not read after retries (the job is incomplete: exit 5). */
export const notScannedSchema = z.object({
  surface: z.string(),
  mailbox: z.string().optional(),
  userId: z.string().optional(),
  page: z.string().optional(),
  reason: z.string(),
});

export const runOutputSchema = z.object({
  schemaVersion: z.literal(RUN_SCHEMA_VERSION),
  runs: z.array(runReportSchema),
  /** Hits that no run took, each with why. */
  hits: z.array(hitAccountSchema),
  /** Stored runs this invocation did not drive, each with why and what to do. */
  skipped: z.array(skippedRunSchema),
  notScanned: z.array(notScannedSchema).optional(),
  rejected: z.array(z.object({ file: z.string(), at: z.string(), reason: z.string() })).optional(),
});

export type StepReport = z.output<typeof stepReportSchema>;
export type RunReport = z.output<typeof runReportSchema>;
export type HitAccount = z.output<typeof hitAccountSchema>;
export type SkippedRun = z.output<typeof skippedRunSchema>;
export type RunOutput = z.output<typeof runOutputSchema>;

export function runJsonSchema(): unknown {
  return z.toJSONSchema(runOutputSchema, { io: "output" });
}

const q = (v: unknown) => JSON.stringify(v ?? null);

/** A plain description of what a step acts on (attacker-chosen text quoted as JSON, so it stays data). */
export function describeObject(action: string, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>;
  switch (i.kind) {
    case "inboxRule":
      return `rule ${q(i.ruleName)} (${typeof i.ruleIdentity === "string" ? `RuleIdentity ${i.ruleIdentity}` : `Graph id ${q(i.graphRuleId)}`}${i.hidden ? ", hidden" : ""}) in ${q(i.upn)}`;
    case "mailboxForwarding":
      return `forwarding of ${q(i.upn)} to ${q(i.forwardingSmtpAddress ?? i.forwardingAddress)}`;
    case "transportRule":
      return `transport rule ${q(i.name)} (${q(i.guid)}), every mailbox`;
    case "delegation":
      return `${q(i.delegationType)} of ${q(i.trustee)} on ${q(i.folder ?? i.upn)}`;
    default:
      return i.upn !== undefined ? `user ${q(i.upn)}` : action;
  }
}

export function toReport(
  row: Pick<RunRow, "runId" | "caseId" | "mode">,
  playbook: string,
  state: string,
  ctx: RunContext,
  input: { user: { id: string; upn: string }; hitKeys: string[] },
): RunReport {
  return {
    runId: row.runId,
    caseId: row.caseId,
    hitKey: input.hitKeys[0] ?? "",
    hitKeys: input.hitKeys,
    user: input.user.upn,
    mode: row.mode as RunReport["mode"],
    state: state as RunReport["state"],
    playbook,
    steps: ctx.steps.map((s) => ({
      key: s.key,
      id: s.stepId,
      action: s.action,
      scope: s.scope,
      ...(s.targetKey ? { target: s.targetKey } : {}),
      object: describeObject(s.action, s.input),
      outcome: s.outcome,
      ...(s.plan && s.plan.transport !== "none"
        ? { transport: s.plan.transport, reversibility: s.plan.reversibility }
        : {}),
      ...(s.before !== undefined ? { before: s.before } : {}),
      ...(s.after !== undefined ? { after: s.after } : {}),
      ...(s.verified !== undefined ? { verified: s.verified } : {}),
      ...(s.observed !== undefined ? { observed: s.observed } : {}),
      warnings: s.plan?.warnings ?? [],
      ...(s.gate ? { gate: s.gate } : {}),
      ...(s.approval ? { approval: `${s.approval.mode}: ${s.approval.why}` } : {}),
      ...(s.unattended ? { unattended: s.unattended } : {}),
      ...(s.error ? { error: s.error } : {}),
    })),
    approvals: ctx.approvals,
    ...(ctx.waiting ? { waiting: ctx.waiting } : {}),
    ...(ctx.error ? { error: ctx.error } : {}),
  };
}
