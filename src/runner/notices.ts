/**
 * From the job's notices to src/notify's events: an escalation is an approval still needed (its summary says it
 * was escalated). Every notice and its delivery results go to the audit log; a failed delivery never fails the job.
 */
import type { AuditLogger } from "../audit/log.js";
import type { Notifier, NoticeEvent } from "../notify/index.js";
import type { JobNotice } from "./job.js";

export function toNoticeEvent(n: JobNotice): NoticeEvent {
  const kind = n.kind === "escalated" ? "approval-needed" : n.kind;
  const waits = kind === "approval-needed" || kind === "cap-reached";
  return {
    kind,
    caseId: n.caseId,
    ...(n.runId ? { runId: n.runId } : {}),
    user: { ...(n.user.upn ? { upn: n.user.upn } : {}), ...(n.user.id ? { id: n.user.id } : {}) },
    summary: (n.kind === "escalated" ? `ESCALATED: ${n.summary}` : n.summary).slice(0, 4_000),
    steps: (n.steps ?? []).map((key) => ({ id: key.split("@")[0]!, status: waits ? "waiting" : n.kind })),
    ...(waits ? { hint: "mailwarden approvals list -c <config>, then approvals approve | reject" } : {}),
  };
}

export function noticeSink(notifier: Notifier, audit: AuditLogger): (n: JobNotice) => Promise<void> {
  return async (n) => {
    const results = await notifier.notify(toNoticeEvent(n));
    audit.info("notice", {
      kind: n.kind,
      caseId: n.caseId,
      results: results.map((r) => ({
        channel: r.channel,
        status: r.status,
        ...(r.reason ? { reason: r.reason } : {}),
      })),
    });
  };
}
