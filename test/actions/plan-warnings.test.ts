/**
 * Plan warnings a responder must see: an account synchronised from on-premises (the next sync undoes a cloud
 * disable / enable / password change — not a session revocation), and the Exchange path of an inbox-rule change
 * (Outlook client-side rules are deleted), in one wording across disable / enable / remove; both reach the dry-run
 * table and the plan report.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchangeRuleLimit, exchangeRuleWarning } from "../../src/actions/inbox-rule-common.js";
import { inboxRuleDisable } from "../../src/actions/inbox-rule-disable.js";
import { inboxRuleEnable } from "../../src/actions/inbox-rule-enable.js";
import { inboxRuleRemove } from "../../src/actions/inbox-rule-remove.js";
import type { ActionContext } from "../../src/actions/types.js";
import { userDisable, userEnable } from "../../src/actions/user-account.js";
import { userRequirePasswordChange } from "../../src/actions/user-require-password-change.js";
import { userRevokeSessions } from "../../src/actions/user-revoke-sessions.js";
import { actionContext, renderRuns, type RunOutcome } from "../../src/cli/commands/run.js";
import { renderPlanReport } from "../../src/runner/plan-report.js";
import { describeObject, type RunReport } from "../../src/runner/report.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let ctx: ActionContext;
const user = (upn: string) => t.emulator.ctx.state.users.find((u) => u.userPrincipalName === upn)!;

beforeAll(async () => {
  t = await startTestTenant();
  t.emulator.ctx.state.apps[0]!.graphRoles.push(
    "User.EnableDisableAccount.All",
    "User-PasswordProfile.ReadWrite.All",
  );
  ctx = {
    ...actionContext(t.cfg, t.handles),
    poll: { attempts: 1, delayMs: 0, sleep: () => Promise.resolve() },
  };
});
afterAll(async () => {
  await t.close();
});

describe("accounts synchronised from on-premises", () => {
  const SYNC = /synchronised from on-premises: the next sync undoes .* unless it is made on-premises too/;

  it("LeeG is synchronised, AdeleV is not (the default tenant)", () => {
    expect(user("LeeG@contoso.com").onPremisesSyncEnabled).toBe(true);
    expect(user("AdeleV@contoso.com").onPremisesSyncEnabled).not.toBe(true);
  });

  it("disable, enable and password-change plans say the next sync undoes them, and only for a synced user", async () => {
    for (const a of [userDisable, userEnable, userRequirePasswordChange]) {
      const lee = user("LeeG@contoso.com");
      const synced = await a.plan(ctx, { userId: lee.id, upn: lee.userPrincipalName });
      expect(
        synced.warnings.filter((w) => SYNC.test(w)),
        a.id,
      ).toHaveLength(1);
      const adele = user("AdeleV@contoso.com");
      const cloud = await a.plan(ctx, { userId: adele.id, upn: adele.userPrincipalName });
      expect(
        cloud.warnings.some((w) => SYNC.test(w)),
        a.id,
      ).toBe(false);
    }
  });

  it("a session revocation is not undone by sync, and its plan does not say so", async () => {
    const lee = user("LeeG@contoso.com");
    const p = await userRevokeSessions.plan(ctx, { userId: lee.id, upn: lee.userPrincipalName });
    expect(p.warnings.some((w) => /on-premises/.test(w))).toBe(false);
  });
});

describe("inbox rules through Exchange", () => {
  it("disable, enable and remove state the Exchange path in the same words, Graph preferred", () => {
    for (const [a, cmdlet] of [
      [inboxRuleDisable, "Disable-InboxRule"],
      [inboxRuleEnable, "Enable-InboxRule"],
      [inboxRuleRemove, "Remove-InboxRule"],
    ] as const) {
      expect(a.limits).toContain(exchangeRuleLimit(cmdlet));
      expect(exchangeRuleLimit(cmdlet)).toMatch(/^Graph is used whenever it can change the rule/);
      expect(exchangeRuleWarning(cmdlet)).toMatch(
        new RegExp(
          `^Exchange path .*: ${cmdlet} deletes the mailbox's Outlook client-side rules \\(client-only rules\\)`,
        ),
      );
    }
  });

  const warning = exchangeRuleWarning("Disable-InboxRule");
  const report: RunReport = {
    runId: "0123456789abcdef-run",
    caseId: "fedcba9876543210-case",
    hitKey: "h1",
    hitKeys: ["h1"],
    user: "meganb@contoso.com",
    mode: "dry-run",
    state: "planned",
    playbook: "contain-mailbox-exfiltration",
    approvals: [],
    steps: [
      {
        key: "disable-rule@h1",
        id: "disable-rule",
        action: "inboxRule.disable",
        scope: "object",
        target: "h1",
        object: describeObject("inboxRule.disable", {
          kind: "inboxRule",
          ruleName: "x",
          ruleIdentity: "7553706541371621377",
          hidden: true,
          upn: "meganb@contoso.com",
        }),
        outcome: "planned",
        transport: "exchange",
        reversibility: "partly-reversible",
        before: { enabled: true },
        after: { enabled: false },
        warnings: [warning],
      },
    ],
  };
  const outcome: RunOutcome = { runs: [report], hits: [], skipped: [], notScanned: [] };

  it("the dry-run table shows the step's warnings", () => {
    const text = renderRuns(outcome, "table")
      .split("\n")
      .filter((l) => l.startsWith("│"))
      .map((l) => (l.split("│")[6] ?? "").replace(/\s+/g, ""))
      .join("");
    // The column wraps anywhere: read it with the whitespace taken out.
    expect(text).toContain(`warning:${warning}`.replace(/\s+/g, ""));
  });

  it("the plan report shows the step's warnings", () => {
    const md = renderPlanReport(outcome, {
      generatedAt: "2025-06-02T09:00:00Z",
      tenantId: "t",
      configFile: "c.yaml",
      playbooks: ["contain-mailbox-exfiltration"],
      unattended: { minSeverity: "high", capMax: 5, capWindow: "1h" },
      protectedAccounts: 0,
    });
    expect(md).toContain("- Warning:");
    expect(md).toContain("Outlook client-side rules (client-only rules)");
  });
});
