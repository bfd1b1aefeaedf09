/**
 * Human decisions on waiting steps. A waiting step is shown with its plan (before → after) and the plan's hash; an
 * approval names the hash it approves, and binds to it: when the tenant changed since (the live plan's hash is
 * another), the step is planned again and waits for a new approval — an approval never applies to a plan nobody
 * saw. Approver and reason go into the run's context and the journal.
 */
import type { ActionContext } from "../actions/types.js";
import type { AuditLogger } from "../audit/log.js";
import { machineIdentity, type Json, type RunContext } from "../engine/machine.js";
import type { Playbook } from "../playbooks/schema.js";
import type { CaseRow, CaseStore, JournalEntry, RunRow } from "../store/types.js";
import { dueSteps, resumeRun, type DriveEnv } from "./drive.js";
import { planHash } from "./plan-hash.js";
import { describeObject, type RunReport } from "./report.js";

export { planHash };

export interface WaitingItem {
  runId: string;
  caseId: string;
  user: { id: string; upn: string };
  playbook: string;
  stepKey: string;
  stepId: string;
  action: string;
  scope: string;
  object: string;
  gate: string;
  before: Json;
  after: Json;
  transport?: string;
  reversibility?: string;
  planHash: string;
  since: string;
  /** The approval policy's answer on this case (auto / manual, and why). */
  approval?: string;
  /** When the step's approval times out, and what then happens. */
  deadline?: string;
  onTimeout?: string;
  escalatedAt?: string;
}

function contextOf(run: RunRow): RunContext | undefined {
  const snap = run.snapshot as { context?: RunContext } | undefined;
  return snap?.context;
}

/** Every step waiting for a human, oldest run first. */
export function listWaiting(store: CaseStore): WaitingItem[] {
  const out: WaitingItem[] = [];
  for (const run of store.listRuns({ active: true, states: ["waiting"] })) {
    const ctx = contextOf(run);
    const user = (run.input as { user: { id: string; upn: string } }).user;
    for (const s of ctx?.steps ?? []) {
      if (s.outcome !== "waiting") continue;
      out.push({
        runId: run.runId,
        caseId: run.caseId,
        user,
        playbook: run.playbook,
        stepKey: s.key,
        stepId: s.stepId,
        action: s.action,
        scope: s.scope,
        object: describeObject(s.action, s.input),
        gate: s.gate ?? ctx?.waiting ?? "",
        before: s.plan?.before ?? null,
        after: s.plan?.after ?? null,
        ...(s.plan ? { transport: s.plan.transport, reversibility: s.plan.reversibility } : {}),
        planHash: planHash(s),
        since: run.updatedAt,
        ...(s.approval ? { approval: `${s.approval.mode}: ${s.approval.why}` } : {}),
        ...(s.timeoutMs && s.plan?.plannedAt
          ? {
              deadline: new Date(Date.parse(s.plan.plannedAt) + s.timeoutMs).toISOString(),
              onTimeout: s.onTimeout ?? "expire",
            }
          : {}),
        ...(s.escalatedAt ? { escalatedAt: s.escalatedAt } : {}),
      });
    }
  }
  return out;
}

export interface CaseView {
  case: CaseRow;
  /** The hits of the case (its targets), with their evidence: links to sign-ins, reasons, score. */
  hits: unknown[];
  runs: RunRow[];
  waiting: WaitingItem[];
  journal: JournalEntry[];
}

export function caseView(store: CaseStore, caseId: string): CaseView | undefined {
  const c = store.getCase(caseId);
  if (!c) return undefined;
  return {
    case: c,
    hits: store.listTargets(caseId).map((t) => t.hit),
    runs: store.listRuns({ caseId }),
    waiting: listWaiting(store).filter((w) => w.caseId === caseId),
    journal: store.journal({ caseId }),
  };
}

export interface Decision {
  runId: string;
  /** The waiting steps decided on; all waiting steps of the run when empty. */
  stepKeys?: string[];
  decision: "approve" | "reject";
  by: string;
  reason: string;
  /** The plan hashes the approver saw, per step key (required to approve: an approval binds to a plan). */
  planHashes?: Record<string, string>;
}

export class DecisionError extends Error {
  override readonly name = "DecisionError";
}

export interface DecideEnv {
  store: CaseStore;
  audit: AuditLogger;
  actionCtx: ActionContext;
  leaseMs: number;
  playbooks: Playbook[];
  stop?: AbortSignal;
  /** The config's kill switch (guardrails.halt). */
  configHalt?: string;
  onEscalate?: DriveEnv["onEscalate"];
}

/**
 * Approves or rejects waiting steps of a run and drives the run on (an approval executes the steps, verified as
 * usual). Refused when the run is not waiting, the steps are not waiting, a plan hash is missing or stale, or
 * another process holds the run.
 */
export async function decide(env: DecideEnv, d: Decision): Promise<RunReport> {
  if (!d.by.trim() || !d.reason.trim())
    throw new DecisionError("an approver (--as) and a reason are required");
  const run = env.store.getRun(d.runId);
  if (!run) throw new DecisionError(`no run ${d.runId} in the store`);
  if (run.state !== "waiting")
    throw new DecisionError(`run ${d.runId} is ${run.state}, not waiting for a decision`);
  const pb = env.playbooks.find((p) => machineIdentity(p).id === run.machineId);
  if (!pb || machineIdentity(pb).version !== run.machineVersion)
    throw new DecisionError(`run ${d.runId} needs migration: its playbook version is not the selected one`);
  const waiting = listWaiting(env.store).filter((w) => w.runId === d.runId);
  const keys = d.stepKeys?.length ? d.stepKeys : waiting.map((w) => w.stepKey);
  for (const k of keys) {
    const w = waiting.find((x) => x.stepKey === k);
    if (!w) throw new DecisionError(`step ${k} of run ${d.runId} is not waiting`);
    if (d.decision === "approve" && d.planHashes?.[k] !== w.planHash)
      throw new DecisionError(
        `step ${k}: the approval names plan ${d.planHashes?.[k]?.slice(0, 12) ?? "(none)"}, the waiting plan is ${w.planHash.slice(0, 12)}: look at the plan again`,
      );
  }
  const lease = env.store.acquireLease(d.runId, env.leaseMs);
  if (!lease.ok)
    throw new DecisionError(`run ${d.runId} is driven by another process (${lease.holder ?? "?"})`);
  const base: DriveEnv = {
    store: env.store,
    audit: env.audit,
    actionCtx: env.actionCtx,
    leaseMs: env.leaseMs,
    ...(env.stop ? { stop: env.stop } : {}),
    ...(env.configHalt ? { configHalt: env.configHalt } : {}),
    ...(env.onEscalate ? { onEscalate: env.onEscalate } : {}),
  };
  // Too late: a step whose approval timed out (expire / fail) is settled by its timeout, never by this decision.
  const late = dueSteps(contextOf(run)?.steps ?? [], env.actionCtx.now()).filter(
    (s) => keys.includes(s.key) && s.onTimeout !== "escalate",
  );
  if (late.length) {
    const report = await resumeRun(base, pb, env.store.getRun(d.runId)!);
    throw new DecisionError(
      `too late: the approval of ${late.map((s) => s.key).join(", ")} timed out (onTimeout ${late[0]!.onTimeout ?? "expire"}); the run is now ${report.state} and nothing was ${d.decision === "approve" ? "approved" : "decided"}`,
    );
  }
  env.store.commit({
    run: { runId: d.runId, owner: env.store.actor },
    journal: [
      {
        kind: d.decision === "approve" ? "approval.granted" : "approval.rejected",
        caseId: run.caseId,
        runId: run.runId,
        detail: { steps: keys, by: d.by, reason: d.reason, planHashes: d.planHashes ?? {} },
      },
    ],
  });
  const drive: DriveEnv = {
    ...base,
    decision: {
      kind: d.decision,
      stepKeys: keys,
      by: d.by,
      reason: d.reason,
      planHashes: d.planHashes ?? {},
    },
  };
  return resumeRun(drive, pb, env.store.getRun(d.runId)!);
}
