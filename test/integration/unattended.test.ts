/**
 * Unattended containment against the emulated tenant: `--auto high` acts only on steps whose approval resolves to
 * auto on high cases (the targeted rule or forwarding), never on the account-wide step (manual by default), a
 * protected account, or a medium case; the blast-radius cap is counted in the store across invocations and
 * restarts on the runner's clock (here the emulator's), and the cases beyond it wait with a notice. Approval
 * timeouts run on the same clock: approving late finds the run expired; escalation raises a notice and waits.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { createAuditLog } from "../../src/audit/log.js";
import { actionContext } from "../../src/cli/commands/run.js";
import type { Hit } from "../../src/model/hit.js";
import { decide, DecisionError, listWaiting } from "../../src/runner/approvals.js";
import type { JobNotice } from "../../src/runner/job.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { loadPlaybook } from "../../src/playbooks/load.js";
import { massScenario, massUsers } from "../helpers/mass.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let hits: Hit[];
const notices: JobNotice[] = [];
const notify = (n: JobNotice) => {
  notices.push(n);
  return Promise.resolve();
};
const HOUR = 3_600_000;
const ctx = () => ({
  poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() },
  now: () => t.emulator.ctx.clock.now(),
});
const unattended = (max: number, minSeverity: "high" | "medium" = "high") => ({
  minSeverity,
  cap: { max, windowMs: HOUR },
});
const mailboxOf = (upn: string) => {
  const u = t.emulator.ctx.state.users.find((x) => x.userPrincipalName.toLowerCase() === upn.toLowerCase())!;
  return t.emulator.ctx.state.mailboxes.find((m) => m.userId === u.id)!;
};

beforeAll(async () => {
  t = await startTestTenant({
    scenario: massScenario(6),
    config: (c) => ({
      ...c,
      guardrails: { protectedAccounts: ["user005@contoso.com"], maxContainmentsPerRun: 25 },
    }),
  });
  hits = (await scanWith(t.cfg, t.handles)).hits;
});
afterAll(async () => {
  await t?.close();
});

describe("unattended containment (run --auto)", () => {
  it("contains the targeted object of high cases up to the cap; the account-wide step, a protected account and the cases beyond the cap wait", async () => {
    const mass = hits.filter((h) => /^user00[0-5]@/.test(h.user.upn));
    expect(mass.every((h) => h.severity === "high")).toBe(true);
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, mass, "execute", {
      actionCtx: ctx(),
      unattended: unattended(2),
      notify,
    });
    // user005 is protected: nothing of it runs unattended, and it takes no slot of the cap.
    const byUser = new Map(out.runs.map((r) => [r.user, r]));
    const prot = byUser.get("user005@contoso.com")!;
    expect(prot.state).toBe("waiting");
    expect(prot.steps.every((s) => s.outcome !== "done")).toBe(true);
    expect(prot.waiting).toContain("protected account");
    // Exactly two cases contained their rule (and forwarding); revoke-sessions (user scope) waits for a person.
    const contained = out.runs.filter((r) => r.steps.some((s) => s.outcome === "done"));
    expect(contained).toHaveLength(2);
    for (const r of contained) {
      expect(r.state).toBe("waiting");
      expect(r.steps.find((s) => s.id === "revoke-sessions")!.outcome).toBe("waiting");
      expect(r.waiting).toMatch(/^approval: approval manual \(default\)/);
    }
    const capped = out.runs.filter((r) => r.waiting?.startsWith("blast-radius cap:"));
    expect(capped).toHaveLength(3);
    for (const r of capped) expect(r.steps.every((s) => s.outcome !== "done")).toBe(true);
    // The tenant saw exactly the two cases' object writes: no revocation, nothing for the others.
    const writes = t.writes(mark);
    expect(writes.some((w) => w.path.includes("revokeSignInSessions"))).toBe(false);
    const touched = new Set(contained.map((r) => r.user));
    for (const u of massUsers(t.emulator.ctx.state).map((x) => x.userPrincipalName)) {
      const enabled = mailboxOf(u)
        .rules.filter((r) => !r.system)
        .every((r) => r.enabled);
      expect(enabled, u).toBe(!touched.has(u));
    }
    expect(notices.filter((n) => n.kind === "cap-reached")).toHaveLength(3);
    expect(notices.filter((n) => n.kind === "approval-needed").length).toBeGreaterThanOrEqual(3);
  });

  it("the cap holds across invocations (a new store handle, as after a restart) until the window has passed", async () => {
    const mark = t.mark();
    const again = await runHits(t.cfg, t.handles, [], "execute", {
      actionCtx: ctx(),
      unattended: unattended(2),
    });
    expect(t.writes(mark)).toEqual([]);
    expect(again.runs.filter((r) => r.waiting?.startsWith("blast-radius cap:"))).toHaveLength(3);
    // An hour later on the runner's clock the window has room again: the next two waiting cases go.
    t.emulator.ctx.clock.advance(HOUR + 60_000);
    const later = await runHits(t.cfg, t.handles, [], "execute", {
      actionCtx: ctx(),
      unattended: unattended(2),
    });
    // The two contained before are resumed (still waiting for revoke-sessions); two more are contained now.
    const nowContained = later.runs.filter((r) =>
      r.steps.some((s) => s.id !== "revoke-sessions" && s.outcome === "done"),
    );
    expect(nowContained).toHaveLength(4);
    expect(later.runs.filter((r) => r.waiting?.startsWith("blast-radius cap:"))).toHaveLength(1);
    const store = new SqliteCaseStore(t.cfg.store.path);
    try {
      const slots = store.journal().filter((e) => e.kind === "auto.slot");
      expect(slots).toHaveLength(4);
      expect(store.verifyChain().ok).toBe(true);
    } finally {
      store.close();
    }
  });

  it("a medium case waits whole: under --auto high, and under --auto medium while the playbook's autoIf asks for high", async () => {
    const adele = hits.filter((h) => h.user.upn === "AdeleV@contoso.com");
    const medium = adele.map((h) => ({ ...h, severity: "medium" as const }));
    const mark = t.mark();
    const cfg = { ...t.cfg, store: { ...t.cfg.store, path: path.join(t.stateDir, "medium.db") } };
    const out = await runHits(cfg, t.handles, medium, "execute", {
      actionCtx: ctx(),
      unattended: unattended(10),
    });
    expect(t.writes(mark)).toEqual([]);
    const r = out.runs.find((x) => x.user === "AdeleV@contoso.com")!;
    expect(r.state).toBe("waiting");
    // The default autoIf (severity high) does not hold: approval says why.
    expect(r.waiting).toContain("does not hold (severity medium");
    const cfg2 = { ...t.cfg, store: { ...t.cfg.store, path: path.join(t.stateDir, "medium2.db") } };
    const out2 = await runHits(cfg2, t.handles, medium, "execute", {
      actionCtx: ctx(),
      unattended: unattended(10, "medium"),
    });
    // Under --auto medium the default autoIf (severity high) still does not hold: the policy decides, not the flag.
    expect(out2.runs[0]!.state).toBe("waiting");
    expect(t.writes(mark)).toEqual([]);
  });
});

describe("a target joining a case whose run waits", () => {
  it("is contained by a follow-up run without waiting for the person the case's run waits for", async () => {
    const cfg = { ...t.cfg, store: { ...t.cfg.store, path: path.join(t.stateDir, "follow-up.db") } };
    const adele = hits.filter((h) => h.user.upn === "AdeleV@contoso.com");
    const rule = adele.filter((h) => h.target.kind === "inboxRule");
    const fwd = adele.filter((h) => h.target.kind === "mailboxForwarding");
    expect(rule.length).toBeGreaterThan(0);
    expect(fwd).toHaveLength(1);
    const mb = mailboxOf("AdeleV@contoso.com");
    const saved = {
      forwardingSmtpAddress: mb.forwardingSmtpAddress,
      forwardingAddress: mb.forwardingAddress,
      deliverToMailboxAndForward: mb.deliverToMailboxAndForward,
    };
    const first = await runHits(cfg, t.handles, rule, "execute", {
      actionCtx: ctx(),
      unattended: unattended(5),
    });
    expect(first.runs.map((r) => r.state)).toEqual(["waiting"]); // revoke-sessions: manual
    expect(mailboxOf("AdeleV@contoso.com").forwardingSmtpAddress).not.toBeNull();
    const second = await runHits(cfg, t.handles, fwd, "execute", {
      actionCtx: ctx(),
      unattended: unattended(5),
    });
    const followUp = second.runs.find((r) => r.steps.some((s) => s.id === "clear-forwarding"))!;
    expect(followUp.steps.map((s) => [s.id, s.outcome])).toEqual([["clear-forwarding", "done"]]);
    expect(followUp.state).toBe("done");
    expect(mailboxOf("AdeleV@contoso.com").forwardingSmtpAddress).toBeNull();
    const store = new SqliteCaseStore(cfg.store.path);
    try {
      // One case; its account-wide step still waits (once) in the first run; the follow-up has its own lane.
      expect(store.listCases({}).filter((c) => c.userUpn === "AdeleV@contoso.com")).toHaveLength(1);
      expect(listWaiting(store).map((w) => w.stepId)).toEqual(["revoke-sessions"]);
      expect(store.getRun(followUp.runId)!.playbook).toBe("contain-mailbox-exfiltration#1");
      // A third invocation with the same hits changes nothing and starts nothing new.
      const mark = t.mark();
      const third = await runHits(cfg, t.handles, adele, "execute", {
        actionCtx: ctx(),
        unattended: unattended(5),
      });
      expect(t.writes(mark)).toEqual([]);
      expect(third.runs.map((r) => r.state)).toEqual(["waiting"]);
    } finally {
      store.close();
      Object.assign(mb, saved); // the attacker's forwarding again, for the tests below
    }
  });
});

describe("notices from the runner (config.notify)", () => {
  it("an unattended run's waiting cases and cap reach a real, signed webhook; a dead webhook fails nothing", async () => {
    const { createServer } = await import("node:http");
    const { signNotice, SIGNATURE_HEADER, TIMESTAMP_HEADER } = await import("../../src/notify/index.js");
    const got: { kind: string; caseId: string; ok: boolean }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const ts = String(req.headers[TIMESTAMP_HEADER.toLowerCase()]);
        const sig = String(req.headers[SIGNATURE_HEADER.toLowerCase()]);
        const ev = JSON.parse(body) as { kind: string; caseId: string };
        got.push({ ...ev, ok: sig === signNotice("hook-secret", ts, body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    process.env.MW_TEST_HOOK = "hook-secret";
    try {
      const cfg = (url: string, db: string) => ({
        ...t.cfg,
        store: { ...t.cfg.store, path: path.join(t.stateDir, db) },
        notify: {
          on: ["approval-needed", "contained", "cap-reached", "halted", "failed"] as const,
          webhook: {
            url,
            secretEnv: "MW_TEST_HOOK",
            maxAttempts: 2,
            baseDelayMs: 0,
            maxDelayMs: 0,
            timeoutMs: 2_000,
            maxTotalMs: 5_000,
          },
        },
      });
      const mass = hits.filter((h) => /^user00[0-3]@/.test(h.user.upn));
      const out = await runHits(
        cfg(`http://127.0.0.1:${port}/hook`, "notify.db") as never,
        t.handles,
        mass,
        "execute",
        {
          actionCtx: ctx(),
          unattended: unattended(1),
        },
      );
      expect(out.runs.length).toBe(4);
      expect(got.every((g) => g.ok)).toBe(true);
      expect(got.filter((g) => g.kind === "cap-reached")).toHaveLength(3);
      expect(got.filter((g) => g.kind === "approval-needed")).toHaveLength(4);
      // A webhook that refuses connections: the containment runs the same, the failure goes to the audit log.
      const dead = await runHits(
        cfg("http://127.0.0.1:9/hook", "notify-dead.db") as never,
        t.handles,
        mass,
        "execute",
        {
          actionCtx: ctx(),
          unattended: unattended(1),
        },
      );
      expect(dead.runs.map((r) => r.state)).toEqual(out.runs.map(() => "waiting"));
    } finally {
      server.close();
      delete process.env.MW_TEST_HOOK;
    }
  });
});

describe("approval timeouts on the runner's clock", () => {
  it("approving after the timeout finds the run expired and writes nothing; escalate raises a notice and keeps waiting", async () => {
    const dir = path.join(t.stateDir, "pb");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, "timed.yaml"),
      [
        "apiVersion: mailwarden/v1",
        "kind: Playbook",
        "metadata: { id: timed, version: 1 }",
        "trigger: { targets: [inboxRule, mailboxForwarding] }",
        "steps:",
        "  - id: disable-rule",
        "    action: inboxRule.disable",
        "    if: { path: target.kind, equals: inboxRule }",
        "    approval: manual",
        "    timeout: 2h",
        "    onTimeout: expire",
        "  - id: clear-forwarding",
        "    action: mailboxForwarding.clear",
        "    if: { path: target.kind, equals: mailboxForwarding }",
        "    approval: manual",
        "    timeout: 1h",
        "    onTimeout: escalate",
      ].join("\n"),
    );
    const cfg = {
      ...t.cfg,
      playbooks: { selected: ["timed"], dirs: [dir] },
      store: { ...t.cfg.store, path: path.join(t.stateDir, "timed.db") },
    };
    const megan = hits.filter((h) => h.user.upn === "MeganB@contoso.com"); // a rule only
    const alex = hits.filter(
      (h) => h.user.upn === "AdeleV@contoso.com" && h.target.kind === "mailboxForwarding",
    );
    notices.length = 0;
    const out = await runHits(cfg, t.handles, [...megan, ...alex], "execute", {
      actionCtx: ctx(),
      unattended: unattended(10),
      notify,
    });
    expect(out.runs.map((r) => r.state)).toEqual(["waiting", "waiting"]);
    const store = new SqliteCaseStore(cfg.store.path);
    const audit = createAuditLog(path.join(t.stateDir, "timed-audit.jsonl"));
    try {
      const q = listWaiting(store);
      const rule = q.find((w) => w.stepId === "disable-rule")!;
      expect(rule.onTimeout).toBe("expire");
      expect(Date.parse(rule.deadline!) - t.emulator.ctx.clock.now().getTime()).toBeGreaterThan(HOUR);
      // Three hours pass on the runner's clock; an approval now is too late.
      t.emulator.ctx.clock.advance(3 * HOUR);
      const mark = t.mark();
      const env = {
        store,
        audit,
        actionCtx: { ...actionContext(cfg, t.handles), ...ctx() },
        leaseMs: 30_000,
        playbooks: [loadPlaybook("timed", [dir])],
      };
      await expect(
        decide(env, {
          runId: rule.runId,
          decision: "approve",
          by: "alice",
          reason: "late",
          planHashes: { [rule.stepKey]: rule.planHash },
        }),
      ).rejects.toThrow(DecisionError);
      expect(store.getRun(rule.runId)!.state).toBe("expired");
      expect(t.writes(mark)).toEqual([]);
      // The escalating step: the next driving invocation escalates it once (a notice) and it keeps waiting.
      const again = await runHits(cfg, t.handles, [], "execute", {
        actionCtx: ctx(),
        unattended: unattended(10),
        notify,
      });
      expect(again.runs.map((r) => r.state)).toEqual(["waiting"]);
      expect(notices.filter((n) => n.kind === "escalated")).toHaveLength(1);
      const fwd = listWaiting(store).find((w) => w.stepId === "clear-forwarding")!;
      expect(fwd.escalatedAt).toBeDefined();
      await runHits(cfg, t.handles, [], "execute", { actionCtx: ctx(), unattended: unattended(10), notify });
      expect(notices.filter((n) => n.kind === "escalated")).toHaveLength(1);
      expect(store.journal().filter((e) => e.kind === "step.escalated")).toHaveLength(1);
      // Still approvable after escalation: a person approves, it runs.
      const report = await decide(env, {
        runId: fwd.runId,
        decision: "approve",
        by: "bob",
        reason: "escalated to me",
        planHashes: { [fwd.stepKey]: fwd.planHash },
      });
      expect(report.steps.find((s) => s.id === "clear-forwarding")!.outcome).toBe("done");
    } finally {
      store.close();
    }
  });
});
