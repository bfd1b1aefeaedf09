/**
 * `mailwarden hunt` as a user runs it (the built CLI, real processes): offline on an export holding hostile text,
 * every output format, quarantine accounting and exit codes, and `--print-kql` that Kusto.Language accepts.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
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

  it("over Defender and Sentinel tables at once: json is one document, jsonl and csv give each hit once with foundBy", async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "mw-hunt-both-"));
    const seed = await cli([
      "emulator",
      "seed",
      "--scenario",
      "all",
      "--users",
      "20",
      "--days",
      "3",
      "--seed",
      "11",
      "--out",
      out,
      "--format",
      "csv",
    ]);
    expect(seed.exitCode, seed.stderr).toBe(0);
    const json = await cli(["hunt", "--offline", out, "--format", "json"]);
    expect(json.exitCode, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as {
      schemaVersion: number;
      target?: string;
      load: unknown;
      hits: (Hit & { foundBy: string[] })[];
      targets: { target: string; rowCount: number; hitKeys: string[] }[];
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.target).toBeUndefined(); // two targets: each is in `targets`
    expect(doc.load).toBeDefined();
    expect(doc.targets.map((t) => t.target)).toEqual(["defender", "sentinel"]);
    const keys = doc.hits.map((h) => h.hitKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const t of doc.targets) {
      expect(t.hitKeys.length).toBeGreaterThan(0);
      for (const k of t.hitKeys) expect(doc.hits.find((h) => h.hitKey === k)?.foundBy).toContain(t.target);
    }
    expect(doc.hits.some((h) => h.foundBy.length === 2)).toBe(true);

    const jsonl = await cli(["hunt", "--offline", out, "--format", "jsonl"]);
    expect(jsonl.exitCode).toBe(0);
    const lines = jsonl.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Hit & { foundBy: string[] });
    expect(lines.map((h) => h.hitKey)).toEqual(keys);
    expect(lines.map((h) => h.foundBy)).toEqual(doc.hits.map((h) => h.foundBy));

    const csv = await cli(["hunt", "--offline", out, "--format", "csv"]);
    const rows = parse<Record<string, string>>(csv.stdout, { columns: true });
    expect(rows.map((r) => r["hitKey"])).toEqual(keys);
    expect(rows[0]!["foundBy"]).toBe(doc.hits[0]!.foundBy.join(" "));
  }, 300_000);

  it("one target: json keeps its single-target fields and is one document even with --rows", async () => {
    const r = await cli(["hunt", "--offline", path.join(FIX, "management-api.json"), "--format", "json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown> & { hits: { foundBy: string[] }[] };
    expect(doc).toMatchObject({ schemaVersion: 1, target: "defender", profile: "default" });
    expect(doc).toHaveProperty("now");
    expect(doc).toHaveProperty("nowSource");
    expect(doc.hits.length).toBeGreaterThan(0);
    expect(doc.hits.every((h) => h.foundBy.join() === "defender")).toBe(true);
    const rows = await cli([
      "hunt",
      "--offline",
      path.join(FIX, "management-api.json"),
      "--rows",
      "--format",
      "json",
    ]);
    const rdoc = JSON.parse(rows.stdout) as { target: string; rows: unknown[]; columns: unknown[] };
    expect(rdoc.target).toBe("defender");
    expect(rdoc.rows.length).toBeGreaterThan(0);
  }, 180_000);

  it("a path that does not exist is an error naming it (exit 2), not an empty hunt", async () => {
    const missing = path.join(FIX, "no-such-export.csv");
    const r = await cli(["hunt", "--offline", FIX, missing, "--format", "json"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(missing);
    expect(r.stdout).toBe("");
  });

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
