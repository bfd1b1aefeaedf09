import { afterEach, describe, expect, it } from "vitest";
import { problems, runDoctor } from "../../src/doctor/doctor.js";
import { loadPlaybook } from "../../src/playbooks/load.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const doctor = (tt: TestTenant, probe: boolean) =>
  runDoctor({
    config: tt.cfg,
    playbook: loadPlaybook("contain-mailbox-exfiltration"),
    credential: tt.handles.credential,
    graph: tt.handles.graph,
    ...(tt.handles.exchange ? { exchange: tt.handles.exchange } : {}),
    probe,
  });

describe("doctor", () => {
  it("on a correctly granted app: tokens from the right tenant, every need granted, writes unverified, probes pass, nothing written", async () => {
    t = await startTestTenant();
    const mark = t.mark();
    const checks = await doctor(t, true);
    expect(checks.filter((c) => c.status === "missing" || c.status === "failed")).toEqual([]);
    expect(problems(checks)).toEqual([]);
    // Without --verbose, no developer diagnostics (the open questions of apis.md §E).
    expect(checks.filter((c) => c.diagnostic || c.check.startsWith("open question"))).toEqual([]);
    expect(checks.find((c) => c.check === "permission User.RevokeSessions.All")?.status).toBe("unverified");
    expect(checks.find((c) => c.check === "permission User.Read.All")?.status).toBe("ok");
    // The playbook's semantic warnings are said, never counted as problems: revocation cannot be undone.
    expect(checks.filter((c) => c.status === "warning")).toEqual([
      {
        surface: "config",
        check: "playbook contain-mailbox-exfiltration steps.2.action",
        status: "warning",
        detail: expect.stringMatching(/^user\.revokeSessions cannot be compensated \(irreversible\)/),
      },
    ]);
    expect(checks.filter((c) => c.check.startsWith("probe")).map((c) => [c.check, c.status])).toEqual([
      ["probe workspace query", "ok"],
      ["probe GET /users", "ok"],
      ["probe GET messageRules", "ok"],
      ["probe Get-Mailbox", "ok"],
      ["probe Get-InboxRule -IncludeHidden", "ok"],
    ]);
    expect(checks.find((c) => c.check === "permission Data.Read")).toMatchObject({
      surface: "sentinel",
      status: "ok",
    });
    expect(t.writes(mark)).toEqual([]);
  });

  it("checks the Sentinel workspace's Data.Read: a token without it is missing, and the workspace refuses the probe", async () => {
    t = await startTestTenant();
    t.emulator.ctx.state.apps[0]!.logAnalyticsRoles = [];
    const { openTenant } = await import("../../src/cli/tenant.js");
    const handles = await openTenant(t.cfg);
    try {
      const checks = await runDoctor({
        config: t.cfg,
        playbook: loadPlaybook("contain-mailbox-exfiltration"),
        credential: handles.credential,
        graph: handles.graph,
        probe: true,
      });
      expect(checks.find((c) => c.check === "permission Data.Read")).toMatchObject({
        surface: "sentinel",
        status: "missing",
        fix: expect.stringContaining("Log Analytics Reader"),
      });
      const probe = checks.find((c) => c.check === "probe workspace query")!;
      expect(probe.status).toBe("failed");
      expect(probe.detail).toContain("403");
      expect(problems(checks).map((c) => c.check)).toEqual(
        expect.arrayContaining(["permission Data.Read", "probe workspace query"]),
      );
    } finally {
      await handles.close();
    }
  });

  it("names each missing grant with its least-privilege fix, and a failing probe", async () => {
    t = await startTestTenant();
    const app = t.emulator.ctx.state.apps[0]!;
    app.graphRoles = app.graphRoles.filter(
      (r) => r !== "User.RevokeSessions.All" && r !== "MailboxSettings.ReadWrite",
    );
    app.exchangeRoles = [];
    // A fresh credential so that the new grants are in the token.
    const { openTenant } = await import("../../src/cli/tenant.js");
    const handles = await openTenant(t.cfg);
    try {
      const checks = await runDoctor({
        config: t.cfg,
        playbook: loadPlaybook("contain-mailbox-exfiltration"),
        credential: handles.credential,
        graph: handles.graph,
        ...(handles.exchange ? { exchange: handles.exchange } : {}),
        probe: true,
      });
      const missing = checks
        .filter((c) => c.status === "missing")
        .map((c) => c.check)
        .sort();
      expect(missing).toEqual(
        [
          "permission Exchange.ManageAsApp",
          "permission MailboxSettings.Read",
          "permission MailboxSettings.ReadWrite",
          "permission User.RevokeSessions.All",
        ].sort(),
      );
      expect(checks.find((c) => c.check === "permission User.RevokeSessions.All")?.fix).toContain(
        "User.RevokeSessions.All",
      );
      expect(checks.find((c) => c.check === "probe GET messageRules")?.status).toBe("failed");
      expect(checks.find((c) => c.check === "probe Get-Mailbox")?.status).toBe("failed");
      // What the user must fix: the missing grants and the failed probes, nothing else.
      expect(
        problems(checks)
          .map((c) => c.check)
          .sort(),
      ).toEqual(
        checks
          .filter((c) => c.status === "missing" || c.status === "failed")
          .map((c) => c.check)
          .sort(),
      );
      expect(problems(checks).map((c) => c.check)).toContain("permission User.RevokeSessions.All");
    } finally {
      await handles.close();
    }
  });
});
