/**
 * Every exit code docs/cli.md lists, triggered through the built CLI (real processes) against the emulated tenant:
 * 0 ok, 1 unexpected, 2 usage/config/bad input/store, 3 tenant refused, 4 a run not done, 5 incomplete, 6 journal
 * chain broken, and 128 + n for a process a signal had to end.
 */
import { createServer, type Server } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchEmulator } from "../../src/cli/commands/emulator.js";
import { EXIT } from "../../src/cli/errors.js";
import { caDir, startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
const cli = (args: string[], timeout = 90_000) =>
  execa(process.execPath, [BIN, ...args], { reject: false, timeout, env: { NO_COLOR: "1" } });

let t: TestTenant;
/** A second tenant for the waiting run, so that config B's runs meet a tenant no other store has touched. */
let tA: TestTenant;
let dir: string;
/** Config A (tenant tA) holds MeganB as a protected account: her run waits. Config B (tenant t) is plain. */
let cfgA: string;
let cfgB: string;
let storeB: string;

beforeAll(async () => {
  t = await startTestTenant();
  tA = await startTestTenant();
  dir = mkdtempSync(path.join(os.tmpdir(), "mw-exit-"));
  const write = (name: string, c: unknown) => {
    const f = path.join(dir, name);
    writeFileSync(f, JSON.stringify(c, null, 2), { mode: 0o600 });
    return f;
  };
  cfgA = write("a.json", {
    ...tA.config,
    store: { path: path.join(dir, "a.db") },
    audit: { path: path.join(dir, "a.jsonl") },
    guardrails: { protectedAccounts: ["MeganB@contoso.com"], maxContainmentsPerRun: 25 },
  });
  storeB = path.join(dir, "b.db");
  cfgB = write("b.json", {
    ...t.config,
    store: { path: storeB },
    audit: { path: path.join(dir, "b.jsonl") },
  });
});
afterAll(async () => {
  await t?.close();
  await tA?.close();
});

describe("exit codes", () => {
  it("0: ok", async () => {
    const v = await cli(["--version"]);
    expect(v.exitCode).toBe(EXIT.ok);
    const scan = await cli(["scan", "-c", cfgB, "--format", "json"]);
    expect(scan.exitCode, scan.stderr).toBe(0);
    expect((JSON.parse(scan.stdout) as { hits: unknown[] }).hits.length).toBeGreaterThan(0); // hits are not errors
  });

  it("1: an unexpected failure (the emulator's port is taken)", async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await cli([
        "emulator",
        "start",
        "--port",
        String(port),
        "--ca-dir",
        caDir(),
        "--state-dir",
        path.join(dir, "busy"),
      ]);
      expect(r.exitCode).toBe(EXIT.failure);
      expect(r.stderr).toContain("EADDRINUSE");
    } finally {
      busy.close();
    }
  });

  it("2: usage, config, bad input and store errors", async () => {
    const unknown = await cli(["frobnicate"]);
    expect(unknown.exitCode).toBe(EXIT.usage);
    const badNumber = await cli(["emulator", "start", "--generate", "all", "--users", "0"]);
    expect(badNumber.exitCode).toBe(EXIT.usage);
    expect(badNumber.stderr).toContain("users");
    const badConfig = path.join(dir, "bad.json");
    writeFileSync(badConfig, JSON.stringify({ tenant: { id: "nope", domains: [] } }));
    const cfg = await cli(["config", "-c", badConfig]);
    expect(cfg.exitCode).toBe(EXIT.usage);
    expect(cfg.stderr).toContain("tenant.id");
    const missing = path.join(dir, "no-such-export");
    const hunt = await cli(["hunt", "--offline", missing]);
    expect(hunt.exitCode).toBe(EXIT.usage);
    expect(hunt.stderr).toContain(missing);
    // a store that is not there (nothing has run with config A yet)
    const store = await cli(["audit", "verify", "-c", cfgA]);
    expect(store.exitCode).toBe(EXIT.usage);
    expect(store.stderr).toContain(path.join(dir, "a.db"));
    // rejected records in a hits file: the valid ones still run
    const hits = path.join(dir, "hits.jsonl");
    writeFileSync(hits, "{not json\n");
    const rejected = await cli(["run", "-c", cfgB, "--hits", hits, "--dry-run"]);
    expect(rejected.exitCode).toBe(EXIT.usage);
    expect(rejected.stderr).toContain("rejected:");
  });

  it("3: the tenant refused (a wrong client secret)", async () => {
    const wrong = path.join(dir, "wrong.json");
    writeFileSync(
      wrong,
      JSON.stringify({ ...t.config, credential: { ...t.config.credential, clientSecret: "not-the-secret" } }),
    );
    const r = await cli(["scan", "-c", wrong]);
    expect(r.exitCode).toBe(EXIT.tenant);
    expect(r.stderr).toContain("AADSTS7000215");
  });

  it("4: a run did not finish (a protected account's run waits for a human)", async () => {
    const r = await cli(["run", "-c", cfgA, "--yes", "--format", "json"]);
    expect(r.exitCode, r.stderr).toBe(EXIT.runFailed);
    const runs = (JSON.parse(r.stdout) as { runs: { state: string }[] }).runs.map((x) => x.state);
    expect(runs).toContain("waiting");
  });

  it("5: incomplete (a stored run needs migration), 6: the journal's chain is broken", async () => {
    const first = await cli(["run", "-c", cfgB, "--yes", "--format", "json"]);
    expect(first.exitCode, first.stderr).toBe(EXIT.ok);
    const run = (JSON.parse(first.stdout) as { runs: { runId: string }[] }).runs[0]!;
    const db = new Database(storeB);
    db.prepare(
      "UPDATE runs SET machine_version = '0+engine.1+old', state = 'executing', active = 1 WHERE run_id = ?",
    ).run(run.runId);
    db.close();
    const again = await cli(["run", "-c", cfgB, "--yes"]);
    expect(again.exitCode).toBe(EXIT.incomplete);
    expect(again.stderr).toContain(`needs-migration: run ${run.runId}`);

    expect((await cli(["audit", "verify", "-c", cfgB])).exitCode).toBe(EXIT.ok);
    const db2 = new Database(storeB);
    db2
      .prepare(
        "UPDATE journal SET after = '{\"enabled\":true}' WHERE seq = (SELECT MIN(seq) FROM journal WHERE kind = 'step.done')",
      )
      .run();
    db2.close();
    const verify = await cli(["audit", "verify", "-c", cfgB]);
    expect(verify.exitCode).toBe(EXIT.integrity);
    expect(verify.stdout).toContain("journal BROKEN");
  });

  it("128 + n: a process still busy 5 s after SIGTERM is ended (143)", async () => {
    // Every token request hangs for a minute: scan is stuck inside @azure/identity when the signal comes.
    const faults = path.join(dir, "slow-token.yaml");
    writeFileSync(faults, "rules:\n  - face: token\n    fault: { type: latency, ms: 60000 }\n");
    const slow = await launchEmulator({ stateDir: path.join(dir, "slow"), caDir: caDir(), faults });
    try {
      const cfg = path.join(dir, "slow.json");
      writeFileSync(cfg, JSON.stringify(slow.config), { mode: 0o600 });
      // (execa would SIGKILL it 5 s after the SIGTERM itself, racing the CLI's own grace period)
      const p = execa(process.execPath, [BIN, "scan", "-c", cfg], {
        reject: false,
        timeout: 60_000,
        forceKillAfterDelay: false,
      });
      // wait until the token request is in flight
      for (let i = 0; i < 100 && !slow.emulator.requests().some((r) => r.face === "token"); i++)
        await new Promise((r) => setTimeout(r, 100));
      p.kill("SIGTERM");
      const r = await p;
      expect(r.exitCode).toBe(143);
      expect(r.stderr).toContain("SIGTERM");
    } finally {
      await slow.emulator.close();
    }
  }, 60_000);
});
