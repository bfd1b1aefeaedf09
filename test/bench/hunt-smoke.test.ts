// The hunting benchmark's data generator at tiny scale: replicated files are well-formed, ids stay unique and every
// link between a mailbox action and its sign-in survives replication. No timings here (bench/hunt/run.mjs has them).
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureData, type BenchData } from "../../bench/hunt/data.mjs";
import {
  renameHex,
  renameUti,
  replicaMask,
  replicaShiftSeconds,
  utiToRequestId,
} from "../../bench/hunt/replicate.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cacheDir = path.join(root, ".scratch", `bench-hunt-smoke-${process.pid}`);
const REPLICAS = 3;

type Row = Record<string, unknown>;
const jsonl = (file: string): Row[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const raw = (r: Row): Row => {
  const v = r.RawEventData;
  return (typeof v === "string" ? JSON.parse(v || "{}") : (v ?? {})) as Row;
};
/** The session and token a mailbox action carries (formats.md §5.1). */
function actionKeys(r: Row): { session: string; uti: string } {
  const e = raw(r);
  const aac = (e.AppAccessContext ?? {}) as Row;
  return { session: (str(aac.AADSessionId) || str(e.SessionId)).toLowerCase(), uti: str(aac.UniqueTokenId) };
}

/** Mailbox actions whose session or token id names a sign-in of the same user in `signIns`. */
function linked(actions: Row[], signIns: Row[]): { session: number; token: number } {
  const sessions = new Set(signIns.map((s) => `${str(s.AccountObjectId)}|${str(s.SessionId).toLowerCase()}`));
  const tokens = new Set(signIns.map((s) => `${str(s.AccountObjectId)}|${str(s.UniqueTokenId)}`));
  let session = 0;
  let token = 0;
  for (const a of actions) {
    const k = actionKeys(a);
    const user = str(a.AccountObjectId);
    if (k.session && sessions.has(`${user}|${k.session}`)) session++;
    if (k.uti && tokens.has(`${user}|${k.uti}`)) token++;
  }
  return { session, token };
}

let base: { cae: Row[]; signIns: Row[]; alerts: Row[] };
const data: Partial<Record<"csv" | "jsonl", BenchData>> = {};

beforeAll(async () => {
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  const small = { root, cacheDir, users: 20, days: 3, seed: 7 };
  // The base size decides the row counts: three full replicas of it.
  const probe = await ensureData({
    ...small,
    scale: 1,
    format: "jsonl",
    rows: { CloudAppEvents: 1, EntraIdSignInEvents: 1 },
  });
  const dir = path.join(probe.base, "defender");
  base = {
    cae: jsonl(path.join(dir, "CloudAppEvents.jsonl")),
    signIns: jsonl(path.join(dir, "EntraIdSignInEvents.jsonl")),
    alerts: jsonl(path.join(dir, "AlertEvidence.jsonl")),
  };
  const rows = {
    CloudAppEvents: base.cae.length * REPLICAS,
    EntraIdSignInEvents: base.signIns.length * REPLICAS,
  };
  for (const format of ["csv", "jsonl"] as const)
    data[format] = await ensureData({ ...small, scale: 0.5, format, rows });
}, 120_000);

afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

function tables(format: "csv" | "jsonl"): { cae: Row[]; signIns: Row[]; alerts: Row[] } {
  const d = data[format]!;
  const read = (file: string): Row[] =>
    format === "jsonl" ? jsonl(file) : parse<Row>(readFileSync(file), { columns: true, bom: true });
  return {
    cae: read(d.tables.CloudAppEvents.file),
    signIns: read(d.tables.EntraIdSignInEvents.file),
    alerts: read(d.tables.AlertEvidence.file),
  };
}

describe("token id renaming", () => {
  it("renames a unique token id exactly as its request id is renamed (formats.md §5.2)", () => {
    // The published pair: Vb25Vsw2gEG5lycPpuYaAA ↔ 56b9bd55-36cc-4180-b997-270fa6e61a00.
    expect(utiToRequestId("Vb25Vsw2gEG5lycPpuYaAA")).toBe("56b9bd55-36cc-4180-b997-270fa6e61a00");
    for (const k of [1, 2, 557]) {
      const m = replicaMask(k);
      expect(m).not.toBe(0);
      expect(utiToRequestId(renameUti("Vb25Vsw2gEG5lycPpuYaAA", m))).toBe(
        renameHex("56b9bd55-36cc-4180-b997-270fa6e61a00", m),
      );
    }
    expect(renameHex("56b9bd55-36cc-4180-b997-270fa6e61a00", replicaMask(0))).toBe(
      "56b9bd55-36cc-4180-b997-270fa6e61a00",
    );
  });
});

describe.each(["csv", "jsonl"] as const)("replicated %s exports", (format) => {
  it("hold exactly the rows asked for, every record well-formed, replica 0 the generated rows unchanged", () => {
    const t = tables(format);
    const d = data[format]!;
    expect(t.cae).toHaveLength(base.cae.length * REPLICAS);
    expect(t.signIns).toHaveLength(base.signIns.length * REPLICAS);
    expect(t.alerts).toHaveLength(base.alerts.length * REPLICAS);
    expect(d.tables.CloudAppEvents.replicas).toBe(REPLICAS);
    expect(t.cae.slice(0, base.cae.length).map((r) => str(r.ReportId))).toEqual(
      base.cae.map((r) => str(r.ReportId)),
    );
    // Every CSV cell of nested JSON still parses after its ids were rewritten.
    for (const r of t.cae) expect(() => raw(r)).not.toThrow();
  });

  it("give every record its own id, keep well-known app and tenant ids, and shift each replica's times", () => {
    const t = tables(format);
    expect(new Set(t.cae.map((r) => str(r.ReportId))).size).toBe(t.cae.length);
    expect(new Set(t.cae.map((r) => str(raw(r).Id))).size).toBe(t.cae.length);
    expect(new Set(t.signIns.map((r) => str(r.RequestId))).size).toBe(t.signIns.length);
    const n = base.cae.length;
    const appIds = (rows: Row[]) => new Set(rows.map((r) => str(raw(r).AppId)));
    expect(appIds(t.cae.slice(2 * n))).toEqual(appIds(base.cae));
    for (let i = 0; i < n; i++) {
      const shifted = Date.parse(str(t.cae[2 * n + i]!.Timestamp)) - Date.parse(str(base.cae[i]!.Timestamp));
      expect(shifted).toBe(replicaShiftSeconds(2) * 1000);
    }
  });

  it("keep every session and token link inside its replica, and none across replicas", () => {
    const t = tables(format);
    const want = linked(base.cae, base.signIns);
    // The generator's attacks carry links; without them this test would prove nothing.
    expect(want.session + want.token).toBeGreaterThan(0);
    expect(linked(t.cae, t.signIns)).toEqual({
      session: want.session * REPLICAS,
      token: want.token * REPLICAS,
    });
    const nA = base.cae.length;
    const nS = base.signIns.length;
    for (let k = 0; k < REPLICAS; k++) {
      const cae = t.cae.slice(k * nA, (k + 1) * nA);
      expect(linked(cae, t.signIns.slice(k * nS, (k + 1) * nS))).toEqual(want);
      const other = (k + 1) % REPLICAS;
      expect(linked(cae, t.signIns.slice(other * nS, (other + 1) * nS))).toEqual({ session: 0, token: 0 });
    }
    // A token id still decodes to its own sign-in's request id wherever it did in the generated data.
    const decodes = (rows: Row[]) =>
      rows.filter((s) => str(s.UniqueTokenId) && utiToRequestId(str(s.UniqueTokenId)) === str(s.RequestId))
        .length;
    expect(decodes(t.signIns)).toBe(decodes(base.signIns) * REPLICAS);
  });

  it("rename users consistently: an action's UPN is its sign-in's UPN, and alerts name the replica's users", () => {
    const t = tables(format);
    const upnByUser = new Map(
      t.signIns.map((s) => [str(s.AccountObjectId), str(s.AccountUpn).toLowerCase()]),
    );
    let checked = 0;
    for (const a of t.cae) {
      const upn = str(raw(a).UserId).toLowerCase();
      const want = upnByUser.get(str(a.AccountObjectId));
      if (!want || !upn.includes("@")) continue;
      expect(upn).toBe(want);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    const alertUsers = new Set(t.alerts.map((r) => str(r.AccountObjectId)).filter(Boolean));
    const actionUsers = new Set(t.cae.map((r) => str(r.AccountObjectId)));
    expect(alertUsers.size).toBe(
      new Set(base.alerts.map((r) => str(r.AccountObjectId)).filter(Boolean)).size * REPLICAS,
    );
    for (const u of alertUsers) expect(actionUsers.has(u)).toBe(true);
  });
});
