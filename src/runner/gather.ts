/**
 * A playbook's `gather` and `assess`, before its steps are planned. Each gather step runs a read-only catalogue
 * action once for the case (its input from the newest hit it applies to) and its result becomes the fact
 * `context.<id>`; a failure is recorded and never stops the containment (the fact is then absent). Dry runs gather
 * too: the actions only read. The journal entries (`context.gathered`, `assess.scored`) are returned, for the
 * run's first commit to carry them with its snapshot; `gatheredFacts` reads them back for a case.
 */
import type { ActionContext, CaseView } from "../actions/types.js";
import type { Json } from "../engine/machine.js";
import { holds } from "../engine/predicate.js";
import { hitSchema, type Hit } from "../model/hit.js";
import { attackerMarks } from "../model/session.js";
import type { Playbook } from "../playbooks/schema.js";
import type { CaseStore, JournalInput } from "../store/types.js";
import { assess, type AssessResult } from "./assess.js";
import { caseFacts, requireAction, type CaseExtras } from "./steps.js";

export interface GatherEnv {
  store: CaseStore;
  actionCtx: ActionContext;
  caseId: string;
  /** Every hit of the case (all its targets), whichever playbook contains them. */
  hits: Hit[];
  stop?: AbortSignal;
}

export interface Gathered extends CaseExtras {
  context: Record<string, Json>;
  /** Journal entries without a run id: the run's first commit carries them. */
  journal: JournalInput[];
}

const actionTime = (h: Hit) => Date.parse(h.action.time ?? h.detectedAt) || 0;
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The tenant's other users' cases with their hits, read from the store (case.sessionPeers). */
function caseView(env: GatherEnv): CaseView {
  const self = env.store.getCase(env.caseId);
  return {
    caseId: env.caseId,
    hits: env.hits,
    otherCases: () =>
      env.store
        .listCases({ tenantId: env.actionCtx.tenantId })
        .filter((c) => c.caseId !== env.caseId && c.userId.toLowerCase() !== self?.userId.toLowerCase())
        .map((c) => ({
          caseId: c.caseId,
          status: c.status,
          user: { id: c.userId, upn: c.userUpn },
          hits: env.store.listTargets(c.caseId).flatMap((t) => {
            const h = hitSchema.safeParse(t.hit);
            return h.success ? [h.data] : [];
          }),
        })),
  };
}

export async function gatherCase(pb: Playbook, env: GatherEnv): Promise<Gathered> {
  const marks = attackerMarks(env.hits);
  const out: Gathered = { context: {}, journal: [], marks };
  if (!env.hits.length) return out;
  const newestFirst = [...env.hits].sort((a, b) => actionTime(b) - actionTime(a));
  const ctx: ActionContext = {
    ...env.actionCtx,
    caseView: caseView(env),
    ...(env.stop
      ? { signal: env.actionCtx.signal ? AbortSignal.any([env.actionCtx.signal, env.stop]) : env.stop }
      : {}),
  };
  const record = (detail: Record<string, unknown>) =>
    out.journal.push({
      kind: "context.gathered",
      caseId: env.caseId,
      detail: { playbook: pb.metadata.id, ...detail },
    });
  for (const g of pb.gather) {
    const base = { gatherId: g.id, action: g.action };
    if (env.stop?.aborted) {
      record({ ...base, result: null, error: "not gathered: the invocation was stopped" });
      continue;
    }
    if (!holds(g.if, caseFacts(env.hits, { context: out.context, marks }))) {
      record({ ...base, result: null, skipped: "its condition does not hold" });
      continue;
    }
    const action = requireAction(g.action);
    const hit = newestFirst.find((h) => action.inputFromHit(h) !== undefined);
    if (!hit) {
      record({ ...base, result: null, skipped: "it applies to none of the case's hits" });
      continue;
    }
    try {
      const p = await action.plan(ctx, action.inputFromHit(hit));
      out.context[g.id] = p.before;
      record({ ...base, result: p.before, transport: p.transport });
    } catch (e) {
      record({ ...base, result: null, error: errorText(e) });
    }
  }
  if (pb.assess) {
    out.assess = assess(pb.assess, caseFacts(env.hits, { context: out.context, marks }));
    out.journal.push({
      kind: "assess.scored",
      caseId: env.caseId,
      detail: { playbook: pb.metadata.id, ...out.assess },
    });
  }
  return out;
}

/**
 * The case's context as last gathered and assessed (from the journal): what a later expansion of the same
 * playbook's steps (follow-ups, closing the case) sees, so it expands the steps the run planned.
 */
export function gatheredFacts(store: CaseStore, caseId: string, playbookId: string, hits: Hit[]): CaseExtras {
  const context: Record<string, Json> = {};
  let scored: AssessResult | undefined;
  for (const e of store.journal({ caseId })) {
    const d = e.detail as {
      playbook?: string;
      gatherId?: string;
      result?: Json;
      error?: string;
      skipped?: string;
    } & AssessResult;
    if (d?.playbook !== playbookId) continue;
    if (e.kind === "context.gathered" && d.gatherId) {
      if (d.error || d.skipped) delete context[d.gatherId];
      else context[d.gatherId] = d.result ?? null;
    } else if (e.kind === "assess.scored")
      scored = { score: d.score, severity: d.severity, reasons: d.reasons };
  }
  return { context, ...(scored ? { assess: scored } : {}), marks: attackerMarks(hits) };
}
