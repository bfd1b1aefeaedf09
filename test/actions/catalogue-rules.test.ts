/**
 * The inbox-rule part of the catalogue against the emulated tenant: inboxRule.list and inboxRule.get (read-only),
 * inboxRule.enable (the compensation of disable, as its own action) and inboxRule.remove (before-image first,
 * re-created through Graph with a new id, irreversible for hidden rules). Each: success, already done, not found,
 * compensation, plus system-rule refusal and a rule changed between plan and run.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inboxRuleEnable } from "../../src/actions/inbox-rule-enable.js";
import { inboxRuleGet, inboxRuleList } from "../../src/actions/inbox-rule-read.js";
import { inboxRuleRemove } from "../../src/actions/inbox-rule-remove.js";
import { ActionError, type ActionContext } from "../../src/actions/types.js";
import { GraphApiError } from "../../src/adapters/graph/errors.js";
import { actionContext } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { openTenant } from "../../src/cli/tenant.js";
import type { StepPlan } from "../../src/engine/machine.js";
import type { RuleTarget } from "../../src/model/hit.js";
import type { ScanResult } from "../../src/scan/scan.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let ctx: ActionContext;
let scan: ScanResult;
const fast = { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() };
const HIDDEN_ID = "16752869479666417665";

const user = (upn: string) => t.emulator.ctx.state.users.find((u) => u.userPrincipalName === upn)!;
const mailbox = (upn: string) => t.emulator.ctx.state.mailboxes.find((m) => m.userId === user(upn).id)!;
const stateRule = (upn: string, name: string) => mailbox(upn).rules.find((r) => r.name === name);

/** A RuleTarget for any rule of the scan (suspect or not), as scan would build it. */
function target(upn: string, name: string): RuleTarget {
  const mb = scan.mailboxes.find((m) => m.upn === upn)!;
  const r = mb.rules.find((x) => x.name === name)!;
  return {
    kind: "inboxRule",
    mailboxId: mb.userId,
    upn,
    ruleName: r.name,
    ...(r.ruleIdentity ? { ruleIdentity: r.ruleIdentity } : {}),
    ...(r.graphRuleId ? { graphRuleId: r.graphRuleId } : {}),
    contentFingerprint: r.fingerprint,
    hidden: r.hidden,
    graphReadOnly: r.graphReadOnly,
  };
}
const withKey = (p: Omit<StepPlan, "idempotencyKey">): StepPlan => ({ ...p, idempotencyKey: "k" });
const code = (e: unknown) => (e instanceof ActionError ? e.code : String(e));

beforeEach(async () => {
  t = await startTestTenant();
  const alex = mailbox("AlexW@contoso.com");
  alex.outlookClientRules = 3;
  alex.rules.push({
    ruleIdentity: HIDDEN_ID,
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
  scan = await scanWith(t.cfg, t.handles);
  ctx = { ...actionContext(t.cfg, t.handles), poll: fast };
});
afterEach(async () => {
  await t.close();
});

describe("inboxRule.list", () => {
  it("lists Graph and Exchange rules joined, hidden and system rules included, without writing", async () => {
    const input = { mailboxId: user("MeganB@contoso.com").id, upn: "MeganB@contoso.com" };
    const mark = t.mark();
    const p = await inboxRuleList.plan(ctx, input);
    expect(p).toMatchObject({ transport: "none", noop: true });
    const listed = (p.before as { read: unknown; rules: Record<string, unknown>[] }).rules;
    expect((p.before as { read: unknown }).read).toEqual({ graph: true, exchange: true });
    const dot = listed.find((r) => r["name"] === ".")!;
    expect(dot).toMatchObject({ joinedBy: "fingerprint", hidden: false });
    expect(dot["graphRuleId"]).toBeTruthy();
    expect(dot["ruleIdentity"]).toBeTruthy();
    expect(listed.find((r) => r["system"] === true)).toMatchObject({ hidden: true });
    expect(listed.find((r) => r["name"] === "Recent leads")).toMatchObject({ graphReadOnly: true });
    const r = await inboxRuleList.run(ctx, input, withKey(p));
    expect(r.alreadyDone).toBe(true);
    expect((await inboxRuleList.verify(ctx, input, withKey(p))).ok).toBe(true);
    expect(t.writes(mark)).toEqual([]);
  });

  it("finds the hidden rule only Exchange shows", async () => {
    const p = await inboxRuleList.plan(ctx, {
      mailboxId: user("AlexW@contoso.com").id,
      upn: "AlexW@contoso.com",
    });
    const x = (p.before as { rules: Record<string, unknown>[] }).rules.find((r) => r["name"] === "x")!;
    expect(x).toMatchObject({ hidden: true, ruleIdentity: HIDDEN_ID, joinedBy: "exchange-only" });
    expect(x["graphRuleId"]).toBeUndefined();
  });

  it("not found: a mailbox that does not exist is an error, not an empty list", async () => {
    await expect(
      inboxRuleList.plan(ctx, {
        mailboxId: "00000000-0000-0000-0000-00000000dead",
        upn: "nobody@contoso.com",
      }),
    ).rejects.toThrow();
  });
});

describe("inboxRule.get", () => {
  it("resolves the rule exactly and returns its Graph view and Exchange projection", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    const p = await inboxRuleGet.plan(ctx, input);
    expect(p).toMatchObject({ transport: "none", noop: true });
    const v = p.before as Record<string, Record<string, unknown>>;
    expect(v["resolution"]).toMatchObject({ status: "exact" });
    expect(v["graph"]).toMatchObject({ displayName: "Accounts sync", id: input.graphRuleId });
    expect((v["graph"]!["actions"] as { forwardTo: unknown[] }).forwardTo).toHaveLength(1);
    expect(v["exchange"]).toMatchObject({ name: "Accounts sync", ruleIdentity: input.ruleIdentity });
    expect((await inboxRuleGet.verify(ctx, input, withKey(p))).ok).toBe(true);
  });

  it("a hidden rule has only its Exchange projection", async () => {
    const v = (await inboxRuleGet.plan(ctx, target("AlexW@contoso.com", "x"))).before as Record<
      string,
      unknown
    >;
    expect(v["exchange"]).toMatchObject({ ruleIdentity: HIDDEN_ID });
    expect(v["graph"]).toBeUndefined();
  });

  it("not found: a deleted rule resolves as gone and does not verify", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    const mb = mailbox("AdeleV@contoso.com");
    mb.rules = mb.rules.filter((r) => r.name !== "Accounts sync");
    const p = await inboxRuleGet.plan(ctx, input);
    expect(p.before).toEqual({ resolution: { status: "gone" } });
    expect((await inboxRuleGet.verify(ctx, input, withKey(p))).ok).toBe(false);
  });
});

describe("inboxRule.enable", () => {
  it("Graph path: enables, verifies, is already done on repeat, compensates back to disabled", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    stateRule("AdeleV@contoso.com", "Accounts sync")!.enabled = false;
    const p = withKey(await inboxRuleEnable.plan(ctx, input));
    expect(p).toMatchObject({
      transport: "graph",
      reversibility: "reversible",
      before: { enabled: false },
      after: { enabled: true },
      noop: false,
    });
    const mark = t.mark();
    const r = await inboxRuleEnable.run(ctx, input, p);
    expect(r).toMatchObject({ alreadyDone: false, before: { enabled: false } });
    expect(stateRule("AdeleV@contoso.com", "Accounts sync")!.enabled).toBe(true);
    expect(t.writes(mark)).toEqual([expect.objectContaining({ method: "PATCH", face: "graph" })]);
    expect((await inboxRuleEnable.verify(ctx, input, p, r)).ok).toBe(true);
    const m2 = t.mark();
    expect((await inboxRuleEnable.run(ctx, input, p)).alreadyDone).toBe(true);
    expect(t.writes(m2)).toEqual([]);
    await inboxRuleEnable.compensate!(ctx, input, r.before, p.target);
    expect(stateRule("AdeleV@contoso.com", "Accounts sync")!.enabled).toBe(false);
  });

  it("already enabled: the plan is a noop", async () => {
    const p = await inboxRuleEnable.plan(ctx, target("AdeleV@contoso.com", "Accounts sync"));
    expect(p.noop).toBe(true);
  });

  it("Exchange path (hidden rule): partly reversible, deletes Outlook client rules, warns", async () => {
    const input = target("AlexW@contoso.com", "x");
    stateRule("AlexW@contoso.com", "x")!.enabled = false;
    const p = withKey(await inboxRuleEnable.plan(ctx, input));
    expect(p).toMatchObject({ transport: "exchange", reversibility: "partly-reversible" });
    expect(p.warnings.join(" ")).toContain("Outlook client-side rules");
    expect(inboxRuleEnable.attendedOnly).toBe(true);
    const r = await inboxRuleEnable.run(ctx, input, p);
    expect(stateRule("AlexW@contoso.com", "x")!.enabled).toBe(true);
    expect(mailbox("AlexW@contoso.com").outlookClientRules).toBe(0);
    expect((await inboxRuleEnable.verify(ctx, input, p, r)).ok).toBe(true);
    await inboxRuleEnable.compensate!(ctx, input, r.before, p.target);
    expect(stateRule("AlexW@contoso.com", "x")!.enabled).toBe(false);
  });

  it("not found: a rule deleted before planning is target-gone, nothing written", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    const mb = mailbox("AdeleV@contoso.com");
    mb.rules = mb.rules.filter((r) => r.name !== "Accounts sync");
    const mark = t.mark();
    expect(code(await inboxRuleEnable.plan(ctx, input).catch((e: unknown) => e))).toBe("target-gone");
    expect(t.writes(mark)).toEqual([]);
  });

  it("refuses the system Junk E-mail rule", async () => {
    const junk = scan.mailboxes.find((m) => m.upn === "MeganB@contoso.com")!.rules.find((r) => r.system)!;
    const e = await inboxRuleEnable
      .plan(ctx, target("MeganB@contoso.com", junk.name))
      .catch((x: unknown) => x);
    expect(code(e)).toBe("precondition");
  });
});

describe("inboxRule.remove", () => {
  it("Graph path: stores the full before-image, deletes, verifies, repeats as done, re-creates with a new id", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    const original = structuredClone(stateRule("AdeleV@contoso.com", "Accounts sync")!);
    const p = withKey(await inboxRuleRemove.plan(ctx, input));
    expect(p).toMatchObject({
      transport: "graph",
      reversibility: "partly-reversible",
      after: { exists: false },
      before: { exists: true, recreatable: true, enabled: true },
    });
    const b = p.before as Record<string, Record<string, unknown>>;
    expect(b["graph"]).toMatchObject({ id: input.graphRuleId, displayName: "Accounts sync" });
    expect(b["graph"]!["conditions"]).toBeTruthy();
    expect(b["exchange"]).toMatchObject({ ruleIdentity: input.ruleIdentity });
    expect(p.warnings.join(" ")).toContain("new id");

    const mark = t.mark();
    const r = await inboxRuleRemove.run(ctx, input, p);
    expect(r.alreadyDone).toBe(false);
    expect(stateRule("AdeleV@contoso.com", "Accounts sync")).toBeUndefined();
    expect(t.writes(mark)).toEqual([expect.objectContaining({ method: "DELETE", face: "graph" })]);
    expect(await inboxRuleRemove.verify(ctx, input, p, r)).toEqual({ ok: true, observed: { exists: false } });
    const m2 = t.mark();
    expect((await inboxRuleRemove.run(ctx, input, p)).alreadyDone).toBe(true);
    expect(t.writes(m2)).toEqual([]);

    await inboxRuleRemove.compensate!(ctx, input, r.before, p.target);
    await inboxRuleRemove.compensate!(ctx, input, r.before, p.target); // idempotent: one rule, not two
    const again = mailbox("AdeleV@contoso.com").rules.filter((x) => x.name === "Accounts sync");
    expect(again).toHaveLength(1);
    expect(again[0]!.graphId).not.toBe(original.graphId);
    expect(again[0]!.ruleIdentity).not.toBe(original.ruleIdentity);
    expect(again[0]!.conditions).toEqual(original.conditions);
    expect(again[0]!.actions).toEqual(original.actions);
    expect(again[0]!.enabled).toBe(original.enabled);
    // The re-created rule has the same content fingerprint as the removed one.
    const rescan = await scanWith(t.cfg, t.handles);
    const fp = rescan.mailboxes
      .find((m) => m.upn === "AdeleV@contoso.com")!
      .rules.find((x) => x.name === "Accounts sync")!.fingerprint;
    expect(fp).toBe(input.contentFingerprint);
  });

  it("Exchange path (hidden rule): irreversible, Remove-InboxRule, compensation refuses", async () => {
    const input = target("AlexW@contoso.com", "x");
    const p = withKey(await inboxRuleRemove.plan(ctx, input));
    expect(p).toMatchObject({
      transport: "exchange",
      reversibility: "irreversible",
      before: { recreatable: false, graph: null },
    });
    expect(p.warnings.join(" ")).toMatch(/cannot be re-created/);
    expect(p.warnings.join(" ")).toContain("Outlook client-side rules");
    const mark = t.mark();
    const r = await inboxRuleRemove.run(ctx, input, p);
    expect(stateRule("AlexW@contoso.com", "x")).toBeUndefined();
    expect(mailbox("AlexW@contoso.com").outlookClientRules).toBe(0);
    expect(t.writes(mark).map((w) => w.face)).toEqual(["exchange"]);
    expect((await inboxRuleRemove.verify(ctx, input, p, r)).ok).toBe(true);
    const e = await inboxRuleRemove.compensate!(ctx, input, r.before, p.target).catch((x: unknown) => x);
    expect(code(e)).toBe("precondition");
  });

  it("refuses to run without a stored before-image", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    const p = withKey(await inboxRuleRemove.plan(ctx, input));
    const mark = t.mark();
    const e = await inboxRuleRemove.run(ctx, input, { ...p, before: null }).catch((x: unknown) => x);
    expect(code(e)).toBe("precondition");
    expect(stateRule("AdeleV@contoso.com", "Accounts sync")).toBeDefined();
    expect(t.writes(mark)).toEqual([]);
  });

  it("refuses a rule whose content changed between plan and run", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    const p = withKey(await inboxRuleRemove.plan(ctx, input));
    stateRule("AdeleV@contoso.com", "Accounts sync")!.conditions = { subjectContainsWords: ["lunch"] };
    const mark = t.mark();
    expect(code(await inboxRuleRemove.run(ctx, input, p).catch((x: unknown) => x))).toBe("target-changed");
    expect(t.writes(mark)).toEqual([]);
  });

  it("not found: a rule deleted before planning is target-gone", async () => {
    const input = target("MeganB@contoso.com", ".");
    const mb = mailbox("MeganB@contoso.com");
    mb.rules = mb.rules.filter((r) => r.name !== ".");
    expect(code(await inboxRuleRemove.plan(ctx, input).catch((x: unknown) => x))).toBe("target-gone");
  });

  it("refuses system rules", async () => {
    const junk = scan.mailboxes.find((m) => m.upn === "AdeleV@contoso.com")!.rules.find((r) => r.system)!;
    const mark = t.mark();
    const e = await inboxRuleRemove
      .plan(ctx, target("AdeleV@contoso.com", junk.name))
      .catch((x: unknown) => x);
    expect(code(e)).toBe("precondition");
    expect(t.writes(mark)).toEqual([]);
  });
});

describe("inboxRule.remove and inboxRule.enable under faults", () => {
  async function faults(f: unknown): Promise<void> {
    const r = await fetch(`${t.emulator.adminUrl}/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(f),
    });
    expect(r.status).toBe(200);
  }
  const clocked = (attempts: number): ActionContext => ({
    ...ctx,
    poll: { attempts, delayMs: 40_000, sleep: (ms) => Promise.resolve(t.emulator.ctx.clock.advance(ms)) },
  });

  it("eventual consistency: the DELETE is acknowledged, verify polls the emulator clock until the rule is gone", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    await faults({ consistency: { enabled: true, ruleDelayMs: 60_000 } });
    const p = withKey(await inboxRuleRemove.plan(ctx, input));
    const r = await inboxRuleRemove.run(ctx, input, p);
    expect(r.alreadyDone).toBe(false);
    expect((await inboxRuleRemove.verify(clocked(1), input, p, r)).ok).toBe(false); // not visible yet
    expect((await inboxRuleRemove.verify(clocked(3), input, p, r)).ok).toBe(true);
    expect(stateRule("AdeleV@contoso.com", "Accounts sync")).toBeUndefined();
  });

  it("eventual consistency: enable through Graph verifies only once the change is visible", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    stateRule("AdeleV@contoso.com", "Accounts sync")!.enabled = false;
    await faults({ consistency: { enabled: true, ruleDelayMs: 60_000 } });
    const p = withKey(await inboxRuleEnable.plan(ctx, input));
    const r = await inboxRuleEnable.run(ctx, input, p);
    expect((await inboxRuleEnable.verify(clocked(1), input, p, r)).ok).toBe(false);
    expect((await inboxRuleEnable.verify(clocked(3), input, p, r)).ok).toBe(true);
  });

  it("403: without MailboxSettings.ReadWrite the Graph DELETE is a typed error and the rule stays", async () => {
    const input = target("AdeleV@contoso.com", "Accounts sync");
    const p = withKey(await inboxRuleRemove.plan(ctx, input));
    const app = t.emulator.ctx.state.apps[0]!;
    app.graphRoles = app.graphRoles
      .filter((r) => r !== "MailboxSettings.ReadWrite")
      .concat("MailboxSettings.Read");
    const h2 = await openTenant(t.cfg);
    try {
      const c2 = { ...actionContext(t.cfg, h2), poll: fast };
      const e = await inboxRuleRemove.run(c2, input, p).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(GraphApiError);
      expect((e as GraphApiError).kind).toBe("forbidden");
      expect(stateRule("AdeleV@contoso.com", "Accounts sync")).toBeDefined();
    } finally {
      await h2.close();
    }
  });
});

describe("inboxRule.remove with a hostile rule name", () => {
  it("removes exactly the named hidden rule by RuleIdentity; nothing else in the tenant changes", async () => {
    const evil = "x'; Remove-Mailbox -Identity * -Confirm:$false; $(whoami) `n -Force\n\u0410dmin";
    const alex = mailbox("AlexW@contoso.com");
    alex.rules.push({
      ruleIdentity: "16752869479666417999",
      graphId: "AQAAAAgmfvv=",
      name: evil,
      priority: 8,
      enabled: true,
      hidden: true,
      inError: false,
      conditions: { subjectContainsWords: ["invoice"] },
      actions: { deleteMessage: true },
      createdBy: "powershell",
    });
    scan = await scanWith(t.cfg, t.handles);
    const others = t.emulator.ctx.state.mailboxes.map((m) => m.rules.length);
    const input = target("AlexW@contoso.com", evil);
    expect(input.ruleIdentity).toBe("16752869479666417999");
    const p = withKey(await inboxRuleRemove.plan(ctx, input));
    await inboxRuleRemove.run(ctx, input, p);
    expect(stateRule("AlexW@contoso.com", evil)).toBeUndefined();
    expect(stateRule("AlexW@contoso.com", "x")).toBeDefined();
    const after = t.emulator.ctx.state.mailboxes.map((m) => m.rules.length);
    const i = t.emulator.ctx.state.mailboxes.indexOf(alex);
    expect(after).toEqual(others.map((n, k) => (k === i ? n - 1 : n)));
  });

  it("Graph path: the hostile name is deleted by Graph id and re-created byte for byte", async () => {
    const evil = "a\"; $(Invoke-Expression 'x') `; -Identity * \u2028\u0435vil " + "\u00e9".repeat(40);
    mailbox("AdeleV@contoso.com").rules.push({
      ruleIdentity: "16752869479666418000",
      graphId: "AQAAAAgmfww=",
      name: evil,
      priority: 9,
      enabled: true,
      hidden: false,
      inError: false,
      conditions: { subjectContainsWords: ["wire"] },
      actions: { forwardTo: [{ address: "drop@mail-archive-secure.example" }] },
      createdBy: "graph",
    });
    scan = await scanWith(t.cfg, t.handles);
    const input = target("AdeleV@contoso.com", evil);
    const p = withKey(await inboxRuleRemove.plan(ctx, input));
    expect(p.transport).toBe("graph");
    const r = await inboxRuleRemove.run(ctx, input, p);
    expect(stateRule("AdeleV@contoso.com", evil)).toBeUndefined();
    expect(stateRule("AdeleV@contoso.com", "Accounts sync")).toBeDefined();
    await inboxRuleRemove.compensate!(ctx, input, r.before, p.target);
    expect(stateRule("AdeleV@contoso.com", evil)).toMatchObject({ name: evil, enabled: true });
  });
});
