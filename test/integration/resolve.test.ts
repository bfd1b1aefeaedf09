/**
 * Rule resolution against the emulated tenant: exact id, a re-created rule found by name + content, and the
 * outcomes that must go to a human (ambiguous, changed, gone) — with no write to the rule in those cases (the
 * user's sessions are still revoked: one step failing never stops the others).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveRule } from "../../src/actions/inbox-rule-resolve.js";
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

  it("sends an ambiguous match to a human and writes nothing to the rules (the user's sessions are still revoked)", async () => {
    const rule = megan().rules.find((x) => x.name === ".")!;
    rule.ruleIdentity = "9223372036854775809";
    rule.graphId = "AQAAAAAAAAE=";
    megan().rules.push({
      ...structuredClone(rule),
      ruleIdentity: "9223372036854775817",
      graphId: "AQAAAAAAAAI=",
      priority: 9,
    });
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, [hit], "execute", fast);
    // One step failing never stops the others: the run is partial (never done), the rule step says why.
    expect(out.runs[0]!.state).toBe("partial");
    expect(out.runs[0]!.error).toContain("a responder must choose");
    expect(t.writes(mark).filter((w) => !w.path.endsWith("/revokeSignInSessions"))).toEqual([]);
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
