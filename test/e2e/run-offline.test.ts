/**
 * `mailwarden run --offline EXPORTS` as a user runs it (the built CLI): exports of a generated tenant are hunted,
 * grouped into cases and planned into a dry-run audit report, with no tenant, no config and no network at all —
 * the process runs with every connection, listener and DNS lookup refused and recorded.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { generateTenant, writeGenerated } from "../../src/emulator/generator/index.js";

const BIN = path.resolve("dist/cli/bin.js");
const NO_NET = path.resolve("test/helpers/no-network.cjs");
let dir: string;
let exports: string;

const cli = (args: string[], netLog: string) =>
  execa(process.execPath, ["--require", NO_NET, BIN, ...args], {
    cwd: dir,
    reject: false,
    timeout: 180_000,
    env: { NO_COLOR: "1", MW_NET_LOG: netLog },
  });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "mw-offline-"));
  exports = path.join(dir, "exports");
  const g = generateTenant({ scenarios: ["aitm-rss-hide", "external-forward"], users: 6, days: 1, seed: 9 });
  await writeGenerated(g, exports, { formats: ["csv"] });
}, 60_000);

describe("run --offline", () => {
  it("hunts the exports, plans each case and writes the audit report, without any network use", async () => {
    const netLog = path.join(dir, "net.log");
    const report = path.join(dir, "audit.md");
    const r = await cli(["run", "--offline", exports, "--report", report, "--format", "json"], netLog);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(netLog) ? readFileSync(netLog, "utf8") : "").toBe("");
    const out = JSON.parse(r.stdout) as {
      runs: {
        caseId: string;
        user: string;
        state: string;
        steps: { action: string; before?: unknown; unattended?: { auto: boolean } }[];
      }[];
    };
    expect(out.runs.length).toBeGreaterThanOrEqual(2);
    expect(out.runs.every((x) => x.state === "planned")).toBe(true);
    const actions = out.runs.flatMap((x) => x.steps.map((s) => s.action));
    expect(actions).toContain("inboxRule.disable");
    expect(actions).toContain("user.revokeSessions");
    // The before of an object step is the evidence from the exports: the target and the linked sign-ins.
    const ruleStep = out.runs.flatMap((x) => x.steps).find((s) => s.action === "inboxRule.disable")!;
    expect(ruleStep.before).toMatchObject({ target: { kind: "inboxRule" }, links: expect.any(Array) });
    const md = readFileSync(report, "utf8");
    expect(md).toContain("Planned from the exports, not from live state.");
    expect(md).toContain("Before (the evidence in the exports)");
    expect(md).toMatch(/Unattended \(`run --auto high`\): \d+ would run/);
    expect(statSync(report).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain("audit report (planned from the exports, not live state)");
  }, 180_000);

  it("refuses what needs a tenant, and a missing export path, with exit 2", async () => {
    const netLog = path.join(dir, "net2.log");
    const yes = await cli(["run", "--offline", exports, "--yes"], netLog);
    expect(yes.exitCode).toBe(2);
    expect(yes.stderr).toContain("--yes cannot go with --offline");
    const missing = await cli(["run", "--offline", path.join(dir, "nope")], netLog);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("no such file or folder");
    const noConfig = await cli(["run", "--yes"], netLog);
    expect(noConfig.exitCode).toBe(2);
    expect(noConfig.stderr).toContain("run needs --config");
  }, 180_000);
});
