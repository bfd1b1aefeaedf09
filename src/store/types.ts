/**
 * The case store's contract: cases (one open case per tenant and user), their targets, runs (machine snapshot with
 * the machine id and version beside it, and a lease), effects (one per idempotency key, before-image immutable)
 * and the append-only, hash-chained journal. Every write goes through `commit`, one transaction: the snapshot, the
 * effect rows and the journal entries that belong together land together or not at all.
 *
 * SQLite (better-sqlite3, ./sqlite.ts) is the embedded implementation; the interface is what a PostgreSQL one
 * would implement (transactions, leases fenced on every commit, append, queries by case and state).
 */

export type CaseStatus = "open" | "closed" | "planned";

export interface CaseRow {
  caseId: string;
  tenantId: string;
  userId: string;
  userUpn: string;
  /** 1 for a user's first case, +1 for every case opened after the previous one closed. */
  epoch: number;
  status: CaseStatus;
  openedAt: string;
  closedAt?: string;
  closeReason?: string;
}

export interface TargetRow {
  caseId: string;
  /** The hit key of the suspect object. */
  targetKey: string;
  kind: string;
  hit: unknown;
  addedAt: string;
}

export interface RunRow {
  runId: string;
  caseId: string;
  playbook: string;
  mode: string;
  machineId: string;
  machineVersion: string;
  state: string;
  /** The xstate persisted snapshot. */
  snapshot: unknown;
  /** The machine input (step instances), for reports and for a run whose snapshot is refused. */
  input: unknown;
  createdAt: string;
  updatedAt: string;
  leaseOwner?: string;
  leaseUntil?: number;
}

export type EffectStatus = "intent" | "done" | "failed" | "compensated";

export interface EffectRow {
  idemKey: string;
  caseId: string;
  runId: string;
  stepKey: string;
  actionId: string;
  scope: string;
  targetId: string;
  /** The live object the step acted on, as its plan resolved it (compensation needs it). */
  target: unknown;
  status: EffectStatus;
  /** true: mailwarden wrote; false: it found the change already made; null: unknown (interrupted, resumed). */
  applied: boolean | null;
  /** The first observation before the write: immutable once recorded. */
  before: unknown;
  after: unknown;
  /** The last verification of this effect by re-reading: true, false, or null (not verified yet). */
  verified: boolean | null;
  updatedAt: string;
}

export interface JournalInput {
  kind: string;
  caseId?: string;
  runId?: string;
  stepKey?: string;
  actionId?: string;
  targetId?: string;
  idemKey?: string;
  before?: unknown;
  after?: unknown;
  detail?: unknown;
  requestIds?: string[];
}

export interface JournalEntry extends JournalInput {
  seq: number;
  at: string;
  actor: string;
  prevHash: string;
  hash: string;
}

/** An effect row change inside a commit: inserting records `before`/`target`; updates never touch them. */
export interface EffectWrite {
  idemKey: string;
  caseId: string;
  runId: string;
  stepKey: string;
  actionId: string;
  scope: string;
  targetId: string;
  status: EffectStatus;
  applied?: boolean | null;
  before?: unknown;
  target?: unknown;
  after?: unknown;
  verified?: boolean;
}

export interface RunWrite {
  runId: string;
  /** The commit is refused (LeaseLostError) unless this owner holds the run's lease. */
  owner: string;
  state?: string;
  snapshot?: unknown;
}

/**
 * A run's aftercare, scheduled when it reaches done or partial (src/runner/aftercare.ts): the re-check of its
 * done steps after the session-revocation delay, then the watch for what it contained coming back. Times are on
 * the runner's clock (ISO); the lease (store clock, like run leases) keeps two processes from checking at once.
 */
export interface AftercareRow {
  runId: string;
  caseId: string;
  playbook: string;
  verifiedAt: string;
  /** When the re-check is due; absent when the playbook has no re-check. */
  recheckDue?: string;
  recheckDoneAt?: string;
  recheckOk?: boolean;
  /** The watch: until when, how often, the next look and what it looks for. */
  watchUntil?: string;
  watchEveryMs?: number;
  watchNext?: string;
  watchLook?: string[];
  /** When the watch ended, and why (`expired`, `recurrence`, `rolled back`…). */
  watchEndedAt?: string;
  watchEndReason?: string;
  checks: number;
  leaseOwner?: string;
  leaseUntil?: number;
}

/** A new schedule: the row without its outcome fields and lease. */
export type AftercareSchedule = Omit<
  AftercareRow,
  "recheckDoneAt" | "recheckOk" | "watchEndedAt" | "watchEndReason" | "checks" | "leaseOwner" | "leaseUntil"
>;

export type AftercareWrites = Pick<Commit, "verifications" | "journal">;
/** Whether a case was re-opened, or else the user's open case (when another one is open). */
export interface ReopenResult {
  reopened: boolean;
  openCaseId?: string;
}

/** What one aftercare check changes in its row (written with its journal entries, fenced by the row's lease). */
export interface AftercareUpdate {
  recheckDoneAt?: string;
  recheckOk?: boolean;
  watchNext?: string;
  watchEndedAt?: string;
  watchEndReason?: string;
}

export interface Commit {
  run?: RunWrite;
  /** Schedules a run's aftercare in the same transaction (a run reaching done or partial). */
  aftercare?: AftercareSchedule;
  effects?: EffectWrite[];
  /** Verification results of existing effects: only `verified` changes (never status, before or target). */
  verifications?: { idemKey: string; verified: boolean }[];
  journal?: JournalInput[];
}

export interface HaltState {
  reason: string;
  by: string;
  at: string;
}

export interface ChainCheck {
  ok: boolean;
  entries: number;
  /** The first entry whose hash or link does not match, and why. */
  firstBroken?: { seq: number; reason: string };
}

/** A run as created: its row without the timestamps and the lease, which the store sets. */
export type NewRun = Omit<RunRow, "createdAt" | "updatedAt" | "leaseOwner" | "leaseUntil">;

export interface AutoSlotRequest {
  tenantId: string;
  caseId: string;
  runId?: string;
  max: number;
  windowMs: number;
  /** The runner's clock (injectable); the window is counted on it. */
  now: Date;
  /** A refusal is not journalled (a case already recorded as waiting at the cap, checked again). */
  quiet?: boolean;
}
export interface AutoSlotResult {
  ok: boolean;
  /** Slots held in the window after this call (this case's included when ok). */
  used: number;
  /** True when this call took a new slot (false: refused, or the case already held one). */
  taken: boolean;
  /** When the oldest slot in the window leaves it (refusals only). */
  freesAt?: string;
}

export interface CaseStore {
  readonly file: string;
  readonly storeId: string;
  /** Who writes (recorded in every journal entry): `${host}:${pid}:${random}`. */
  readonly actor: string;

  /** The open case of (tenant, user), or a new one (its epoch one past the user's last): atomic across processes. */
  openCase(
    tenantId: string,
    user: { id: string; upn: string },
    status: "open" | "planned",
    detail?: unknown,
  ): { row: CaseRow; created: boolean };
  findOpenCase(tenantId: string, userId: string): CaseRow | undefined;
  getCase(caseId: string): CaseRow | undefined;
  listCases(filter?: { status?: CaseStatus[]; userId?: string; tenantId?: string }): CaseRow[];
  closeCase(caseId: string, reason: string): void;
  /** Adds a target; false when the case already had it. */
  addTarget(caseId: string, targetKey: string, kind: string, hit: unknown): boolean;
  listTargets(caseId: string): TargetRow[];
  /** Closed cases of this user that had this target, newest first. */
  closedCasesWithTarget(tenantId: string, userId: string, targetKey: string): CaseRow[];

  /** Creates a run with its lease held by this store's actor; undefined when the case already has an active run of that playbook. */
  createRun(run: NewRun, leaseMs: number): RunRow | undefined;
  getRun(runId: string): RunRow | undefined;
  listRuns(filter?: { caseId?: string; active?: boolean; states?: string[] }): RunRow[];
  /** The ids of active runs in `listRuns` order, without their snapshots (read each with getRun when needed). */
  activeRunIds(): string[];
  activeRun(caseId: string, playbook: string): RunRow | undefined;
  /** Takes the run's lease when free, expired, held by a dead process on this host, or already ours. */
  acquireLease(runId: string, leaseMs: number): { ok: boolean; holder?: string; tookOverFrom?: string };
  renewLease(runId: string, leaseMs: number): boolean;
  releaseLease(runId: string): void;

  getEffect(idemKey: string): EffectRow | undefined;
  listEffects(filter?: { runId?: string; caseId?: string }): EffectRow[];
  /** Other open cases with a done effect of this action on this target (tenant-wide objects shared by cases). */
  openCasesDependingOn(actionId: string, targetId: string, exceptCaseId: string): string[];

  commit(c: Commit): void;
  /** The kill switch: when set, no step writes (journalled as halt.on / halt.off). */
  getHalt(): HaltState | undefined;
  setHalt(h: HaltState | undefined, by: string, reason: string): void;
  /** Sets a run's record state outside the machine (rollback), journalled in the same transaction. */
  setRunState(runId: string, state: string, entry: JournalInput): void;
  /**
   * The blast-radius cap of unattended containment: takes one of `max` slots per `windowMs` for the tenant, for
   * this case (a case that holds a slot in the window needs no second one). Atomic across processes; every slot
   * taken is a journal entry (`auto.slot`), and so is a refusal (`auto.cap-reached`) — the cap survives restarts.
   */
  takeAutoSlot(a: AutoSlotRequest): AutoSlotResult;
  /** The cases holding a slot of the cap in the window ending `now` (read-only: dry runs and reports). */
  autoSlotsHeld(tenantId: string, windowMs: number, now: Date): string[];
  /** Aftercare rows due at `now` (runner clock): a re-check not done, or a watch look not ended. */
  dueAftercare(now: Date): AftercareRow[];
  listAftercare(filter?: { caseId?: string }): AftercareRow[];
  /**
   * Takes a due row's lease (atomic across processes): undefined when it is no longer due at `now` (another
   * process checked it) or another live process holds it.
   */
  claimAftercare(runId: string, now: Date, leaseMs: number): AftercareRow | undefined;
  /**
   * Writes a check's outcome, its journal entries and effect verifications, and releases the lease, fenced by it;
   * with `reopen`, re-opens the closed case in the same transaction (see `reopenCase`) and builds the entries
   * knowing whether it did.
   */
  completeAftercare(
    runId: string,
    update: AftercareUpdate,
    c: AftercareWrites | ((r: ReopenResult) => AftercareWrites),
    reopen?: { caseId: string; reason: string },
  ): ReopenResult;
  /** Releases a row's lease without a result (the check was interrupted). */
  releaseAftercare(runId: string): void;
  /** A closed case open again (watch recurrence): false when it is not closed or its user has another open case. */
  reopenCase(caseId: string, reason: string): boolean;
  journal(filter?: { caseId?: string; runId?: string }): JournalEntry[];
  verifyChain(): ChainCheck;
  close(): void;
}

export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor(readonly runId: string) {
    super(`run ${runId}: this process no longer holds its lease (another process took it over); stopped`);
  }
}
