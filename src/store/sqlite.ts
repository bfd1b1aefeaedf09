/**
 * The embedded case store: SQLite through better-sqlite3, WAL, synchronous FULL. Every commit is one IMMEDIATE
 * transaction (the writer lock first, so two processes never interleave a read-then-write), fenced by the run's
 * lease. Before-images and targets are written once, when an effect is first recorded, and never updated.
 */
import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { GENESIS, checkChain, entryHash } from "./chain.js";
import {
  APPLICATION_ID,
  STORE_MIGRATES_FROM,
  STORE_SCHEMA_VERSION,
  prepareStoreFile,
  type OpenOptions,
} from "./open.js";
import {
  LeaseLostError,
  StoreError,
  type CaseRow,
  type CaseStatus,
  type CaseStore,
  type ChainCheck,
  type Commit,
  type AftercareRow,
  type AftercareSchedule,
  type AftercareUpdate,
  type AftercareWrites,
  type ReopenResult,
  type AutoSlotRequest,
  type AutoSlotResult,
  type EffectRow,
  type HaltState,
  type JournalEntry,
  type JournalInput,
  type NewRun,
  type RunRow,
  type TargetRow,
} from "./types.js";

/** Schema 3: the aftercare schedule (re-checks and watches), one row per run that reached done or partial. */
const AFTERCARE_SCHEMA = `
CREATE TABLE aftercare (
  run_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, playbook TEXT NOT NULL, verified_at TEXT NOT NULL,
  recheck_due TEXT, recheck_done_at TEXT, recheck_ok INTEGER,
  watch_until TEXT, watch_every_ms INTEGER, watch_next TEXT, watch_look TEXT, watch_ended_at TEXT, watch_end_reason TEXT,
  checks INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_until INTEGER
);
CREATE INDEX aftercare_case ON aftercare(case_id);
`;

/** In-place migrations, by the schema they start from; each runs in one transaction with its journal entry. */
const MIGRATIONS: Record<number, string> = { 2: AFTERCARE_SCHEMA };

const SCHEMA = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE cases (
  case_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, user_upn TEXT NOT NULL,
  epoch INTEGER NOT NULL, status TEXT NOT NULL, opened_at TEXT NOT NULL, closed_at TEXT, close_reason TEXT
);
CREATE UNIQUE INDEX cases_one_open ON cases(tenant_id, user_id) WHERE status = 'open';
CREATE INDEX cases_user ON cases(tenant_id, user_id, epoch);
CREATE TABLE case_targets (
  case_id TEXT NOT NULL REFERENCES cases(case_id), target_key TEXT NOT NULL, kind TEXT NOT NULL,
  hit TEXT NOT NULL, added_at TEXT NOT NULL, PRIMARY KEY (case_id, target_key)
);
CREATE INDEX case_targets_key ON case_targets(target_key);
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(case_id), playbook TEXT NOT NULL,
  mode TEXT NOT NULL, machine_id TEXT NOT NULL, machine_version TEXT NOT NULL, state TEXT NOT NULL,
  active INTEGER NOT NULL, snapshot TEXT NOT NULL, input TEXT NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, lease_owner TEXT, lease_until INTEGER
);
CREATE UNIQUE INDEX runs_one_active ON runs(case_id, playbook) WHERE active = 1 AND mode = 'execute';
CREATE INDEX runs_case ON runs(case_id);
CREATE TABLE effects (
  idem_key TEXT PRIMARY KEY, case_id TEXT NOT NULL, run_id TEXT NOT NULL, step_key TEXT NOT NULL,
  action_id TEXT NOT NULL, scope TEXT NOT NULL, target_id TEXT NOT NULL, target TEXT, status TEXT NOT NULL,
  applied INTEGER, verified INTEGER, before TEXT, after TEXT, updated_at TEXT NOT NULL
);
CREATE INDEX effects_case ON effects(case_id);
CREATE INDEX effects_target ON effects(action_id, target_id);
CREATE TABLE journal (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, case_id TEXT,
  run_id TEXT, step_key TEXT, action_id TEXT, target_id TEXT, idem_key TEXT, before TEXT, after TEXT,
  detail TEXT, request_ids TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX journal_case ON journal(case_id);
CREATE INDEX journal_run ON journal(run_id);
${AFTERCARE_SCHEMA}`;

const TERMINAL_SQL = "('planned','done','partial','rejected','expired','halted','failed','rolledBack')";

const j = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const p = (v: string | null): unknown => (v === null ? null : (JSON.parse(v) as unknown));

interface RawCase {
  case_id: string;
  tenant_id: string;
  user_id: string;
  user_upn: string;
  epoch: number;
  status: CaseStatus;
  opened_at: string;
  closed_at: string | null;
  close_reason: string | null;
}
const toCase = (r: RawCase): CaseRow => ({
  caseId: r.case_id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  userUpn: r.user_upn,
  epoch: r.epoch,
  status: r.status,
  openedAt: r.opened_at,
  ...(r.closed_at ? { closedAt: r.closed_at } : {}),
  ...(r.close_reason ? { closeReason: r.close_reason } : {}),
});

interface RawRun {
  run_id: string;
  case_id: string;
  playbook: string;
  mode: string;
  machine_id: string;
  machine_version: string;
  state: string;
  snapshot: string;
  input: string;
  created_at: string;
  updated_at: string;
  lease_owner: string | null;
  lease_until: number | null;
}
const toRun = (r: RawRun): RunRow => ({
  runId: r.run_id,
  caseId: r.case_id,
  playbook: r.playbook,
  mode: r.mode,
  machineId: r.machine_id,
  machineVersion: r.machine_version,
  state: r.state,
  snapshot: p(r.snapshot),
  input: p(r.input),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.lease_owner ? { leaseOwner: r.lease_owner } : {}),
  ...(r.lease_until !== null ? { leaseUntil: r.lease_until } : {}),
});

interface RawEffect {
  idem_key: string;
  case_id: string;
  run_id: string;
  step_key: string;
  action_id: string;
  scope: string;
  target_id: string;
  target: string | null;
  status: EffectRow["status"];
  applied: number | null;
  verified: number | null;
  before: string | null;
  after: string | null;
  updated_at: string;
}
const toEffect = (r: RawEffect): EffectRow => ({
  idemKey: r.idem_key,
  caseId: r.case_id,
  runId: r.run_id,
  stepKey: r.step_key,
  actionId: r.action_id,
  scope: r.scope,
  targetId: r.target_id,
  target: p(r.target),
  status: r.status,
  applied: r.applied === null ? null : r.applied === 1,
  verified: r.verified === null ? null : r.verified === 1,
  before: p(r.before),
  after: p(r.after),
  updatedAt: r.updated_at,
});

interface RawJournal {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  case_id: string | null;
  run_id: string | null;
  step_key: string | null;
  action_id: string | null;
  target_id: string | null;
  idem_key: string | null;
  before: string | null;
  after: string | null;
  detail: string | null;
  request_ids: string | null;
  prev_hash: string;
  hash: string;
}
const toEntry = (r: RawJournal): JournalEntry => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  kind: r.kind,
  ...(r.case_id !== null ? { caseId: r.case_id } : {}),
  ...(r.run_id !== null ? { runId: r.run_id } : {}),
  ...(r.step_key !== null ? { stepKey: r.step_key } : {}),
  ...(r.action_id !== null ? { actionId: r.action_id } : {}),
  ...(r.target_id !== null ? { targetId: r.target_id } : {}),
  ...(r.idem_key !== null ? { idemKey: r.idem_key } : {}),
  ...(r.before !== null ? { before: p(r.before) } : {}),
  ...(r.after !== null ? { after: p(r.after) } : {}),
  ...(r.detail !== null ? { detail: p(r.detail) } : {}),
  ...(r.request_ids !== null ? { requestIds: p(r.request_ids) as string[] } : {}),
  prevHash: r.prev_hash,
  hash: r.hash,
});

interface RawAftercare {
  run_id: string;
  case_id: string;
  playbook: string;
  verified_at: string;
  recheck_due: string | null;
  recheck_done_at: string | null;
  recheck_ok: number | null;
  watch_until: string | null;
  watch_every_ms: number | null;
  watch_next: string | null;
  watch_look: string | null;
  watch_ended_at: string | null;
  watch_end_reason: string | null;
  checks: number;
  lease_owner: string | null;
  lease_until: number | null;
}
const toAftercare = (r: RawAftercare): AftercareRow => ({
  runId: r.run_id,
  caseId: r.case_id,
  playbook: r.playbook,
  verifiedAt: r.verified_at,
  ...(r.recheck_due !== null ? { recheckDue: r.recheck_due } : {}),
  ...(r.recheck_done_at !== null ? { recheckDoneAt: r.recheck_done_at } : {}),
  ...(r.recheck_ok !== null ? { recheckOk: r.recheck_ok === 1 } : {}),
  ...(r.watch_until !== null ? { watchUntil: r.watch_until } : {}),
  ...(r.watch_every_ms !== null ? { watchEveryMs: r.watch_every_ms } : {}),
  ...(r.watch_next !== null ? { watchNext: r.watch_next } : {}),
  ...(r.watch_look !== null ? { watchLook: p(r.watch_look) as string[] } : {}),
  ...(r.watch_ended_at !== null ? { watchEndedAt: r.watch_ended_at } : {}),
  ...(r.watch_end_reason !== null ? { watchEndReason: r.watch_end_reason } : {}),
  checks: r.checks,
  ...(r.lease_owner !== null ? { leaseOwner: r.lease_owner } : {}),
  ...(r.lease_until !== null ? { leaseUntil: r.lease_until } : {}),
});

/** Due at `now`: a re-check not done yet, or a watch look that has not ended. ISO times compare as text. */
const AFTERCARE_DUE = `((recheck_due IS NOT NULL AND recheck_done_at IS NULL AND recheck_due <= @now)
  OR (watch_next IS NOT NULL AND watch_ended_at IS NULL AND watch_next <= @now))`;

export interface SqliteStoreOptions extends OpenOptions {
  /** Wall clock for timestamps and leases (injectable in tests). */
  now?: () => Date;
  /** Whether a lease holder with this owner id is still alive (default: same host and the pid exists). */
  ownerAlive?: (owner: string) => boolean;
}

export function defaultOwnerAlive(owner: string): boolean {
  const [host, pidText] = owner.split(":");
  if (host !== os.hostname()) return true; // another machine: only the expiry tells
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class SqliteCaseStore implements CaseStore {
  readonly file: string;
  readonly storeId: string;
  readonly actor = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly ownerAlive: (owner: string) => boolean;

  constructor(file: string, o: SqliteStoreOptions = {}) {
    this.file = file === ":memory:" ? file : path.resolve(file);
    this.now = o.now ?? (() => new Date());
    this.ownerAlive = o.ownerAlive ?? defaultOwnerAlive;
    const { isNew } = prepareStoreFile(file, o);
    let db: Database.Database | undefined;
    try {
      db = new Database(this.file, { fileMustExist: this.file !== ":memory:" });
      this.db = db;
      this.db.pragma("busy_timeout = 15000");
      if (isNew) this.init();
      const app = this.db.pragma("application_id", { simple: true }) as number;
      if (app !== APPLICATION_ID)
        throw new StoreError(
          this.file,
          "is an SQLite database of another program, not a mailwarden run store. Check store.path.",
        );
      const version = Number(this.meta("schema"));
      if (version > STORE_SCHEMA_VERSION)
        throw new StoreError(
          this.file,
          `was written by a newer mailwarden (store schema ${version}; this one reads ${STORE_SCHEMA_VERSION}). Upgrade mailwarden; do not start a new store.`,
        );
      if (version < STORE_MIGRATES_FROM)
        throw new StoreError(
          this.file,
          `has store schema ${version} (mailwarden 0.1, runs per hit). Finish or roll back its runs with that version, then move it aside; this version starts cases in a new store.`,
        );
      this.storeId = this.meta("storeId")!;
      if (version < STORE_SCHEMA_VERSION) this.migrate();
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      const check = this.db.pragma("quick_check", { simple: true }) as string;
      if (check !== "ok") throw new StoreError(this.file, `is corrupt (${check}). Restore it from a backup.`);
    } catch (e) {
      db?.close();
      if (e instanceof StoreError) throw e;
      const code = (e as { code?: string }).code ?? "";
      if (/SQLITE_(CORRUPT|NOTADB)/.test(code) || /malformed|not a database/i.test((e as Error).message))
        throw new StoreError(this.file, `is corrupt (${(e as Error).message}). Restore it from a backup.`);
      throw e;
    }
  }

  private init(): void {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      this.db.exec(SCHEMA);
      this.db.pragma(`application_id = ${APPLICATION_ID}`);
      const ins = this.db.prepare("INSERT INTO meta (k, v) VALUES (?, ?)");
      ins.run("schema", String(STORE_SCHEMA_VERSION));
      ins.run("storeId", randomUUID());
      ins.run("createdAt", this.now().toISOString());
      ins.run("head", GENESIS);
      this.db.exec("COMMIT");
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  /** Brings an older store up to this schema in place, step by step; another process may have done it already. */
  private migrate(): void {
    this.tx(() => {
      let v = Number(this.meta("schema"));
      const from = v;
      for (; v < STORE_SCHEMA_VERSION; v++) this.db.exec(MIGRATIONS[v]!);
      if (from === v) return;
      this.db.prepare("UPDATE meta SET v = ? WHERE k = 'schema'").run(String(v));
      this.append([{ kind: "store.migrated", detail: { from, to: v } }]);
    });
  }

  private meta(k: string): string | undefined {
    try {
      return (this.db.prepare("SELECT v FROM meta WHERE k = ?").get(k) as { v: string } | undefined)?.v;
    } catch {
      return undefined;
    }
  }

  private iso(): string {
    return this.now().toISOString();
  }

  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private append(entries: JournalInput[]): void {
    if (!entries.length) return;
    let prev = this.meta("head") ?? GENESIS;
    let seq = (this.db.prepare("SELECT COALESCE(MAX(seq), 0) s FROM journal").get() as { s: number }).s;
    const ins = this.db.prepare(
      `INSERT INTO journal (seq, at, actor, kind, case_id, run_id, step_key, action_id, target_id, idem_key, before, after, detail, request_ids, prev_hash, hash)
       VALUES (@seq, @at, @actor, @kind, @caseId, @runId, @stepKey, @actionId, @targetId, @idemKey, @before, @after, @detail, @requestIds, @prevHash, @hash)`,
    );
    const at = this.iso();
    for (const e of entries) {
      seq++;
      const full = { ...e, seq, at, actor: this.actor };
      const hash = entryHash(prev, full);
      ins.run({
        seq,
        at,
        actor: this.actor,
        kind: e.kind,
        caseId: e.caseId ?? null,
        runId: e.runId ?? null,
        stepKey: e.stepKey ?? null,
        actionId: e.actionId ?? null,
        targetId: e.targetId ?? null,
        idemKey: e.idemKey ?? null,
        before: j(e.before),
        after: j(e.after),
        detail: j(e.detail),
        requestIds: j(e.requestIds),
        prevHash: prev,
        hash,
      });
      prev = hash;
    }
    this.db.prepare("UPDATE meta SET v = ? WHERE k = 'head'").run(prev);
  }

  openCase(
    tenantId: string,
    user: { id: string; upn: string },
    status: "open" | "planned",
    detail?: unknown,
  ) {
    return this.tx(() => {
      if (status === "open") {
        const open = this.findOpenCase(tenantId, user.id);
        if (open) return { row: open, created: false };
      }
      const last = this.db
        .prepare("SELECT MAX(epoch) e FROM cases WHERE tenant_id = ? AND user_id = ? AND status != 'planned'")
        .get(tenantId, user.id) as { e: number | null };
      const row: CaseRow = {
        caseId: randomUUID(),
        tenantId,
        userId: user.id,
        userUpn: user.upn,
        epoch: (last.e ?? 0) + (status === "open" ? 1 : 0),
        status,
        openedAt: this.iso(),
      };
      this.db
        .prepare(
          "INSERT INTO cases (case_id, tenant_id, user_id, user_upn, epoch, status, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(row.caseId, tenantId, user.id, user.upn, row.epoch, status, row.openedAt);
      this.append([
        {
          kind: status === "open" ? "case.opened" : "case.planned",
          caseId: row.caseId,
          detail: { user, epoch: row.epoch, ...(detail ? { why: detail } : {}) },
        },
      ]);
      return { row, created: true };
    });
  }

  findOpenCase(tenantId: string, userId: string): CaseRow | undefined {
    const r = this.db
      .prepare("SELECT * FROM cases WHERE tenant_id = ? AND user_id = ? AND status = 'open'")
      .get(tenantId, userId) as RawCase | undefined;
    return r ? toCase(r) : undefined;
  }

  getCase(caseId: string): CaseRow | undefined {
    const r = this.db.prepare("SELECT * FROM cases WHERE case_id = ?").get(caseId) as RawCase | undefined;
    return r ? toCase(r) : undefined;
  }

  listCases(filter: { status?: CaseStatus[]; userId?: string; tenantId?: string } = {}): CaseRow[] {
    return (this.db.prepare("SELECT * FROM cases ORDER BY opened_at, case_id").all() as RawCase[])
      .map(toCase)
      .filter(
        (c) =>
          (!filter.status || filter.status.includes(c.status)) &&
          (!filter.userId || c.userId === filter.userId) &&
          (!filter.tenantId || c.tenantId === filter.tenantId),
      );
  }

  closeCase(caseId: string, reason: string): void {
    this.tx(() => {
      const r = this.db
        .prepare(
          "UPDATE cases SET status = 'closed', closed_at = ?, close_reason = ? WHERE case_id = ? AND status = 'open'",
        )
        .run(this.iso(), reason, caseId);
      if (r.changes) this.append([{ kind: "case.closed", caseId, detail: { reason } }]);
    });
  }

  addTarget(caseId: string, targetKey: string, kind: string, hit: unknown): boolean {
    return this.tx(() => {
      const r = this.db
        .prepare(
          "INSERT OR IGNORE INTO case_targets (case_id, target_key, kind, hit, added_at) VALUES (?, ?, ?, ?, ?)",
        )
        .run(caseId, targetKey, kind, JSON.stringify(hit), this.iso());
      if (r.changes)
        this.append([{ kind: "case.target-added", caseId, targetId: targetKey, detail: { kind } }]);
      return r.changes > 0;
    });
  }

  listTargets(caseId: string): TargetRow[] {
    return (
      this.db
        .prepare("SELECT * FROM case_targets WHERE case_id = ? ORDER BY added_at, target_key")
        .all(caseId) as {
        case_id: string;
        target_key: string;
        kind: string;
        hit: string;
        added_at: string;
      }[]
    ).map((r) => ({
      caseId: r.case_id,
      targetKey: r.target_key,
      kind: r.kind,
      hit: p(r.hit),
      addedAt: r.added_at,
    }));
  }

  closedCasesWithTarget(tenantId: string, userId: string, targetKey: string): CaseRow[] {
    return (
      this.db
        .prepare(
          `SELECT c.* FROM cases c JOIN case_targets t ON t.case_id = c.case_id
           WHERE c.tenant_id = ? AND c.user_id = ? AND t.target_key = ? AND c.status = 'closed' ORDER BY c.epoch DESC`,
        )
        .all(tenantId, userId, targetKey) as RawCase[]
    ).map(toCase);
  }

  createRun(run: NewRun, leaseMs: number): RunRow | undefined {
    const at = this.iso();
    try {
      this.tx(() => {
        this.db
          .prepare(
            `INSERT INTO runs (run_id, case_id, playbook, mode, machine_id, machine_version, state, active, snapshot, input, created_at, updated_at, lease_owner, lease_until)
             VALUES (@runId, @caseId, @playbook, @mode, @machineId, @machineVersion, @state, 1, @snapshot, @input, @at, @at, @owner, @until)`,
          )
          .run({
            ...run,
            snapshot: JSON.stringify(run.snapshot),
            input: JSON.stringify(run.input),
            at,
            owner: this.actor,
            until: this.now().getTime() + leaseMs,
          });
        this.append([
          {
            kind: "run.created",
            caseId: run.caseId,
            runId: run.runId,
            detail: {
              playbook: run.playbook,
              mode: run.mode,
              machine: run.machineId,
              version: run.machineVersion,
            },
          },
        ]);
      });
    } catch (e) {
      if ((e as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") return undefined;
      throw e;
    }
    return this.getRun(run.runId);
  }

  getRun(runId: string): RunRow | undefined {
    const r = this.db.prepare("SELECT * FROM runs WHERE run_id = ?").get(runId) as RawRun | undefined;
    return r ? toRun(r) : undefined;
  }

  listRuns(filter: { caseId?: string; active?: boolean; states?: string[] } = {}): RunRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.caseId) {
      where.push("case_id = ?");
      args.push(filter.caseId);
    }
    if (filter.active !== undefined) {
      where.push("active = ?");
      args.push(filter.active ? 1 : 0);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, run_id`,
      )
      .all(...args) as RawRun[];
    return rows.map(toRun).filter((r) => !filter.states || filter.states.includes(r.state));
  }

  activeRunIds(): string[] {
    return (
      this.db.prepare("SELECT run_id FROM runs WHERE active = 1 ORDER BY created_at, run_id").all() as {
        run_id: string;
      }[]
    ).map((r) => r.run_id);
  }

  activeRun(caseId: string, playbook: string): RunRow | undefined {
    const r = this.db
      .prepare("SELECT * FROM runs WHERE case_id = ? AND playbook = ? AND active = 1 AND mode = 'execute'")
      .get(caseId, playbook) as RawRun | undefined;
    return r ? toRun(r) : undefined;
  }

  acquireLease(runId: string, leaseMs: number): { ok: boolean; holder?: string; tookOverFrom?: string } {
    return this.tx(() => {
      const r = this.db
        .prepare("SELECT lease_owner, lease_until, case_id FROM runs WHERE run_id = ?")
        .get(runId) as
        { lease_owner: string | null; lease_until: number | null; case_id: string } | undefined;
      if (!r) return { ok: false };
      const now = this.now().getTime();
      const holder = r.lease_owner;
      const free =
        holder === null || holder === this.actor || (r.lease_until ?? 0) < now || !this.ownerAlive(holder);
      if (!free) return { ok: false, holder: holder };
      this.db
        .prepare("UPDATE runs SET lease_owner = ?, lease_until = ? WHERE run_id = ?")
        .run(this.actor, now + leaseMs, runId);
      const tookOver = holder !== null && holder !== this.actor ? holder : undefined;
      if (tookOver)
        this.append([
          {
            kind: "lease.taken-over",
            caseId: r.case_id,
            runId,
            detail: { from: tookOver, expired: (r.lease_until ?? 0) < now },
          },
        ]);
      return { ok: true, ...(tookOver ? { tookOverFrom: tookOver } : {}) };
    });
  }

  renewLease(runId: string, leaseMs: number): boolean {
    const r = this.db
      .prepare("UPDATE runs SET lease_until = ? WHERE run_id = ? AND lease_owner = ?")
      .run(this.now().getTime() + leaseMs, runId, this.actor);
    return r.changes === 1;
  }

  releaseLease(runId: string): void {
    this.db
      .prepare("UPDATE runs SET lease_owner = NULL, lease_until = NULL WHERE run_id = ? AND lease_owner = ?")
      .run(runId, this.actor);
  }

  getEffect(idemKey: string): EffectRow | undefined {
    const r = this.db.prepare("SELECT * FROM effects WHERE idem_key = ?").get(idemKey) as
      RawEffect | undefined;
    return r ? toEffect(r) : undefined;
  }

  listEffects(filter: { runId?: string; caseId?: string } = {}): EffectRow[] {
    const rows = (
      filter.runId
        ? this.db.prepare("SELECT * FROM effects WHERE run_id = ? ORDER BY rowid").all(filter.runId)
        : filter.caseId
          ? this.db.prepare("SELECT * FROM effects WHERE case_id = ? ORDER BY rowid").all(filter.caseId)
          : this.db.prepare("SELECT * FROM effects ORDER BY rowid").all()
    ) as RawEffect[];
    return rows.map(toEffect);
  }

  openCasesDependingOn(actionId: string, targetId: string, exceptCaseId: string): string[] {
    return (
      this.db
        .prepare(
          `SELECT DISTINCT e.case_id FROM effects e JOIN cases c ON c.case_id = e.case_id
           WHERE e.action_id = ? AND e.target_id = ? AND e.case_id != ? AND e.status = 'done' AND c.status = 'open'`,
        )
        .all(actionId, targetId, exceptCaseId) as { case_id: string }[]
    ).map((r) => r.case_id);
  }

  commit(c: Commit): void {
    this.tx(() => {
      if (c.run) {
        const r = this.db
          .prepare("SELECT lease_owner, lease_until FROM runs WHERE run_id = ?")
          .get(c.run.runId) as { lease_owner: string | null; lease_until: number | null } | undefined;
        if (!r || r.lease_owner !== c.run.owner) throw new LeaseLostError(c.run.runId);
        if (c.run.state !== undefined || c.run.snapshot !== undefined) {
          const state = c.run.state;
          this.db
            .prepare(
              `UPDATE runs SET state = COALESCE(@state, state), snapshot = COALESCE(@snapshot, snapshot), updated_at = @at,
                 active = CASE WHEN COALESCE(@state, state) IN ${TERMINAL_SQL} THEN 0 ELSE 1 END
               WHERE run_id = @runId`,
            )
            .run({ runId: c.run.runId, state: state ?? null, snapshot: j(c.run.snapshot), at: this.iso() });
        }
      }
      for (const e of c.effects ?? []) {
        this.db
          .prepare(
            `INSERT INTO effects (idem_key, case_id, run_id, step_key, action_id, scope, target_id, target, status, applied, verified, before, after, updated_at)
             VALUES (@idemKey, @caseId, @runId, @stepKey, @actionId, @scope, @targetId, @target, @status, @applied, @verified, @before, @after, @at)
             ON CONFLICT(idem_key) DO UPDATE SET status = excluded.status,
               applied = CASE WHEN effects.applied = 1 THEN 1 ELSE COALESCE(excluded.applied, effects.applied) END, after = COALESCE(excluded.after, effects.after),
               verified = CASE WHEN excluded.status != effects.status THEN excluded.verified ELSE COALESCE(excluded.verified, effects.verified) END,
               updated_at = excluded.updated_at`,
          )
          .run({
            ...e,
            target: j(e.target),
            applied: e.applied === undefined || e.applied === null ? null : e.applied ? 1 : 0,
            verified: e.verified === undefined ? null : e.verified ? 1 : 0,
            before: j(e.before),
            after: j(e.after),
            at: this.iso(),
          });
      }
      for (const v of c.verifications ?? [])
        this.db
          .prepare("UPDATE effects SET verified = ?, updated_at = ? WHERE idem_key = ?")
          .run(v.verified ? 1 : 0, this.iso(), v.idemKey);
      this.append(c.journal ?? []);
      if (c.aftercare) this.schedule(c.aftercare);
    });
  }

  private schedule(a: AftercareSchedule): void {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO aftercare (run_id, case_id, playbook, verified_at, recheck_due, watch_until, watch_every_ms, watch_next, watch_look)
         VALUES (@runId, @caseId, @playbook, @verifiedAt, @recheckDue, @watchUntil, @watchEveryMs, @watchNext, @watchLook)`,
      )
      .run({
        runId: a.runId,
        caseId: a.caseId,
        playbook: a.playbook,
        verifiedAt: a.verifiedAt,
        recheckDue: a.recheckDue ?? null,
        watchUntil: a.watchUntil ?? null,
        watchEveryMs: a.watchEveryMs ?? null,
        watchNext: a.watchNext ?? null,
        watchLook: j(a.watchLook),
      });
    if (r.changes)
      this.append([
        {
          kind: "aftercare.scheduled",
          caseId: a.caseId,
          runId: a.runId,
          detail: {
            verifiedAt: a.verifiedAt,
            recheckDue: a.recheckDue ?? null,
            watchUntil: a.watchUntil ?? null,
            watchNext: a.watchNext ?? null,
          },
        },
      ]);
  }

  dueAftercare(now: Date): AftercareRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM aftercare WHERE ${AFTERCARE_DUE} ORDER BY verified_at, run_id`)
        .all({ now: now.toISOString() }) as RawAftercare[]
    ).map(toAftercare);
  }

  listAftercare(filter: { caseId?: string } = {}): AftercareRow[] {
    const rows = filter.caseId
      ? this.db.prepare("SELECT * FROM aftercare WHERE case_id = ? ORDER BY verified_at").all(filter.caseId)
      : this.db.prepare("SELECT * FROM aftercare ORDER BY verified_at").all();
    return (rows as RawAftercare[]).map(toAftercare);
  }

  claimAftercare(runId: string, now: Date, leaseMs: number): AftercareRow | undefined {
    return this.tx(() => {
      const r = this.db
        .prepare(`SELECT * FROM aftercare WHERE run_id = @runId AND ${AFTERCARE_DUE}`)
        .get({ runId, now: now.toISOString() }) as RawAftercare | undefined;
      if (!r) return undefined;
      const t = this.now().getTime();
      const holder = r.lease_owner;
      const free =
        holder === null || holder === this.actor || (r.lease_until ?? 0) < t || !this.ownerAlive(holder);
      if (!free) return undefined;
      this.db
        .prepare("UPDATE aftercare SET lease_owner = ?, lease_until = ? WHERE run_id = ?")
        .run(this.actor, t + leaseMs, runId);
      return toAftercare({ ...r, lease_owner: this.actor, lease_until: t + leaseMs });
    });
  }

  completeAftercare(
    runId: string,
    u: AftercareUpdate,
    c: AftercareWrites | ((r: ReopenResult) => AftercareWrites),
    reopen?: { caseId: string; reason: string },
  ): ReopenResult {
    return this.tx(() => {
      const r = this.db
        .prepare(
          `UPDATE aftercare SET recheck_done_at = COALESCE(@recheckDoneAt, recheck_done_at),
             recheck_ok = COALESCE(@recheckOk, recheck_ok), watch_next = COALESCE(@watchNext, watch_next),
             watch_ended_at = COALESCE(@watchEndedAt, watch_ended_at),
             watch_end_reason = COALESCE(@watchEndReason, watch_end_reason),
             checks = checks + 1, lease_owner = NULL, lease_until = NULL
           WHERE run_id = @runId AND lease_owner = @owner`,
        )
        .run({
          runId,
          owner: this.actor,
          recheckDoneAt: u.recheckDoneAt ?? null,
          recheckOk: u.recheckOk === undefined ? null : u.recheckOk ? 1 : 0,
          watchNext: u.watchNext ?? null,
          watchEndedAt: u.watchEndedAt ?? null,
          watchEndReason: u.watchEndReason ?? null,
        });
      if (r.changes !== 1) throw new LeaseLostError(runId);
      const { res, entry } = reopen
        ? this.reopenIn(reopen.caseId, reopen.reason)
        : { res: { reopened: false }, entry: undefined };
      const w = typeof c === "function" ? c(res) : c;
      for (const v of w.verifications ?? [])
        this.db
          .prepare("UPDATE effects SET verified = ?, updated_at = ? WHERE idem_key = ?")
          .run(v.verified ? 1 : 0, this.iso(), v.idemKey);
      this.append(w.journal ?? []);
      if (entry) this.append([entry]);
      return res;
    });
  }

  releaseAftercare(runId: string): void {
    this.db
      .prepare(
        "UPDATE aftercare SET lease_owner = NULL, lease_until = NULL WHERE run_id = ? AND lease_owner = ?",
      )
      .run(runId, this.actor);
  }

  reopenCase(caseId: string, reason: string): boolean {
    return this.tx(() => {
      const { res, entry } = this.reopenIn(caseId, reason);
      if (entry) this.append([entry]);
      return res.reopened;
    });
  }

  /** Inside a transaction: re-opens a closed case unless its user has another open case (then names that one). */
  private reopenIn(caseId: string, reason: string): { res: ReopenResult; entry?: JournalInput } {
    const c = this.db.prepare("SELECT * FROM cases WHERE case_id = ?").get(caseId) as RawCase | undefined;
    if (!c) return { res: { reopened: false } };
    const open = this.db
      .prepare("SELECT case_id FROM cases WHERE tenant_id = ? AND user_id = ? AND status = 'open'")
      .get(c.tenant_id, c.user_id) as { case_id: string } | undefined;
    if (c.status !== "closed" || open)
      return { res: { reopened: false, ...(open ? { openCaseId: open.case_id } : {}) } };
    this.db
      .prepare("UPDATE cases SET status = 'open', closed_at = NULL, close_reason = NULL WHERE case_id = ?")
      .run(caseId);
    return {
      res: { reopened: true, openCaseId: caseId },
      entry: {
        kind: "case.reopened",
        caseId,
        detail: { reason, closedAt: c.closed_at, closeReason: c.close_reason },
      },
    };
  }

  getHalt(): HaltState | undefined {
    const v = this.meta("halt");
    return v ? (JSON.parse(v) as HaltState) : undefined;
  }

  setHalt(h: HaltState | undefined, by: string, reason: string): void {
    this.tx(() => {
      if (h) this.db.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('halt', ?)").run(JSON.stringify(h));
      else this.db.prepare("DELETE FROM meta WHERE k = 'halt'").run();
      this.append([{ kind: h ? "halt.on" : "halt.off", detail: { by, reason } }]);
    });
  }

  private slotsInWindow(tenantId: string, windowMs: number, now: Date): { c: string; t: string }[] {
    const from = new Date(now.getTime() - windowMs).toISOString();
    return this.db
      .prepare(
        `SELECT case_id c, json_extract(detail, '$.at') t FROM journal
         WHERE kind = 'auto.slot' AND json_extract(detail, '$.tenantId') = ? AND json_extract(detail, '$.at') > ?
         ORDER BY t`,
      )
      .all(tenantId, from) as { c: string; t: string }[];
  }

  autoSlotsHeld(tenantId: string, windowMs: number, now: Date): string[] {
    return [...new Set(this.slotsInWindow(tenantId, windowMs, now).map((h) => h.c))];
  }

  takeAutoSlot(a: AutoSlotRequest): AutoSlotResult {
    return this.tx(() => {
      const held = this.slotsInWindow(a.tenantId, a.windowMs, a.now);
      const cases = new Set(held.map((h) => h.c));
      if (cases.has(a.caseId)) return { ok: true, used: cases.size, taken: false };
      if (cases.size >= a.max) {
        const freesAt = held[0] ? new Date(Date.parse(held[0].t) + a.windowMs).toISOString() : undefined;
        if (!a.quiet)
          this.append([
            {
              kind: "auto.cap-reached",
              caseId: a.caseId,
              ...(a.runId ? { runId: a.runId } : {}),
              detail: {
                tenantId: a.tenantId,
                at: a.now.toISOString(),
                max: a.max,
                windowMs: a.windowMs,
                freesAt: freesAt ?? null,
              },
            },
          ]);
        return { ok: false, used: cases.size, taken: false, ...(freesAt ? { freesAt } : {}) };
      }
      this.append([
        {
          kind: "auto.slot",
          caseId: a.caseId,
          ...(a.runId ? { runId: a.runId } : {}),
          detail: {
            tenantId: a.tenantId,
            at: a.now.toISOString(),
            slot: cases.size + 1,
            max: a.max,
            windowMs: a.windowMs,
          },
        },
      ]);
      return { ok: true, used: cases.size + 1, taken: true };
    });
  }

  /** Sets a run's record state outside the machine (rollback), journalled in the same transaction. */
  setRunState(runId: string, state: string, entry: JournalInput): void {
    this.tx(() => {
      this.db
        .prepare(
          `UPDATE runs SET state = ?, updated_at = ?, active = CASE WHEN ? IN ${TERMINAL_SQL} THEN 0 ELSE 1 END WHERE run_id = ?`,
        )
        .run(state, this.iso(), state, runId);
      this.append([entry]);
    });
  }

  journal(filter: { caseId?: string; runId?: string } = {}): JournalEntry[] {
    const rows = (
      filter.runId
        ? this.db.prepare("SELECT * FROM journal WHERE run_id = ? ORDER BY seq").all(filter.runId)
        : filter.caseId
          ? this.db.prepare("SELECT * FROM journal WHERE case_id = ? ORDER BY seq").all(filter.caseId)
          : this.db.prepare("SELECT * FROM journal ORDER BY seq").all()
    ) as RawJournal[];
    return rows.map(toEntry);
  }

  verifyChain(): ChainCheck {
    const it = this.db
      .prepare("SELECT * FROM journal ORDER BY seq")
      .iterate() as IterableIterator<RawJournal>;
    const entries = (function* () {
      for (const r of it) yield toEntry(r);
    })();
    const res = checkChain(entries);
    if (!res.ok) return res;
    const last = this.db.prepare("SELECT hash, seq FROM journal ORDER BY seq DESC LIMIT 1").get() as
      { hash: string; seq: number } | undefined;
    const head = this.meta("head");
    if ((last?.hash ?? GENESIS) !== head)
      return {
        ok: false,
        entries: res.entries,
        firstBroken: {
          seq: (last?.seq ?? 0) + 1,
          reason: "the journal ends before its recorded head: entries at the end were removed",
        },
      };
    return res;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
