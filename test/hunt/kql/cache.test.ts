/**
 * The analysis cache: a repeated query replays what the transpiler read of Kusto.Language's analysis instead of
 * analysing again, with the same SQL and rows; a corrupt, foreign or incomplete entry is ignored and rebuilt.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { AnalysisCache, defaultCacheDir, tapeSum } from "../../../src/hunt/kql/cache.js";
import { KqlEngine } from "../../../src/hunt/kql/engine.js";
import type { TapeNode } from "../../../src/hunt/kql/syntax.js";
import { NOW } from "./helpers.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), "mw-kql-cache-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const COLS = [
  { name: "Timestamp", type: "datetime" as const },
  { name: "User", type: "string" as const },
  { name: "Action", type: "string" as const },
];
const ROWS = [
  { Timestamp: "2026-02-28T10:00:00Z", User: "a@contoso.com", Action: "New-InboxRule" },
  { Timestamp: "2026-02-28T11:00:00Z", User: "b@contoso.com", Action: "Set-InboxRule" },
  { Timestamp: "2026-01-01T11:00:00Z", User: "a@contoso.com", Action: "New-InboxRule" },
  { Timestamp: "2026-02-28T12:00:00Z", User: "c@contoso.com", Action: "MailItemsAccessed" },
];
// A let, a toscalar (a first-pass constant), a has_any over a tabular value, a summarize: several passes.
const QUERY = `let Rules = Events | where Action has_any ("New-InboxRule", "Set-InboxRule");
let Busy = toscalar(Rules | summarize count());
let Users = Rules | distinct User;
Events
| where Timestamp > ago(7d) and User in (Users)
| summarize n = count(), actions = make_set(Action) by User
| extend busy = Busy
| order by User asc`;

async function engineWith(cache: AnalysisCache | false): Promise<KqlEngine> {
  const e = await KqlEngine.create({ threads: 1, analysisCache: cache });
  await e.registerRows("Events", COLS, ROWS);
  return e;
}

/** Counts the statements planned on `e`'s connection (`EXPLAIN`) from now on. */
function countExplains(e: KqlEngine): () => number {
  let explains = 0;
  const conn = e.connection;
  const orig = conn.runAndReadAll.bind(conn);
  conn.runAndReadAll = (sql: string, ...rest: unknown[]) => {
    if (/^\s*EXPLAIN/i.test(sql)) explains++;
    return (orig as (...a: unknown[]) => ReturnType<typeof orig>)(sql, ...rest);
  };
  return () => explains;
}

async function runOnce(cache: AnalysisCache | false, query = QUERY) {
  const e = await engineWith(cache);
  try {
    const r = await e.run(query, { now: NOW });
    return { r, how: e.lastAnalysis };
  } finally {
    e.close();
  }
}

describe("analysis cache", () => {
  it("a repeated query replays the stored analysis: same SQL, same rows", async () => {
    const cache = new AnalysisCache(tmp());
    const fresh = await runOnce(false);
    const first = await runOnce(cache);
    expect(first.how).toMatchObject({ source: "analysed", stored: true });
    expect(readdirSync(cache.dir).filter((f) => f.endsWith(".json"))).toHaveLength(1);
    const second = await runOnce(cache);
    expect(second.how?.source).toBe("cache");
    expect(second.r.sql).toBe(first.r.sql);
    expect(second.r.rows).toEqual(first.r.rows);
    expect(first.r.rows).toEqual(fresh.r.rows);
    expect(first.r.rows.map((x) => x["User"])).toEqual(["a@contoso.com", "b@contoso.com"]);
  });

  it("a process whose query is a cache hit never loads Kusto.Language", async () => {
    const dir = tmp();
    // The built engine (scripts/test.mjs builds dist/ first), in fresh processes: the first analyses and stores,
    // the second replays; each reports whether the bridge's global `Kusto` exists after the run.
    const script = `
      const { KqlEngine } = await import(${JSON.stringify(path.resolve("dist/hunt/kql/engine.js"))});
      const e = await KqlEngine.create({ threads: 1 });
      await e.registerRows("Events", ${JSON.stringify(COLS)}, ${JSON.stringify(ROWS)});
      const r = await e.run(${JSON.stringify(QUERY)}, { now: new Date(${JSON.stringify(NOW.toISOString())}) });
      console.log(JSON.stringify({ source: e.lastAnalysis.source, kusto: globalThis.Kusto !== undefined, rows: r.rows.length }));
      e.close();`;
    const once = async () => {
      const r = await execa(process.execPath, ["--input-type=module", "-e", script], {
        env: { MAILWARDEN_CACHE_DIR: dir },
      });
      return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
        source: string;
        kusto: boolean;
        rows: number;
      };
    };
    expect(await once()).toEqual({ source: "analysed", kusto: true, rows: 2 });
    expect(await once()).toEqual({ source: "cache", kusto: false, rows: 2 });
  }, 60_000);

  it("keys on the query and the tables: another query or schema is analysed afresh", async () => {
    const cache = new AnalysisCache(tmp());
    const tables = { Events: COLS };
    expect(cache.key(QUERY, tables)).not.toBe(cache.key(`${QUERY}\n| take 1`, tables));
    expect(cache.key(QUERY, tables)).not.toBe(
      cache.key(QUERY, { Events: [...COLS, { name: "X", type: "string" }] }),
    );
    await runOnce(cache);
    const other = await runOnce(cache, `${QUERY}\n| take 1`);
    expect(other.how?.source).toBe("analysed");
    expect(other.r.rows).toHaveLength(1);
  });

  it("a corrupt or foreign entry is ignored and rebuilt", async () => {
    const cache = new AnalysisCache(tmp());
    await runOnce(cache);
    const [file] = readdirSync(cache.dir);
    const full = path.join(cache.dir, file!);
    const good = JSON.parse(readFileSync(full, "utf8")) as { tape: TapeNode; sum: string };
    // A statement dropped from the tape (a damaged entry that still parses) fails the checksum.
    const cut = structuredClone(good);
    cut.tape.props!["Statements"]!.elements!.splice(1, 1);
    const foreign = { ...good, key: "someone-else" };
    for (const bad of ["{", "", "null", JSON.stringify(foreign), JSON.stringify(cut)]) {
      writeFileSync(full, bad);
      const r = await runOnce(cache);
      expect(r.how).toMatchObject({ source: "analysed", stored: true });
      expect(r.r.rows.map((x) => x["User"])).toEqual(["a@contoso.com", "b@contoso.com"]);
      expect(JSON.parse(readFileSync(full, "utf8"))).toMatchObject({ key: file!.replace(/\.json$/, "") });
    }
  });

  it("an entry that lacks an answer the transpiler needs falls back to a fresh analysis and is replaced", async () => {
    const cache = new AnalysisCache(tmp());
    const first = await runOnce(cache);
    const [file] = readdirSync(cache.dir);
    const full = path.join(cache.dir, file!);
    const entry = JSON.parse(readFileSync(full, "utf8")) as { tape: TapeNode; sum: string };
    // A statement of which the tape knows nothing (as if an earlier run had never read it): replay runs out of
    // answers part-way through the transpilation.
    const statements = entry.tape.props?.["Statements"];
    expect(statements?.elements?.length).toBeGreaterThan(2);
    statements!.elements![2] = {};
    entry.sum = tapeSum(entry.tape);
    writeFileSync(full, JSON.stringify(entry));
    const r = await runOnce(cache);
    expect(r.how).toMatchObject({ source: "analysed", stored: true });
    expect(r.r.sql).toBe(first.r.sql);
    expect(r.r.rows).toEqual(first.r.rows);
    expect((await runOnce(cache)).how?.source).toBe("cache");
  });

  it("concurrent writers leave one whole entry and no temporary files", async () => {
    const cache = new AnalysisCache(tmp());
    const results = await Promise.all([runOnce(cache), runOnce(cache), runOnce(cache)]);
    for (const r of results) expect(r.r.rows).toHaveLength(2);
    const files = readdirSync(cache.dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.json$/);
    expect((await runOnce(cache)).how?.source).toBe("cache");
  });

  it("the columns a query reads are planned once: a second engine answers from the cache; a damaged entry is planned again", async () => {
    const cache = new AnalysisCache(tmp());
    const plan = async () => {
      const e = await engineWith(cache);
      const explains = countExplains(e);
      try {
        const cols = await e.columnsToStore([QUERY]);
        return { cols, explains: explains() };
      } finally {
        e.close();
      }
    };
    const first = await plan();
    expect(first.explains).toBeGreaterThan(0);
    expect([...(first.cols["Events"] ?? [])].sort()).toEqual(["Action", "Timestamp", "User"]);
    const second = await plan();
    expect(second).toEqual({ cols: first.cols, explains: 0 });
    const columnEntries = readdirSync(cache.dir)
      .map((f) => path.join(cache.dir, f))
      .filter((f) => "columns" in (JSON.parse(readFileSync(f, "utf8")) as object));
    expect(columnEntries.length).toBeGreaterThan(0);
    for (const f of columnEntries) {
      const e = JSON.parse(readFileSync(f, "utf8")) as { columns: Record<string, string[]> };
      // a damaged list that still parses fails its checksum: planned again, never trusted
      writeFileSync(f, JSON.stringify({ ...e, columns: { ...e.columns, Events: ["Timestamp"] } }));
    }
    const third = await plan();
    expect(third.cols).toEqual(first.cols);
    expect(third.explains).toBeGreaterThan(0);
  });

  it("a narrowed table's check plans each statement once: a repeat answers from the cache and still refuses", async () => {
    const cache = new AnalysisCache(tmp());
    const MAT = `let Recent = materialize(Events | where Timestamp > ago(7d) | project User, Action);
Recent | summarize n = count() by User | order by User asc`;
    const runNarrowed = async (query: string) => {
      const e = await engineWith(cache);
      // As a narrowed load leaves it: Action kept empty, User and Timestamp stored.
      e.narrowed("Events", ["Timestamp", "User"]);
      const explains = countExplains(e);
      try {
        const out = await e.run(query, { now: NOW }).then(
          (r) => r.rows,
          (err: unknown) => err,
        );
        return { out, explains: explains() };
      } finally {
        e.close();
      }
    };
    const first = await runNarrowed(MAT);
    expect(String(first.out)).toMatch(/Events .*also reads Action/);
    expect(first.explains).toBeGreaterThan(0);
    const again = await runNarrowed(MAT);
    expect(String(again.out)).toMatch(/Events .*also reads Action/);
    expect(again.explains).toBe(0);
    // a query reading only kept columns runs, its steps planned once too
    const ok = "Events | where Timestamp > ago(7d) | summarize n = count() by User | order by User asc";
    const a = await runNarrowed(ok);
    expect(a.out).toEqual([
      { User: "a@contoso.com", n: 1 },
      { User: "b@contoso.com", n: 1 },
      { User: "c@contoso.com", n: 1 },
    ]);
    expect((await runNarrowed(ok)).explains).toBe(0);
  });

  it("a query Kusto.Language rejects is never stored", async () => {
    const cache = new AnalysisCache(tmp());
    await expect(runOnce(cache, "Events | where NoSuchColumn == 1")).rejects.toThrow(/NoSuchColumn/);
    expect(readdirSync(cache.dir, { withFileTypes: true })).toEqual([]);
  });

  it("lives in MAILWARDEN_CACHE_DIR, else the XDG cache folder; `off` turns it off", () => {
    expect(defaultCacheDir({ MAILWARDEN_CACHE_DIR: "/x/c" })).toBe("/x/c");
    expect(defaultCacheDir({ MAILWARDEN_CACHE_DIR: "off" })).toBeUndefined();
    expect(AnalysisCache.fromEnvironment({ MAILWARDEN_CACHE_DIR: "off" })).toBeUndefined();
    if (process.platform !== "win32" && process.platform !== "darwin")
      expect(defaultCacheDir({ XDG_CACHE_HOME: "/x/xdg" })).toBe(path.join("/x/xdg", "mailwarden"));
    expect(AnalysisCache.fromEnvironment({ MAILWARDEN_CACHE_DIR: "/x/c" })?.dir).toBe(
      path.join("/x/c", "kql"),
    );
  });
});
