/**
 * The main job in process on a generated tenant (the emulator serves its mailboxes and its Defender tables): the
 * hunted hits are the ones that reach the runner and are contained; `both` counts a suspect object once.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchEmulator, type LaunchedEmulator } from "../../src/cli/commands/emulator.js";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { openTenant, type TenantHandles } from "../../src/cli/tenant.js";
import { configSchema, type Config } from "../../src/config/schema.js";
import { generateTenant, type Generated } from "../../src/emulator/generator/index.js";
import { runMainJob } from "../../src/mainjob/main-job.js";
import { liveHunter, type HitSources } from "../../src/mainjob/sources.js";
import { caDir } from "../helpers/tenant.js";

let g: Generated;
let launched: LaunchedEmulator;
let cfg: Config;
let t: TenantHandles;
let sources: HitSources;
const fast = { actionCtx: { poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() } } };

beforeAll(async () => {
  g = generateTenant({
    scenarios: ["aitm-rss-hide", "external-forward", "hidden-rule"],
    users: 8,
    days: 1,
    seed: 5,
  });
  launched = await launchEmulator({
    stateDir: mkdtempSync(path.join(os.tmpdir(), "mw-mainjob-")),
    caDir: caDir(),
    tenant: { state: g.state, startTime: g.startTime, seed: g.seed },
  });
  cfg = configSchema.parse(launched.config);
  t = await openTenant(cfg);
  sources = { hunt: liveHunter(cfg, t), scan: (users) => scanWith(cfg, t, users) };
}, 120_000);
afterAll(async () => {
  await t?.close();
  await launched?.emulator.close();
});

type Truth = {
  scenarios: { name: string; containment: { rules: { ruleIdentity: string; name: string }[] } }[];
};

describe("run -c with run.source hunt", () => {
  it("a dry run plans the hunted hits and writes nothing", async () => {
    const mark = launched.emulator.requests().length;
    const r = await runMainJob("hunt", { sources, drive: (h, m) => runHits(cfg, t, h, m, fast) }, "dry-run");
    expect(r.collected.hunt?.hits).toBeGreaterThan(0);
    expect(r.outcome.runs.length).toBeGreaterThan(0);
    expect(r.outcome.runs.every((x) => x.state === "planned")).toBe(true);
    expect(r.outcome.runs.flatMap((x) => x.hitKeys).sort()).toEqual(
      [
        ...new Set(r.collected.hits.filter((h) => h.target.kind !== "auditAction").map((h) => h.hitKey)),
      ].sort(),
    );
    const writes = launched.emulator
      .requests()
      .slice(mark)
      .filter((x) => x.write);
    expect(writes).toEqual([]);
  }, 180_000);

  it("--yes contains what was hunted: the truth's rules are disabled, every run done", async () => {
    const r = await runMainJob("hunt", { sources, drive: (h, m) => runHits(cfg, t, h, m, fast) }, "execute");
    // The hidden rule's audit record (MAPI UpdateInboxRules) names no rule: the scan of that mailbox identifies it.
    expect(r.collected.identified).toBeGreaterThan(0);
    expect(
      r.outcome.runs.filter((x) => x.state !== "done").map((x) => [x.user, x.error ?? x.waiting]),
    ).toEqual([]);
    const rules = launched.emulator.ctx.state.mailboxes.flatMap((m) => m.rules);
    const missed: string[] = [];
    for (const s of (g.truth as unknown as Truth).scenarios)
      for (const want of s.containment.rules) {
        const live = rules.find((x) => x.ruleIdentity === want.ruleIdentity);
        if (live?.enabled) missed.push(`${s.name}: ${want.name}`);
      }
    expect(missed).toEqual([]);
  }, 240_000);

  it("both: a suspect object the hunt and the scan find is one hit; a second run finds it already contained", async () => {
    const r = await runMainJob("both", { sources, drive: (h, m) => runHits(cfg, t, h, m, fast) }, "execute");
    expect(new Set(r.collected.hits.map((h) => h.hitKey)).size).toBe(r.collected.hits.length);
    expect(r.outcome.runs.filter((x) => x.steps.some((s) => s.outcome === "done"))).toEqual([]);
  }, 240_000);
});
