/**
 * Playbooks are data: YAML validated here, then compiled to a machine by src/engine. Conditions are declarative
 * path lookups (no eval). Action ids are logical; the transport is chosen when planning.
 */
import { z } from "zod";

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** An ordered comparison: numbers, or the ranks low < medium < high and weak < medium < strong. */
const rankable = z.union([z.number(), z.enum(["low", "medium", "high", "weak", "strong"])]);

export type Predicate =
  | { path: string; equals: string | number | boolean }
  | { path: string; in: (string | number | boolean)[] }
  | { path: string; exists: boolean }
  | { path: string; atLeast: number | "low" | "medium" | "high" | "weak" | "strong" }
  | { path: string; atMost: number | "low" | "medium" | "high" | "weak" | "strong" }
  | { all: Predicate[] }
  | { any: Predicate[] }
  | { not: Predicate };

/** Declarative conditions: dotted path lookups and comparisons, combined with all / any / not. No code. */
export const predicateSchema: z.ZodType<Predicate> = z.lazy(() =>
  z.union([
    z.strictObject({ path: z.string().min(1), equals: scalar }),
    z.strictObject({ path: z.string().min(1), in: z.array(scalar).min(1) }),
    z.strictObject({ path: z.string().min(1), exists: z.boolean() }),
    z.strictObject({ path: z.string().min(1), atLeast: rankable }),
    z.strictObject({ path: z.string().min(1), atMost: rankable }),
    z.strictObject({ all: z.array(predicateSchema).min(1) }),
    z.strictObject({ any: z.array(predicateSchema).min(1) }),
    z.strictObject({ not: predicateSchema }),
  ]),
);

/** A duration as data: 90s, 30m, 4h, 2d. */
export const durationSchema = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, "a duration such as 90s, 30m, 4h or 2d")
  .refine((v) => parseDuration(v) > 0, "must be longer than 0");

export function parseDuration(v: string): number {
  const n = Number(v.slice(0, -1));
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[v.slice(-1) as "s" | "m" | "h" | "d"];
  return n * unit;
}

/**
 * Who lets a step run. `auto`: it runs without a human where the invocation allows unattended action;
 * `manual`: a person approves it (approvals approve, the console, or --yes for the invocation's own steps);
 * `autoIf`: auto when the condition holds on the case (severity, score, linkStrength, user, hit, target — with
 * target.inAttackerSession —, context.<gatherId>, assess.*), else manual.
 */
export const approvalSchema = z
  .union([
    z.enum(["auto", "manual"]),
    z.strictObject({
      autoIf: predicateSchema.describe(
        "Auto when this holds on the step's facts (as `if` sees them), else manual.",
      ),
    }),
  ])
  .describe(
    "auto, manual, or { autoIf: condition }. Default: object steps { autoIf: { path: severity, equals: high } }; account-wide and tenant-wide steps manual.",
  );
export type ApprovalPolicy = z.output<typeof approvalSchema>;

export const stepSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, "lower-case letters, digits and dashes")
      .describe("Unique in the playbook; approvals and reports name the step by it."),
    action: z
      .string()
      .regex(/^[a-zA-Z]+\.[a-zA-Z]+$/, "a logical action id such as inboxRule.disable")
      .describe("A catalogue action (docs/actions.md); its scope says how often the step runs."),
    description: z.string().optional().describe("What the step is for (shown in plans)."),
    /** Run the step only when this holds on the case's facts (per target for object steps). */
    if: predicateSchema
      .optional()
      .describe(
        "Run the step (per target, for object steps) only when this holds: hit, target (with target.inAttackerSession), severity, score, linkStrength, user, context.<id>, assess.*.",
      ),
    /**
     * Default: a step on the targeted object is `{ autoIf: { path: severity, equals: high } }`; account-wide
     * (user) and tenant-wide steps are `manual`.
     */
    approval: approvalSchema.optional(),
    /** How long a step may wait for a human, measured on the runner's clock from when it was planned. */
    timeout: durationSchema
      .optional()
      .describe(
        "How long the step may wait for a person (90s, 30m, 4h, 2d), from its plan, on the runner's clock.",
      ),
    /** When the timeout passes: `expire` the run (nothing more is done), `fail` the step (the rest goes on), or `escalate` (a notice; it keeps waiting). */
    onTimeout: z
      .enum(["fail", "escalate", "expire"])
      .optional()
      .describe(
        "When the timeout passes: expire the run, fail the step (the rest goes on), or escalate (a notice; it keeps waiting). Default with a timeout: expire.",
      ),
  })
  .strict();

/** Hit target kinds a playbook can contain (an `auditAction` hit is evidence: see `trigger.categories`). */
export const TRIGGER_TARGETS = ["inboxRule", "mailboxForwarding", "transportRule", "delegation"] as const;
/** Where a hit came from (src/model/hit.ts `hitSource`). */
export const HIT_SOURCES = ["scan", "hunt-defender", "hunt-sentinel", "offline", "alert"] as const;
/** The categories of `auditAction` hits (defence tampering, covering tracks, anything else). */
export const AUDIT_CATEGORIES = ["defenceTampering", "coverUp", "other"] as const;
/** The notices a job raises (src/runner/job.ts JobNotice). */
export const NOTICE_KINDS = [
  "approval-needed",
  "escalated",
  "contained",
  "cap-reached",
  "halted",
  "failed",
] as const;

export const triggerSchema = z
  .object({
    targets: z
      .array(z.enum(TRIGGER_TARGETS))
      .min(1)
      .describe("The hit target kinds this playbook contains; its object steps act on them."),
    categories: z
      .array(z.enum(AUDIT_CATEGORIES))
      .min(1)
      .optional()
      .describe(
        "Also take `auditAction` hits of these categories (evidence, nothing to contain by itself): they join the case, and its account-wide steps apply to them.",
      ),
    minSeverity: z
      .enum(["low", "medium", "high"])
      .default("low")
      .describe("Take only hits at least this severe; a lower hit goes to the next selected playbook."),
    sources: z
      .array(z.enum(HIT_SOURCES))
      .min(1)
      .optional()
      .describe(
        "Take only hits from these sources (scan; hunt-defender / hunt-sentinel: a live hunt; offline: a hunt over exports; alert: a Defender alert). Default: every source.",
      ),
  })
  .strict()
  .describe("Which hits the playbook takes: the first selected playbook whose trigger fits a hit takes it.");

/** An id usable as one segment of a dotted path (`context.<id>`). */
const pathId = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9]*$/, "a letter, then letters and digits (it is a path segment: context.<id>)");

export const gatherStepSchema = z
  .object({
    id: pathId.describe("Its result is the fact `context.<id>`."),
    action: z
      .string()
      .regex(/^[a-zA-Z]+\.[a-zA-Z]+$/, "a logical action id such as inboxRule.list")
      .describe("A read-only catalogue action (`actions list` shows them as read-only)."),
    description: z.string().optional().describe("What is read, and why."),
    if: predicateSchema
      .optional()
      .describe("Gather only when this holds on the case's facts (and the earlier gathered ones)."),
  })
  .strict();

export const assessRuleSchema = z
  .object({
    when: predicateSchema.describe("A condition on the case's facts, `context.*` included."),
    add: z.number().describe("Points added to the score when it holds (negative subtracts)."),
    reason: z.string().min(1).describe("Said in `assess.reasons` and the journal when it holds."),
  })
  .strict();

export const assessSchema = z
  .object({
    rules: z.array(assessRuleSchema).min(1).describe("Summed in order; the score is kept within 0..100."),
    severity: z
      .object({
        medium: z.number().default(40).describe("`assess.severity` is medium from this score."),
        high: z.number().default(70).describe("`assess.severity` is high from this score."),
      })
      .strict()
      .default({ medium: 40, high: 70 })
      .describe("Score thresholds of the medium and high bands (below medium: low)."),
  })
  .strict()
  .describe(
    "Declarative scoring over the hits and the gathered context: the facts `assess.score`, `assess.severity` and `assess.reasons`.",
  );

export const notifySchema = z
  .object({
    on: z
      .array(z.enum(NOTICE_KINDS))
      .describe("The notice kinds runs of this playbook raise (the config's notify section delivers them)."),
  })
  .strict();

/**
 * After containment: verification windows. The run verifies by re-reading right after each write (polling:
 * `attempts` reads `interval` apart, overriding the invocation's default); then, `recheckAfter` later on the
 * runner's clock, every done step is verified again. Microsoft documents up to about 15 minutes for continuous
 * access evaluation to carry a session revocation or account disable to Exchange Online, SharePoint and Teams;
 * access tokens outside CAE live up to an hour, so a tenant without CAE may want 60m.
 */
export const verifySchema = z
  .object({
    attempts: z.number().int().min(1).max(100).optional(),
    interval: durationSchema.optional(),
    recheckAfter: durationSchema.default("15m"),
  })
  .strict();
export type VerifySection = z.output<typeof verifySchema>;

/** What a watch looks for coming back. `consent` is read by the OAuth-grant actions when they are installed. */
export const WATCH_LOOKS = ["rule", "forwarding", "consent"] as const;

/**
 * The watch: after verification, how long (`for`) and how often (`every`) the case's mailbox is read again for the
 * contained things coming back — a disabled rule enabled again, a rule with the same content or forwarding to the
 * same address, forwarding set again. A recurrence re-opens the case and contains again through the same gates.
 */
export const watchSchema = z
  .object({
    for: durationSchema,
    every: durationSchema,
    look: z.array(z.enum(WATCH_LOOKS)).min(1).default(["rule", "forwarding"]),
  })
  .strict();
export type WatchSection = z.output<typeof watchSchema>;

/**
 * `report:` — which case report formats a run writes (with `run --report-dir`), and when to write a comment back to
 * the Defender incident or alert behind the case: `always`, `never` (the default: a comment cannot be edited or
 * deleted), or a condition on the case (severity, score, linkStrength, user, hit, target, and `state`,
 * `contained`, `changes`, `exposureMinutes` of the report). Never in a dry run.
 */
export const reportSectionSchema = z
  .object({
    formats: z
      .array(z.enum(["md", "html", "json"]))
      .min(1)
      .default(["md", "html", "json"]),
    incidentComment: z
      .object({ when: z.union([z.enum(["always", "never"]), predicateSchema]).default("never") })
      .strict()
      .default({ when: "never" }),
  })
  .strict();

export const playbookSchema = z
  .object({
    apiVersion: z.literal("mailwarden/v1").describe("The playbook format's version."),
    kind: z.literal("Playbook").describe("Always Playbook."),
    metadata: z
      .object({
        id: z
          .string()
          .regex(/^[a-z][a-z0-9-]*$/)
          .describe("The playbook's id: the file's name without .yaml, as the config selects it."),
        version: z
          .number()
          .int()
          .positive()
          .describe(
            "Raise it when the steps change: runs started by another version are not resumed by this one.",
          ),
        description: z.string().optional().describe("What the playbook is for, in a sentence or two."),
      })
      .strict()
      .describe("Who the playbook is."),
    trigger: triggerSchema,
    gather: z
      .array(gatherStepSchema)
      .default([])
      .describe(
        "Context read before the steps are planned (read-only actions, journalled as `context.gathered`). A failure is recorded and never stops the containment: `context.<id>` is then absent.",
      ),
    assess: assessSchema.optional(),
    steps: z
      .array(stepSchema)
      .min(1)
      .describe("The containment, in order: the order of the list is the order the steps run in."),
    notify: notifySchema
      .optional()
      .describe(
        "Default: every notice kind. `cap-reached` belongs to the tenant, not a playbook: always raised.",
      ),
    verify: verifySchema.optional(),
    watch: watchSchema.optional(),
    /** Case reports (src/reports): their formats, and whether to comment on the Defender incident or alert. */
    report: reportSectionSchema.optional(),
  })
  .strict();

export type ReportSection = z.output<typeof reportSectionSchema>;
export type Playbook = z.output<typeof playbookSchema>;
export type PlaybookStep = z.output<typeof stepSchema>;
export type GatherStep = z.output<typeof gatherStepSchema>;
export type HitSource = (typeof HIT_SOURCES)[number];
