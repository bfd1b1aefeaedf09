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
const mailbox = () => {
  const adele = t.emulator.ctx.state.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
  return t.emulator.ctx.state.mailboxes.find((m) => m.userId === adele.id)!;
};

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
    expect(out.schemaVersion).toBe(2);
    const users = new Set((doc.hits as unknown as { user: { upn: string } }[]).map((h) => h.user.upn));
    expect(out.runs.map((r) => [r.mode, r.state])).toEqual([...users].map(() => ["dry-run", "planned"]));
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

  it("survives SIGKILL mid-step: the next --yes run resumes it and applies each effect once; rollback restores the true before-image", async () => {
    const scan = await cli(["scan", "-c", cfgFile, "--format", "json"]);
    const doc = JSON.parse(scan.stdout) as { hits: { target: { kind: string } }[] };
    const fwd = doc.hits.filter((h) => h.target.kind === "mailboxForwarding");
    expect(fwd).toHaveLength(1);
    const hitsFile = path.join(t.stateDir, "fwd.jsonl");
    writeFileSync(hitsFile, fwd.map((h) => JSON.stringify(h)).join("\n") + "\n");
    const mark = t.mark();

    // The kill lands right after the write, inside the tenant, before the response leaves: a trap on the
    // mailbox's forwarding property kills the CLI process at the moment Set-Mailbox changes it.
    const original = { ...mailbox() };
    const mb = mailbox() as unknown as Record<string, unknown>;
    let value = mb.forwardingSmtpAddress;
    const victim: { p?: ResultPromise } = {};
    Object.defineProperty(mb, "forwardingSmtpAddress", {
      configurable: true,
      enumerable: true,
      get: () => value,
      set: (v: unknown) => {
        value = v;
        if (v === null) victim.p?.kill("SIGKILL");
      },
    });
    victim.p = execa(process.execPath, [BIN, "run", "-c", cfgFile, "--hits", hitsFile, "--yes"], {
      reject: false,
    });
    const db = () => new Database(t.cfg.store.path, { readonly: true, fileMustExist: true });
    const killed = await victim.p;
    Object.defineProperty(mb, "forwardingSmtpAddress", {
      configurable: true,
      enumerable: true,
      writable: true,
      value,
    });
    expect(killed?.signal).toBe("SIGKILL");
    expect(mailbox().forwardingSmtpAddress).toBeNull(); // the write landed
    const d = db();
    const interrupted = d
      .prepare("SELECT run_id, state FROM runs WHERE active = 1 AND mode = 'execute'")
      .all() as { run_id: string }[];
    d.close();
    expect(interrupted).toHaveLength(1);

    const again = await cli(["run", "-c", cfgFile, "--hits", hitsFile, "--yes", "--format", "json"]);
    expect(again.stderr).not.toContain("failed:");
    expect(again.exitCode).toBe(0);
    const runs = (JSON.parse(again.stdout) as { runs: { runId: string; state: string }[] }).runs;
    expect(runs.find((r) => r.runId === interrupted[0]!.run_id)?.state).toBe("done");
    expect(runs.every((r) => r.state === "done")).toBe(true);
    // Exactly one forwarding write, whichever side of the kill it happened on.
    expect(t.writes(mark).filter((w) => w.face === "exchange")).toHaveLength(1);
    // The journal: intent before the kill, the resume's re-read kept apart from the immutable before-image.
    const d2 = db();
    const kinds = (
      d2.prepare("SELECT kind FROM journal WHERE run_id = ? ORDER BY seq").all(interrupted[0]!.run_id) as {
        kind: string;
      }[]
    ).map((k) => k.kind);
    const eff = d2
      .prepare("SELECT before, applied FROM effects WHERE action_id = 'mailboxForwarding.clear'")
      .get() as { before: string; applied: number | null };
    d2.close();
    expect(kinds).toEqual(expect.arrayContaining(["step.intent", "step.resumed", "step.observed"]));
    expect(JSON.parse(eff.before)).toMatchObject({ forwardingSmtpAddress: original.forwardingSmtpAddress });
    expect(eff.applied).toBeNull(); // the write happened before the kill: mailwarden cannot tell which attempt wrote

    // Rollback (preview, then --yes by an 8-character prefix) restores the forwarding that was there before.
    const preview = await cli(["rollback", "-c", cfgFile, "--run", interrupted[0]!.run_id]);
    expect(preview.exitCode).toBe(0);
    expect(preview.stderr).toContain("cannot be undone: revoke-sessions");
    const rb = await cli(["rollback", "-c", cfgFile, "--run", interrupted[0]!.run_id.slice(0, 8), "--yes"]);
    expect(rb.exitCode).toBe(0);
    expect(mailbox()).toMatchObject({
      forwardingSmtpAddress: original.forwardingSmtpAddress,
      deliverToMailboxAndForward: original.deliverToMailboxAndForward,
    });
    const verify = await cli(["audit", "verify", "-c", cfgFile]);
    expect(verify.exitCode).toBe(0);
    expect(verify.stdout).toContain("journal intact");
  });
});
