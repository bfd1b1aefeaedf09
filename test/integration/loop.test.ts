/**
 * The walking skeleton end to end through the library: scan → dry run → contain → verify → idempotent repeat →
 * rollback, against the emulated tenant with the real SDKs and the Exchange bridge.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { closeAuditLog, createAuditLog } from "../../src/audit/log.js";
import { actionContext } from "../../src/cli/commands/run.js";
import type { Hit } from "../../src/model/hit.js";
import { loadPlaybook } from "../../src/playbooks/load.js";
import { PlaybookRunner } from "../../src/runner/runner.js";
import { RunStore } from "../../src/store/run-store.js";
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
    expect(out.runs.map((r) => r.state)).toEqual(hits.map(() => "planned"));
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

  it("--yes contains every hit and verifies by re-reading", async () => {
    const before = new Date(stateUser("MeganB@contoso.com").signInSessionsValidFromDateTime).getTime();
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, hits, "execute", {
      actionCtx: { poll: { attempts: 3, delayMs: 0, sleep: () => Promise.resolve() } },
    });
    expect(out.runs.map((r) => [r.user, r.state, r.error])).toEqual(
      hits.map((h) => [h.user.upn, "contained", undefined]),
    );
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
    // Graph PATCH for the two visible rules, one Set-Mailbox, and one revoke per user (Adele's second hit finds it done).
    expect(writes.filter((w) => w.face === "graph" && w.method === "PATCH")).toHaveLength(2);
    expect(writes.filter((w) => w.face === "exchange")).toHaveLength(1);
    expect(writes.filter((w) => w.path.includes("revokeSignInSessions"))).toHaveLength(2);
    for (const r of out.runs)
      for (const s of r.steps)
        if (s.outcome === "done" || s.outcome === "already-done") expect(s.verified).toBe(true);
  });

  it("a second --yes run changes nothing: every step is already done", async () => {
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, hits, "execute", {
      actionCtx: { poll: { attempts: 1, delayMs: 0, sleep: () => Promise.resolve() } },
    });
    expect(t.writes(mark)).toEqual([]);
    for (const r of out.runs) {
      expect(r.state).toBe("contained");
      expect(r.steps.filter((s) => s.outcome !== "skipped").map((s) => s.outcome)).toEqual(
        r.steps.filter((s) => s.outcome !== "skipped").map(() => "already-done"),
      );
    }
  });

  it("rollback restores the stored before-images of reversible steps", async () => {
    const store = new RunStore(t.cfg.store.path);
    const audit = createAuditLog(undefined);
    try {
      const runner = new PlaybookRunner({
        store,
        audit,
        playbook: loadPlaybook("contain-mailbox-exfiltration"),
        actionCtx: actionContext(t.cfg, t.handles),
        guardrails: t.cfg.guardrails,
      });
      const fwdRun = store
        .listRuns()
        .find(
          (r) =>
            r.state === "contained" &&
            store
              .listEffects(r.runId)
              .some((e) => e.actionId === "mailboxForwarding.clear" && e.status === "done"),
        )!;
      const res = await runner.rollback(fwdRun.runId);
      expect(res).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ actionId: "mailboxForwarding.clear", outcome: "rolled-back" }),
          expect.objectContaining({ actionId: "user.revokeSessions", outcome: "irreversible" }),
        ]),
      );
      expect(mailbox("AdeleV@contoso.com").forwardingSmtpAddress).toMatch(/^smtp:/i);
      expect(mailbox("AdeleV@contoso.com").deliverToMailboxAndForward).toBe(true);
      expect(
        (await runner.rollback(fwdRun.runId)).find((r) => r.actionId === "mailboxForwarding.clear")!.outcome,
      ).toBe("already-rolled-back");
    } finally {
      store.close();
      await closeAuditLog(audit);
    }
  });
});

describe("guardrails", () => {
  it("holds a protected account's run: planned, never executed", async () => {
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
      expect(out.runs.map((x) => x.state)).toEqual(megan.map(() => "held"));
      expect(out.runs[0]!.hold).toContain("protected account");
      expect(g.writes(mark)).toEqual([]);
    } finally {
      await g.close();
    }
  });

  it("a burst of hits cannot exceed the containment budget", async () => {
    const g = await startTestTenant({
      config: (c) => ({ ...c, guardrails: { protectedAccounts: [], maxContainmentsPerRun: 1 } }),
    });
    try {
      const r = await scanWith(g.cfg, g.handles);
      const out = await runHits(g.cfg, g.handles, r.hits, "execute");
      expect(out.runs.filter((x) => x.state === "contained")).toHaveLength(1);
      expect(out.runs.filter((x) => x.state === "held")).toHaveLength(r.hits.length - 1);
    } finally {
      await g.close();
    }
  });
});
