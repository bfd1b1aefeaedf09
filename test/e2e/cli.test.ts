/**
 * The built CLI as a user runs it: real processes, a config file, the emulated tenant. Includes a real crash
 * (SIGKILL mid-step) and the resume that follows.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
let t: TestTenant;
let cfgFile: string;

const cli = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [BIN, ...args], { reject: false, env: { ...env }, timeout: 60_000 });

beforeAll(async () => {
  t = await startTestTenant();
  cfgFile = path.join(t.stateDir, "config.json");
  writeFileSync(cfgFile, JSON.stringify(t.config, null, 2), { mode: 0o600 });
});
afterAll(async () => {
  await t?.close();
});

describe("mailwarden CLI", () => {
  it("prints help for every command and maps usage errors to exit 2", async () => {
    const help = await cli(["--help"]);
    expect(help.exitCode).toBe(0);
    for (const c of ["demo", "scan", "run", "emulator", "rollback"]) expect(help.stdout).toContain(c);
    const bad = await cli(["run", "-c", cfgFile]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("--dry-run");
    const unknown = await cli(["frobnicate"]);
    expect(unknown.exitCode).toBe(2);
  });

  it("rejects a bad config with every error and its path (exit 2)", async () => {
    const bad = path.join(t.stateDir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ tenant: { id: "nope", domains: [] }, credential: { type: "clientSecret" } }),
    );
    const r = await cli(["scan", "-c", bad]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("tenant.id");
    expect(r.stderr).toContain("tenant.domains");
    expect(r.stderr).toContain("credential.clientId");
  });

  it("a wrong client secret is the tenant refusing (exit 3), and the secret is not printed", async () => {
    const wrong = path.join(t.stateDir, "wrong.json");
    const c = JSON.parse(JSON.stringify(t.config)) as { credential: { clientSecret: string } };
    c.credential.clientSecret = "definitely-wrong-secret-value";
    writeFileSync(wrong, JSON.stringify(c));
    const r = await cli(["scan", "-c", wrong]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("AADSTS7000215");
    expect(r.stderr + r.stdout).not.toContain("definitely-wrong-secret-value");
  });

  it("scan --format json|jsonl, run --dry-run --format json with zero writes", async () => {
    const scan = await cli(["scan", "-c", cfgFile, "--format", "json"]);
    expect(scan.exitCode).toBe(0);
    const doc = JSON.parse(scan.stdout) as {
      schemaVersion: number;
      hits: { hitKey: string; severity: string }[];
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.hits.length).toBeGreaterThanOrEqual(3);
    const jl = await cli(["scan", "-c", cfgFile, "--format", "jsonl"]);
    expect(
      jl.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { hitKey: string }).hitKey),
    ).toEqual(doc.hits.map((h) => h.hitKey));

    const hitsFile = path.join(t.stateDir, "hits.json");
    writeFileSync(hitsFile, scan.stdout);
    const mark = t.mark();
    const dry = await cli(["run", "-c", cfgFile, "--hits", hitsFile, "--dry-run", "--format", "json"]);
    expect(dry.exitCode).toBe(0);
    const out = JSON.parse(dry.stdout) as {
      schemaVersion: number;
      runs: { state: string; mode: string; approvals: unknown[]; steps: { id: string; outcome: string }[] }[];
    };
    expect(out.schemaVersion).toBe(1);
    expect(out.runs.map((r) => [r.mode, r.state])).toEqual(doc.hits.map(() => ["dry-run", "planned"]));
    expect(out.runs[0]!.approvals).toEqual([]);
    expect(t.writes(mark)).toEqual([]);
  });

  it("keeps going past bad records in a hits file: each is reported with file, line and reason, and counted", async () => {
    const scan = await cli(["scan", "-c", cfgFile, "--format", "jsonl"]);
    const lines = scan.stdout.trim().split("\n");
    const mixed = path.join(t.stateDir, "mixed.jsonl");
    writeFileSync(mixed, [lines[0], "{not json", JSON.stringify({ hitKey: "nope" }), ""].join("\n"));
    const mark = t.mark();
    const r = await cli(["run", "-c", cfgFile, "--hits", mixed, "--dry-run", "--format", "json"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`rejected: ${mixed} line 2: not JSON`);
    expect(r.stderr).toContain(`rejected: ${mixed} line 3: not a hit`);
    expect(r.stderr).toContain("1 hit(s) read, 2 record(s) rejected");
    const out = JSON.parse(r.stdout) as { runs: { state: string }[]; rejected: { at: string }[] };
    expect(out.runs.map((x) => x.state)).toEqual(["planned"]);
    expect(out.rejected.map((x) => x.at)).toEqual(["line 2", "line 3"]);
    expect(t.writes(mark)).toEqual([]);
  });

  it("survives SIGKILL mid-step: the next --yes run resumes it and applies each effect once", async () => {
    const scan = await cli(["scan", "-c", cfgFile, "--format", "json"]);
    const doc = JSON.parse(scan.stdout) as { hits: { target: { kind: string } }[] };
    const fwd = doc.hits.filter((h) => h.target.kind === "mailboxForwarding");
    expect(fwd).toHaveLength(1);
    const hitsFile = path.join(t.stateDir, "fwd.jsonl");
    writeFileSync(hitsFile, fwd.map((h) => JSON.stringify(h)).join("\n") + "\n");
    const mark = t.mark();

    // Slow cmdlets so that the kill lands inside the step.
    const victim: ResultPromise = execa(
      process.execPath,
      [BIN, "run", "-c", cfgFile, "--hits", hitsFile, "--yes"],
      {
        reject: false,
        env: { MAILWARDEN_STANDIN_CMDLET_MS: "700" },
      },
    );
    const db = () => new Database(t.cfg.store.path, { readonly: true, fileMustExist: true });
    const deadline = Date.now() + 30_000;
    let started = false;
    while (!started && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        const d = db();
        started =
          d
            .prepare(
              "SELECT count(*) n FROM effects WHERE status = 'started' AND action_id = 'mailboxForwarding.clear'",
            )
            .get() !== undefined &&
          (
            d
              .prepare(
                "SELECT count(*) n FROM effects WHERE status = 'started' AND action_id = 'mailboxForwarding.clear'",
              )
              .get() as { n: number }
          ).n > 0;
        d.close();
      } catch {
        // the store does not exist yet
      }
    }
    expect(started).toBe(true);
    victim.kill("SIGKILL");
    await victim;
    const d = db();
    const interrupted = d
      .prepare("SELECT run_id, state FROM runs WHERE state NOT IN ('planned','held','contained','failed')")
      .all() as { run_id: string }[];
    d.close();
    expect(interrupted).toHaveLength(1);

    const again = await cli(["run", "-c", cfgFile, "--hits", hitsFile, "--yes", "--format", "json"]);
    expect(again.stderr).not.toContain("failed:");
    expect(again.exitCode).toBe(0);
    const runs = (JSON.parse(again.stdout) as { runs: { runId: string; state: string }[] }).runs;
    expect(runs.find((r) => r.runId === interrupted[0]!.run_id)?.state).toBe("contained");
    expect(runs.every((r) => r.state === "contained")).toBe(true);
    // Exactly one forwarding write, whichever side of the kill it happened on.
    expect(t.writes(mark).filter((w) => w.face === "exchange")).toHaveLength(1);
  });
});
