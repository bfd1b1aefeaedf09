/**
 * Hit model v1: one suspect mailbox action, what it targets, what links it to a sign-in, and why it is suspect.
 * Produced by `scan` (live state) and, later, by hunting (audit records); consumed by the playbook runner.
 */
import { createHash } from "node:crypto";
import { z } from "zod";

export const HIT_SCHEMA_VERSION = 1 as const;

export const ruleTargetSchema = z.object({
  kind: z.literal("inboxRule"),
  /** Entra object id of the mailbox owner (Exchange ExternalDirectoryObjectId). */
  mailboxId: z.string().min(1),
  upn: z.string().min(1),
  ruleName: z.string(),
  /** Exchange RuleIdentity (uint64 as a decimal string), when Exchange was read. */
  ruleIdentity: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional(),
  /** Graph messageRule id, when Graph lists the rule. Never derived from ruleIdentity. */
  graphRuleId: z.string().min(1).optional(),
  /** sha256 of the rule's normalised content (see rules/fingerprint.ts): the same on both transports. */
  contentFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  /** Only Get-InboxRule -IncludeHidden lists it. */
  hidden: z.boolean().default(false),
  /** Graph lists it as isReadOnly (it cannot change it). */
  graphReadOnly: z.boolean().default(false),
});

export const forwardingTargetSchema = z.object({
  kind: z.literal("mailboxForwarding"),
  mailboxId: z.string().min(1),
  upn: z.string().min(1),
  forwardingSmtpAddress: z.string().nullable(),
  forwardingAddress: z.string().nullable(),
  deliverToMailboxAndForward: z.boolean(),
});

/** An org-wide mail-flow rule (tenant scope). */
export const transportRuleTargetSchema = z.object({
  kind: z.literal("transportRule"),
  guid: z.string().min(1),
  name: z.string(),
  state: z.string(),
});

/** A delegation on a mailbox: FullAccess, SendAs, SendOnBehalf or a folder permission. */
export const delegationTargetSchema = z.object({
  kind: z.literal("delegation"),
  mailboxId: z.string().min(1),
  upn: z.string().min(1),
  delegationType: z.enum(["FullAccess", "SendAs", "SendOnBehalf", "FolderPermission"]),
  trustee: z.string().min(1),
  accessRights: z.array(z.string()),
  /** For folder permissions: `mailbox:\Folder`. */
  folder: z.string().optional(),
});

/**
 * An audit-log action that is evidence but nothing to contain by itself (defence tampering such as junk-mail
 * trusted senders or POP/IMAP enabled, a rule removed to cover tracks). Found by hunting; no playbook acts on it.
 */
export const auditActionTargetSchema = z.object({
  kind: z.literal("auditAction"),
  mailboxId: z.string().optional(),
  upn: z.string().min(1),
  /** defenceTampering | coverUp | other */
  category: z.string().min(1),
  summary: z.string(),
});

export const targetSchema = z.discriminatedUnion("kind", [
  ruleTargetSchema,
  forwardingTargetSchema,
  transportRuleTargetSchema,
  delegationTargetSchema,
  auditActionTargetSchema,
]);

export const linkSchema = z.object({
  key: z.enum(["token", "request", "session", "ip", "network", "user-time"]),
  strength: z.enum(["strong", "medium", "weak"]),
  signInRequestId: z.string().optional(),
  sessionId: z.string().optional(),
  uniqueTokenId: z.string().optional(),
  ip: z.string().optional(),
  time: z.string().optional(),
  /** Minutes from the sign-in to the action (negative: the sign-in came after). */
  gapMinutes: z.number().optional(),
  asn: z.number().int().optional(),
  org: z.string().optional(),
  country: z.string().optional(),
  /** Network tags from enrichment: hosting, vpn, tor, abuse-asn. */
  networkTags: z.array(z.string()).optional(),
  /** Sign-in risk on Defender's scale: 0 not set, 1 none, 10 low, 50 medium, 100 high. */
  risk: z.number().int().min(0).max(100).optional(),
  riskEventTypes: z.array(z.string()).optional(),
  interactive: z.boolean().optional(),
  userAgent: z.string().optional(),
  app: z.string().optional(),
});

export const reasonSchema = z.object({
  code: z.string().min(1),
  detail: z.string(),
  weight: z.number(),
});

export const hitSchema = z.object({
  schemaVersion: z.literal(HIT_SCHEMA_VERSION),
  hitKey: z.string().regex(/^[0-9a-f]{32}$/),
  tenantId: z.string().min(1),
  user: z.object({ id: z.string().min(1), upn: z.string().min(1) }),
  target: targetSchema,
  action: z.object({
    /** New-InboxRule, Set-Mailbox, UpdateInboxRules … or `observed` when found in live state by scan. */
    operation: z.string().min(1),
    time: z.string().optional(),
    /** Audit record Id (or ReportId) when the hit came from an audit record. */
    recordId: z.string().optional(),
    /**
     * Hunting: every audit record this hit stands for, when several records made the same thing (identical rules
     * created again and again): each successful New-InboxRule is a rule of its own, so none is dropped silently.
     */
    recordIds: z.array(z.string()).optional(),
    /** How many records (`recordIds.length`); containment expects up to this many identical live rules. */
    recordCount: z.number().int().min(1).optional(),
    /** Defender's ReportId of the record (CloudAppEvents), when it differs from recordId. */
    reportId: z.string().optional(),
    /** Hunting: where the record came from (CloudAppEvents, OfficeActivity) and what it carried. */
    source: z.string().optional(),
    ip: z.string().optional(),
    sessionId: z.string().optional(),
    uniqueTokenId: z.string().optional(),
    clientInfo: z.string().optional(),
    /** Hunting: the action's parameters as recorded (Exchange parameter names). Attacker-controlled text. */
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
  links: z.array(linkSchema).default([]),
  severity: z.enum(["low", "medium", "high"]),
  score: z.number().min(0).max(100),
  reasons: z.array(reasonSchema).min(1),
  detectedBy: z.enum(["scan", "hunt"]),
  detectedAt: z.string(),
  /** The Defender alert / incident the hit came from, when it came from one (written back by incident.comment). */
  alertId: z.string().min(1).optional(),
  incidentId: z.string().min(1).optional(),
  /**
   * Where the hit came from, when its producer says so (a hunt over exports: `offline`; a Defender alert:
   * `alert`). Absent: derived from detectedBy and action.source (see `hitSource`).
   */
  origin: z.enum(["scan", "hunt-defender", "hunt-sentinel", "offline", "alert"]).optional(),
});

export type Hit = z.output<typeof hitSchema>;
export type HitTarget = z.output<typeof targetSchema>;
export type RuleTarget = z.output<typeof ruleTargetSchema>;
export type ForwardingTarget = z.output<typeof forwardingTargetSchema>;
export type TransportRuleTarget = z.output<typeof transportRuleTargetSchema>;
export type DelegationTarget = z.output<typeof delegationTargetSchema>;
export type HitReason = z.output<typeof reasonSchema>;
export type HitLink = z.output<typeof linkSchema>;

/** The JSON Schema of the hit model, generated from the zod schema (snapshot-tested). */
export function hitJsonSchema(): unknown {
  return z.toJSONSchema(hitSchema, { io: "input" });
}

/**
 * A stable key for "this suspect thing": the same rule (by content fingerprint and transport ids) or the same
 * forwarding setting in the same mailbox of the same tenant always gets the same key, whichever scan found it.
 */
export function computeHitKey(tenantId: string, target: HitTarget): string {
  const parts = ((): string[] => {
    switch (target.kind) {
      case "inboxRule":
        return [
          tenantId,
          target.kind,
          target.mailboxId.toLowerCase(),
          target.contentFingerprint,
          target.ruleName,
        ];
      case "mailboxForwarding":
        return [
          tenantId,
          target.kind,
          target.mailboxId.toLowerCase(),
          (target.forwardingSmtpAddress ?? "").toLowerCase(),
          (target.forwardingAddress ?? "").toLowerCase(),
        ];
      case "transportRule":
        return [tenantId, target.kind, target.guid.toLowerCase()];
      case "auditAction":
        return [tenantId, target.kind, target.upn.toLowerCase(), target.category, target.summary];
      case "delegation":
        return [
          tenantId,
          target.kind,
          target.mailboxId.toLowerCase(),
          target.delegationType,
          target.trustee.toLowerCase(),
          (target.folder ?? "").toLowerCase(),
        ];
    }
  })();
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/** Where a hit came from, as a playbook trigger's `sources` names it. */
export function hitSource(hit: Hit): NonNullable<Hit["origin"]> | "hunt" {
  if (hit.origin) return hit.origin;
  if (hit.detectedBy === "scan") return "scan";
  if (hit.action.source === "CloudAppEvents") return "hunt-defender";
  if (hit.action.source === "OfficeActivity") return "hunt-sentinel";
  return "hunt";
}

export function severityFromScore(score: number): Hit["severity"] {
  if (score >= 70) return "high";
  if (score >= 40) return "medium";
  return "low";
}
