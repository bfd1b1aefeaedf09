/**
 * `run --offline EXPORTS`: the main job on exported records with no tenant — hunt the exports, group the hits into
 * one case per user, and plan each case's playbook without reading or writing anything live. The result is a dry-run
 * audit: per case the steps the playbook would take, with the evidence from the exports as the before, the approval
 * policy's verdict, and what a person's `--yes` and an unattended `--auto` run would do. Nothing here opens a network
 * connection: hunting offline runs DuckDB over the files and enriches IPs from local data, and no store is opened.
 */
import { createHash } from "node:crypto";
import type { StepInstance } from "../engine/machine.js";
import type { OfflineOptions } from "../hunt/offline.js";
import type { Hit } from "../model/hit.js";
import type { Playbook } from "../playbooks/schema.js";
import { routeHit } from "../runner/job.js";
import type { PlanReportInput } from "../runner/plan-report.js";
import { describeObject, type HitAccount, type RunReport, type StepReport } from "../runner/report.js";
import {
  approvalGate,
  expandSteps,
  gateFor,
  requireAction,
  type GatePolicy,
  type Severity,
} from "../runner/steps.js";

export interface OfflineAuditOptions {
  hunt: Omit<OfflineOptions, "profile">;
  playbooks: Playbook[];
  protectedAccounts: string[];
  /** The unattended policy an `--auto` run would apply (the config's, or its defaults). */
  unattended: { minSeverity: Severity; capMax: number };
}

export interface OfflineAudit extends PlanReportInput {
  /** Per hunting target: rows read, hits made, rows that could not become hits. */
  hunted: { target: string; rows: number; hits: number; problems: number; window: string }[];
  load: { files: number; records: number; loaded: number; quarantined: number };
  caseCount: number;
}

const NOTE =
  "planned from the exports: the before is the evidence in the exported records, not the live state; the live plan (run -c FILE --dry-run) decides the exact change";

/** A stable case label for the audit (no store: nothing is opened or persisted offline). */
const caseIdOf = (tenantId: string, userId: string) =>
  `offline-${createHash("sha256").update(`${tenantId}\u0000${userId.toLowerCase()}`).digest("hex").slice(0, 12)}`;

/** The evidence a step acts on: the target as the export recorded it, the action, and the linked sign-ins. */
function evidenceOf(hits: Hit[]): unknown {
  const ev = (h: Hit) => ({
    target: h.target,
    action: {
      operation: h.action.operation,
      ...(h.action.time ? { time: h.action.time } : {}),
      ...(h.action.recordId ? { recordId: h.action.recordId } : {}),
      ...(h.action.ip ? { ip: h.action.ip } : {}),
      ...(h.action.sessionId ? { sessionId: h.action.sessionId } : {}),
    },
    severity: h.severity,
    score: h.score,
    links: h.links.map((l) => ({
      key: l.key,
      strength: l.strength,
      ...(l.ip ? { ip: l.ip } : {}),
      ...(l.time ? { time: l.time } : {}),
      ...(l.risk !== undefined ? { risk: l.risk } : {}),
    })),
  });
  return hits.length === 1 ? ev(hits[0]!) : hits.map(ev);
}

export async function offlineAudit(o: OfflineAuditOptions): Promise<OfflineAudit> {
  const { huntOffline } = await import("../hunt/offline.js");
  const r = await huntOffline({ ...o.hunt, profile: "default" });
  const byKey = new Map<string, Hit>();
  for (const run of r.runs) for (const h of run.hits) if (!byKey.has(h.hitKey)) byKey.set(h.hitKey, h);
  const hits: HitAccount[] = [];
  const groups = new Map<
    string,
    { user: Hit["user"]; tenantId: string; items: { hit: Hit; pb: Playbook }[] }
  >();
  for (const hit of byKey.values()) {
    const pb = routeHit(o.playbooks, hit);
    if (!pb) {
      hits.push({
        hitKey: hit.hitKey,
        user: hit.user.upn,
        kind: hit.target.kind,
        outcome: "not-containable",
        reason: `no selected playbook (${o.playbooks.map((p) => p.metadata.id).join(", ")}) takes ${hit.target.kind} hits`,
      });
      continue;
    }
    const g = `${hit.tenantId}\u0000${hit.user.id.toLowerCase()}`;
    if (!groups.has(g)) groups.set(g, { user: hit.user, tenantId: hit.tenantId, items: [] });
    groups.get(g)!.items.push({ hit, pb });
  }
  const attended: GatePolicy = {
    mode: "execute",
    protectedAccounts: o.protectedAccounts,
    namedSteps: [],
    attended: true,
  };
  const unattended: GatePolicy = {
    ...attended,
    attended: false,
    unattended: { minSeverity: o.unattended.minSeverity },
  };
  let slots = 0;
  const runs: RunReport[] = [];
  for (const g of groups.values()) {
    const caseId = caseIdOf(g.tenantId, g.user.id);
    for (const pb of [...new Set(g.items.map((i) => i.pb))]) {
      const mine = g.items.filter((i) => i.pb === pb);
      const targets = mine.map((i) => ({ targetKey: i.hit.hitKey, hit: i.hit }));
      const steps = expandSteps(pb, targets);
      const auto = steps.map((s) => gateFor(s, g.user, unattended) ?? approvalGate(s, unattended));
      // The cap counts cases: the first capMax cases with a step an unattended run would take hold a slot.
      if (auto.some((v) => v === undefined)) {
        if (slots < o.unattended.capMax) slots++;
        else
          auto.forEach((v, i) => {
            if (v === undefined)
              auto[i] =
                `blast-radius cap: ${o.unattended.capMax} unattended containment(s) per window would be reached by the cases before this one`;
          });
      }
      runs.push({
        runId: `${caseId}:${pb.metadata.id}`,
        caseId,
        hitKey: targets[0]?.targetKey ?? "",
        hitKeys: targets.map((t) => t.targetKey),
        user: g.user.upn,
        mode: "dry-run",
        state: "planned",
        playbook: pb.metadata.id,
        steps: steps.map((s, i) =>
          stepReport(
            s,
            mine.map((m) => m.hit),
            g.user,
            attended,
            auto[i],
          ),
        ),
        approvals: [],
      });
    }
  }
  const t = r.load.totals;
  return {
    runs,
    hits,
    skipped: [],
    caseCount: groups.size,
    hunted: r.runs.map((x) => ({
      target: x.target,
      rows: x.rows.length,
      hits: x.hits.length,
      problems: x.problems.length,
      window:
        x.window.lookback === "whole input"
          ? `the whole input up to ${x.window.until}`
          : `${x.window.lookback} up to ${x.window.until}`,
    })),
    load: { files: t.files, records: t.records, loaded: t.loaded, quarantined: t.quarantined },
  };
}

function stepReport(
  s: StepInstance,
  caseHits: Hit[],
  user: Hit["user"],
  attended: GatePolicy,
  autoGate: string | undefined,
): StepReport {
  const a = requireAction(s.action);
  const on = s.targetKey ? caseHits.filter((h) => h.hitKey === s.targetKey) : caseHits;
  const gate = gateFor(s, user, attended);
  return {
    key: s.key,
    id: s.stepId,
    action: s.action,
    scope: s.scope,
    ...(s.targetKey ? { target: s.targetKey } : {}),
    object: describeObject(s.action, s.input),
    outcome: "planned",
    reversibility: a.reversibility,
    before: evidenceOf(on),
    warnings: [NOTE],
    ...(gate ? { gate } : {}),
    ...(s.approval ? { approval: `${s.approval.mode}: ${s.approval.why}` } : {}),
    unattended: autoGate
      ? { auto: false, why: autoGate }
      : { auto: true, why: `${s.approval?.why ?? "approval auto"}; within the cap` },
  };
}
