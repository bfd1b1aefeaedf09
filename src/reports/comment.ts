/**
 * Writing the report's summary back to the Defender incident or alert behind a case (`incident.comment`), when
 * the case's playbook says so (`report.incidentComment.when`). Never in a dry run; once per case and incident
 * (the action's idempotency marker, keyed on the case); journalled as `incident.commented` with the Graph request
 * id. A failure is journalled and logged, never thrown: a comment never fails a containment.
 */
import { incidentComment } from "../actions/incident-comment.js";
import type { ActionContext } from "../actions/types.js";
import { collectRequestIds } from "../adapters/request-ids.js";
import type { AuditLogger } from "../audit/log.js";
import { holds } from "../engine/predicate.js";
import type { Hit } from "../model/hit.js";
import type { Playbook } from "../playbooks/schema.js";
import { caseFacts } from "../runner/steps.js";
import type { CaseStore } from "../store/types.js";
import { buildCaseReport } from "./build.js";
import type { CaseReport } from "./model.js";

export interface CommentEnv {
  store: CaseStore;
  actionCtx: ActionContext;
  playbooks: Playbook[];
  audit?: AuditLogger;
}

export interface CommentResult {
  caseId: string;
  target?: string;
  outcome: "commented" | "already-commented" | "not-wanted" | "no-incident" | "failed";
  requestId?: string;
  reason?: string;
}

/** The comment: mailwarden's own words and ids only (no rule names or other attacker-chosen text). */
export function commentText(r: CaseReport): string {
  const made = r.changes.filter((c) => c.status === "done" && c.applied !== false);
  const verified = made.filter((c) => c.verified === true).length;
  const state = r.runs.at(-1)?.state ?? r.case.status;
  const window =
    r.exposure.minutes !== undefined
      ? `exposure window ${r.exposure.minutes} min (${r.exposure.start} to ${r.exposure.contained})`
      : r.exposure.closed
        ? `contained at ${r.exposure.contained}`
        : "not contained yet";
  return [
    `mailwarden case ${r.case.caseId} (${r.case.user.upn}): ${state}.`,
    `${r.hits.length} hit(s), ${r.signIns.length} linked sign-in(s); ${window}.`,
    `${made.length} change(s) made, ${verified} verified${r.undo.irreversible.length ? `, ${r.undo.irreversible.length} irreversible` : ""}.`,
    `Undo: ${r.undo.command}.`,
  ].join(" ");
}

/** The facts `report.incidentComment.when` is evaluated on: the case's (as for step conditions) and the report's. */
export function commentFacts(hits: unknown[], r: CaseReport): Record<string, unknown> {
  const base = hits.length ? caseFacts(hits as Hit[]) : {};
  return {
    ...base,
    state: r.runs.at(-1)?.state ?? r.case.status,
    contained: r.exposure.closed,
    changes: r.changes.filter((c) => c.status === "done" && c.applied !== false).length,
    ...(r.exposure.minutes !== undefined ? { exposureMinutes: r.exposure.minutes } : {}),
  };
}

const playbookOf = (playbooks: Playbook[], lane: string) =>
  playbooks.find((p) => p.metadata.id === lane.split("#")[0]);

/** Where to comment: the incidents and alerts the case's hits came from (an incident rather than its alerts). */
function incidentTargets(r: CaseReport): { kind: "incident" | "alert"; id: string }[] {
  const seen = new Map<string, { kind: "incident" | "alert"; id: string }>();
  for (const h of r.hits) {
    if (h.incidentId) seen.set(`incident/${h.incidentId}`, { kind: "incident", id: h.incidentId });
    else if (h.alertId) seen.set(`alert/${h.alertId}`, { kind: "alert", id: h.alertId });
  }
  return [...seen.values()];
}

export async function postIncidentComments(
  env: CommentEnv,
  caseIds: string[],
  mode: "dry-run" | "execute",
): Promise<CommentResult[]> {
  if (mode === "dry-run") return [];
  const out: CommentResult[] = [];
  for (const caseId of caseIds) {
    const runs = env.store.listRuns({ caseId }).filter((r) => r.mode === "execute");
    const pb = runs.length ? playbookOf(env.playbooks, runs.at(-1)!.playbook) : undefined;
    const when = pb?.report?.incidentComment.when ?? "never";
    if (when === "never") {
      out.push({
        caseId,
        outcome: "not-wanted",
        reason: pb ? "policy: never" : "no execute run of a selected playbook",
      });
      continue;
    }
    const report = buildCaseReport(env.store, caseId, { now: env.actionCtx.now() });
    if (when !== "always") {
      const hits = env.store.listTargets(caseId).map((t) => t.hit);
      if (!holds(when, commentFacts(hits, report))) {
        out.push({ caseId, outcome: "not-wanted", reason: "policy: the condition does not hold" });
        continue;
      }
    }
    const targets = incidentTargets(report);
    if (!targets.length)
      out.push({
        caseId,
        outcome: "no-incident",
        reason: "no hit of the case came from an alert or incident",
      });
    for (const t of targets) out.push(await commentOne(env, report, t));
  }
  return out;
}

async function commentOne(
  env: CommentEnv,
  report: CaseReport,
  t: { kind: "incident" | "alert"; id: string },
): Promise<CommentResult> {
  const caseId = report.case.caseId;
  const input = { kind: t.kind, id: t.id, hitKey: `case:${caseId}`, text: commentText(report) };
  const where = `${t.kind} ${t.id}`;
  const at = { caseId, actionId: incidentComment.id, targetId: `${t.kind}/${t.id}` };
  const ids: string[] = [];
  try {
    const plan = await incidentComment.plan(env.actionCtx, input);
    const r = await collectRequestIds(ids, () =>
      incidentComment.run(env.actionCtx, input, { ...plan, idempotencyKey: `${caseId}:${where}` }),
    );
    const requestId = ids.at(-1);
    // A comment found already there (an earlier invocation) was journalled when it was written.
    if (!r.alreadyDone)
      env.store.commit({
        journal: [
          {
            ...at,
            kind: "incident.commented",
            detail: {
              [t.kind === "incident" ? "incidentId" : "alertId"]: t.id,
              requestId: requestId ?? null,
              alreadyDone: r.alreadyDone,
            },
            ...(ids.length ? { requestIds: ids } : {}),
          },
        ],
      });
    env.audit?.info("incident.commented", { caseId, target: where, alreadyDone: r.alreadyDone });
    return {
      caseId,
      target: where,
      outcome: r.alreadyDone ? "already-commented" : "commented",
      ...(requestId ? { requestId } : {}),
    };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    try {
      env.store.commit({ journal: [{ ...at, kind: "incident.comment-failed", detail: { error } }] });
    } catch {
      // The store refusing too is logged below; the containment stands either way.
    }
    env.audit?.warn("incident.comment-failed", { caseId, target: where, error });
    return { caseId, target: where, outcome: "failed", reason: error };
  }
}
