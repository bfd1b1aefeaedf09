/**
 * Builds a case report from the store alone (no tenant call): the case, its targets' hits with their evidence and
 * linked sign-ins, the exposure window, the decisions, every change with its before / after and request ids, the
 * verification and watch results, the gathered context and assessment, comments written back, and how to undo.
 * The journal is the record: entries of kinds this version does not know are counted, never dropped silently.
 */
import { describeObject } from "../runner/report.js";
import { previewRollback, type RollbackItem } from "../runner/rollback.js";
import type { CaseStore, EffectRow, JournalEntry } from "../store/types.js";
import {
  CASE_REPORT_SCHEMA_VERSION,
  type CaseReport,
  type ReportChange,
  type ReportHit,
  type ReportSignIn,
} from "./model.js";
import { decisionsOf } from "./decisions.js";
import { assessmentOf, commentsOf, contextOf, verificationOf, watchOf } from "./journal-views.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const strs = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === "string");
const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
  (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };

export class ReportError extends Error {
  override readonly name = "ReportError";
}

function hitOf(targetKey: string, kind: string, addedAt: string, raw: unknown): ReportHit {
  const h = obj(raw);
  const target = obj(h.target);
  return {
    hitKey: str(h.hitKey) ?? targetKey,
    kind: str(target.kind) ?? kind,
    object: describeObject(kind, { kind, ...target }),
    addedAt,
    ...opt("severity", str(h.severity)),
    ...opt("score", num(h.score)),
    ...opt("detectedBy", str(h.detectedBy)),
    ...opt("detectedAt", str(h.detectedAt)),
    action: obj(h.action),
    reasons: arr(h.reasons).map((r) => {
      const o = obj(r);
      return { code: str(o.code) ?? "", detail: str(o.detail) ?? "", ...opt("weight", num(o.weight)) };
    }),
    ...opt("alertId", str(h.alertId)),
    ...opt("incidentId", str(h.incidentId)),
    target: h.target ?? null,
  };
}

function signInsOf(hitKey: string, raw: unknown): ReportSignIn[] {
  return arr(obj(raw).links).map((l) => {
    const o = obj(l);
    return {
      hitKey,
      link: str(o.key) ?? "",
      strength: str(o.strength) ?? "",
      ...opt("time", str(o.time)),
      ...opt("ip", str(o.ip)),
      ...opt("asn", num(o.asn)),
      ...opt("network", str(o.org)),
      networkTags: strs(o.networkTags),
      ...opt("country", str(o.country)),
      ...opt("sessionId", str(o.sessionId)),
      ...opt("uniqueTokenId", str(o.uniqueTokenId)),
      ...opt("signInRequestId", str(o.signInRequestId)),
      ...opt("risk", num(o.risk)),
      riskEventTypes: strs(o.riskEventTypes),
      ...opt("userAgent", str(o.userAgent)),
      ...opt("app", str(o.app)),
      ...(typeof o.interactive === "boolean" ? { interactive: o.interactive } : {}),
    };
  });
}

const ms = (s: string | undefined) => (s ? Date.parse(s) : Number.NaN);

/** From the first attacker action known (action or linked sign-in) to the last containing step done. */
export function exposureOf(
  hits: ReportHit[],
  signIns: ReportSignIn[],
  changes: ReportChange[],
): CaseReport["exposure"] {
  const starts = [
    ...hits.map((h) => ({ t: str(h.action.time), from: "action" as const })),
    ...signIns.map((s) => ({ t: s.time, from: "sign-in" as const })),
  ].filter((x): x is { t: string; from: "action" | "sign-in" } => !Number.isNaN(ms(x.t)));
  starts.sort((a, b) => ms(a.t) - ms(b.t));
  const done = changes
    .filter((c) => c.status === "done" || c.status === "compensated")
    .sort((a, b) => ms(a.at) - ms(b.at));
  const last = done.at(-1);
  const first = starts[0];
  return {
    ...(first ? { start: first.t, startFrom: first.from } : {}),
    ...(last ? { contained: last.at, containedBy: last.stepKey } : {}),
    ...(first && last ? { minutes: Math.round((ms(last.at) - ms(first.t)) / 60_000) } : {}),
    closed: last !== undefined,
  };
}

function changeOf(e: EffectRow, journal: JournalEntry[], undo: Map<string, RollbackItem>): ReportChange {
  const mine = journal.filter((j) => j.idemKey === e.idemKey && j.runId === e.runId);
  const doneEntry = mine.filter((j) => j.kind === "step.done" || j.kind === "step.already-done").at(-1);
  const intent = mine.find((j) => j.kind === "step.intent");
  const u = undo.get(e.idemKey);
  return {
    runId: e.runId,
    stepKey: e.stepKey,
    actionId: e.actionId,
    targetId: e.targetId,
    status: e.status,
    applied: e.applied,
    before: e.before ?? null,
    after: e.after ?? null,
    verified: e.verified,
    at: doneEntry?.at ?? e.updatedAt,
    requestIds: [...new Set(mine.flatMap((j) => j.requestIds ?? []))],
    ...opt("reversibility", str(obj(intent?.detail).reversibility)),
    undo: u ? { outcome: u.outcome, ...opt("reason", u.reason) } : { outcome: "unknown" },
  };
}

export interface BuildOptions {
  /** The config file the undo command names (default: `FILE`). */
  configFile?: string;
  now?: Date;
}

export function buildCaseReport(store: CaseStore, caseId: string, o: BuildOptions = {}): CaseReport {
  const c = store.getCase(caseId);
  if (!c) throw new ReportError(`no case ${caseId} in the store`);
  const journal = store.journal({ caseId });
  const targets = store.listTargets(caseId);
  const hits = targets.map((t) => hitOf(t.targetKey, t.kind, t.addedAt, t.hit));
  const signIns = targets.flatMap((t, i) => signInsOf(hits[i]!.hitKey, t.hit));
  const runs = store.listRuns({ caseId });
  const effects = store
    .listEffects({ caseId })
    .filter((e) => runs.find((r) => r.runId === e.runId)?.mode !== "dry-run");
  const undoItems = effects.length ? previewRollbackSafe(store, caseId) : [];
  const undo = new Map(
    undoItems.map((u) => [
      effects.find((e) => e.runId === u.runId && e.stepKey === u.stepKey)?.idemKey ?? "",
      u,
    ]),
  );
  const changes = effects.map((e) => changeOf(e, journal, undo));
  const config = o.configFile ?? "FILE";
  return {
    schemaVersion: CASE_REPORT_SCHEMA_VERSION,
    generatedAt: (o.now ?? new Date()).toISOString(),
    case: {
      caseId: c.caseId,
      tenantId: c.tenantId,
      user: { id: c.userId, upn: c.userUpn },
      epoch: c.epoch,
      status: c.status,
      openedAt: c.openedAt,
      ...opt("closedAt", c.closedAt),
      ...opt("closeReason", c.closeReason),
    },
    hits,
    signIns,
    exposure: exposureOf(hits, signIns, changes),
    runs: runs.map((r) => ({
      runId: r.runId,
      playbook: r.playbook,
      mode: r.mode,
      state: r.state,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    })),
    context: contextOf(journal),
    ...opt("assessment", assessmentOf(journal)),
    decisions: decisionsOf(journal, runs),
    changes,
    verification: verificationOf(journal),
    watch: watchOf(journal),
    comments: commentsOf(journal),
    undo: {
      command: `mailwarden rollback --case ${c.caseId} -c ${config}`,
      reversible: undoItems.filter((u) => u.outcome === "would-restore").length,
      irreversible: undoItems
        .filter((u) => u.outcome === "irreversible")
        .map((u) => ({ stepKey: u.stepKey, reason: u.reason ?? "" })),
    },
    journal: {
      entries: journal.length,
      ...opt("firstSeq", journal[0]?.seq),
      ...opt("lastSeq", journal.at(-1)?.seq),
    },
  };
}

/** The rollback preview, per effect; an action this version no longer knows is reported, not fatal. */
function previewRollbackSafe(store: CaseStore, caseId: string): RollbackItem[] {
  try {
    return previewRollback(store, { caseId });
  } catch (e) {
    return store.listEffects({ caseId }).map((x) => ({
      runId: x.runId,
      stepKey: x.stepKey,
      actionId: x.actionId,
      targetId: x.targetId,
      outcome: "failed" as const,
      reason: `cannot say: ${e instanceof Error ? e.message : String(e)}`,
    }));
  }
}
