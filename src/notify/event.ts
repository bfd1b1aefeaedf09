/**
 * The notice event: what the runner tells people when a case needs approval, is contained, hits the cap, is
 * halted or fails. Plain JSON, versioned; the webhook sends it as is (docs/notices.md "Payload").
 */
import { z } from "zod";
import { NOTICE_KINDS } from "../config/schema.js";

export { NOTICE_KINDS, type NoticeKind } from "../config/schema.js";

export const noticeStepSchema = z.strictObject({
  /** The playbook step id (`disable-rule`). */
  id: z.string().min(1),
  /** The logical action (`inboxRule.disable`). */
  action: z.string().min(1).optional(),
  /** What the step acts on (a rule name, an address): attacker-controlled text. */
  target: z.string().optional(),
  /** Where the step stands (`waiting`, `done`, `failed`, `planned`…). */
  status: z.string().min(1).optional(),
});

export const noticeEventSchema = z.strictObject({
  kind: z.enum(NOTICE_KINDS),
  /** The tenant id; defaults to the notifier's (config.tenant.id). */
  tenant: z.string().min(1).optional(),
  caseId: z.string().min(1),
  runId: z.string().min(1).optional(),
  user: z.strictObject({ upn: z.string().min(1).optional(), id: z.string().min(1).optional() }),
  /** One or two sentences for a person. */
  summary: z.string().min(1).max(4_000),
  steps: z.array(noticeStepSchema).default([]),
  /** Counts that matter to the event (`stepsWaiting`, `contained`, `cap`…). */
  counts: z.record(z.string(), z.number()).default({}),
  /** ISO 8601; defaults to the notifier's clock. */
  timestamp: z.iso.datetime({ offset: true }).optional(),
  /** What to run next, e.g. `mailwarden approve <run> --step disable-rule`. */
  hint: z.string().min(1).max(1_000).optional(),
});

/** An event as the caller builds it (defaults not applied). */
export type NoticeEvent = z.input<typeof noticeEventSchema>;
export type NoticeStep = z.input<typeof noticeStepSchema>;

/** The webhook body: the event with its delivery id, schema version and timestamp filled in. */
export interface NoticePayload extends z.output<typeof noticeEventSchema> {
  schemaVersion: 1;
  /** Unique per notice, the same across the retries of one delivery: receivers de-duplicate on it. */
  id: string;
  tenant: string;
  timestamp: string;
}

export type NoticeChannel = "webhook" | "teams";

export interface NoticeResult {
  channel: NoticeChannel;
  status: "sent" | "failed" | "skipped";
  /** Why it failed or was skipped; never holds a secret or the webhook URL's path and query. */
  reason?: string;
  /** Attempts made (webhook). */
  attempts?: number;
  /** The Teams message id, when sent. */
  messageId?: string;
}
