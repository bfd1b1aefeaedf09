/**
 * Rollback per run or per case: compensations in reverse order from the journal's immutable before-images,
 * each verified by re-reading (the live state must equal the before-image again), each journalled. What cannot
 * be undone is listed with the reason; a tenant-wide object another open case still depends on is kept.
 */
import { isDeepStrictEqual } from "node:util";
import { pollUntil, type ActionContext } from "../actions/types.js";
import type { AuditLogger } from "../audit/log.js";
import type { Json } from "../engine/machine.js";
import type { CaseStore, EffectRow, RunRow } from "../store/types.js";
import { requireAction } from "./steps.js";

export type RollbackOutcome =
  | "would-restore"
  | "rolled-back"
  | "already-rolled-back"
  | "not-applied"
  | "irreversible"
  | "kept"
  | "failed";

export interface RollbackItem {
  runId: string;
  stepKey: string;
  actionId: string;
  targetId: string;
  outcome: RollbackOutcome;
  /** The before-image restored (or to restore). */
  restore?: unknown;
  reason?: string;
  verified?: boolean;
}

export interface RollbackScope {
  runId?: string;
  caseId?: string;
}

function inputOf(run: RunRow | undefined, stepKey: string): Json | undefined {
  const steps = (run?.input as { steps?: { key: string; input: Json }[] } | undefined)?.steps ?? [];
  return steps.find((s) => s.key === stepKey)?.input;
}

function effectsIn(store: CaseStore, scope: RollbackScope): EffectRow[] {
  const list = scope.runId
    ? store.listEffects({ runId: scope.runId })
    : store.listEffects({ caseId: scope.caseId! });
  return list.reverse();
}

/** What a rollback would do, without writing (the preview). */
export function previewRollback(store: CaseStore, scope: RollbackScope): RollbackItem[] {
  return effectsIn(store, scope).map((e) => classify(store, e, true));
}

function classify(store: CaseStore, e: EffectRow, preview: boolean): RollbackItem {
  const base = { runId: e.runId, stepKey: e.stepKey, actionId: e.actionId, targetId: e.targetId };
  const action = requireAction(e.actionId);
  if (e.status === "compensated") return { ...base, outcome: "already-rolled-back" };
  if (e.status === "failed" && e.applied !== true)
    return {
      ...base,
      outcome: "not-applied",
      reason: "the step failed before changing anything mailwarden knows of",
    };
  if (e.status === "done" && e.applied === false)
    return {
      ...base,
      outcome: "not-applied",
      reason: "it was already so when mailwarden looked: nothing to restore",
    };
  if (!action.compensate || action.reversibility === "irreversible")
    return {
      ...base,
      outcome: "irreversible",
      reason: `${action.id} cannot be undone${action.limits[0] ? `: ${action.limits[0]}` : ""}`,
    };
  if (e.scope === "tenant") {
    const others = store.openCasesDependingOn(e.actionId, e.targetId, e.caseId);
    if (others.length)
      return { ...base, outcome: "kept", reason: `open case(s) ${others.join(", ")} still depend on it` };
  }
  return { ...base, outcome: preview ? "would-restore" : "failed", restore: e.before };
}

export async function applyRollback(
  env: { store: CaseStore; audit: AuditLogger; actionCtx: ActionContext; leaseMs: number },
  scope: RollbackScope,
): Promise<RollbackItem[]> {
  const { store, audit, actionCtx } = env;
  const runs = new Map<string, RunRow | undefined>();
  const runOf = (id: string) => {
    if (!runs.has(id)) runs.set(id, store.getRun(id));
    return runs.get(id);
  };
  // Nobody may drive a run while it is rolled back: take the lease of every run in scope.
  const inScope = scope.runId ? [store.getRun(scope.runId)!] : store.listRuns({ caseId: scope.caseId! });
  for (const r of inScope.filter((r) => r && r.mode === "execute")) {
    const lease = store.acquireLease(r.runId, env.leaseMs);
    if (!lease.ok)
      throw new Error(
        `run ${r.runId} is being driven by another process (${lease.holder}); roll back when it ends`,
      );
  }
  const out: RollbackItem[] = [];
  try {
    for (const e of effectsIn(store, scope)) {
      const c = classify(store, e, false);
      if (c.outcome !== "failed") {
        out.push(c);
        continue;
      }
      const action = requireAction(e.actionId);
      const input = inputOf(runOf(e.runId), e.stepKey);
      const at = {
        caseId: e.caseId,
        runId: e.runId,
        stepKey: e.stepKey,
        actionId: e.actionId,
        targetId: e.targetId,
        idemKey: e.idemKey,
      };
      if (input === undefined) {
        out.push({ ...c, reason: "the run's record has no input for this step" });
        continue;
      }
      try {
        store.commit({ journal: [{ ...at, kind: "rollback.intent", before: e.after, after: e.before }] });
        await action.compensate!(
          actionCtx,
          input,
          (e.before ?? null) as Json,
          (e.target ?? undefined) as Json | undefined,
        );
        // Verify by re-reading: the live state is the before-image again.
        const v = await pollUntil(
          actionCtx,
          async () => (await action.plan(actionCtx, input)).before,
          (live) => isDeepStrictEqual(live, e.before),
        );
        store.commit({
          effects: [{ ...e, status: "compensated", verified: v.ok }],
          journal: [
            { ...at, kind: "rollback.done", before: e.after, after: v.value, detail: { verified: v.ok } },
          ],
        });
        audit.info("rollback.step", {
          runId: e.runId,
          step: e.stepKey,
          action: e.actionId,
          restored: e.before,
          verified: v.ok,
        });
        out.push({
          ...c,
          outcome: "rolled-back",
          verified: v.ok,
          ...(v.ok ? {} : { reason: `re-read shows ${JSON.stringify(v.value)}` }),
        });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        store.commit({ journal: [{ ...at, kind: "rollback.failed", detail: { error } }] });
        audit.error("rollback.failed", { runId: e.runId, step: e.stepKey, error });
        out.push({ ...c, outcome: "failed", reason: error });
      }
    }
    const failed = out.some(
      (o) => o.outcome === "failed" || (o.outcome === "rolled-back" && o.verified === false),
    );
    if (!failed)
      for (const r of inScope.filter((r) => r && r.mode === "execute"))
        store.setRunState(r.runId, "rolledBack", {
          kind: "run.rolled-back",
          caseId: r.caseId,
          runId: r.runId,
          detail: {
            irreversible: out
              .filter((o) => o.runId === r.runId && o.outcome === "irreversible")
              .map((o) => o.stepKey),
          },
        });
    const caseIds = new Set(inScope.map((r) => r.caseId));
    if (!failed)
      for (const id of caseIds)
        if (!store.listRuns({ caseId: id, active: true }).length) store.closeCase(id, "rolled back");
  } finally {
    for (const r of inScope) if (r) store.releaseLease(r.runId);
  }
  return out;
}
