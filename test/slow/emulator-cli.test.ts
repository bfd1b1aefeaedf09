/**
 * `mailwarden emulator start` as docs/emulator.md describes it (the built CLI, real processes): a generated tenant
 * with its Defender and Sentinel tables that live hunting finds the attacks in, a faults file validated before the
 * start, bad numbers refused, and a new store and audit log at every start.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import type { Hit } from "../../src/model/hit.js";
import { caDir } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
const cli = (args: string[]) =>
  execa(process.execPath, [BIN, ...args], { reject: false, timeout: 120_000, env: { NO_COLOR: "1" } });

interface Ready {
  tenantId: string;
  store: string;
  auditLog: string;
  configFile?: string;
  generated?: { scenarios: unknown; users: number; days: number; defenderRows: number; sentinelRows: number };
}

const running: ResultPromise[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.kill("SIGTERM");
    await p;
  }
});

/** Starts `emulator start ARGS` and resolves with its ready line. */
async function start(args: string[]): Promise<Ready> {
  const p = execa(process.execPath, [BIN, "emulator", "start", "--ca-dir", caDir(), ...args], {
    reject: false,
    buffer: false,
    env: { NO_COLOR: "1" },
  });
  running.push(p);
  let out = "";
  let err = "";
  p.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise<Ready>((resolve, reject) => {
    p.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as Ready);
    });
    void p.then((r) => reject(new Error(`emulator start ended (${r.exitCode}): ${err}`)));
  });
}

describe("mailwarden emulator start", () => {
  it("--generate serves the generated tenant: live hunting in Defender and Sentinel finds its attacks", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mw-emu-cli-"));
    const cfg = path.join(dir, "emu.json");
    const ready = await start([
      "--generate",
      "all",
      "--users",
      "20",
      "--days",
      "3",
      "--seed",
      "11",
      "--state-dir",
      path.join(dir, "state"),
      "--write-config",
      cfg,
    ]);
    expect(ready.generated).toMatchObject({ scenarios: "all", users: 20, days: 3 });
    expect(ready.generated!.defenderRows).toBeGreaterThan(0);
    expect(ready.generated!.sentinelRows).toBeGreaterThan(0);

    const defender = await cli(["hunt", "-c", cfg, "--format", "json"]);
    expect(defender.exitCode, defender.stderr).toBe(0);
    const doc = JSON.parse(defender.stdout) as { target: string; hits: Hit[]; targets: unknown[] };
    expect(doc.target).toBe("defender");
    expect(doc.targets).toHaveLength(1);
    const high = doc.hits.filter((h) => h.severity === "high");
    expect(high.length).toBeGreaterThanOrEqual(5);
    expect(high.every((h) => h.links.length > 0)).toBe(true);
    expect(doc.hits.map((h) => h.action.operation)).toEqual(
      expect.arrayContaining(["New-InboxRule", "Set-Mailbox", "New-TransportRule", "Add-MailboxPermission"]),
    );

    const sentinel = await cli(["hunt", "-c", cfg, "--target", "sentinel", "--format", "jsonl"]);
    expect(sentinel.exitCode, sentinel.stderr).toBe(0);
    const lines = sentinel.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Hit & { foundBy: string[] });
    expect(lines.filter((h) => h.severity === "high").length).toBeGreaterThanOrEqual(5);
    expect(lines.every((h) => h.foundBy.join() === "sentinel")).toBe(true);

    // hunted hits feed the runner (foundBy is an addition the hit model lets through)
    const hitsFile = path.join(dir, "hunted.jsonl");
    writeFileSync(hitsFile, sentinel.stdout);
    const dry = await cli(["run", "-c", cfg, "--hits", hitsFile, "--dry-run", "--format", "json"]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(`${lines.length} hit(s) read, 0 record(s) rejected`);
    const planned = JSON.parse(dry.stdout) as { runs: { state: string }[] };
    expect(planned.runs.length).toBeGreaterThan(0);
    expect(planned.runs.every((r) => r.state === "planned")).toBe(true);
  }, 240_000);

  it("each start gets its own store and audit log beside the written config, unless one is named", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mw-emu-cli-"));
    const cfg = path.join(dir, "emu.json");
    const args = ["--state-dir", path.join(dir, "state"), "--write-config", cfg];
    const first = await start(args);
    const written = JSON.parse(readFileSync(cfg, "utf8")) as {
      store: { path: string };
      audit: { path: string };
    };
    expect(written.store.path).toBe(first.store);
    expect(written.audit.path).toBe(first.auditLog);
    expect(path.dirname(first.store)).toBe(dir);
    expect(path.basename(first.store)).toMatch(/^runs-\d{8}T\d{6}Z-[0-9a-f]{6}\.db$/);
    expect(path.basename(first.auditLog)).toMatch(/^audit-\d{8}T\d{6}Z-[0-9a-f]{6}\.jsonl$/);
    // contain something, so that the first tenant's store holds a journal
    const run = await cli(["run", "-c", cfg, "--yes"]);
    expect(run.exitCode, run.stderr).toBe(0);
    for (const p of running.splice(0)) {
      p.kill("SIGTERM");
      expect((await p).exitCode).toBe(0);
    }

    const second = await start(args);
    expect(second.store).not.toBe(first.store);
    expect(second.auditLog).not.toBe(first.auditLog);
    // the restarted tenant is contained afresh, with a store of its own that verifies
    const again = await cli(["run", "-c", cfg, "--yes"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/wrote [1-9]\d* change/);
    expect((await cli(["audit", "verify", "-c", cfg])).exitCode).toBe(0);

    const named = path.join(dir, "mine.db");
    const third = await start([...args, "--store", named]);
    expect(third.store).toBe(named);
    expect(third.auditLog).toBe(path.join(dir, "mine.audit.jsonl"));
  }, 240_000);

  it("refuses a bad faults file with the problem's dotted path, and bad numbers (exit 2)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mw-emu-cli-"));
    const faults = path.join(dir, "faults.yaml");
    writeFileSync(faults, "rules:\n  - face: graph\n    fault: { type: unavailable, status: 500 }\n");
    const sd = ["--state-dir", path.join(dir, "state"), "--ca-dir", caDir()];
    const bad = await cli(["emulator", "start", "--faults", faults, ...sd]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(`invalid faults file (${faults})`);
    expect(bad.stderr).toMatch(/^\s*rules\.0\.fault\.status: /m);
    expect(bad.stdout).toBe("");
    const missing = await cli(["emulator", "start", "--faults", path.join(dir, "nope.yaml"), ...sd]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("nope.yaml");

    for (const [args, says] of [
      [["--generate", "all", "--users", "0"], "users"],
      [["--generate", "default", "--days", "abc"], "--days"],
      [["--generate", "all", "--days", "1.5"], "--days"],
      [["--generate", "nonsense"], "scenarios.0"],
      [["--users", "10"], "--generate"],
      [["--port", "x"], "--port"],
    ] as const) {
      const r = await cli(["emulator", "start", ...args, ...sd]);
      expect(r.exitCode, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toContain(says);
      expect(r.stdout).toBe("");
    }
  }, 120_000);
});
