/**
 * `watch -c`: the main job, unattended, every interval. A tick hunts live from the watermark (minus an overlap, for
 * records that reach the logs late), reads the Defender alerts and incidents created since the cursor and scans the
 * mailboxes of the users they name, and drives the hits' cases (the runner resumes interrupted runs first, contains
 * what the unattended policy allows, and leaves the rest waiting for a person). The watermark and cursor move only
 * after every hit of the tick reached the store, and are written atomically: a stop or a crash before that makes
 * the next tick look at the same window again (the store never contains a target twice), never skip one.
 */
import type { LiveResult } from "../hunt/live-hunt.js";
import type { Hit } from "../model/hit.js";
import type { JobOutcome } from "../runner/job.js";
import type { NotScanned } from "../scan/scan.js";
import { reconcileHunted, type ScanOutcome } from "./sources.js";
import { readWatchState, writeWatchState, type WatchState } from "./watch-state.js";

export interface WatchDeps {
  hunt(o: { lookback: string }): Promise<LiveResult>;
  /** Defender alerts or incidents (incidents with their alerts) created at or after `since`. */
  listSecurity?(kind: "alerts" | "incidents", since?: string): Promise<Record<string, unknown>[]>;
  /** Reads these users' mailboxes (the hunted users and those new alerts name). */
  scan(users: string[]): Promise<ScanOutcome>;
  /** Runs the hits' cases in execute mode, unattended. */
  drive(hits: Hit[]): Promise<JobOutcome>;
  now(): Date;
  /** Resolves after `ms`, or at once when `signal` is aborted. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  stateFile: string;
  stop: AbortSignal;
  log(line: string): void;
}

export interface WatchOptions {
  intervalMs: number;
  overlapMs: number;
  /** The first hunt's look-back (hunting.lookbackDays), and the most any hunt reaches back. */
  maxLookbackMs: number;
  alerts: boolean;
  /** Whether the scan reads hidden rules (Exchange enabled); see reconcileHunted. Default true. */
  hiddenRulesRead?: boolean;
  /** Stop after this many ticks (`--once`: 1); unset: until stopped. */
  maxTicks?: number;
  /** Consecutive failed ticks after which the watch gives up (default 5). */
  maxFailures?: number;
}

export interface TickSummary {
  tick: number;
  lookback: string;
  huntRows: number;
  huntHits: number;
  alerts: number;
  incidents: number;
  /** Users named by new alerts or incidents, whose mailboxes were scanned. */
  alertUsers: string[];
  hits: number;
  runs: Record<string, number>;
  notScanned: number;
  /** The tick was stopped before all its hits reached the store: the watermark did not move. */
  stopped: boolean;
}

const MINUTE = 60_000;

/** How far the tick's hunt reaches back: from the watermark minus the overlap, never more than the maximum. */
export function lookbackFor(state: WatchState, now: Date, o: WatchOptions): string {
  const from = state.huntedFrom ? Date.parse(state.huntedFrom) : Number.NaN;
  const ms = Number.isFinite(from) ? Math.max(0, now.getTime() - from) + o.overlapMs : o.maxLookbackMs;
  return `${Math.max(1, Math.ceil(Math.min(ms, o.maxLookbackMs) / MINUTE))}m`;
}

interface Taken {
  users: Set<string>;
  count: number;
  newest?: string;
  atNewest: string[];
}

/** The users an alert names (user evidence, mailbox evidence), lower-cased. */
function usersOf(alert: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const e of (alert["evidence"] as Record<string, unknown>[] | undefined) ?? []) {
    const ua = e["userAccount"] as Record<string, unknown> | undefined;
    const upn = ua?.["userPrincipalName"] ?? e["primaryAddress"];
    if (typeof upn === "string" && upn.includes("@")) out.push(upn.toLowerCase());
  }
  return out;
}

function take(
  items: Record<string, unknown>[],
  prefix: string,
  seen: Set<string>,
  usersOfItem: (x: Record<string, unknown>) => string[],
): Taken {
  const t: Taken = { users: new Set(), count: 0, atNewest: [] };
  for (const x of items) {
    const id = `${prefix}:${typeof x["id"] === "string" ? x["id"] : JSON.stringify(x["id"])}`;
    const created = typeof x["createdDateTime"] === "string" ? x["createdDateTime"] : "";
    if (seen.has(id)) continue;
    t.count++;
    for (const u of usersOfItem(x)) t.users.add(u);
    if (!t.newest || created > t.newest) {
      t.newest = created;
      t.atNewest = [id];
    } else if (created === t.newest) t.atNewest.push(id);
  }
  return t;
}

/** One tick; returns its summary and the state to keep (written by the caller only when the tick completed). */
export async function watchTick(
  deps: WatchDeps,
  o: WatchOptions,
  state: WatchState,
): Promise<{ summary: TickSummary; next: WatchState }> {
  const startedAt = deps.now();
  const lookback = lookbackFor(state, startedAt, o);
  const hunted = await deps.hunt({ lookback });
  const byKey = new Map<string, Hit>(hunted.hits.map((h) => [h.hitKey, h]));
  for (const p of hunted.problems) deps.log(`row problem: ${p.at}: ${p.reason}`);

  const seen = new Set(state.seenAtCursor);
  let alerts: Taken = { users: new Set(), count: 0, atNewest: [] };
  let incidents: Taken = { users: new Set(), count: 0, atNewest: [] };
  let notScanned: NotScanned[] = [];
  if (o.alerts && deps.listSecurity) {
    // Alerts that cannot be read (a missing permission, an outage) do not hold the hunt back: their cursor stays.
    try {
      alerts = take(await deps.listSecurity("alerts", state.alertsSince), "alert", seen, usersOf);
      incidents = take(await deps.listSecurity("incidents", state.incidentsSince), "incident", seen, (i) =>
        ((i["alerts"] as Record<string, unknown>[] | undefined) ?? []).flatMap(usersOf),
      );
    } catch (e) {
      alerts = { users: new Set(), count: 0, atNewest: [] };
      incidents = { users: new Set(), count: 0, atNewest: [] };
      deps.log(
        `watch: Defender alerts and incidents not read (read again next tick): ${(e as Error).message}`,
      );
    }
  }
  const alertUsers = [...new Set([...alerts.users, ...incidents.users])].sort();
  const huntedUsers = hunted.hits.map((h) => h.user.upn.toLowerCase());
  const users = [...new Set([...alertUsers, ...huntedUsers])].sort();
  if (users.length && !deps.stop.aborted) {
    const scanned = await deps.scan(users);
    notScanned = scanned.notScanned;
    for (const h of scanned.hits) if (!byKey.has(h.hitKey)) byKey.set(h.hitKey, h);
    const rec = reconcileHunted([...byKey.values()], scanned, { hiddenRulesRead: o.hiddenRulesRead ?? true });
    byKey.clear();
    for (const h of rec.hits) byKey.set(h.hitKey, h);
    for (const h of rec.gone)
      deps.log(
        `gone: hunted rule ${JSON.stringify(h.target.kind === "inboxRule" ? h.target.ruleName : "")} of ${h.user.upn} is no longer in the mailbox: nothing to contain`,
      );
  }
  const summary: TickSummary = {
    tick: state.ticks + 1,
    lookback,
    huntRows: hunted.rows.length,
    huntHits: hunted.hits.length,
    alerts: alerts.count,
    incidents: incidents.count,
    alertUsers,
    hits: byKey.size,
    runs: {},
    notScanned: notScanned.length,
    stopped: true,
  };
  if (deps.stop.aborted) return { summary, next: state };
  const out = await deps.drive([...byKey.values()]);
  for (const r of out.runs) summary.runs[r.state] = (summary.runs[r.state] ?? 0) + 1;
  // A stop during the drive may leave hits whose case never ran (not in the store): look at this window again.
  // So does a mailbox the scan could not read.
  if (deps.stop.aborted || notScanned.length) return { summary, next: { ...state, ticks: state.ticks + 1 } };
  summary.stopped = false;
  const cursorIds = (t: Taken, since: string | undefined, prefix: string) =>
    t.newest && t.newest !== since
      ? t.atNewest
      : state.seenAtCursor.filter((id) => id.startsWith(`${prefix}:`)).concat(t.atNewest);
  return {
    summary,
    next: {
      version: 1,
      huntedFrom: startedAt.toISOString(),
      ...(alerts.newest || state.alertsSince ? { alertsSince: alerts.newest ?? state.alertsSince } : {}),
      ...(incidents.newest || state.incidentsSince
        ? { incidentsSince: incidents.newest ?? state.incidentsSince }
        : {}),
      seenAtCursor: [
        ...new Set([
          ...cursorIds(alerts, state.alertsSince, "alert"),
          ...cursorIds(incidents, state.incidentsSince, "incident"),
        ]),
      ],
      ticks: state.ticks + 1,
    },
  };
}

export function describeTick(s: TickSummary): string {
  const runs = Object.entries(s.runs)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  return (
    `watch: tick ${s.tick}: hunted ${s.lookback} back: ${s.huntRows} row(s), ${s.huntHits} hit(s)` +
    `; ${s.alerts} new alert(s), ${s.incidents} new incident(s)${s.alertUsers.length ? ` naming ${s.alertUsers.length} user(s), scanned` : ""}` +
    `; ${s.hits} hit(s) → runs: ${runs || "none"}` +
    (s.notScanned ? `; ${s.notScanned} mailbox surface(s) not read: the window is looked at again` : "") +
    (s.stopped ? "; stopped: the next start looks at this window again" : "")
  );
}

/** Ticks until stopped (or `maxTicks`); a failed tick is logged and retried at the next interval. */
export async function watchLoop(deps: WatchDeps, o: WatchOptions): Promise<TickSummary[]> {
  const done: TickSummary[] = [];
  let failures = 0;
  for (let n = 0; !deps.stop.aborted && (o.maxTicks === undefined || n < o.maxTicks); n++) {
    const state = readWatchState(deps.stateFile);
    try {
      const { summary, next } = await watchTick(deps, o, state);
      // The watermark is durable before the next tick starts: a restart resumes from here.
      writeWatchState(deps.stateFile, next);
      deps.log(describeTick(summary));
      done.push(summary);
      failures = 0;
    } catch (e) {
      failures++;
      deps.log(`watch: tick failed (${failures} in a row): ${(e as Error).message}`);
      if (failures >= (o.maxFailures ?? 5)) throw e;
    }
    if (deps.stop.aborted || (o.maxTicks !== undefined && n + 1 >= o.maxTicks)) break;
    await deps.sleep(o.intervalMs, deps.stop);
  }
  return done;
}

/** A sleep that ends early when the signal aborts (the default for the CLI). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
