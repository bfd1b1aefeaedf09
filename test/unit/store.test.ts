import Database from "better-sqlite3";
import { mkdtempSync, statSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { LeaseLostError, StoreError } from "../../src/store/types.js";

const dir = () => mkdtempSync(path.join(os.tmpdir(), "mw-store-"));
const tmp = () => path.join(dir(), "runs.db");
const user = { id: "u1", upn: "adele@contoso.com" };
const newRun = (caseId: string, runId = "run-1") => ({
  runId,
  caseId,
  playbook: "p",
  mode: "execute",
  machineId: "playbook:p",
  machineVersion: "1",
  state: "planning",
  snapshot: { s: 0 },
  input: { steps: [] },
});

describe("case store: files", () => {
  it("creates the store 0600, and reopens it with its id", () => {
    const f = tmp();
    const s = new SqliteCaseStore(f, { create: true });
    const id = s.storeId;
    s.close();
    expect(statSync(f).mode & 0o777).toBe(0o600);
    const s2 = new SqliteCaseStore(f);
    expect(s2.storeId).toBe(id);
    s2.close();
  });

  it("refuses a missing store where runs are expected, naming the file", () => {
    const f = tmp();
    expect(() => new SqliteCaseStore(f)).toThrow(StoreError);
    expect(() => new SqliteCaseStore(f)).toThrow(f);
  });

  it("refuses a deleted store when the audit log records one at that path (unless --new-store)", () => {
    const d = dir();
    const f = path.join(d, "runs.db");
    const audit = path.join(d, "audit.jsonl");
    writeFileSync(audit, JSON.stringify({ message: "store.opened", storePath: f, storeId: "abc" }) + "\n");
    expect(() => new SqliteCaseStore(f, { create: true, auditPath: audit })).toThrow(
      /missing.*records runs in store abc/,
    );
    new SqliteCaseStore(f, { create: true, auditPath: audit, allowNew: true }).close();
  });

  it("refuses zero-length, non-SQLite, foreign, newer and corrupt stores with what to do", () => {
    const empty = tmp();
    writeFileSync(empty, "");
    expect(() => new SqliteCaseStore(empty, { create: true })).toThrow(/empty \(zero bytes\).*Restore/);

    const text = tmp();
    writeFileSync(text, "hello, not a database at all");
    expect(() => new SqliteCaseStore(text, { create: true })).toThrow(/not an SQLite database/);

    const foreign = tmp();
    const db = new Database(foreign);
    db.exec("CREATE TABLE t (x)");
    db.close();
    expect(() => new SqliteCaseStore(foreign, { create: true })).toThrow(/another program/);

    const newer = tmp();
    new SqliteCaseStore(newer, { create: true }).close();
    const db2 = new Database(newer);
    db2.prepare("UPDATE meta SET v = '99' WHERE k = 'schema'").run();
    db2.close();
    expect(() => new SqliteCaseStore(newer)).toThrow(/newer mailwarden \(store schema 99/);

    const corrupt = tmp();
    const s = new SqliteCaseStore(corrupt, { create: true });
    for (let i = 0; i < 200; i++) s.openCase("t", { id: `u${i}`, upn: `u${i}@x` }, "open");
    s.close();
    truncateSync(corrupt, Math.floor(statSync(corrupt).size / 2));
    expect(() => new SqliteCaseStore(corrupt)).toThrow(new RegExp(`${corrupt}.*(corrupt|malformed)`));
  });
});

describe("case store: cases, effects, journal, leases", () => {
  it("one open case per (tenant, user), across store handles; a closed case gives the next one a new epoch", () => {
    const f = tmp();
    const a = new SqliteCaseStore(f, { create: true });
    const b = new SqliteCaseStore(f);
    const c1 = a.openCase("t", user, "open");
    const c2 = b.openCase("t", user, "open");
    expect(c1.created).toBe(true);
    expect(c2).toEqual({ row: c1.row, created: false });
    a.closeCase(c1.row.caseId, "contained");
    const c3 = b.openCase("t", user, "open");
    expect(c3.created).toBe(true);
    expect(c3.row.epoch).toBe(2);
    a.close();
    b.close();
  });

  it("keeps the first before-image: a resumed step's re-read never replaces it", () => {
    const s = new SqliteCaseStore(tmp(), { create: true });
    const { row } = s.openCase("t", user, "open");
    s.createRun(newRun(row.caseId), 60_000);
    const e = {
      idemKey: "k",
      caseId: row.caseId,
      runId: "run-1",
      stepKey: "x",
      actionId: "a",
      scope: "object",
      targetId: "r",
    };
    s.commit({
      run: { runId: "run-1", owner: s.actor },
      effects: [{ ...e, status: "intent", before: { enabled: true }, target: { id: 1 } }],
    });
    s.commit({
      run: { runId: "run-1", owner: s.actor },
      effects: [{ ...e, status: "intent", before: { enabled: false }, target: { id: 2 } }],
    });
    s.commit({
      run: { runId: "run-1", owner: s.actor },
      effects: [
        { ...e, status: "done", applied: null, before: { enabled: false }, after: { enabled: false } },
      ],
    });
    expect(s.getEffect("k")).toMatchObject({
      status: "done",
      applied: null,
      before: { enabled: true },
      target: { id: 1 },
      after: { enabled: false },
    });
    s.close();
  });

  it("hash-chains the journal; audit verify finds an edited, a removed and a truncated entry", () => {
    const f = tmp();
    const s = new SqliteCaseStore(f, { create: true });
    for (let i = 0; i < 5; i++) s.openCase("t", { id: `u${i}`, upn: `u${i}@x` }, "open");
    expect(s.verifyChain()).toEqual({ ok: true, entries: 5 });
    s.close();
    const raw = new Database(f);
    raw.prepare('UPDATE journal SET detail = \'{"user":{"id":"evil"}}\' WHERE seq = 3').run();
    raw.close();
    const s2 = new SqliteCaseStore(f);
    expect(s2.verifyChain()).toMatchObject({
      ok: false,
      firstBroken: { seq: 3, reason: expect.stringContaining("edited") },
    });
    s2.close();

    const g = tmp();
    const t = new SqliteCaseStore(g, { create: true });
    for (let i = 0; i < 5; i++) t.openCase("t", { id: `u${i}`, upn: `u${i}@x` }, "open");
    t.close();
    const raw2 = new Database(g);
    raw2.prepare("DELETE FROM journal WHERE seq = 2").run();
    raw2.close();
    const t2 = new SqliteCaseStore(g);
    expect(t2.verifyChain()).toMatchObject({ ok: false, firstBroken: { seq: 3 } });
    t2.close();
    const raw3 = new Database(g);
    raw3.prepare("DELETE FROM journal WHERE seq >= 2").run();
    raw3.close();
    const t3 = new SqliteCaseStore(g);
    expect(t3.verifyChain()).toMatchObject({
      ok: false,
      firstBroken: { reason: expect.stringContaining("removed") },
    });
    t3.close();
  });

  it("a lease keeps a second process out; a dead holder is taken over; the old holder's commits are fenced", () => {
    const f = tmp();
    let aAlive = true;
    const a = new SqliteCaseStore(f, { create: true });
    const b = new SqliteCaseStore(f, { ownerAlive: (o) => (o === a.actor ? aAlive : true) });
    const { row } = a.openCase("t", user, "open");
    expect(a.createRun(newRun(row.caseId), 60_000)).toBeDefined();
    // one active run per case and playbook
    expect(b.createRun(newRun(row.caseId, "run-2"), 60_000)).toBeUndefined();
    expect(b.acquireLease("run-1", 60_000)).toEqual({ ok: false, holder: a.actor });
    aAlive = false;
    expect(b.acquireLease("run-1", 60_000)).toEqual({ ok: true, tookOverFrom: a.actor });
    expect(() =>
      a.commit({ run: { runId: "run-1", owner: a.actor, state: "executing", snapshot: {} } }),
    ).toThrow(LeaseLostError);
    expect(b.journal({ runId: "run-1" }).map((e) => e.kind)).toEqual(["run.created", "lease.taken-over"]);
    a.close();
    b.close();
  });

  it("an expired lease is taken over even when its holder looks alive", () => {
    const f = tmp();
    let now = 1_000_000;
    const a = new SqliteCaseStore(f, { create: true, now: () => new Date(now) });
    const b = new SqliteCaseStore(f, { now: () => new Date(now) });
    const { row } = a.openCase("t", user, "open");
    a.createRun(newRun(row.caseId), 10_000);
    expect(b.acquireLease("run-1", 10_000).ok).toBe(false);
    now += 5_000;
    expect(a.renewLease("run-1", 10_000)).toBe(true);
    now += 12_000;
    expect(b.acquireLease("run-1", 10_000).ok).toBe(true);
    expect(a.renewLease("run-1", 10_000)).toBe(false);
    a.close();
    b.close();
  });
});

describe("rollback of a tenant-wide object shared by open cases", () => {
  it("keeps it while another open case depends on it; restores it when none does", async () => {
    const { previewRollback } = await import("../../src/runner/rollback.js");
    const s = new SqliteCaseStore(tmp(), { create: true });
    const a = s.openCase("t", { id: "org", upn: "contoso.com" }, "open").row;
    const b = s.openCase("t", { id: "other", upn: "b@contoso.com" }, "open").row;
    const eff = (caseId: string, runId: string) => ({
      idemKey: `t:${caseId}:transportRule.disable:transportRule/g1`,
      caseId,
      runId,
      stepKey: "disable-transport-rule@h",
      actionId: "transportRule.disable",
      scope: "tenant",
      targetId: "transportRule/g1",
      status: "done" as const,
      applied: true,
      before: { state: "Enabled" },
      after: { state: "Disabled" },
    });
    s.createRun({ ...newRun(a.caseId, "ra") }, 1000);
    s.createRun({ ...newRun(b.caseId, "rb") }, 1000);
    s.commit({ effects: [eff(a.caseId, "ra"), eff(b.caseId, "rb")] });
    expect(previewRollback(s, { caseId: a.caseId })).toEqual([
      expect.objectContaining({ outcome: "kept", reason: `open case(s) ${b.caseId} still depend on it` }),
    ]);
    s.closeCase(b.caseId, "contained");
    expect(previewRollback(s, { caseId: a.caseId })).toEqual([
      expect.objectContaining({ outcome: "would-restore", restore: { state: "Enabled" } }),
    ]);
    s.close();
  });
});
