/**
 * inboxRule.disable / inboxRule.resolve on the Exchange path: a hidden rule (only Get-InboxRule -IncludeHidden
 * shows it; Graph never lists it) is found by scan, disabled through Disable-InboxRule — which deletes the
 * mailbox's Outlook client-side rules, so the plan says partly reversible — verified and compensated.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboxRuleDisable } from "../../src/actions/inbox-rule-disable.js";
import { inboxRuleResolve } from "../../src/actions/inbox-rule-resolve.js";
import { actionContext } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { RuleTarget } from "../../src/model/hit.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let target: RuleTarget;

beforeAll(async () => {
  t = await startTestTenant();
  const s = t.emulator.ctx.state;
  const alex = s.users.find((u) => u.userPrincipalName === "AlexW@contoso.com")!;
  const mb = s.mailboxes.find((m) => m.userId === alex.id)!;
  mb.outlookClientRules = 3;
  mb.rules.push({
    ruleIdentity: "16752869479666417665",
    graphId: "AQAAAAgmfug=",
    name: "x",
    priority: 7,
    enabled: true,
    hidden: true,
    inError: false,
    conditions: { subjectOrBodyContainsWords: ["password", "security alert"] },
    actions: { deleteMessage: true, markAsRead: true },
    createdBy: "powershell",
  });
  const r = await scanWith(t.cfg, t.handles);
  target = r.hits.find((h) => h.target.kind === "inboxRule" && h.target.hidden)!.target as RuleTarget;
});
afterAll(async () => {
  await t.close();
});

const ctx = () => ({
  ...actionContext(t.cfg, t.handles),
  poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() },
});
const rule = () =>
  t.emulator.ctx.state.mailboxes
    .flatMap((m) => m.rules)
    .find((r) => r.ruleIdentity === "16752869479666417665")!;
const alexMailbox = () => t.emulator.ctx.state.mailboxes.find((m) => m.rules.includes(rule()))!;

describe("inboxRule on the Exchange path", () => {
  it("scan reports the hidden rule with its RuleIdentity and no Graph id", () => {
    expect(target).toMatchObject({ ruleName: "x", ruleIdentity: "16752869479666417665", hidden: true });
    expect(target.graphRuleId).toBeUndefined();
  });

  it("resolve finds it by exact RuleIdentity through Exchange", async () => {
    const p = await inboxRuleResolve.plan(ctx(), target);
    expect(p.before).toMatchObject({
      status: "exact",
      via: "exchange",
      ruleIdentity: "16752869479666417665",
    });
  });

  it("disable plans Exchange, warns about Outlook client rules, runs, verifies and compensates", async () => {
    const c = ctx();
    const p = { ...(await inboxRuleDisable.plan(c, target)), idempotencyKey: "k" };
    expect(p).toMatchObject({
      transport: "exchange",
      reversibility: "partly-reversible",
      noop: false,
      target: { ruleIdentity: "16752869479666417665" },
    });
    expect(p.warnings.join(" ")).toContain("Outlook client-side rules");
    const mark = t.mark();
    const r = await inboxRuleDisable.run(c, target, p);
    expect(r.alreadyDone).toBe(false);
    expect(rule().enabled).toBe(false);
    expect(alexMailbox().outlookClientRules).toBe(0);
    expect(t.writes(mark).map((w) => w.face)).toEqual(["exchange"]);
    expect((await inboxRuleDisable.verify(c, target, p, r)).ok).toBe(true);
    expect((await inboxRuleDisable.run(c, target, p)).alreadyDone).toBe(true);
    await inboxRuleDisable.compensate!(c, target, r.before, p.target);
    expect(rule().enabled).toBe(true);
  });
});
