/**
 * `mailwarden report` and `run --report-dir` through the built CLI: usage errors and a missing store exit 2 before
 * anything is written; after a contained run the reports and the summary are there, 0600, valid against their
 * schema, and `report` makes no tenant request.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseReportSchema } from "../../src/reports/model.js";
import { invocationSummarySchema } from "../../src/reports/summary.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
let t: TestTenant;
let cfgFile: string;

const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 120_000 });

beforeAll(async () => {
  t = await startTestTenant();
  cfgFile = path.join(t.stateDir, "config.json");
  writeFileSync(cfgFile, JSON.stringify(t.config, null, 2), { mode: 0o600 });
});
afterAll(async () => {
  await t?.close();
});

describe("report from the command line", () => {
  it("refuses bad usage and a missing store (exit 2), writing nothing", async () => {
    for (const [args, msg] of [
      [["report", "-c", cfgFile], "exactly one of --case ID or --all"],
      [["report", "-c", cfgFile, "--all", "--case", "12345678"], "exactly one of --case ID or --all"],
      [["report", "-c", cfgFile, "--all", "--format", "pdf"], "pdf: give one or more of md,html,json"],
      [["report", "-c", cfgFile, "--all"], "no run store here"],
    ] as const) {
      const r = await cli([...args]);
      expect(r.exitCode, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(msg);
    }
    expect(readdirSync(t.stateDir).filter((f) => f === "reports")).toEqual([]);
  });

  it("run --yes --report-dir writes every case's reports and the summary; report --case writes them again without the tenant", async () => {
    const out = path.join(t.stateDir, "out");
    const run = await cli(["run", "-c", cfgFile, "--yes", "--report-dir", out]);
    expect(run.exitCode, run.stderr).toBe(0);
    const files = readdirSync(out);
    const cases = files.filter((f) => f.startsWith("case-") && f.endsWith(".json"));
    expect(cases.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(statSync(path.join(out, f)).mode & 0o777, f).toBe(0o600);
    const summary = files.find((f) => f.startsWith("summary-") && f.endsWith(".json"))!;
    const s = invocationSummarySchema.parse(JSON.parse(readFileSync(path.join(out, summary), "utf8")));
    expect(s.casesByState).toEqual({ done: cases.length });
    expect(s.runs.every((r) => typeof r.seconds === "number")).toBe(true);
    const csv = readFileSync(path.join(out, summary.replace(/json$/, "csv")), "utf8");
    expect(csv.split("\r\n")[0]).toMatch(/^caseId,runId,user,playbook,mode,state,/);

    const report = caseReportSchema.parse(JSON.parse(readFileSync(path.join(out, cases[0]!), "utf8")));
    expect(report.changes.length).toBeGreaterThan(0);
    expect(report.undo.command).toBe(`mailwarden rollback --case ${report.case.caseId} -c ${cfgFile}`);

    const mark = t.mark();
    const again = await cli([
      "report",
      "-c",
      cfgFile,
      "--case",
      report.case.caseId.slice(0, 8),
      "--format",
      "md",
    ]);
    expect(again.exitCode, again.stderr).toBe(0);
    const md = again.stdout.trim();
    expect(md).toMatch(new RegExp(`reports/case-${report.case.caseId}\\.md$`));
    expect(readFileSync(md, "utf8")).toContain(`mailwarden rollback --case ${report.case.caseId}`);
    expect(t.emulator.requests().slice(mark)).toEqual([]);
  });
});
