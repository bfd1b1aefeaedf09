/**
 * The run store (SQLite): each run's persisted machine snapshot with the machine id and version beside it, and
 * the effect journal keyed by `${tenantId}:${actionId}:${targetId}` so that an effect applied by any run is never
 * applied twice, and a crash between "started" and "done" is visible on resume.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import path from "node:path";

export interface RunRow {
  runId: string;
  hitKey: string;
  tenantId: string;
  userUpn: string;
  mode: string;
  machineId: string;
  machineVersion: string;
  state: string;
  snapshot: unknown;
  hit: unknown;
  createdAt: string;
  updatedAt: string;
}

export type EffectStatus = "started" | "done" | "compensated";

export interface EffectRow {
  key: string;
  runId: string;
  stepId: string;
  actionId: string;
  status: EffectStatus;
  before: unknown;
  after: unknown;
  /** The object the step acted on, as resolved by its plan (for compensation). */
  target?: unknown;
  updatedAt: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  hit_key TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  user_upn TEXT NOT NULL,
  mode TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  machine_version TEXT NOT NULL,
  state TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  hit TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_hit ON runs(hit_key);
CREATE INDEX IF NOT EXISTS runs_state ON runs(state);
CREATE TABLE IF NOT EXISTS effects (
  key TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  action_id TEXT NOT NULL,
  status TEXT NOT NULL,
  before TEXT,
  after TEXT,
  target TEXT,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
`;

const STORE_SCHEMA_VERSION = "1";

interface RawRun {
  run_id: string;
  hit_key: string;
  tenant_id: string;
  user_upn: string;
  mode: string;
  machine_id: string;
  machine_version: string;
  state: string;
  snapshot: string;
  hit: string;
  created_at: string;
  updated_at: string;
}

interface RawEffect {
  key: string;
  run_id: string;
  step_id: string;
  action_id: string;
  status: EffectStatus;
  before: string | null;
  after: string | null;
  target: string | null;
  updated_at: string;
}

const toRun = (r: RawRun): RunRow => ({
  runId: r.run_id,
  hitKey: r.hit_key,
  tenantId: r.tenant_id,
  userUpn: r.user_upn,
  mode: r.mode,
  machineId: r.machine_id,
  machineVersion: r.machine_version,
  state: r.state,
  snapshot: JSON.parse(r.snapshot) as unknown,
  hit: JSON.parse(r.hit) as unknown,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toEffect = (r: RawEffect): EffectRow => ({
  key: r.key,
  runId: r.run_id,
  stepId: r.step_id,
  actionId: r.action_id,
  status: r.status,
  before: r.before === null ? null : (JSON.parse(r.before) as unknown),
  after: r.after === null ? null : (JSON.parse(r.after) as unknown),
  ...(r.target === null ? {} : { target: JSON.parse(r.target) as unknown }),
  updatedAt: r.updated_at,
});

export class RunStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec(SCHEMA);
    const v = this.db.prepare("SELECT v FROM meta WHERE k = 'schema'").get() as { v: string } | undefined;
    if (!v) this.db.prepare("INSERT INTO meta (k, v) VALUES ('schema', ?)").run(STORE_SCHEMA_VERSION);
    else if (v.v !== STORE_SCHEMA_VERSION)
      throw new Error(
        `run store ${file} has schema ${v.v}; this mailwarden reads schema ${STORE_SCHEMA_VERSION}`,
      );
  }

  saveRun(row: Omit<RunRow, "createdAt" | "updatedAt">, now: string): void {
    this.db
      .prepare(
        `INSERT INTO runs (run_id, hit_key, tenant_id, user_upn, mode, machine_id, machine_version, state, snapshot, hit, created_at, updated_at)
         VALUES (@runId, @hitKey, @tenantId, @userUpn, @mode, @machineId, @machineVersion, @state, @snapshot, @hit, @now, @now)
         ON CONFLICT(run_id) DO UPDATE SET state = excluded.state, snapshot = excluded.snapshot,
           machine_version = excluded.machine_version, updated_at = excluded.updated_at`,
      )
      .run({ ...row, snapshot: JSON.stringify(row.snapshot), hit: JSON.stringify(row.hit), now });
  }

  getRun(runId: string): RunRow | undefined {
    const r = this.db.prepare("SELECT * FROM runs WHERE run_id = ?").get(runId) as RawRun | undefined;
    return r ? toRun(r) : undefined;
  }

  listRuns(filter: { states?: string[]; hitKey?: string } = {}): RunRow[] {
    const rows = this.db.prepare("SELECT * FROM runs ORDER BY created_at, run_id").all() as RawRun[];
    return rows
      .map(toRun)
      .filter(
        (r) =>
          (!filter.states || filter.states.includes(r.state)) &&
          (!filter.hitKey || r.hitKey === filter.hitKey),
      );
  }

  getEffect(key: string): EffectRow | undefined {
    const r = this.db.prepare("SELECT * FROM effects WHERE key = ?").get(key) as RawEffect | undefined;
    return r ? toEffect(r) : undefined;
  }

  /** Records an effect's state; `before` is kept from the first record unless given again. */
  putEffect(e: Omit<EffectRow, "updatedAt">, now: string): void {
    this.db
      .prepare(
        `INSERT INTO effects (key, run_id, step_id, action_id, status, before, after, target, updated_at)
         VALUES (@key, @runId, @stepId, @actionId, @status, @before, @after, @target, @now)
         ON CONFLICT(key) DO UPDATE SET run_id = excluded.run_id, step_id = excluded.step_id, status = excluded.status,
           before = COALESCE(excluded.before, effects.before), after = excluded.after,
           target = COALESCE(excluded.target, effects.target), updated_at = excluded.updated_at`,
      )
      .run({
        ...e,
        before: e.before === undefined || e.before === null ? null : JSON.stringify(e.before),
        after: e.after === undefined || e.after === null ? null : JSON.stringify(e.after),
        target: e.target === undefined || e.target === null ? null : JSON.stringify(e.target),
        now,
      });
  }

  listEffects(runId?: string): EffectRow[] {
    const rows = (
      runId
        ? this.db.prepare("SELECT * FROM effects WHERE run_id = ? ORDER BY updated_at").all(runId)
        : this.db.prepare("SELECT * FROM effects ORDER BY updated_at").all()
    ) as RawEffect[];
    return rows.map(toEffect);
  }

  close(): void {
    this.db.close();
  }
}
