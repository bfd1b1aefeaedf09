/**
 * The case store through the CLI: a missing, empty or foreign store is an error naming the file (exit 2) and the
 * tenant is never touched; a stored run of a machine version that no longer exists is skipped and reported
 * (needs-migration, exit 5) while the other cases go on; `cases`, `runs`, `schema run`, `audit verify`.
 */
import { statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
let t: TestTenant;
let cfgFile: string;

const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 90_000 });

beforeAll(async () => {
  t = await startTestTenant();
  cfgFile = path.join(t.stateDir, "config.json");
  writeFileSync(cfgFile, JSON.stringify(t.config, null, 2), { mode: 0o600 });
});
afterAll(async () => {
  await t?.close();
});

describe("the case store from the command line", () => {
  it("commands that read runs refuse a missing store, naming it (exit 2)", async () => {
    for (const args of [["runs"], ["cases"], ["audit", "verify"], ["rollback", "--run", "12345678"]]) {
      const r = await cli([...args, "-c", cfgFile]);
      expect(r.exitCode, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(t.cfg.store.path);
      expect(r.stderr).toContain("no run store here");
    }
  });

  it("a zero-length store stops run --yes before any tenant request (exit 2)", async () => {
    const bad = path.join(t.stateDir, "empty.json");
    const emptyStore = path.join(t.stateDir, "empty.db");
    writeFileSync(emptyStore, "");
    writeFileSync(bad, JSON.stringify({ ...t.config, store: { path: emptyStore } }));
    const mark = t.emulator.requests().length;
    const r = await cli(["run", "-c", bad, "--yes"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${emptyStore}: the run store is empty`);
    expect(t.emulator.requests().length).toBe(mark);
  });

  it("run --yes creates the store 0600; a stored run of a vanished machine version is skipped, the rest go on (exit 5)", async () => {
    // A dry run's id: rollback says it wrote nothing (no empty table, no "add --yes").
    const dryFirst = await cli(["run", "-c", cfgFile, "--dry-run", "--format", "json"]);
    const dryId = (JSON.parse(dryFirst.stdout) as { runs: { runId: string }[] }).runs[0]!.runId;
    const rbDry = await cli(["rollback", "-c", cfgFile, "--run", dryId.slice(0, 8)]);
    expect(rbDry.exitCode).toBe(0);
    expect(rbDry.stderr).toContain("is a dry run: it wrote nothing, so there is nothing to roll back");
    expect(rbDry.stdout).toBe("");
    const first = await cli(["run", "-c", cfgFile, "--yes", "--format", "json"]);
    expect(first.exitCode).toBe(0);
    expect(statSync(t.cfg.store.path).mode & 0o777).toBe(0o600);
    const out = JSON.parse(first.stdout) as {
      schemaVersion: number;
      runs: { runId: string; state: string; caseId: string }[];
    };
    expect(out.schemaVersion).toBe(2);
    expect(out.runs.every((r) => r.state === "done")).toBe(true);

    // An old mailwarden left a run mid-flight with a machine version this one does not have.
    const db = new Database(t.cfg.store.path);
    const old = out.runs[0]!;
    db.prepare(
      "UPDATE runs SET machine_version = '0+engine.1+old', state = 'executing', active = 1 WHERE run_id = ?",
    ).run(old.runId);
    db.close();
    const again = await cli(["run", "-c", cfgFile, "--yes", "--format", "json"]);
    expect(again.exitCode).toBe(5);
    const o2 = JSON.parse(again.stdout) as {
      skipped: { runId: string; reason: string; detail: string }[];
      hits: { outcome: string }[];
    };
    expect(o2.skipped).toEqual([
      expect.objectContaining({
        runId: old.runId,
        reason: "needs-migration",
        detail: expect.stringContaining("rollback"),
      }),
    ]);
    expect(again.stderr).toContain(`needs-migration: run ${old.runId}`);
    // A dry run resumes nothing, and says what a --yes run would pick up first.
    const dry = await cli(["run", "-c", cfgFile, "--dry-run"]);
    expect(dry.stderr).toContain(
      `1 interrupted or waiting run(s) in the store (${old.runId.slice(0, 8)}:executing)`,
    );

    const cases = await cli(["cases", "-c", cfgFile, "--format", "json"]);
    expect(cases.exitCode).toBe(0);
    expect((JSON.parse(cases.stdout) as { caseId: string }[]).map((c) => c.caseId)).toContain(old.caseId);
    const runs = await cli(["runs", "-c", cfgFile]);
    expect(runs.stdout).toContain(old.runId);
    const verify = await cli(["audit", "verify", "-c", cfgFile]);
    expect(verify.exitCode).toBe(0);
  });

  it("a journal entry edited behind mailwarden's back is found by audit verify (exit 6)", async () => {
    const db = new Database(t.cfg.store.path);
    db.prepare(
      "UPDATE journal SET after = '{\"enabled\":true}' WHERE seq = (SELECT MIN(seq) FROM journal WHERE kind = 'step.done')",
    ).run();
    const seq = (db.prepare("SELECT MIN(seq) s FROM journal WHERE kind = 'step.done'").get() as { s: number })
      .s;
    db.close();
    const r = await cli(["audit", "verify", "-c", cfgFile]);
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toContain(`journal BROKEN at entry ${seq}`);
  });

  it("schema run prints the run output's JSON Schema", async () => {
    const r = await cli(["schema", "run"]);
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(
      expect.arrayContaining(["schemaVersion", "runs", "hits", "skipped"]),
    );
  });
});
