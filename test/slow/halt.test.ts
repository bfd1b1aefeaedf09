/**
 * The kill switch through the CLI: `mailwarden halt` while another process contains stops its writes within one
 * step (its runs end halted); while on, `run --yes` starts nothing (exit 4, every hit accounted for as halted) and
 * a dry run still plans; `halt --off` lets the next run finish with no write repeated. The config's
 * `guardrails.halt` does the same.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, latencyFaults } from "../helpers/durability.js";
import { massScenario } from "../helpers/mass.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let cfgFile: string;
const cli = (args: string[], file = cfgFile) =>
  execa(process.execPath, [BIN, ...args.map((a) => (a === "CFG" ? file : a))], {
    reject: false,
    timeout: 180_000,
  });

beforeAll(async () => {
  t = await startTestTenant({ scenario: massScenario(8) });
  t.emulator.ctx.faults!.replace(latencyFaults(25, 40), "halt test");
  cfgFile = path.join(t.stateDir, "config.json");
  writeFileSync(cfgFile, JSON.stringify(t.config), { mode: 0o600 });
});
afterAll(async () => {
  await t?.close();
});

describe("mailwarden halt", () => {
  it("stops a running containment within one step, blocks new ones, and --off lets the next run finish", async () => {
    const mark = t.mark();
    const victim = execa(process.execPath, [BIN, "run", "-c", cfgFile, "--yes", "--format", "json"], {
      reject: false,
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && t.writes(mark).length < 3) await new Promise((r) => setTimeout(r, 20));
    const on = await cli(["halt", "-c", "CFG", "--as", "soc-lead", "--reason", "false positive storm"]);
    expect(on.exitCode).toBe(0);
    const atHalt = t.writes(mark).length;
    const r = await victim;
    // Within one step: at most the step already in flight when the switch was set still wrote.
    expect(t.writes(mark).length - atHalt).toBeLessThanOrEqual(1);
    expect(r.exitCode).toBe(4);
    const out = JSON.parse(r.stdout) as { runs: { state: string; error?: string }[] };
    expect(out.runs.at(-1)).toMatchObject({
      state: "halted",
      error: expect.stringContaining("false positive storm"),
    });

    const status = await cli(["halt", "-c", "CFG", "--status"]);
    expect(status.stdout).toContain("on since");
    const blocked = await cli(["run", "-c", "CFG", "--yes", "--format", "json"]);
    expect(blocked.exitCode).toBe(4);
    const b = JSON.parse(blocked.stdout) as { runs: unknown[]; hits: { outcome: string }[] };
    expect(b.runs).toEqual([]);
    expect(b.hits.length).toBeGreaterThan(0);
    expect(b.hits.every((h) => h.outcome === "halted")).toBe(true);
    const writesWhileOn = t.writes(mark).length;
    const dry = await cli(["run", "-c", "CFG", "--dry-run"]);
    expect(dry.exitCode).toBe(0);
    expect(t.writes(mark).length).toBe(writesWhileOn);

    expect(
      (await cli(["halt", "-c", "CFG", "--off", "--as", "soc-lead", "--reason", "storm explained"])).exitCode,
    ).toBe(0);
    const again = await cli(["run", "-c", "CFG", "--yes"]);
    expect(again.exitCode, again.stderr).toBe(0);
    const per = new Map<string, number>();
    for (const w of t.writes(mark))
      per.set(
        `${w.method} ${w.operation ?? w.path}`,
        (per.get(`${w.method} ${w.operation ?? w.path}`) ?? 0) + 1,
      );
    expect([...per].filter(([, n]) => n > 1)).toEqual([]);
  }, 240_000);

  it("the config's guardrails.halt blocks writes too", async () => {
    const halted = path.join(t.stateDir, "halted.json");
    const c = t.config as { guardrails?: Record<string, unknown> };
    writeFileSync(
      halted,
      JSON.stringify({ ...t.config, guardrails: { ...c.guardrails, halt: "change freeze" } }),
      { mode: 0o600 },
    );
    const mark = t.mark();
    const r = await cli(["run", "-c", "CFG", "--yes", "--format", "json"], halted);
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toContain("kill switch in the config: change freeze");
    expect(t.writes(mark)).toEqual([]);
  }, 120_000);
});
