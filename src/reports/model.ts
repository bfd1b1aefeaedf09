/**
 * The case report's contract: what a case report holds, as a zod schema (the JSON report is this object;
 * `docs/schemas/case-report.schema.json` is generated from it). Attacker-controlled strings (rule names,
 * addresses, user agents, parameters) are kept verbatim here; each renderer makes them inert for its format.
 */
import { z } from "zod";

export const CASE_REPORT_SCHEMA_VERSION = 1 as const;

const json: z.ZodType<unknown> = z.unknown();

export const reportHitSchema = z.object({
  hitKey: z.string(),
  kind: z.string(),
  /** What the hit is, for people (rule name and mailbox, forwarding address …): attacker text inside. */
  object: z.string(),
  addedAt: z.string(),
  severity: z.string().optional(),
  score: z.number().optional(),
  detectedBy: z.string().optional(),
  detectedAt: z.string().optional(),
  /** The attacker's action as recorded: operation, time, IP, session, client, parameters. */
  action: z.record(z.string(), json),
  reasons: z.array(z.object({ code: z.string(), detail: z.string(), weight: z.number().optional() })),
  /** The Defender alert or incident the hit came from, when it came from one. */
  alertId: z.string().optional(),
  incidentId: z.string().optional(),
  /** The suspect object as the hit describes it. */
  target: json,
});

export const signInSchema = z.object({
  hitKey: z.string(),
  /** How it is linked to the hit's action (token, request, session, ip, network, user-time) and how strongly. */
  link: z.string(),
  strength: z.string(),
  time: z.string().optional(),
  ip: z.string().optional(),
  asn: z.number().optional(),
  network: z.string().optional(),
  networkTags: z.array(z.string()),
  country: z.string().optional(),
  sessionId: z.string().optional(),
  uniqueTokenId: z.string().optional(),
  signInRequestId: z.string().optional(),
  /** Defender's scale: 0 not set, 1 none, 10 low, 50 medium, 100 high. */
  risk: z.number().optional(),
  riskEventTypes: z.array(z.string()),
  userAgent: z.string().optional(),
  app: z.string().optional(),
  interactive: z.boolean().optional(),
});

export const exposureSchema = z.object({
  /** The first attacker action known: the earliest hit action time or linked sign-in time. */
  start: z.string().optional(),
  startFrom: z.enum(["sign-in", "action"]).optional(),
  /** When the last containing step was done (a change mailwarden made, or found made). */
  contained: z.string().optional(),
  containedBy: z.string().optional(),
  /** Minutes from start to contained; absent while either end is unknown. */
  minutes: z.number().optional(),
  /** False while no containing step is done. */
  closed: z.boolean(),
});

export const decisionSchema = z.object({
  at: z.string(),
  runId: z.string().optional(),
  kind: z.enum(["approved", "rejected", "released", "unattended-slot", "cap-reached"]),
  /** Who: the approver's name, `mailwarden:<host:pid>` for releases, `unattended` for the cap's slot. */
  by: z.string(),
  reason: z.string(),
  steps: z.array(z.string()),
});

export const changeSchema = z.object({
  runId: z.string(),
  stepKey: z.string(),
  actionId: z.string(),
  targetId: z.string(),
  status: z.enum(["intent", "done", "failed", "compensated"]),
  /** true: mailwarden wrote; false: it was already so; null: unknown (interrupted and resumed). */
  applied: z.boolean().nullable(),
  before: json,
  after: json,
  verified: z.boolean().nullable(),
  /** When the change was done (its journal entry), else the effect row's last update. */
  at: z.string(),
  /** Graph request ids of the writes (the id Microsoft support asks for); empty for Exchange or unrecorded. */
  requestIds: z.array(z.string()),
  reversibility: z.string().optional(),
  /** What `mailwarden rollback` would do with it, and why. */
  undo: z.object({ outcome: z.string(), reason: z.string().optional() }),
});

export const verificationSchema = z.object({
  at: z.string(),
  kind: z.enum(["verify", "recheck"]),
  stepKey: z.string(),
  ok: z.boolean().nullable(),
  observed: json,
  due: z.string().optional(),
  error: z.string().optional(),
});

export const watchEventSchema = z.object({
  at: z.string(),
  kind: z.enum(["check", "recurrence", "reopened"]),
  /** What the watch found (check: findings; recurrence: what came back; reopened: why). */
  summary: z.string(),
  detail: json,
});

export const contextItemSchema = z.object({
  at: z.string(),
  gatherId: z.string(),
  action: z.string(),
  result: json,
  error: z.string().optional(),
});

export const assessmentSchema = z.object({
  at: z.string(),
  score: z.number().nullable(),
  severity: z.string().nullable(),
  reasons: z.array(json),
});

export const commentSchema = z.object({
  at: z.string(),
  target: z.string(),
  requestId: z.string().optional(),
});

export const caseReportSchema = z.object({
  schemaVersion: z.literal(CASE_REPORT_SCHEMA_VERSION),
  generatedAt: z.string(),
  case: z.object({
    caseId: z.string(),
    tenantId: z.string(),
    user: z.object({ id: z.string(), upn: z.string() }),
    epoch: z.number(),
    status: z.string(),
    openedAt: z.string(),
    closedAt: z.string().optional(),
    closeReason: z.string().optional(),
  }),
  hits: z.array(reportHitSchema),
  signIns: z.array(signInSchema),
  exposure: exposureSchema,
  runs: z.array(
    z.object({
      runId: z.string(),
      playbook: z.string(),
      mode: z.string(),
      state: z.string(),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
  ),
  context: z.array(contextItemSchema),
  assessment: assessmentSchema.optional(),
  decisions: z.array(decisionSchema),
  changes: z.array(changeSchema),
  verification: z.array(verificationSchema),
  watch: z.array(watchEventSchema),
  comments: z.array(commentSchema),
  undo: z.object({
    /** The command that undoes every reversible change of the case (without --yes it previews). */
    command: z.string(),
    reversible: z.number(),
    irreversible: z.array(z.object({ stepKey: z.string(), reason: z.string() })),
  }),
  journal: z.object({ entries: z.number(), firstSeq: z.number().optional(), lastSeq: z.number().optional() }),
});

export type CaseReport = z.output<typeof caseReportSchema>;
export type ReportHit = z.output<typeof reportHitSchema>;
export type ReportSignIn = z.output<typeof signInSchema>;
export type ReportChange = z.output<typeof changeSchema>;

export function caseReportJsonSchema(): unknown {
  return z.toJSONSchema(caseReportSchema, { io: "output" });
}
