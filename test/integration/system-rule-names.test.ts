/**
 * No exemption by name (issue 12 §5): a rule that wears a system rule's name but forwards, redirects, deletes or
 * hides mail is reported by `scan`, with the disguise as a reason that raises its score, and disabled by `run --yes`;
 * Exchange's own hidden Junk E-mail rule (moving junk to Junk Email, nothing else) is still never reported.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { InboxRuleState } from "../../src/emulator/state.js";
import type { Hit } from "../../src/model/hit.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let hits: Hit[];
const fast = { actionCtx: { poll: { attempts: 3, delayMs: 0, sleep: () => Promise.resolve() } } };

const rule = (over: Partial<InboxRuleState> & Pick<InboxRuleState, "name" | "ruleIdentity" | "graphId">) =>
  ({
    priority: 5,
    enabled: true,
    hidden: false,
    inError: false,
    conditions: {},
    actions: {},
    createdBy: "powershell",
    ...over,
  }) as InboxRuleState;

const st = () => t.emulator.ctx.state;
const mbOf = (upn: string) => {
  const u = st().users.find((x) => x.userPrincipalName === upn)!;
  return st().mailboxes.find((m) => m.userId === u.id)!;
};
const byId = (upn: string, id: string) => mbOf(upn).rules.find((r) => r.ruleIdentity === id)!;

beforeAll(async () => {
  t = await startTestTenant();
  const alex = mbOf("AlexW@contoso.com");
  // a visible rule named like the Junk E-mail rule, forwarding outside
  alex.rules.push(
    rule({
      name: "Junk E-mail Rule",
      ruleIdentity: "16752869479666417801",
      graphId: "AQAAAAgmf01=",
      actions: { forwardTo: [{ address: "collect@evil-mail.example" }] },
    }),
  );
  // a rule named like a delegate rule, forwarding outside
  alex.rules.push(
    rule({
      name: "Delegate Rule - sync",
      ruleIdentity: "16752869479666417802",
      graphId: "AQAAAAgmf02=",
      conditions: { subjectOrBodyContainsWords: ["invoice"] },
      actions: { forwardTo: [{ address: "sync@evil-mail.example" }], markAsRead: true },
    }),
  );
  // a hidden rule named like the Junk E-mail rule, redirecting outside
  const adele = mbOf("AdeleV@contoso.com");
  adele.rules.push(
    rule({
      name: "Junk E-mail Rule",
      ruleIdentity: "16752869479666417803",
      graphId: "AQAAAAgmf03=",
      hidden: true,
      actions: { redirectTo: [{ address: "drop@evil-mail.example" }] },
    }),
  );
  hits = (await scanWith(t.cfg, t.handles)).hits;
}, 60_000);
afterAll(async () => t?.close());

const hitOf = (upn: string, id: string) =>
  hits.find(
    (h) =>
      h.user.upn.toLowerCase() === upn.toLowerCase() &&
      h.target.kind === "inboxRule" &&
      (h.target.ruleIdentity === id || byId(upn, id).name === h.target.ruleName),
  );

describe("system rule names exempt nothing", () => {
  it("scan reports each disguised rule, with the disguise as a reason", () => {
    for (const [upn, id] of [
      ["AlexW@contoso.com", "16752869479666417801"],
      ["AlexW@contoso.com", "16752869479666417802"],
      ["AdeleV@contoso.com", "16752869479666417803"],
    ] as const) {
      const h = hitOf(upn, id);
      expect(h, `${upn} ${byId(upn, id).name}`).toBeDefined();
      const r = h!.reasons.find((x) => x.code === "impersonates-system-rule");
      expect(r?.weight).toBeGreaterThan(0);
    }
  });

  it("never reports Exchange's own hidden Junk E-mail rule", () => {
    const own = hits.filter(
      (h) =>
        h.target.kind === "inboxRule" &&
        h.target.ruleName === "Junk E-mail Rule" &&
        !["16752869479666417801", "16752869479666417803"].includes(h.target.ruleIdentity ?? ""),
    );
    expect(own).toEqual([]);
  });

  it("run --yes disables all three", async () => {
    const mine = hits.filter((h) => h.reasons.some((r) => r.code === "impersonates-system-rule"));
    expect(mine).toHaveLength(3);
    const out = await runHits(t.cfg, t.handles, mine, "execute", fast);
    for (const r of out.runs) expect(r.state, r.error).toBe("done");
    expect(byId("AlexW@contoso.com", "16752869479666417801").enabled).toBe(false);
    expect(byId("AlexW@contoso.com", "16752869479666417802").enabled).toBe(false);
    expect(byId("AdeleV@contoso.com", "16752869479666417803").enabled).toBe(false);
    // Exchange's own Junk E-mail rules are untouched
    for (const m of st().mailboxes)
      for (const r of m.rules) if (r.system) expect(r.enabled, `${r.name}`).toBe(true);
  });
});
