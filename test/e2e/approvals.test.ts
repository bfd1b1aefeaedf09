/**
 * A waiting case released by a human, step by step, through the CLI: `approvals list` shows each waiting step
 * with its plan and hash; `approvals approve RUN --plan HASH --as NAME --reason TEXT` runs exactly that step (the
 * tenant's request log shows the write only after the approval); an approval of a plan the tenant no longer has
 * is planned again and waits (no write); `approvals reject` ends the run rejected with nothing written. Approver
 * and reason are in the run and the journal.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
let t: TestTenant;
let cfgFile: string;

const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 120_000 });
interface Waiting {
  runId: string;
  stepKey: string;
  stepId: string;
  planHash: string;
  gate: string;
  user: { upn: string };
}
const waiting = async () =>
  JSON.parse((await cli(["approvals", "list", "-c", cfgFile, "--format", "json"])).stdout) as Waiting[];
const adele = () => t.emulator.ctx.state.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
const adeleMailbox = () => t.emulator.ctx.state.mailboxes.find((m) => m.userId === adele().id)!;

beforeAll(async () => {
  t = await startTestTenant({
    config: (c) => ({
      ...c,
      guardrails: {
        protectedAccounts: ["AdeleV@contoso.com", "MeganB@contoso.com"],
        maxContainmentsPerRun: 25,
      },
    }),
  });
  cfgFile = path.join(t.stateDir, "config.json");
  writeFileSync(cfgFile, JSON.stringify({ ...t.config, guardrails: t.cfg.guardrails }), { mode: 0o600 });
});
afterAll(async () => {
  await t?.close();
});

describe("approvals from the command line", () => {
  it("protected accounts wait; each step is approved on its own plan, written only after its approval", async () => {
    const mark = t.mark();
    const run = await cli(["run", "-c", cfgFile, "--yes"]);
    expect(run.exitCode).toBe(4);
    expect(t.writes(mark)).toEqual([]);
    let q = await waiting();
    expect(q.map((w) => w.user.upn).sort()).toEqual(["AdeleV@contoso.com", "MeganB@contoso.com"]);
    const first = q.find((w) => w.user.upn === "AdeleV@contoso.com")!;
    expect(first.stepId).toBe("disable-rule");
    expect(first.gate).toContain("protected account");

    // Without --plan, or with a plan hash that is not the waiting plan's: refused, nothing written.
    const noPlan = await cli([
      "approvals",
      "approve",
      first.runId.slice(0, 8),
      "-c",
      cfgFile,
      "--as",
      "alice",
      "--reason",
      "x",
    ]);
    expect(noPlan.exitCode).toBe(2);
    expect(noPlan.stderr).toContain("--plan");
    const wrong = await cli([
      "approvals",
      "approve",
      first.runId,
      "-c",
      cfgFile,
      "--plan",
      "0".repeat(64),
      "--as",
      "alice",
      "--reason",
      "x",
    ]);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain("look at the plan again");
    expect(t.writes(mark)).toEqual([]);

    const ok = await cli([
      "approvals",
      "approve",
      first.runId.slice(0, 8),
      "-c",
      cfgFile,
      "--plan",
      first.planHash.slice(0, 16),
      "--as",
      "alice@contoso.com",
      "--reason",
      "confirmed with the user by phone",
    ]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const w1 = t.writes(mark);
    expect(w1).toHaveLength(1); // exactly the approved step: the rule's PATCH
    expect(w1[0]!.method).toBe("PATCH");
    q = await waiting();
    const next = q.find((w) => w.runId === first.runId)!;
    expect(next.stepId).toBe("clear-forwarding");

    // The attacker changes the forwarding after the responder looked: the approval of what they saw does not apply
    // to the new state — the step is planned again, nothing is written, and it waits with the new plan.
    const looked = next.planHash;
    adeleMailbox().forwardingSmtpAddress = "smtp:another@evil.example";
    const again = await cli([
      "approvals",
      "approve",
      first.runId,
      "-c",
      cfgFile,
      "--plan",
      looked,
      "--as",
      "alice",
      "--reason",
      "ok",
    ]);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain("the tenant changed since this step was approved");
    expect(t.writes(mark)).toHaveLength(1); // still only the rule: the changed forwarding was not touched
    expect(adeleMailbox().forwardingSmtpAddress).toBe("smtp:another@evil.example");
    const fresh = (await waiting()).find((w) => w.runId === first.runId)!;
    expect(fresh.planHash).not.toBe(looked);
    expect(JSON.stringify(fresh)).toContain("another@evil.example");
    const done = await cli([
      "approvals",
      "approve",
      first.runId,
      "-c",
      cfgFile,
      "--plan",
      fresh.planHash,
      "--as",
      "alice",
      "--reason",
      "new address seen",
    ]);
    expect(done.exitCode).toBe(0);
    expect(adeleMailbox().forwardingSmtpAddress).toBeNull();

    const s2 = new SqliteCaseStore(t.cfg.store.path);
    try {
      const j = s2.journal({ runId: first.runId });
      expect(
        j.filter((e) => e.kind === "approval.granted").map((e) => (e.detail as { by: string }).by),
      ).toEqual(["alice@contoso.com", "alice", "alice"]);
      expect(j.some((e) => e.kind === "step.replanned")).toBe(true);
      expect(s2.verifyChain().ok).toBe(true);
    } finally {
      s2.close();
    }
  }, 300_000);

  it("reject ends the run rejected; nothing after it runs", async () => {
    const megan = (await waiting()).find((w) => w.user.upn === "MeganB@contoso.com")!;
    const mark = t.mark();
    const r = await cli([
      "approvals",
      "reject",
      megan.runId,
      "-c",
      cfgFile,
      "--as",
      "bob",
      "--reason",
      "legitimate rule",
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("rejected");
    expect(t.writes(mark)).toEqual([]);
    expect((await waiting()).some((w) => w.runId === megan.runId)).toBe(false);
  }, 120_000);
});
