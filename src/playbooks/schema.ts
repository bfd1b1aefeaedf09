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
 * `autoIf`: auto when the condition holds on the case (severity, score, linkStrength, user, hit, target), else manual.
 */
export const approvalSchema = z.union([
  z.enum(["auto", "manual"]),
  z.strictObject({ autoIf: predicateSchema }),
]);
export type ApprovalPolicy = z.output<typeof approvalSchema>;

export const stepSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    action: z.string().regex(/^[a-zA-Z]+\.[a-zA-Z]+$/, "a logical action id such as inboxRule.disable"),
    description: z.string().optional(),
    /** Run the step only when this holds on `{ hit, target }`. */
    if: predicateSchema.optional(),
    /**
     * Default: a step on the targeted object is `{ autoIf: { path: severity, equals: high } }`; account-wide
     * (user) and tenant-wide steps are `manual`.
     */
    approval: approvalSchema.optional(),
    /** How long a step may wait for a human, measured on the runner's clock from when it was planned. */
    timeout: durationSchema.optional(),
    /** When the timeout passes: `expire` the run (nothing more is done), `fail` the step (the rest goes on), or `escalate` (a notice; it keeps waiting). */
    onTimeout: z.enum(["fail", "escalate", "expire"]).optional(),
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
    apiVersion: z.literal("mailwarden/v1"),
    kind: z.literal("Playbook"),
    metadata: z
      .object({
        id: z.string().regex(/^[a-z][a-z0-9-]*$/),
        version: z.number().int().positive(),
        description: z.string().optional(),
      })
      .strict(),
    trigger: z
      .object({
        targets: z.array(z.enum(["inboxRule", "mailboxForwarding", "transportRule", "delegation"])).min(1),
      })
      .strict(),
    steps: z.array(stepSchema).min(1),
    verify: verifySchema.optional(),
    watch: watchSchema.optional(),
    /** Case reports (src/reports): their formats, and whether to comment on the Defender incident or alert. */
    report: reportSectionSchema.optional(),
  })
  .strict();

export type ReportSection = z.output<typeof reportSectionSchema>;
export type Playbook = z.output<typeof playbookSchema>;
export type PlaybookStep = z.output<typeof stepSchema>;
