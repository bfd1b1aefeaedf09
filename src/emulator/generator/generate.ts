/**
 * The scenario generator: a deterministic tenant of N people over D days with benign activity and labelled attacks,
 * as emulator state, as Defender and Sentinel log tables, and as ground truth.
 */
import { createIdSource } from "../ids.js";
import type { LogRow, TenantState } from "../state.js";
import { makeAt, ScenarioTruth, type GenContext } from "./context.js";
import { generateBenign } from "./benign.js";
import { GeneratorError } from "./errors.js";
import { parseOptions, type GenerateOptions } from "./options.js";
import { Recorder } from "./recorder.js";
import { Rng } from "./rng.js";
import { SCENARIOS } from "./scenarios/index.js";
import { buildBase } from "./tenant.js";
import { DAY, isoZ } from "./time.js";
import { USER_TIME_WINDOW_MINUTES, type Truth, type TruthBenign, type TruthScenario } from "./truth.js";

export interface Generated {
  state: TenantState;
  /** The emulator clock's start: the end of the activity window. */
  startTime: string;
  /** The seed, for `startEmulator({ tenant })` (ids the emulator hands out later). */
  seed: number;
  truth: Truth;
  tables: { defender: Record<string, LogRow[]>; sentinel: Record<string, LogRow[]> };
}

function timeOf(row: LogRow): string {
  const v = row.Timestamp ?? row.TimeGenerated;
  return typeof v === "string" ? v : "";
}

function sortTables(tables: Record<string, LogRow[]>): void {
  for (const rows of Object.values(tables))
    rows.sort((a, b) => (timeOf(a) < timeOf(b) ? -1 : timeOf(a) > timeOf(b) ? 1 : 0));
}

export function generateTenant(options: GenerateOptions): Generated {
  const o = parseOptions(options);
  const needed = 1 + o.scenarios.reduce((n, s) => n + SCENARIOS[s].people, 0);
  const minDays = Math.max(1, ...o.scenarios.map((s) => SCENARIOS[s].minDays));
  const issues = [];
  if (o.users < needed)
    issues.push({
      path: "users",
      message: `the scenarios ${o.scenarios.join(", ")} need at least ${needed} users, got ${o.users}`,
    });
  if (o.days < minDays)
    issues.push({ path: "days", message: `the scenarios need at least ${minDays} days, got ${o.days}` });
  if (issues.length) throw new GeneratorError(issues);

  const rng = new Rng(o.seed);
  const ids = createIdSource(o.seed);
  const endMs = o.startMs + o.days * DAY;
  const base = buildBase(o.users, o.startMs, rng, ids);
  const rec = new Recorder(base.state, rng, o.variants);
  const admin = base.people[0];
  if (!admin) throw new Error("generator: no people");
  const pool = rng.shuffle(base.people.slice(1));
  const benign: TruthBenign[] = [];
  const ctx: GenContext = {
    rng,
    rec,
    state: base.state,
    ids,
    people: base.people,
    admin,
    startMs: o.startMs,
    endMs,
    days: o.days,
    org: rec.org,
    domain: base.domain,
    take: (n) => pool.splice(0, n),
    at: makeAt(rng, o.startMs, endMs),
    benign,
  };
  // Actors are chosen before any activity, so adding a scenario never changes who the others' victims are.
  const cast = o.scenarios.map((name) => ({ name, actors: ctx.take(SCENARIOS[name].people) }));
  generateBenign(ctx);
  const scenarios: TruthScenario[] = [];
  for (const { name, actors } of cast) {
    const def = SCENARIOS[name];
    const t = new ScenarioTruth(rec, name, def.description);
    def.run(ctx, t, actors);
    if (name !== "benign-lookalikes") scenarios.push(t.t);
  }
  sortTables(rec.defender);
  sortTables(rec.sentinel);
  base.state.signIns.sort((a, b) =>
    a.createdDateTime < b.createdDateTime ? -1 : a.createdDateTime > b.createdDateTime ? 1 : 0,
  );
  base.state.logs = { defender: rec.defender, sentinel: rec.sentinel };
  const truth: Truth = {
    generator: {
      version: 1,
      seed: o.seed,
      users: o.users,
      days: o.days,
      scenarios: [...o.scenarios],
      windowStart: isoZ(o.startMs),
      windowEnd: isoZ(endMs),
      variants: o.variants,
    },
    userTimeWindowMinutes: USER_TIME_WINDOW_MINUTES,
    scenarios,
    benign,
  };
  return {
    state: base.state,
    startTime: isoZ(endMs),
    seed: o.seed,
    truth,
    tables: base.state.logs,
  };
}
