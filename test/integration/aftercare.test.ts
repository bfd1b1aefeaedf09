/**
 * Aftercare against the emulated tenant, on the runner's clock (here the emulator's): a contained case is
 * re-verified once after `verify.recheckAfter`, then watched; an attacker enabling the disabled rule again or
 * making it again under another name is a recurrence that re-opens the case and contains it again through the
 * normal path; the watch ends after `watch.for`. The schedule lives in the store: a new process (store handle and
 * Job) checks what an earlier one scheduled, two at once check once, a check a dead process held is taken over,
 * and dry runs and the kill switch do nothing.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { Hit } from "../../src/model/hit.js";
import { aftercarePhase } from "../../src/runner/aftercare-phase.js";
import type { JobNotice } from "../../src/runner/job.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import type { JournalEntry } from "../../src/store/types.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let hits: Hit[];
let megan: Hit[];
const notices: JobNotice[] = [];
const notify = (n: JobNotice) => {
  notices.push(n);
  return Promise.resolve();
};
const MIN = 60_000;
const HOUR = 60 * MIN;
const ctx = () => ({
  poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() },
  now: () => t.emulator.ctx.clock.now(),
});
const ADELE = "AdeleV@contoso.com";
const mailbox = () => {
  const u = t.emulator.ctx.state.users.find((x) => x.userPrincipalName === ADELE)!;
  return t.emulator.ctx.state.mailboxes.find((m) => m.userId === u.id)!;
};
const rule = (name = "Accounts sync") => mailbox().rules.find((r) => r.name === name)!;
const meganRule = () => {
  const u = t.emulator.ctx.state.users.find((x) => x.userPrincipalName === "MeganB@contoso.com")!;
  return t.emulator.ctx.state.mailboxes.find((m) => m.userId === u.id)!.rules.find((r) => r.name === ".")!;
};
const withStore = <T>(fn: (s: SqliteCaseStore) => T): T => {
  const s = new SqliteCaseStore(t.cfg.store.path);
  try {
    return fn(s);
  } finally {
    s.close();
  }
};
const journal = (kind: string): JournalEntry[] =>
  withStore((s) => s.journal().filter((e) => e.kind === kind));
const run = (mode: "execute" | "dry-run" = "execute", h: Hit[] = [], slow = false) =>
  runHits(t.cfg, t.handles, h, mode, {
    actionCtx: { ...ctx(), ...(slow ? { graph: slowed(t.handles.graph) } : {}) },
    notify,
  });
/** Graph reads that take a while, so that a second invocation runs while the first is checking. */
const slowed = <T extends object>(g: T): T =>
  new Proxy(g, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (typeof v !== "function") return v;
      return async (...args: unknown[]) => {
        await new Promise((r) => setTimeout(r, 100));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });

beforeAll(async () => {
  t = await startTestTenant();
  const all = (await scanWith(t.cfg, t.handles)).hits;
  hits = all.filter((h) => h.user.upn === ADELE);
  megan = all.filter((h) => h.user.upn === "MeganB@contoso.com");
});
afterAll(async () => {
  await t?.close();
});

describe("aftercare: verification windows and the watch", () => {
  it("a contained run schedules its re-check and watch on the runner's clock; nothing is due yet", async () => {
    const out = await run("execute", hits);
    expect(out.runs.map((r) => r.state)).toEqual(["done"]);
    const verifiedAt = t.emulator.ctx.clock.now().getTime();
    const [row, ...more] = withStore((s) => s.listAftercare());
    expect(more).toEqual([]);
    expect(Date.parse(row!.verifiedAt)).toBe(verifiedAt);
    expect(Date.parse(row!.recheckDue!)).toBe(verifiedAt + 15 * MIN);
    expect(Date.parse(row!.watchUntil!)).toBe(verifiedAt + 7 * 24 * HOUR);
    expect(Date.parse(row!.watchNext!)).toBe(verifiedAt + 6 * HOUR);
    expect(row!.watchLook).toEqual(["rule", "forwarding"]);
    expect(journal("aftercare.scheduled")).toHaveLength(1);
    // `mailwarden cases` says where the case stands.
    expect(aftercarePhase([row!])).toEqual({
      phase: "verifying",
      until: row!.recheckDue,
      next: row!.watchNext,
      recheckFailed: false,
    });
    // The case closed (contained); the watch goes on over the closed case.
    expect(withStore((s) => s.getCase(row!.caseId)!.status)).toBe("closed");
    const mark = t.mark();
    await run();
    expect(t.emulator.requests().length).toBe(mark);
    expect(journal("verify.recheck")).toEqual([]);
  });

  it("dry runs and the kill switch do no aftercare, even when it is due", async () => {
    t.emulator.ctx.clock.advance(16 * MIN);
    const mark = t.mark();
    const dry = await run("dry-run");
    expect(dry.runs).toEqual([]);
    expect(t.emulator.requests().length).toBe(mark);
    withStore((s) => s.setHalt({ reason: "test", by: "test", at: new Date().toISOString() }, "test", "test"));
    await run();
    expect(t.emulator.requests().length).toBe(mark);
    withStore((s) => s.setHalt(undefined, "test", "test"));
    expect(journal("verify.recheck")).toEqual([]);
    expect(withStore((s) => s.listAftercare()[0]!.recheckDoneAt)).toBeUndefined();
  });

  it("past recheckAfter, the next invocation re-verifies every done step once, even with two at once", async () => {
    const mark = t.mark();
    // Two invocations at once (each its own store handle and Job, as two processes): one re-check.
    const first = run("execute", [], true);
    await new Promise((r) => setTimeout(r, 50));
    await Promise.all([first, run(), run()]);
    // One re-read per step (the rule, the mailbox's forwarding, the user's sessions): no process read twice.
    expect(t.emulator.requests().length - mark).toBe(3);
    const rechecks = journal("verify.recheck");
    expect(rechecks.map((e) => (e.detail as { stepKey: string }).stepKey.split("@")[0]).sort()).toEqual([
      "clear-forwarding",
      "disable-rule",
      "revoke-sessions",
    ]);
    for (const e of rechecks)
      expect(e.detail).toMatchObject({ ok: true, due: expect.any(String), at: expect.any(String) });
    expect(t.writes(mark)).toEqual([]);
    const row = withStore((s) => s.listAftercare()[0]!);
    expect(row).toMatchObject({ recheckOk: true, checks: 1 });
    expect(aftercarePhase([row])).toMatchObject({
      phase: "watching",
      until: row.watchUntil,
      next: row.watchNext,
    });
    // Done: a later invocation (a new process) does not check again before the watch's first look.
    await run();
    expect(journal("verify.recheck")).toHaveLength(3);
    expect(journal("watch.check")).toEqual([]);
  });

  it("a watch look that a dead process held is taken over and done once; nothing came back, nothing is written", async () => {
    t.emulator.ctx.clock.advance(6 * HOUR);
    const db = new Database(t.cfg.store.path);
    db.prepare("UPDATE aftercare SET lease_owner = ?, lease_until = ?").run(
      `${"no-such-host"}:1:dead`,
      Date.now() - 1,
    );
    db.close();
    const mark = t.mark();
    await run();
    expect(t.writes(mark)).toEqual([]);
    const checks = journal("watch.check");
    expect(checks).toHaveLength(1);
    expect(checks[0]!.detail).toMatchObject({ findings: [] });
    const row = withStore((s) => s.listAftercare()[0]!);
    expect(Date.parse(row.watchNext!)).toBe(t.emulator.ctx.clock.now().getTime() + 6 * HOUR);
    expect(row.leaseOwner).toBeUndefined();
  });

  it("the attacker enables the rule again during the watch: recurrence, the case re-opens and is contained again", async () => {
    expect(rule().enabled).toBe(false);
    rule().enabled = true; // as the attacker, through the mailbox itself
    t.emulator.ctx.clock.advance(6 * HOUR);
    const caseId = withStore((s) => s.listCases({ status: ["closed"] })[0]!.caseId);
    const out = await run();
    const rec = journal("watch.recurrence");
    expect(rec.length).toBeGreaterThanOrEqual(1);
    expect(rec[0]!.detail).toMatchObject({
      what: expect.stringMatching(/inboxRule|rule-enabled-again/),
      reopened: true,
    });
    expect(journal("case.reopened").map((e) => e.caseId)).toEqual([caseId]);
    // Contained again in the same case, through the normal path (the same steps, gates and journal).
    expect(out.runs.map((r) => [r.caseId, r.state])).toEqual([[caseId, "done"]]);
    expect(out.runs[0]!.steps.filter((s) => s.outcome === "done").map((s) => s.id)).toEqual(["disable-rule"]);
    expect(rule().enabled).toBe(false);
    expect(withStore((s) => s.getCase(caseId)!.status)).toBe("closed");
    expect(notices.some((n) => n.kind === "failed" && /RECURRENCE/.test(n.summary))).toBe(true);
    // The new containment has its own re-check and watch.
    expect(withStore((s) => s.listAftercare({ caseId }))).toHaveLength(2);
  });

  it("a rule made again with the same content under another name is a recurrence too", async () => {
    const r = rule();
    mailbox().rules.push({
      ...structuredClone(r),
      name: "Accounts sync 2",
      enabled: true,
      ruleIdentity: String(BigInt(r.ruleIdentity) + 7n),
      graphId: Buffer.from("newrule1").toString("base64"),
    });
    t.emulator.ctx.clock.advance(6 * HOUR);
    const before = journal("watch.recurrence").length;
    const out = await run();
    const rec = journal("watch.recurrence").slice(before);
    expect(rec.map((e) => (e.detail as { what: string }).what)).toContain("rule-recreated");
    expect(out.runs.map((x) => x.state)).toEqual(["done"]);
    expect(rule("Accounts sync 2").enabled).toBe(false);
  });

  it("forwarding set again during the watch, to another address, is cleared again", async () => {
    mailbox().forwardingSmtpAddress = "smtp:drop@fabrikam-mail.example";
    t.emulator.ctx.clock.advance(6 * HOUR);
    const before = journal("watch.recurrence").length;
    const out = await run();
    const rec = journal("watch.recurrence").slice(before);
    expect(rec.map((e) => (e.detail as { what: string }).what)).toContain("forwarding-set-again");
    expect(out.runs.flatMap((r) => r.steps.filter((x) => x.outcome === "done").map((x) => x.id))).toContain(
      "clear-forwarding",
    );
    expect(mailbox().forwardingSmtpAddress).toBeNull();
  });

  it("a re-check that finds a step no longer holding says so: the run turns partial, a notice, contained again", async () => {
    const out = await run("execute", megan);
    expect(out.runs.map((r) => r.state)).toEqual(["done"]);
    const runId = out.runs[0]!.runId;
    meganRule().enabled = true; // within the revocation delay: the attacker's token still works
    t.emulator.ctx.clock.advance(16 * MIN);
    const n = notices.length;
    const again = await run();
    const failed = journal("verify.recheck").filter(
      (e) => e.runId === runId && !(e.detail as { ok: boolean }).ok,
    );
    expect(failed.map((e) => (e.detail as { stepKey: string }).stepKey.split("@")[0])).toEqual([
      "disable-rule",
    ]);
    expect(withStore((s) => s.getRun(runId)!.state)).toBe("partial");
    expect(withStore((s) => s.listAftercare().find((r) => r.runId === runId)!.recheckOk)).toBe(false);
    expect(notices.slice(n).filter((x) => x.kind === "failed" && x.runId === runId)).toHaveLength(1);
    expect(again.runs.map((r) => [r.user, r.state])).toEqual([["MeganB@contoso.com", "done"]]);
    expect(meganRule().enabled).toBe(false);
  });

  it("the watch ends after `for`; later changes are no longer looked for", async () => {
    t.emulator.ctx.clock.advance(8 * 24 * HOUR);
    await run();
    const rows = withStore((s) => s.listAftercare());
    expect(rows.every((r) => r.watchEndReason === "expired")).toBe(true);
    expect(journal("watch.ended")).toHaveLength(rows.length);
    expect(aftercarePhase(rows).phase).toBe("ended");
    rule().enabled = true;
    t.emulator.ctx.clock.advance(6 * HOUR);
    const checks = journal("watch.check").length;
    const mark = t.mark();
    await run();
    expect(journal("watch.check")).toHaveLength(checks);
    expect(t.emulator.requests().length).toBe(mark);
  });
});
