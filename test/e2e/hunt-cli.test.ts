/**
 * `mailwarden hunt` as a user runs it (the built CLI, real processes): offline on an export holding hostile text,
 * every output format, quarantine accounting and exit codes, and `--print-kql` that Kusto.Language accepts.
 */
import path from "node:path";
import { parse } from "csv-parse/sync";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { validateKql } from "../../src/hunt/kql/validate.js";
import type { Hit } from "../../src/model/hit.js";

const BIN = path.resolve("dist/cli/bin.js");
const FIX = path.resolve("test/fixtures/hunt");
const HOSTILE = "=cmd|' /C calc'!A0 \"quoted\"\nline2";

const cli = (args: string[]) =>
  execa(process.execPath, [BIN, ...args], { reject: false, timeout: 120_000, env: { NO_COLOR: "1" } });

describe("mailwarden hunt --offline", () => {
  it("turns a Management Activity export into hits linked to the sign-in, hostile names intact in JSON lines", async () => {
    const r = await cli(["hunt", "--offline", path.join(FIX, "management-api.json"), "--format", "jsonl"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const hits = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Hit);
    const rule = hits.find((h) => h.target.kind === "inboxRule");
    expect(rule).toBeDefined();
    expect(rule!.target).toMatchObject({ kind: "inboxRule", ruleName: HOSTILE });
    expect(rule!.action.operation).toBe("New-InboxRule");
    expect(rule!.action.recordId).toBe("85d29e27-be28-4f2c-96c8-08dbbe33c473");
    // the audit log's own logon record (UserLoggedIn) is the sign-in: the token id decodes to its request id
    expect(rule!.links[0]).toMatchObject({
      key: "request",
      signInRequestId: "445945de-2d4f-4816-a71e-d3c0eff10500",
      sessionId: "9dfdecb6-59a0-4714-846e-86c0fc911104",
    });
    expect(rule!.reasons.map((x: { code: string }) => x.code)).toContain("moves-to-hiding-folder");
    expect(r.stderr).toMatch(/as of 2023-09-26T01:56:15(\.0+)?Z \(the newest event in the input\)/);
  }, 180_000);

  it("neutralises formulas in CSV and control characters in the table", async () => {
    const csv = await cli(["hunt", "--offline", path.join(FIX, "management-api.json"), "--format", "csv"]);
    expect(csv.exitCode, csv.stderr).toBe(0);
    const rows = parse<Record<string, string>>(csv.stdout, { columns: true });
    const target = rows.map((x) => x["target"]).find((t) => t?.includes("cmd|"));
    expect(target).toBeDefined();
    expect(target!.startsWith("=")).toBe(false);
    const table = await cli(["hunt", "--offline", path.join(FIX, "management-api.json")]);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toContain("\\nline2");
    expect(table.stdout).not.toContain("\nline2");
  }, 180_000);

  it("accounts for bad records: quarantined with file and line, the rest still hunted, exit 2", async () => {
    const r = await cli(["hunt", "--offline", path.join(FIX, "purview-broken.csv"), "--format", "json"]);
    expect(r.exitCode).toBe(2);
    const out = JSON.parse(r.stdout) as {
      load: { totals: { records: number; loaded: number; duplicate: number; quarantined: number } };
    };
    const t = out.load.totals;
    expect(t.loaded + t.duplicate + t.quarantined).toBe(t.records);
    expect(t.quarantined).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/quarantined: .*purview-broken\.csv:\d+: /);
  }, 180_000);

  it("refuses what it cannot do with a clear usage error", async () => {
    const noCfg = await cli(["hunt"]);
    expect(noCfg.exitCode).toBe(2);
    expect(noCfg.stderr).toContain("--offline");
    const badFormat = await cli(["hunt", "--offline", FIX, "--format", "xml"]);
    expect(badFormat.exitCode).toBe(2);
  });
});

describe("mailwarden hunt --print-kql", () => {
  it.each([
    ["defender", "default"],
    ["sentinel", "default"],
    ["defender", "seed"],
  ])(
    "prints a %s %s query that Kusto.Language accepts, with hostile parameters kept in literals",
    async (target, profile) => {
      const r = await cli([
        "hunt",
        "--print-kql",
        "--target",
        target,
        "--profile",
        profile,
        "--tenant-domain",
        "contoso.com",
        "--lookback-days",
        "7",
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      const v = validateKql(r.stdout);
      expect(v.errors).toEqual([]);
      if (profile === "default") expect(r.stdout).toMatch(/let lookback = 7d;/);
    },
    120_000,
  );
});
