/**
 * The runner owns the run: resume what the store holds, route each hit to a playbook, group hits into one case
 * per (tenant, user), and drive one run per case and playbook. Every hit is accounted for: taken by a run, joined
 * to a case, already contained by a closed case, or not containable by any selected playbook.
 */
import pLimit from "p-limit";
import type { ActionContext } from "../actions/types.js";
import type { AuditLogger } from "../audit/log.js";
import { machineIdentity, REAPPROVE, type RunMode, type StepInstance } from "../engine/machine.js";
import { computeHitKey, hitSchema, hitSource, type Hit } from "../model/hit.js";
import type { Playbook } from "../playbooks/schema.js";
import { LeaseLostError, type CaseRow, type CaseStore, type RunRow } from "../store/types.js";
import { runAftercare } from "./aftercare.js";
import { resumeRun, startRun, type DriveEnv } from "./drive.js";
import { gatherCase, gatheredFacts } from "./gather.js";
import { idempotencyKey } from "./effects.js";
import type { HitAccount, RunReport, SkippedRun } from "./report.js";
import {
  approvalGate,
  expandSteps,
  GATE,
  gateFor,
  requireAction,
  type CaseTarget,
  type GatePolicy,
  type Severity,
} from "./steps.js";

export interface Guardrails {
  protectedAccounts: string[];
  /** The config's kill switch (its reason). */
  halt?: string | undefined;
  /** At most this many cases start containing in one invocation; the rest wait. */
  maxContainmentsPerRun: number;
}

/** Unattended containment (`run --auto`): who may act without a person, and the persisted blast-radius cap. */
export interface UnattendedPolicy {
  minSeverity: Severity;
  cap: { max: number; windowMs: number };
}

/** What the job tells people (src/notify delivers it; a notice failing never fails a containment). */
export interface JobNotice {
  kind: "approval-needed" | "escalated" | "contained" | "cap-reached" | "halted" | "failed";
  caseId: string;
  runId?: string;
  user: { id: string; upn: string };
  summary: string;
  steps?: string[];
}

export interface JobEnv {
  store: CaseStore;
  audit: AuditLogger;
  actionCtx: ActionContext;
  playbooks: Playbook[];
  guardrails: Guardrails;
  leaseMs: number;
  /** Tenant-scope / attended-only step ids the invocation named. */
  namedSteps?: string[];
  /** A human started this invocation (`--yes`); false for unattended runs. */
  attended?: boolean;
  /** Set for unattended runs (with attended false). */
  unattended?: UnattendedPolicy;
  /** The configured unattended policy, for dry runs to say what an unattended run would do (an audit). */
  auditPolicy?: UnattendedPolicy;
  /** Raises a notice; awaited, but its failure is only logged. */
  notify?: (n: JobNotice) => Promise<unknown>;
  stop?: AbortSignal;
  /** Cases driven at once (each its own run and lease); 1 (default): one after another. */
  concurrency?: number;
}

export interface JobOutcome {
  runs: RunReport[];
  hits: HitAccount[];
  skipped: SkippedRun[];
}

interface Budget {
  take(): boolean;
}

const BUDGET_GATE = GATE.budget;
/** Follow-up runs a waiting case may have at once (per playbook). */
const FOLLOW_UP_LANES = 4;

const targetKeyOf = (h: Hit) => h.hitKey || computeHitKey(h.tenantId, h.target);

const SEVERITY_ORDER = { low: 1, medium: 2, high: 3 } as const;

/** Does the playbook's trigger take the hit: its target kind (or audit category), severity and source? */
export function triggerTakes(p: Playbook, hit: Hit): boolean {
  const t = p.trigger;
  const kind =
    hit.target.kind === "auditAction"
      ? (t.categories as readonly string[] | undefined)?.includes(hit.target.category) === true
      : (t.targets as readonly string[]).includes(hit.target.kind);
  return (
    kind &&
    SEVERITY_ORDER[hit.severity] >= SEVERITY_ORDER[t.minSeverity] &&
    (!t.sources || (t.sources as readonly string[]).includes(hitSource(hit)))
  );
}

/** The playbook that takes a hit: the first selected one whose trigger takes it (kind, severity, source). */
export function routeHit(playbooks: Playbook[], hit: Hit): Playbook | undefined {
  return playbooks.find((p) => triggerTakes(p, hit));
}

export class Job {
  private readonly budget: Budget;
  private readonly out: JobOutcome = { runs: [], hits: [], skipped: [] };
  private readonly driven = new Set<string>();

  constructor(private readonly env: JobEnv) {
    let left = env.guardrails.maxContainmentsPerRun;
    this.budget = { take: () => (left > 0 ? (left--, true) : false) };
  }

  private policy(mode: RunMode): GatePolicy {
    const attended = this.env.attended ?? true;
    return {
      mode,
      protectedAccounts: this.env.guardrails.protectedAccounts,
      namedSteps: this.env.namedSteps ?? [],
      attended,
      ...(!attended && this.env.unattended
        ? { unattended: { minSeverity: this.env.unattended.minSeverity } }
        : {}),
    };
  }

  /** Every gate that does not depend on budget or cap: guardrails, scope, and (unattended) the approval policy. */
  private staticGate(s: StepInstance, user: { id: string; upn: string }, mode: RunMode) {
    const p = this.policy(mode);
    return gateFor(s, user, p) ?? approvalGate(s, p);
  }

  private now(): Date {
    return this.env.actionCtx.now();
  }

  /** Unattended: one slot of the persisted cap for this case, or the cap's gate text (and a notice). */
  private takeSlot(caseId: string, user: { id: string; upn: string }, quiet = false): string | undefined {
    const u = this.env.unattended!;
    const r = this.env.store.takeAutoSlot({
      tenantId: this.env.actionCtx.tenantId,
      caseId,
      max: u.cap.max,
      windowMs: u.cap.windowMs,
      now: this.now(),
      quiet,
    });
    if (r.ok) return undefined;
    const text = `${GATE.cap} ${u.cap.max} unattended containment(s) per ${Math.round(u.cap.windowMs / 60_000)} min for this tenant reached (${r.used} held; the next frees at ${r.freesAt ?? "?"}): waits for a person`;
    // A case already waiting at the cap was recorded and noticed when it first met it.
    if (quiet) return text;
    this.notice({
      kind: "cap-reached",
      caseId,
      user,
      summary: `unattended containment cap reached (${r.used}/${u.cap.max}); case waits for a person`,
    });
    return text;
  }

  private readonly notices: Promise<unknown>[] = [];

  private notice(n: JobNotice, playbookId?: string): void {
    if (!this.env.notify) return;
    // A playbook's `notify.on` says which notices its runs raise (the cap is the tenant's: always raised).
    const on = this.env.playbooks.find((p) => p.metadata.id === playbookId)?.notify?.on;
    if (on && !(on as readonly string[]).includes(n.kind)) return;
    const p = this.env
      .notify(n)
      .catch((e: unknown) =>
        this.env.audit.warn("notice.failed", { kind: n.kind, caseId: n.caseId, error: String(e) }),
      );
    this.notices.push(p);
  }

  /** Waits for notices in flight (their failure never fails the job). */
  async flushNotices(): Promise<void> {
    await Promise.allSettled(this.notices.splice(0));
  }

  /** The notice a finished or waiting run calls for, if any. */
  private noticeFor(r: RunReport): void {
    if (r.mode !== "execute") return;
    const pbId = r.playbook.split("#")[0];
    const notice = (n: JobNotice) => this.notice(n, pbId);
    const user = { id: "", upn: r.user };
    const base = { caseId: r.caseId, runId: r.runId, user };
    const waiting = r.steps.filter((s) => s.outcome === "waiting");
    if (r.state === "waiting")
      notice({
        ...base,
        kind: "approval-needed",
        summary: `${waiting.length} step(s) wait for approval: ${r.waiting ?? ""}`,
        steps: waiting.map((s) => s.key),
      });
    else if (r.state === "done")
      notice({
        ...base,
        kind: "contained",
        summary: `contained and verified: ${r.steps.filter((s) => s.outcome === "done").length} change(s)`,
        steps: r.steps.filter((s) => s.outcome === "done").map((s) => s.key),
      });
    else if (r.state === "halted") notice({ ...base, kind: "halted", summary: r.error ?? "halted" });
    else if (r.state === "failed" || r.state === "partial")
      notice({ ...base, kind: "failed", summary: `${r.state}: ${r.error ?? ""}` });
  }

  private driveEnv(user: { id: string; upn: string }, mode: RunMode, caseId: string): DriveEnv {
    return {
      store: this.env.store,
      audit: this.env.audit,
      actionCtx: this.env.actionCtx,
      leaseMs: this.env.leaseMs,
      ...(this.env.stop ? { stop: this.env.stop } : {}),
      regate: this.regate(user, mode, caseId),
      onEscalate: (run, steps) =>
        this.notice(
          {
            kind: "escalated",
            caseId: run.caseId,
            runId: run.runId,
            user,
            summary: `no decision in time on ${steps.map((s) => s.key).join(", ")}: escalated, still waiting for a person`,
            steps: steps.map((s) => s.key),
          },
          run.playbook.split("#")[0],
        ),
      ...(this.env.guardrails.halt ? { configHalt: this.env.guardrails.halt } : {}),
    };
  }

  /**
   * A waiting step's gate now. Guardrails and (unattended) the approval policy as configured; unattended, a slot
   * of the persisted cap; attended (`--yes`), a budget gate opens only if budget is left. Steps waiting for a
   * person's approval (the approval policy, the cap, a changed plan) are never released by `--yes`: a person
   * decides them (approvals approve, the console).
   */
  private regate(
    user: { id: string; upn: string },
    mode: RunMode,
    caseId: string,
  ): (s: StepInstance) => string | undefined {
    let budgetTaken = false;
    let slotTaken = false;
    return (s) => {
      const g = this.staticGate(s, user, mode);
      if (g) return g;
      const gate = s.gate ?? "";
      if (gate === REAPPROVE) return gate;
      if (this.policy(mode).unattended) {
        if (!slotTaken) {
          const cap = this.takeSlot(caseId, user, true);
          if (cap) return cap;
          slotTaken = true;
        }
        return undefined;
      }
      if (gate.startsWith(GATE.approval) || gate.startsWith(GATE.cap)) return gate;
      if (gate.startsWith(BUDGET_GATE) && !budgetTaken) {
        if (!this.budget.take()) return gate;
        budgetTaken = true;
      }
      return undefined;
    };
  }

  private playbookOf(row: RunRow): Playbook | undefined {
    return this.env.playbooks.find((p) => machineIdentity(p).id === row.machineId);
  }

  /** Resumes one stored run (lease permitting); reports it skipped when its machine version is gone. */
  private async resume(row: RunRow): Promise<void> {
    if (this.driven.has(row.runId)) return;
    this.driven.add(row.runId);
    const pb = this.playbookOf(row);
    const want = pb ? machineIdentity(pb).version : undefined;
    if (!pb || want !== row.machineVersion) {
      this.out.skipped.push({
        runId: row.runId,
        caseId: row.caseId,
        reason: "needs-migration",
        detail: pb
          ? `stored by machine version ${row.machineVersion}; playbook ${pb.metadata.id} is now ${want}. Finish it with the mailwarden and playbook that started it, or roll it back (mailwarden rollback --run ${row.runId}).`
          : `its playbook (${row.machineId}) is not selected in this config: select it to resume the run, or roll it back.`,
      });
      this.env.audit.warn("run.needs-migration", {
        runId: row.runId,
        machine: row.machineId,
        version: row.machineVersion,
      });
      return;
    }
    const lease = this.env.store.acquireLease(row.runId, this.env.leaseMs);
    if (!lease.ok) {
      this.out.skipped.push({
        runId: row.runId,
        caseId: row.caseId,
        reason: "driven-elsewhere",
        detail: `another process (${lease.holder ?? "unknown"}) holds this run's lease`,
      });
      return;
    }
    if (lease.tookOverFrom)
      this.env.audit.warn("run.taken-over", { runId: row.runId, from: lease.tookOverFrom });
    const input = row.input as { user: { id: string; upn: string } };
    await this.guardLease(row.runId, row.caseId, () =>
      resumeRun(this.driveEnv(input.user, "execute", row.caseId), pb, row),
    );
  }

  /** Drives a run; a lease lost mid-run (another process took the run over) is reported, never fatal to the job. */
  private async guardLease(runId: string, caseId: string, drive: () => Promise<RunReport | undefined>) {
    try {
      const r = await drive();
      if (r) {
        this.out.runs.push(r);
        this.noticeFor(r);
      }
      return r;
    } catch (e) {
      if (!(e instanceof LeaseLostError)) throw e;
      this.out.skipped.push({
        runId,
        caseId,
        reason: "driven-elsewhere",
        detail:
          "another process took this run's lease over while this one drove it: it stopped before its next write",
      });
      return undefined;
    }
  }

  /** Resumes every interrupted or waiting run in the store (execute mode only: a dry run never writes). */
  async resumePending(): Promise<void> {
    // One run's row (and snapshot) in memory at a time: thousands of open cases are listed by id only.
    for (const runId of this.env.store.activeRunIds()) {
      if (this.env.stop?.aborted) break;
      const row = this.env.store.getRun(runId);
      if (row?.mode === "execute") {
        await this.resume(row);
        // A resumed run that finished may have been its case's last open work.
        this.maybeClose(row.caseId);
      }
    }
  }

  private aftercare(): Promise<Hit[]> {
    return runAftercare({
      store: this.env.store,
      audit: this.env.audit,
      actionCtx: this.env.actionCtx,
      leaseMs: this.env.leaseMs,
      notice: (n) => this.notice({ kind: "failed", ...n }),
      ...(this.env.stop ? { stop: this.env.stop } : {}),
    });
  }

  /** Effects of a case that are done and verified: their steps are not planned again. */
  private settledKeys(caseId: string): Set<string> {
    return new Set(
      this.env.store
        .listEffects({ caseId })
        .filter((e) => e.status === "done" && e.verified === true)
        .map((e) => e.idemKey),
    );
  }

  private instanceKey(caseId: string, s: StepInstance): string {
    const a = requireAction(s.action);
    return idempotencyKey(this.env.actionCtx.tenantId, caseId, a.id, a.targetId(s.input));
  }

  /** Read-only: is a target of a closed case active again (any object step would change something)? */
  private async activeAgain(pb: Playbook, hit: Hit): Promise<boolean> {
    const steps = expandSteps(pb, [{ targetKey: targetKeyOf(hit), hit }]).filter((s) => s.scope !== "user");
    for (const s of steps) {
      try {
        const p = await requireAction(s.action).plan(this.env.actionCtx, s.input);
        if (!p.noop) return true;
      } catch {
        return true; // cannot tell: treat it as a new case, where the failure will be reported
      }
    }
    return false;
  }

  /** Why nothing may write now (the kill switch in the config or the store), or undefined. */
  halted(): string | undefined {
    if (this.env.guardrails.halt) return `kill switch in the config: ${this.env.guardrails.halt}`;
    const h = this.env.store.getHalt();
    return h ? `kill switch set by ${h.by} at ${h.at}: ${h.reason}` : undefined;
  }

  async run(hits: Hit[], mode: RunMode): Promise<JobOutcome> {
    const { store } = this.env;
    const halt = mode === "execute" ? this.halted() : undefined;
    if (halt) {
      // Nothing is started or resumed while the switch is on; every hit is still accounted for.
      for (const h of hits)
        this.out.hits.push({
          hitKey: h.hitKey,
          user: h.user.upn,
          kind: h.target.kind,
          outcome: "halted",
          reason: halt,
        });
      return this.out;
    }
    if (mode === "execute") await this.resumePending();
    // Due re-checks and watch looks; what came back is contained again through the same path as new hits.
    if (mode === "execute") hits = [...(await this.aftercare()), ...hits];
    // Route; group by (tenant, user), keeping the input order.
    const groups = new Map<
      string,
      { user: { id: string; upn: string }; tenantId: string; items: { hit: Hit; pb: Playbook }[] }
    >();
    const seen = new Set<string>();
    for (const raw of hits) {
      const hit = hitSchema.parse(raw);
      if (seen.has(hit.hitKey)) continue;
      seen.add(hit.hitKey);
      const pb = routeHit(this.env.playbooks, hit);
      if (!pb) {
        this.out.hits.push({
          hitKey: hit.hitKey,
          user: hit.user.upn,
          kind: hit.target.kind,
          outcome: "not-containable",
          reason: `no selected playbook (${this.env.playbooks.map((p) => p.metadata.id).join(", ")}) takes ${hit.target.kind} hits of severity ${hit.severity} from ${hitSource(hit)}`,
        });
        continue;
      }
      const g = `${hit.tenantId}\u0000${hit.user.id.toLowerCase()}`;
      if (!groups.has(g)) groups.set(g, { user: hit.user, tenantId: hit.tenantId, items: [] });
      groups.get(g)!.items.push({ hit, pb });
    }
    await this.runCases([...groups.values()], mode);
    // Hits joined to a case whose run another process drives (or that a stop left unplanned) are said so too.
    const accounted = new Set([
      ...this.out.runs.flatMap((r) => r.hitKeys),
      ...this.out.hits.map((h) => h.hitKey),
    ]);
    for (const g of groups.values())
      for (const { hit } of g.items)
        if (!accounted.has(targetKeyOf(hit))) {
          const open = store.findOpenCase(hit.tenantId, hit.user.id);
          this.out.hits.push({
            hitKey: hit.hitKey,
            user: hit.user.upn,
            kind: hit.target.kind,
            outcome: "driven-elsewhere",
            ...(open ? { caseId: open.caseId } : {}),
            reason: this.env.stop?.aborted
              ? "the invocation was stopped before this hit's case ran"
              : "joined its case, whose run another process drives (or that holds it as settled)",
          });
        }
    return this.out;
  }

  /**
   * The cases, `concurrency` at a time, started in input order (a new case takes its budget or cap slot before
   * its first await, so the order of those is the input's); runs are reported in input order. A case that throws
   * stops new ones from starting; the first error is thrown once the started ones have ended.
   */
  private async runCases(
    groups: { user: { id: string; upn: string }; tenantId: string; items: { hit: Hit; pb: Playbook }[] }[],
    mode: RunMode,
  ): Promise<void> {
    const first = this.out.runs.length;
    const limit = pLimit(Math.max(1, Math.floor(this.env.concurrency ?? 1)));
    let failed = false;
    const results = await Promise.allSettled(
      groups.map((g) =>
        limit(async () => {
          if (this.env.stop?.aborted || failed) return;
          try {
            await this.runCase(g.tenantId, g.user, g.items, mode);
          } catch (e) {
            failed = true;
            throw e;
          }
        }),
      ),
    );
    const order = new Map(groups.map((g, i) => [`${g.tenantId}\u0000${g.user.id.toLowerCase()}`, i]));
    const rank = (r: RunReport) => {
      const row = this.env.store.getCase(r.caseId);
      return row ? (order.get(`${row.tenantId}\u0000${row.userId.toLowerCase()}`) ?? -1) : -1;
    };
    const mine = this.out.runs.splice(first).map((r) => ({ r, k: rank(r) }));
    mine.sort((a, b) => a.k - b.k); // stable: a case's runs keep their order
    this.out.runs.push(...mine.map((x) => x.r));
    const err = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (err) throw err.reason;
  }

  private async runCase(
    tenantId: string,
    user: { id: string; upn: string },
    items: { hit: Hit; pb: Playbook }[],
    mode: RunMode,
  ): Promise<void> {
    const { store } = this.env;
    let kase: CaseRow | undefined = store.findOpenCase(tenantId, user.id);
    let why: string | undefined;
    if (!kase) {
      // Targets a closed case already contained are a new compromise only if they are active again.
      const fresh: typeof items = [];
      for (const it of items) {
        const closed = store.closedCasesWithTarget(tenantId, user.id, targetKeyOf(it.hit))[0];
        if (closed && !(await this.activeAgain(it.pb, it.hit))) {
          this.out.hits.push({
            hitKey: it.hit.hitKey,
            user: user.upn,
            kind: it.hit.target.kind,
            outcome: "already-contained",
            caseId: closed.caseId,
            reason: `contained by case ${closed.caseId} (closed ${closed.closedAt ?? ""}: ${closed.closeReason ?? ""}); nothing is active again`,
          });
        } else {
          if (closed) why = `target ${it.hit.hitKey} of closed case ${closed.caseId} is active again`;
          fresh.push(it);
        }
      }
      if (!fresh.length) return;
      items = fresh;
      const last = store.listCases({ tenantId, userId: user.id, status: ["closed"] }).at(-1);
      why ??= last
        ? `new suspect activity after case ${last.caseId} closed (${last.closeReason ?? ""})`
        : undefined;
      kase = store.openCase(tenantId, user, mode === "execute" ? "open" : "planned", why).row;
    }
    const newKeys = new Set<string>();
    for (const it of items)
      if (store.addTarget(kase.caseId, targetKeyOf(it.hit), it.hit.target.kind, it.hit))
        newKeys.add(targetKeyOf(it.hit));
    const playbooks = [...new Set(items.map((i) => i.pb))];
    for (const pb of playbooks) {
      if (this.env.stop?.aborted) return;
      if (mode === "execute") await this.runCasePlaybook(kase, user, pb, newKeys);
      else await this.planCasePlaybook(kase, user, pb);
    }
    if (mode === "execute") this.maybeClose(kase.caseId);
  }

  private caseTargets(caseId: string, pb: Playbook): CaseTarget[] {
    return this.env.store
      .listTargets(caseId)
      .map((t) => ({ targetKey: t.targetKey, hit: hitSchema.parse(t.hit) }))
      .filter((t) => routeHit(this.env.playbooks, t.hit) === pb);
  }

  /** Every hit of the case (all its targets, whichever playbook takes them). */
  private caseHits(caseId: string): Hit[] {
    return this.env.store.listTargets(caseId).map((t) => hitSchema.parse(t.hit));
  }

  /** Gathers the playbook's context and assesses the case now (read-only; journalled with the run it starts). */
  private gather(caseId: string, pb: Playbook) {
    return gatherCase(pb, {
      store: this.env.store,
      actionCtx: this.env.actionCtx,
      caseId,
      hits: this.caseHits(caseId),
      ...(this.env.stop ? { stop: this.env.stop } : {}),
    });
  }

  /** The context last gathered for the case and playbook (journal): expansions after the run's start see it. */
  private facts(caseId: string, pb: Playbook) {
    return gatheredFacts(this.env.store, caseId, pb.metadata.id, this.caseHits(caseId));
  }

  /** Dry runs: the cases that would hold a slot of the cap (those in the store's window, then this run's). */
  private simSlots?: Set<string>;

  /** What an unattended run under the configured policy would do with each step (dry runs, for auditors). */
  private unattendedVerdicts(caseId: string, user: { id: string; upn: string }, steps: StepInstance[]) {
    const u = this.env.auditPolicy;
    if (!u) return steps;
    const policy: GatePolicy = {
      mode: "execute",
      protectedAccounts: this.env.guardrails.protectedAccounts,
      namedSteps: [],
      attended: false,
      unattended: { minSeverity: u.minSeverity },
    };
    const verdicts = steps.map((s) => gateFor(s, user, policy) ?? approvalGate(s, policy));
    if (verdicts.some((v) => v === undefined)) {
      this.simSlots ??= new Set(
        this.env.store.autoSlotsHeld(this.env.actionCtx.tenantId, u.cap.windowMs, this.now()),
      );
      if (!this.simSlots.has(caseId)) {
        if (this.simSlots.size < u.cap.max) this.simSlots.add(caseId);
        else
          verdicts.forEach((v, i) => {
            if (v === undefined)
              verdicts[i] =
                `${GATE.cap} ${u.cap.max} unattended containment(s) per ${Math.round(u.cap.windowMs / 60_000)} min would be reached (counting the cases held in the store and those before this one)`;
          });
      }
    }
    return steps.map((s, i) => ({
      ...s,
      unattended: verdicts[i]
        ? { auto: false, why: verdicts[i] }
        : { auto: true, why: `${s.approval?.why ?? "approval auto"}; within the cap` },
    }));
  }

  private async planCasePlaybook(kase: CaseRow, user: { id: string; upn: string }, pb: Playbook) {
    const gathered = await this.gather(kase.caseId, pb);
    const expanded = expandSteps(pb, this.caseTargets(kase.caseId, pb), gathered);
    const steps = this.unattendedVerdicts(kase.caseId, user, expanded).map((s) => {
      const gate = this.staticGate(s, user, "execute");
      return gate ? { ...s, gate } : s;
    });
    const r = await startRun(this.driveEnv(user, "dry-run", kase.caseId), pb, {
      caseId: kase.caseId,
      user,
      mode: "dry-run",
      steps,
      hitKeys: [...new Set(steps.flatMap((s) => (s.targetKey ? [s.targetKey] : [])))],
      journal: gathered.journal,
    });
    if (r) this.out.runs.push(r);
  }

  private async runCasePlaybook(
    kase: CaseRow,
    user: { id: string; upn: string },
    pb: Playbook,
    newKeys: Set<string>,
  ): Promise<void> {
    const { store } = this.env;
    for (let round = 0; round < 3; round++) {
      const active = store.activeRun(kase.caseId, pb.metadata.id);
      if (active) {
        if (this.driven.has(active.runId)) {
          // Resumed above and still waiting: targets that joined the case since get a follow-up run.
          await this.followUp(kase, user, pb, newKeys);
          return;
        }
        await this.resume(active);
        continue;
      }
      const settled = this.settledKeys(kase.caseId);
      const targets = this.caseTargets(kase.caseId, pb);
      const gathered = await this.gather(kase.caseId, pb);
      if (this.env.stop?.aborted) return;
      const steps = expandSteps(pb, targets, gathered).filter(
        (s) => (s.targetKey && newKeys.has(s.targetKey)) || !settled.has(this.instanceKey(kase.caseId, s)),
      );
      newKeys.clear(); // planned from here on: a later round plans only what is still open
      if (!steps.length) return;
      const withBudget = this.gateSteps(kase.caseId, user, steps);
      let created = true;
      const r = await this.guardLease("(new)", kase.caseId, async () => {
        const rep = await startRun(this.driveEnv(user, "execute", kase.caseId), pb, {
          caseId: kase.caseId,
          user,
          mode: "execute",
          steps: withBudget,
          hitKeys: [...new Set(withBudget.flatMap((s) => (s.targetKey ? [s.targetKey] : [])))],
          journal: gathered.journal,
        });
        if (!rep) created = false;
        return rep;
      });
      if (!created) continue; // another process created the case's run a moment ago: go round to resume or skip it
      if (!r) return; // lease lost: reported
      this.driven.add(r.runId);
      // Targets added by another process while this run went on are picked up in the next round.
      const covered = new Set(r.hitKeys);
      const more = this.caseTargets(kase.caseId, pb).some((t) => !covered.has(t.targetKey));
      if (more && r.state === "waiting") await this.followUp(kase, user, pb, newKeys);
      if (!more || r.state !== "done") return;
    }
  }

  /** Gates for new step instances: guardrails and policy, then (unattended) a slot of the cap or (attended) the budget. */
  private gateSteps(
    caseId: string,
    user: { id: string; upn: string },
    steps: StepInstance[],
  ): StepInstance[] {
    const gated = steps.map((s) => {
      const gate = this.staticGate(s, user, "execute");
      return gate ? { ...s, gate } : s;
    });
    if (!gated.some((s) => !s.gate)) return gated;
    const spent = this.policy("execute").unattended
      ? this.takeSlot(caseId, user)
      : this.budget.take()
        ? undefined
        : `${BUDGET_GATE} of ${this.env.guardrails.maxContainmentsPerRun} cases per invocation is spent: the next invocation continues`;
    return spent ? gated.map((s) => ({ ...s, gate: s.gate ?? spent })) : gated;
  }

  /**
   * A case whose run waits (for a person, the cap) still contains what joins it: the object steps of targets no
   * active run covers run in a follow-up run (its own lane, `<playbook>#N`, so two processes never start the same
   * one); the case's account-wide and tenant-wide steps stay with the waiting run. Steps run in the playbook's
   * order within a run, so a waiting step would otherwise hold back a new target's containment.
   */
  private async followUp(
    kase: CaseRow,
    user: { id: string; upn: string },
    pb: Playbook,
    newKeys: Set<string>,
  ): Promise<void> {
    const { store } = this.env;
    const active = store.listRuns({ caseId: kase.caseId, active: true });
    const covered = new Set(active.flatMap((r) => (r.input as { hitKeys?: string[] }).hitKeys ?? []));
    const settled = this.settledKeys(kase.caseId);
    const targets = this.caseTargets(kase.caseId, pb).filter((t) => !covered.has(t.targetKey));
    const steps = expandSteps(pb, targets, this.facts(kase.caseId, pb)).filter(
      (s) =>
        s.scope === "object" &&
        ((s.targetKey && newKeys.has(s.targetKey)) || !settled.has(this.instanceKey(kase.caseId, s))),
    );
    // Only when something would run now: not when every new step waits anyway (a protected account, a manual
    // policy) or the case waits at the cap; those targets are planned when the waiting run ends.
    if (!steps.some((s) => !this.staticGate(s, user, "execute"))) return;
    const atCap = active.some((r) => r.state === "waiting" && JSON.stringify(r.snapshot).includes(GATE.cap));
    if (atCap) return;
    const busy = new Set(active.map((r) => r.playbook));
    const lane = Array.from({ length: FOLLOW_UP_LANES }, (_, i) => `${pb.metadata.id}#${i + 1}`).find(
      (l) => !busy.has(l),
    );
    if (!lane) return; // every lane holds a waiting run: the targets wait for one to end
    const gated = this.gateSteps(kase.caseId, user, steps);
    if (gated.every((s) => s.gate)) return;
    const r = await this.guardLease("(new)", kase.caseId, () =>
      startRun(this.driveEnv(user, "execute", kase.caseId), pb, {
        caseId: kase.caseId,
        user,
        mode: "execute",
        steps: gated,
        hitKeys: [...new Set(gated.flatMap((s) => (s.targetKey ? [s.targetKey] : [])))],
        lane,
      }),
    );
    if (r) this.driven.add(r.runId);
  }

  /** A case closes when no run of it is active and every step over every target is done and verified. */
  private maybeClose(caseId: string): void {
    const { store } = this.env;
    if (store.listRuns({ caseId, active: true }).length) return;
    const settled = this.settledKeys(caseId);
    const targets = store
      .listTargets(caseId)
      .map((t) => ({ targetKey: t.targetKey, hit: hitSchema.parse(t.hit) }));
    for (const pb of this.env.playbooks) {
      const mine = targets.filter((t) => routeHit(this.env.playbooks, t.hit) === pb);
      if (!mine.length) continue;
      for (const s of expandSteps(pb, mine, this.facts(caseId, pb)))
        if (!settled.has(this.instanceKey(caseId, s))) return;
    }
    store.closeCase(caseId, "contained: every step done and verified");
  }
}
