/**
 * Issue 13, "a new user's first hour", through the built CLI: a misspelt config key is an error with "did you mean"
 * (exit 2); an invalid scenario or faults file prints one real line per problem and exits 2 like any configuration
 * error; `doctor` keeps developer diagnostics out of the user's way unless asked (`--verbose`); `actions list` says
 * which actions only read.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorLines, EXIT, exitCodeFor } from "../../src/cli/errors.js";
import { FaultsError, loadFaultsFile } from "../../src/emulator/faults/config.js";
import { caDir, startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
const dir = mkdtempSync(path.join(os.tmpdir(), "mw-first-hour-"));
const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 60_000 });
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe("config: strict at every depth", () => {
  it("guardrails.protectedAcounts: did you mean protectedAccounts, exit 2, nothing printed as config", async () => {
    const f = write(
      "c.yaml",
      [
        "tenant:",
        "  id: 11111111-2222-3333-4444-555555555555",
        "  domains: [contoso.com, contoso.onmicrosoft.com]",
        "credential: { type: default }",
        "guardrails:",
        "  protectedAcounts: [breakglass@contoso.onmicrosoft.com]",
        "",
      ].join("\n"),
    );
    const r = await cli(["config", "-c", f]);
    expect(r.exitCode).toBe(EXIT.usage);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "error: guardrails.protectedAcounts: unknown key; did you mean protectedAccounts?",
    );
    expect(r.stderr).toContain("invalid configuration (1 error)");
  });
});

describe("scenario and faults files", () => {
  it("an invalid scenario: one real line per problem (never an escaped newline), exit 2", async () => {
    const f = write(
      "bad-scenario.yaml",
      [
        "tenant: { displayName: X, domains: [x.onmicrosoft.com], domainz: [] }",
        "apps:",
        "  - displayName: app",
        "    graphRole: []",
        "",
      ].join("\n"),
    );
    const r = await cli([
      "emulator",
      "start",
      "--scenario",
      f,
      "--state-dir",
      path.join(dir, "state"),
      "--ca-dir",
      caDir(),
    ]);
    expect(r.exitCode).toBe(EXIT.usage);
    expect(r.stderr).not.toContain("\\u{");
    expect(r.stderr.split("\n")).toEqual(
      expect.arrayContaining([
        `mailwarden: invalid scenario (${f}):`,
        "  tenant.domainz: unknown key; did you mean domains?",
        "  apps.0.graphRole: unknown key; did you mean graphRoles?",
      ]),
    );
    expect(r.stdout).toBe("");
  });

  it("an unreadable scenario file is a configuration error too (exit 2)", async () => {
    const r = await cli([
      "emulator",
      "start",
      "--scenario",
      path.join(dir, "missing.yaml"),
      "--state-dir",
      path.join(dir, "state"),
      "--ca-dir",
      caDir(),
    ]);
    expect(r.exitCode).toBe(EXIT.usage);
    expect(r.stderr).toContain("cannot read");
    expect(r.stderr).not.toContain("\\u{");
  });

  it("an invalid faults file maps to exit 2 and keeps one line per problem", async () => {
    const f = write(
      "bad-faults.yaml",
      "rules:\n  - face: graph\n    fault: { type: throttle, retryAftr: 1 }\nlimit: {}\n",
    );
    const e = await loadFaultsFile(f).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(FaultsError);
    expect(exitCodeFor(e)).toBe(EXIT.usage);
    expect(errorLines(e)).toEqual([
      `invalid faults file (${f}):`,
      "  rules.0.fault.retryAftr: unknown key; did you mean retryAfter?",
      "  limit: unknown key; did you mean limits?",
    ]);
    // Any other error stays on one line (its control characters are escaped by the CLI).
    expect(errorLines(new Error("a\nb"))).toEqual(["a\nb"]);
  });
});

describe("actions list", () => {
  it("shows the actions that never write as read-only", async () => {
    const r = await cli(["actions", "list", "--format", "json"]);
    expect(r.exitCode).toBe(0);
    const rows = JSON.parse(r.stdout) as { id: string; reversibility: string }[];
    const readOnly = rows.filter((x) => x.reversibility === "read-only").map((x) => x.id);
    expect(readOnly).toEqual([
      "autoReply.read",
      "case.linkedSignIns",
      "case.sessionPeers",
      "delegation.list",
      "inboxRule.get",
      "inboxRule.list",
      "inboxRule.resolve",
      "mailboxForwarding.read",
      "user.readRisk",
    ]);
    expect(rows.find((x) => x.id === "inboxRule.disable")?.reversibility).toBe("reversible");
    expect(rows.find((x) => x.id === "user.revokeSessions")?.reversibility).toBe("irreversible");
    const table = await cli(["actions", "list"]);
    expect(table.stdout).toMatch(/inboxRule\.list\s*│\s*object\s*│\s*read-only/);
  });
});

describe("doctor", () => {
  let t: TestTenant;
  let cfgFile: string;
  beforeAll(async () => {
    t = await startTestTenant();
    cfgFile = path.join(t.stateDir, "config.json");
    writeFileSync(cfgFile, JSON.stringify(t.config, null, 2), { mode: 0o600 });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it("--probe: the user's checks and a verdict; the open questions only with --verbose, apart", async () => {
    const plain = await cli(["doctor", "-c", cfgFile, "--probe"]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toContain("probe Get-InboxRule -IncludeHidden");
    expect(plain.stdout).not.toContain("open question");
    expect(plain.stdout).not.toContain("diagnostics");
    expect(plain.stderr).toContain("doctor: nothing to fix");

    const verbose = await cli(["doctor", "-c", cfgFile, "--probe", "--verbose"]);
    expect(verbose.exitCode).toBe(0);
    const [checks, diagnostics] = verbose.stdout.split("diagnostics for mailwarden's developers");
    expect(checks).not.toContain("open question");
    expect(diagnostics).toContain("open question 1");
    expect(diagnostics).toContain("open question 8");
    expect(verbose.stderr).toContain("doctor: nothing to fix");

    const json = await cli(["doctor", "-c", cfgFile, "--probe", "--verbose", "--format", "json"]);
    const rows = (JSON.parse(json.stdout) as { checks: { check: string; diagnostic?: boolean }[] }).checks;
    expect(rows.filter((c) => c.diagnostic).map((c) => c.check.slice(0, 15))).toEqual(
      Array.from({ length: 8 }, (_, i) => `open question ${i + 1}`),
    );
  }, 120_000);

  it("names what the user must fix and exits 3", async () => {
    const app = t.emulator.ctx.state.apps[0]!;
    const saved = [...app.graphRoles];
    app.graphRoles = saved.filter((r) => r !== "User.RevokeSessions.All");
    try {
      const r = await cli(["doctor", "-c", cfgFile]);
      expect(r.exitCode).toBe(EXIT.tenant);
      expect(r.stderr).toContain("doctor: 1 problem to fix:");
      expect(r.stderr).toContain(
        "graph permission User.RevokeSessions.All: missing — grant the application permission",
      );
    } finally {
      app.graphRoles = saved;
    }
  }, 60_000);
});
