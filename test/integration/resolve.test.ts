/**
 * Rule resolution against the emulated tenant: exact id, a re-created rule found by name + content, identical rules
 * made again (all contained), and the outcomes that must go to a human (changed, gone) — with no write to the rule in those cases (the
 * user's sessions are still revoked: one step failing never stops the others).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveRule } from "../../src/actions/inbox-rule-resolve.js";
import { createAuditLog } from "../../src/audit/log.js";
import { applyRollback } from "../../src/runner/rollback.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { actionContext, runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { Hit, RuleTarget } from "../../src/model/hit.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let hit: Hit;
let target: RuleTarget;

const megan = () => {
  const u = t.emulator.ctx.state.users.find((x) => x.userPrincipalName === "MeganB@contoso.com")!;
  return t.emulator.ctx.state.mailboxes.find((m) => m.userId === u.id)!;
};
const fast = { actionCtx: { poll: { attempts: 1, delayMs: 0, sleep: () => Promise.resolve() } } };

beforeEach(async () => {
  t = await startTestTenant();
  const r = await scanWith(t.cfg, t.handles);
  hit = r.hits.find((h) => h.target.kind === "inboxRule" && h.target.ruleName === ".")!;
  target = hit.target as RuleTarget;
});
afterEach(async () => {
  await t.close();
});

describe("inboxRule.resolve", () => {
  it("finds the rule by its exact id", async () => {
    const r = await resolveRule(actionContext(t.cfg, t.handles), target);
    expect(r).toMatchObject({ status: "exact", ruleIdentity: target.ruleIdentity });
  });

  it("finds a rule the attacker re-created (new ids, same name and content) and disables that one", async () => {
    const rule = megan().rules.find((x) => x.name === ".")!;
    rule.ruleIdentity = "9223372036854775809"; // as if removed and created again: new ids everywhere
    rule.graphId = "AQAAAAAAAAE=";
    const r = await resolveRule(actionContext(t.cfg, t.handles), target);
    expect(r).toMatchObject({ status: "matched", ruleIdentity: "9223372036854775809" });
    const out = await runHits(t.cfg, t.handles, [hit], "execute", fast);
    expect(out.runs[0]!.state).toBe("done");
    expect(rule.enabled).toBe(false);
  });

  it("contains every live rule with the hit's name and content (made twice): both disabled, two before-images, rollback restores both", async () => {
    const rule = megan().rules.find((x) => x.name === ".")!;
    megan().rules.push({
      ...structuredClone(rule),
      ruleIdentity: "9223372036854775817",
      graphId: "AQAAAAAAAAI=",
      priority: 9,
    });
    // by id: Exchange writes may replace the rule objects
    const states = () =>
      [rule.ruleIdentity, "9223372036854775817"].map(
        (id) => megan().rules.find((x) => x.ruleIdentity === id)!.enabled,
      );
    expect(await resolveRule(actionContext(t.cfg, t.handles), target)).toMatchObject({
      status: "exact",
      ruleIdentity: target.ruleIdentity,
      also: [{ graphRuleId: "AQAAAAAAAAI=", enabled: true }],
    });
    const out = await runHits(t.cfg, t.handles, [hit], "execute", fast);
    expect(out.runs[0]!.state).toBe("done");
    expect(states()).toEqual([false, false]);
    const step = out.runs[0]!.steps.find((x) => x.action === "inboxRule.disable")!;
    expect(step.warnings?.join(" ")).toContain("2 live rules have this name and content");
    const store = new SqliteCaseStore(t.cfg.store.path);
    try {
      const effect = store
        .listEffects({ runId: out.runs[0]!.runId })
        .find((e) => e.actionId === "inboxRule.disable")!;
      const before = effect.before as { rules: { rule: string; enabled: boolean }[] };
      expect(before.rules).toHaveLength(2);
      expect(before.rules.every((r) => r.enabled)).toBe(true);
      expect(new Set(before.rules.map((r) => r.rule)).size).toBe(2);
      const res = await applyRollback(
        {
          store,
          audit: createAuditLog(undefined),
          actionCtx: { ...actionContext(t.cfg, t.handles), ...fast.actionCtx },
          leaseMs: 10_000,
        },
        { runId: out.runs[0]!.runId },
      );
      expect(res.find((x) => x.actionId === "inboxRule.disable")).toMatchObject({
        outcome: "rolled-back",
        verified: true,
      });
      expect(states()).toEqual([true, true]);
    } finally {
      store.close();
    }
  });

  it("contains a rule the attacker made twice when neither has the hit's ids any more (name + content)", async () => {
    const rule = megan().rules.find((x) => x.name === ".")!;
    rule.ruleIdentity = "9223372036854775809";
    rule.graphId = "AQAAAAAAAAE=";
    megan().rules.push({
      ...structuredClone(rule),
      ruleIdentity: "9223372036854775817",
      graphId: "AQAAAAAAAAI=",
      priority: 9,
    });
    // and a rule of the same name with other content: not the attacker's rule of this hit, left alone
    megan().rules.push({
      ...structuredClone(rule),
      ruleIdentity: "9223372036854775825",
      graphId: "AQAAAAAAAAM=",
      priority: 10,
      actions: { moveToFolder: rule.actions.moveToFolder ?? "Inbox" },
    });
    const out = await runHits(t.cfg, t.handles, [hit], "execute", fast);
    expect(out.runs[0]!.state).toBe("done");
    expect(
      megan()
        .rules.filter((x) => x.name === ".")
        .map((x) => x.enabled),
    ).toEqual([false, false, true]);
  });

  it("refuses a rule whose content changed under the same id, and reports a removed rule as gone", async () => {
    const rule = megan().rules.find((x) => x.name === ".")!;
    rule.actions = { ...rule.actions, markAsRead: false };
    expect(await resolveRule(actionContext(t.cfg, t.handles), target)).toMatchObject({ status: "changed" });
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, [hit], "execute", fast);
    expect(out.runs[0]!.error).toContain("changed since it was detected");
    expect(out.runs[0]!.state).toBe("partial");
    expect(t.writes(mark).filter((w) => !w.path.endsWith("/revokeSignInSessions"))).toEqual([]);

    megan().rules = megan().rules.filter((x) => x.name !== ".");
    expect(await resolveRule(actionContext(t.cfg, t.handles), target)).toEqual({ status: "gone" });
  });
});
