/**
 * The dry run as an audit, and unattended containment, through the built CLI: `run --dry-run --report FILE`
 * writes every case and step with before → after, what `--yes` and what `--auto` would do and why (approval
 * policy, cap, protected account), with attacker-chosen rule names kept inside code spans; nothing is written.
 * Then `run --auto high` contains only the targeted objects of high cases within the cap and leaves the rest
 * waiting (exit 4), and `approvals list` shows why each waits.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTACKER_DOMAIN, defaultScenario } from "../../src/emulator/scenarios/default.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
const HOSTILE = "`](javascript:alert(1)) <img src=x onerror=alert(1)>\u202e\n# heading";
let t: TestTenant;
let cfgFile: string;
const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 120_000 });

beforeAll(async () => {
  const scenario = {
    ...defaultScenario,
    users: [
      ...(defaultScenario.users ?? []),
      {
        userPrincipalName: "hostile@contoso.com",
        displayName: "Hostile Name",
        givenName: "H",
        surname: "N",
        createdDateTime: "2024-01-01T00:00:00Z",
        signInSessionsValidFromDateTime: "2025-05-01T00:00:00Z",
        mailbox: {
          alias: "hostile",
          rules: [
            {
              name: HOSTILE,
              createdBy: "graph" as const,
              conditions: { subjectOrBodyContainsWords: ["invoice"] },
              actions: { forwardTo: [{ address: `h@${ATTACKER_DOMAIN}`, name: "h" }], markAsRead: true },
            },
          ],
        },
      },
    ],
  };
  t = await startTestTenant({ scenario });
  cfgFile = path.join(t.stateDir, "config.json");
  writeFileSync(
    cfgFile,
    JSON.stringify({
      ...t.config,
      guardrails: { protectedAccounts: ["MeganB@contoso.com"] },
      unattended: { minSeverity: "high", cap: { max: 1, window: "1h" } },
    }),
    { mode: 0o600 },
  );
});
afterAll(async () => {
  await t?.close();
});

describe("dry run as an audit; unattended from the command line", () => {
  it("run --dry-run --report writes the plan: before → after, --yes and --auto verdicts with reasons; nothing written", async () => {
    const mark = t.mark();
    const file = path.join(t.stateDir, "plan.md");
    const r = await cli(["run", "-c", cfgFile, "--dry-run", "--report", file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`plan report: ${file}`);
    expect(t.writes(mark)).toEqual([]);
    const md = readFileSync(file, "utf8");
    expect(md).toContain("**Nothing was written to the tenant.**");
    // Megan is protected: with --yes and unattended her steps wait, and the report says why.
    const megan = md.slice(md.indexOf("MeganB@contoso.com"));
    expect(megan).toMatch(/With `--yes`: waits: `protected account MeganB@contoso.com/);
    // The account-wide step is manual by default; the cap of 1 lets one case go unattended.
    expect(md).toMatch(
      /Unattended: waits: `approval: approval manual \(default\): user-wide steps need a person/,
    );
    expect(md.match(/Unattended: runs \(/g)?.length).toBeGreaterThanOrEqual(1);
    expect(md).toContain("Unattended: waits: `blast-radius cap:");
    expect(md).toMatch(
      /Unattended \(`run --auto high`\): \d+ would run; \d+ would wait for a person \(.*cap.*\)/,
    );
    // The hostile rule name: only inside code spans, its bidi override and newline made visible, never a heading.
    expect(md).not.toContain("\u202e");
    expect(md.split("\n").some((l) => l.startsWith("# heading"))).toBe(false);
    const line = md.split("\n").find((l) => l.includes("onerror"))!;
    expect(line).toMatch(/^- Action: `inboxRule.disable` \(object scope\) on ``/);
  });

  it("run --auto high contains within the cap and leaves the rest to a person (exit 4); approvals list says why", async () => {
    const mark = t.mark();
    const r = await cli(["run", "-c", cfgFile, "--auto", "high", "--format", "json"]);
    expect(r.exitCode, r.stderr).toBe(4);
    const out = JSON.parse(r.stdout) as {
      runs: { user: string; state: string; waiting?: string; steps: { id: string; outcome: string }[] }[];
    };
    const wrote = out.runs.filter((x) => x.steps.some((s) => s.outcome === "done"));
    expect(wrote).toHaveLength(1);
    expect(t.writes(mark).some((w) => w.path.includes("revokeSignInSessions"))).toBe(false);
    const q = JSON.parse((await cli(["approvals", "list", "-c", cfgFile, "--format", "json"])).stdout) as {
      gate: string;
      user: { upn: string };
    }[];
    expect(q.some((w) => w.gate.startsWith("blast-radius cap:"))).toBe(true);
    expect(q.some((w) => w.user.upn === "MeganB@contoso.com" && w.gate.startsWith("protected account"))).toBe(
      true,
    );
    // Two ways at once are refused; an unknown severity is a usage error.
    expect((await cli(["run", "-c", cfgFile, "--auto", "--yes"])).exitCode).toBe(2);
    const bad = await cli(["run", "-c", cfgFile, "--auto", "urgent"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("low, medium, high");
    const tenant = await cli(["run", "-c", cfgFile, "--auto", "--tenant-step", "disable-transport-rule"]);
    expect(tenant.exitCode).toBe(2);
    expect(tenant.stderr).toContain("never run unattended");
  });
});
