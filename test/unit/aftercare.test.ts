/**
 * The aftercare schedule in the store (schema 3: migrated in place from schema 2, journalled, the chain intact;
 * claimed under a lease, fenced on completion) and the playbook's verify / watch sections with the loader's check
 * of the watch against the verification window.
 */
import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parsePlaybook, PlaybookError } from "../../src/playbooks/load.js";
import { aftercareSchedule } from "../../src/runner/aftercare.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { LeaseLostError } from "../../src/store/types.js";

const tmp = () => path.join(mkdtempSync(path.join(os.tmpdir(), "mw-after-")), "runs.db");
const T0 = new Date("2026-03-01T10:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const MIN = 60_000;

const playbook = (extra: string) =>
  parsePlaybook(
    `apiVersion: mailwarden/v1
kind: Playbook
metadata: { id: p, version: 1 }
trigger: { targets: [inboxRule] }
steps:
  - { id: disable-rule, action: inboxRule.disable }
${extra}`,
    "p.yaml",
  );

function storeWithCase(f = tmp()) {
  const s = new SqliteCaseStore(f, { create: true });
  const c = s.openCase("t", { id: "u1", upn: "adele@contoso.com" }, "open").row;
  return { s, f, caseId: c.caseId };
}

describe("playbook verify and watch", () => {
  it("are optional; recheckAfter defaults to 15m and look to rule and forwarding", () => {
    expect(playbook("").verify).toBeUndefined();
    const p = playbook("verify: {}\nwatch: { for: 7d, every: 6h }");
    expect(p.verify).toEqual({ recheckAfter: "15m" });
    expect(p.watch).toEqual({ for: "7d", every: "6h", look: ["rule", "forwarding"] });
    expect(aftercareSchedule(playbook(""), { runId: "r", caseId: "c" }, T0)).toBeUndefined();
    expect(aftercareSchedule(p, { runId: "r", caseId: "c" }, T0)).toEqual({
      runId: "r",
      caseId: "c",
      playbook: "p",
      verifiedAt: T0.toISOString(),
      recheckDue: at(15 * MIN).toISOString(),
      watchUntil: at(7 * 24 * 60 * MIN).toISOString(),
      watchEveryMs: 6 * 60 * MIN,
      watchNext: at(6 * 60 * MIN).toISOString(),
      watchLook: ["rule", "forwarding"],
    });
  });

  it("a watch shorter than the verification window, or looking less often than it lasts, is an error with its path", () => {
    const issues = (extra: string) => {
      try {
        playbook(extra);
        return [];
      } catch (e) {
        return (e as PlaybookError).issues.map((i) => i.path);
      }
    };
    expect(issues("verify: { recheckAfter: 60m }\nwatch: { for: 30m, every: 10m }")).toEqual(["watch.for"]);
    // Without a verify section the default 15-minute re-check still counts.
    expect(issues("watch: { for: 10m, every: 5m }")).toEqual(["watch.for"]);
    expect(
      issues("verify: { recheckAfter: 5m, attempts: 10, interval: 1m }\nwatch: { for: 14m, every: 5m }"),
    ).toEqual(["watch.for"]);
    expect(issues("watch: { for: 1d, every: 2d }")).toEqual(["watch.every"]);
    expect(issues("watch: { for: 7d, every: 6h, look: [rules] }")).toEqual(["watch.look.0"]);
    expect(issues("verify: { recheckAfter: 15m, later: 1h }")).toEqual(["verify.later"]);
    expect(issues("verify: { recheckAfter: 60m }\nwatch: { for: 7d, every: 6h, look: [consent] }")).toEqual(
      [],
    );
  });
});

describe("aftercare schedule in the store", () => {
  it("a schema-2 store opens migrated to schema 3, journalled, its chain intact", () => {
    const { s, f } = storeWithCase();
    s.close();
    const db = new Database(f);
    db.exec("DROP TABLE aftercare");
    db.prepare("UPDATE meta SET v = '2' WHERE k = 'schema'").run();
    db.close();
    const again = new SqliteCaseStore(f);
    try {
      expect(
        again
          .journal()
          .filter((e) => e.kind === "store.migrated")
          .map((e) => e.detail),
      ).toEqual([{ from: 2, to: 3 }]);
      expect(again.verifyChain().ok).toBe(true);
      expect(again.listAftercare()).toEqual([]);
    } finally {
      again.close();
    }
    // Opened again: nothing left to migrate.
    const third = new SqliteCaseStore(f);
    expect(third.journal().filter((e) => e.kind === "store.migrated")).toHaveLength(1);
    third.close();
  });

  it("is due on the runner's clock, claimed by one holder at a time, and fenced on completion", () => {
    const { s, f, caseId } = storeWithCase();
    const sched = aftercareSchedule(playbook("watch: { for: 1d, every: 6h }"), { runId: "r1", caseId }, T0)!;
    s.commit({ aftercare: sched });
    s.commit({ aftercare: sched }); // scheduled once
    expect(s.journal().filter((e) => e.kind === "aftercare.scheduled")).toHaveLength(1);
    expect(s.dueAftercare(at(14 * MIN))).toEqual([]);
    expect(s.dueAftercare(at(15 * MIN)).map((r) => r.runId)).toEqual(["r1"]);
    const other = new SqliteCaseStore(f);
    try {
      expect(s.claimAftercare("r1", at(15 * MIN), 60_000)).toMatchObject({ leaseOwner: s.actor });
      expect(other.claimAftercare("r1", at(15 * MIN), 60_000)).toBeUndefined();
      expect(() => other.completeAftercare("r1", { recheckDoneAt: at(15 * MIN).toISOString() }, {})).toThrow(
        LeaseLostError,
      );
      s.completeAftercare(
        "r1",
        { recheckDoneAt: at(15 * MIN).toISOString(), recheckOk: true },
        { journal: [{ kind: "verify.recheck", caseId, runId: "r1" }] },
      );
      // Done: no longer due, so a second holder finds nothing to claim until the watch's first look.
      expect(other.claimAftercare("r1", at(16 * MIN), 60_000)).toBeUndefined();
      expect(other.claimAftercare("r1", at(6 * 60 * MIN), 60_000)).toMatchObject({ leaseOwner: other.actor });
      expect(s.listAftercare()[0]).toMatchObject({ recheckOk: true, checks: 1 });
      // A recurrence re-opens the case with the check's result, in one transaction; another open case is named.
      s.closeCase(caseId, "contained");
      const next = s.openCase("t", { id: "u1", upn: "adele@contoso.com" }, "open").row;
      const r = other.completeAftercare(
        "r1",
        { watchNext: at(12 * 60 * MIN).toISOString() },
        (res) => ({ journal: [{ kind: "watch.recurrence", caseId, runId: "r1", detail: res }] }),
        { caseId, reason: "watch" },
      );
      expect(r).toEqual({ reopened: false, openCaseId: next.caseId });
      expect(s.getCase(caseId)!.status).toBe("closed");
      expect(
        s
          .journal()
          .filter((e) => e.kind === "watch.recurrence")
          .map((e) => e.detail),
      ).toEqual([r]);
    } finally {
      other.close();
      s.close();
    }
  });

  it("re-opens a closed case only when its user has no other open case", () => {
    const { s, caseId } = storeWithCase();
    expect(s.reopenCase(caseId, "watch")).toBe(false); // open: nothing to re-open
    s.closeCase(caseId, "contained");
    expect(s.reopenCase(caseId, "watch: rule-enabled-again")).toBe(true);
    expect(s.getCase(caseId)).toMatchObject({ status: "open" });
    expect(s.getCase(caseId)!.closedAt).toBeUndefined();
    s.closeCase(caseId, "contained");
    const next = s.openCase("t", { id: "u1", upn: "adele@contoso.com" }, "open").row;
    expect(s.reopenCase(caseId, "watch")).toBe(false);
    expect(s.findOpenCase("t", "u1")!.caseId).toBe(next.caseId);
    expect(
      s
        .journal()
        .filter((e) => e.kind === "case.reopened")
        .map((e) => e.detail),
    ).toEqual([
      { reason: "watch: rule-enabled-again", closedAt: expect.any(String), closeReason: "contained" },
    ]);
    s.close();
  });
});
