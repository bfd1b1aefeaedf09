/** Tabular operators; documented outputs are cited per test. */
import { describe, expect, it } from "vitest";
import { useEngine } from "./helpers.js";

const { q, run, engine } = useEngine();

const X = `let X = datatable(Key:string, Value1:long)['a',1, 'b',2, 'b',3, 'c',4];`;
const Y = `let Y = datatable(Key:string, Value2:long)['b',10, 'c',20, 'c',30, 'd',40];`;

describe("join", () => {
  // https://learn.microsoft.com/kusto/query/join-innerunique: default flavor, left deduplicated on the key.
  it("innerunique is the default and keeps one left row per key", async () => {
    const rows = await q(`${X}${Y} X | join Y on Key | sort by Value2 asc`);
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => [r["Key"], r["Key1"], r["Value2"]])).toEqual([
      ["b", "b", 10],
      ["c", "c", 20],
      ["c", "c", 30],
    ]);
    expect(rows.filter((r) => r["Key"] === "b")).toHaveLength(1);
    expect([2, 3]).toContain(rows[0]?.["Value1"]);
  });

  // https://learn.microsoft.com/kusto/query/join-inner: every combination.
  it("inner", async () => {
    const rows = await q(
      `${X}${Y} X | join kind=inner Y on Key | project Key, Value1, Value2 | sort by Value1 asc, Value2 asc`,
    );
    expect(rows).toEqual([
      { Key: "b", Value1: 2, Value2: 10 },
      { Key: "b", Value1: 3, Value2: 10 },
      { Key: "c", Value1: 4, Value2: 20 },
      { Key: "c", Value1: 4, Value2: 30 },
    ]);
  });

  it("leftouter, fullouter, leftanti, leftsemi, rightanti, rightsemi", async () => {
    const lo = await q(
      `${X}${Y} X | join kind=leftouter Y on Key | where isnull(Value2) | project Key, Key1`,
    );
    expect(lo).toEqual([{ Key: "a", Key1: "" }]);
    const fo = await q(`${X}${Y} X | join kind=fullouter Y on Key | count`);
    expect(fo).toEqual([{ Count: 6 }]);
    expect(await q(`${X}${Y} X | join kind=leftanti Y on Key`)).toEqual([{ Key: "a", Value1: 1 }]);
    expect(await q(`${X}${Y} X | join kind=leftsemi Y on Key | sort by Value1 asc | project Value1`)).toEqual(
      [{ Value1: 2 }, { Value1: 3 }, { Value1: 4 }],
    );
    expect(await q(`${X}${Y} X | join kind=rightanti Y on Key`)).toEqual([{ Key: "d", Value2: 40 }]);
    expect(
      await q(`${X}${Y} X | join kind=rightsemi Y on Key | sort by Value2 asc | project Value2`),
    ).toEqual([{ Value2: 10 }, { Value2: 20 }, { Value2: 30 }]);
  });

  it("$left.a == $right.b with several keys", async () => {
    const rows = await q(`
      let L = datatable(u:string, ip:string, n:long)["u1","1.1.1.1",1, "u1","2.2.2.2",2, "u2","1.1.1.1",3];
      let R = datatable(User:string, IP:string, r:long)["u1","1.1.1.1",10, "u2","2.2.2.2",20];
      L | join kind=inner (R) on $left.u == $right.User, $left.ip == $right.IP | project n, r`);
    expect(rows).toEqual([{ n: 1, r: 10 }]);
  });

  it("lookup keeps every left row and does not repeat the key", async () => {
    const rows = await q(
      `${X}${Y} X | lookup (Y | summarize Value2 = max(Value2) by Key) on Key | sort by Value1 asc`,
    );
    expect(rows).toEqual([
      { Key: "a", Value1: 1, Value2: null },
      { Key: "b", Value1: 2, Value2: 10 },
      { Key: "b", Value1: 3, Value2: 10 },
      { Key: "c", Value1: 4, Value2: 30 },
    ]);
  });
});

describe("summarize", () => {
  it("aggregates by keys and bin()", async () => {
    const rows = await q(`datatable(t:datetime, u:string, n:long, ok:bool)[
        datetime(2026-01-01T10:15:00Z), "a", 1, true,
        datetime(2026-01-01T10:45:00Z), "a", 2, false,
        datetime(2026-01-01T11:05:00Z), "b", 3, true]
      | summarize c = count(), ci = countif(ok), s = sum(n), mx = max(n), mn = min(t), any1 = take_any(u),
          users = make_set(u), dc = dcount(u), dci = dcountif(u, ok), l = make_list_if(n, ok), st = make_set_if(u, not(ok))
          by h = bin(t, 1h)
      | sort by h asc`);
    expect(rows).toEqual([
      {
        h: "2026-01-01T10:00:00.000Z",
        c: 2,
        ci: 1,
        s: 3,
        mx: 2,
        mn: "2026-01-01T10:15:00.000Z",
        any1: "a",
        users: ["a"],
        dc: 1,
        dci: 1,
        l: [1],
        st: ["a"],
      },
      {
        h: "2026-01-01T11:00:00.000Z",
        c: 1,
        ci: 1,
        s: 3,
        mx: 3,
        mn: "2026-01-01T11:05:00.000Z",
        any1: "b",
        users: ["b"],
        dc: 1,
        dci: 1,
        l: [3],
        st: [],
      },
    ]);
  });

  it("arg_max(col, *) and arg_min(col, a, b) pick whole rows; make_bag merges bags", async () => {
    const t = `datatable(u:string, t:long, ip:string, d:dynamic)["a",1,"1.1.1.1",dynamic({"x":1}), "a",3,"3.3.3.3",dynamic({"y":2}), "b",2,"2.2.2.2",dynamic(null)]`;
    expect(await q(`${t} | summarize arg_max(t, *) by u | sort by u asc`)).toEqual([
      { u: "a", t: 3, ip: "3.3.3.3", d: { y: 2 } },
      { u: "b", t: 2, ip: "2.2.2.2", d: null },
    ]);
    expect(await q(`${t} | summarize arg_min(t, ip, u)`)).toEqual([{ t: 1, ip: "1.1.1.1", u: "a" }]);
    expect(await q(`${t} | summarize b = make_bag(d), n = count() by u | sort by u asc`)).toEqual([
      { u: "a", b: { x: 1, y: 2 }, n: 2 },
      { u: "b", b: {}, n: 1 },
    ]);
  });

  it("make_bag(bag_pack(k, v)) of string values: one key each, hostile text intact, the _if form filters", async () => {
    const t = `datatable(r:string, k:string, v:string)["a","Name","x", "a","Note","say \\"hi\\"\\n{}:,", "a","","empty key", "b","Name","y", "b","Name","y", "c","K","", "d","Name","z"]`;
    const bags = await q(
      `${t} | summarize b = make_bag(bag_pack(k, v)), f = make_bag_if(bag_pack(k, v), k != "Note") by r | sort by r asc`,
    );
    expect(bags).toEqual([
      {
        r: "a",
        b: { Name: "x", Note: 'say "hi"\n{}:,', "": "empty key" },
        f: { Name: "x", "": "empty key" },
      },
      { r: "b", b: { Name: "y" }, f: { Name: "y" } },
      { r: "c", b: { K: "" }, f: { K: "" } },
      { r: "d", b: { Name: "z" }, f: { Name: "z" } },
    ]);
    // a key given twice with different values keeps one of them, never both
    const dup = await q(
      `datatable(r:string, k:string, v:string)["a","K","1", "a","K","2"] | summarize b = make_bag(bag_pack(k, v)) by r | extend n = array_length(bag_keys(b))`,
    );
    expect(dup).toHaveLength(1);
    expect(dup[0]?.["n"]).toBe(1);
    expect(["1", "2"]).toContain((dup[0]?.["b"] as Record<string, string>)["K"]);
  });

  it("take_anyif picks a value of a matching row, else none (an empty string)", async () => {
    const t = `datatable(r:string, k:string, v:string)["a","Name","x", "a","State","on", "b","State","off"]`;
    expect(
      await q(
        `${t} | summarize n = take_anyif(v, k == "Name"), s = anyif(v, k == "State") by r | extend none = isempty(n) | sort by r asc`,
      ),
    ).toEqual([
      { r: "a", n: "x", s: "on", none: false },
      { r: "b", n: "", s: "off", none: true },
    ]);
  });
});

describe("row operators", () => {
  const T = `let T = datatable(a:string, b:long, c:real)["x", 1, 1.5, "y", 2, 2.5, "z", long(null), 0.0];`;
  it("where / project / extend / project-away / project-rename / project-reorder", async () => {
    expect(
      await q(
        `${T} T | where b >= 1 | extend d = b * 2, e = c / 2 | project-away c | project-rename A = a | project-reorder e, A`,
      ),
    ).toEqual([
      { e: 0.75, A: "x", b: 1, d: 2 },
      { e: 1.25, A: "y", b: 2, d: 4 },
    ]);
    expect(await q(`${T} T | project a, bb = b + 1, tolower("Q")`)).toEqual([
      { a: "x", bb: 2, Column1: "q" },
      { a: "y", bb: 3, Column1: "q" },
      { a: "z", bb: null, Column1: "q" },
    ]);
    // extend can overwrite a column and use one it defines earlier in the same extend.
    expect(await q(`${T} T | take 1 | extend b = b + 10, f = b * 2 | project b, f`)).toEqual([
      { b: 11, f: 22 },
    ]);
  });

  it("sort (default desc; nulls last when desc, first when asc), top, take, distinct, count", async () => {
    expect((await q(`${T} T | sort by b`)).map((r) => r["b"])).toEqual([2, 1, null]);
    expect((await q(`${T} T | order by b asc`)).map((r) => r["b"])).toEqual([null, 1, 2]);
    expect((await q(`${T} T | sort by b asc nulls last`)).map((r) => r["b"])).toEqual([1, 2, null]);
    expect(await q(`${T} T | top 1 by c desc | project a`)).toEqual([{ a: "y" }]);
    expect(await q(`${T} T | take 2 | count`)).toEqual([{ Count: 2 }]);
    expect(await q(`${T} T | limit 1 | count`)).toEqual([{ Count: 1 }]);
    expect(await q(`datatable(k:string, v:long)["a",1,"a",1,"a",2] | distinct k, v | sort by v asc`)).toEqual(
      [
        { k: "a", v: 1 },
        { k: "a", v: 2 },
      ],
    );
    expect(await q(`datatable(k:string, v:long)["a",1,"a",1] | distinct *`)).toEqual([{ k: "a", v: 1 }]);
  });

  it("union with withsource and isfuzzy over tables of differing columns", async () => {
    const rows = await q(`
      let A = datatable(x:string, a:long)["ax", 1];
      let B = datatable(x:string, b:bool)["bx", true];
      union withsource=Src isfuzzy=true A, B | sort by x asc`);
    expect(rows).toEqual([
      { Src: "A", x: "ax", a: 1, b: null },
      { Src: "B", x: "bx", a: null, b: true },
    ]);
    expect(await q(`datatable(x:long)[1] | union (datatable(x:long)[2]) | count`)).toEqual([{ Count: 2 }]);
  });

  it("mv-expand of arrays and bags, parallel, to typeof()", async () => {
    expect(
      await q(
        `datatable(k:string, d:dynamic)["a", dynamic([1, 2]), "b", dynamic([]), "c", dynamic(null)] | mv-expand d`,
      ),
    ).toEqual([
      { k: "a", d: 1 },
      { k: "a", d: 2 },
      { k: "c", d: null },
    ]);
    expect(await q(`print d = dynamic({"p": 1, "q": "s"}) | mv-expand d`)).toEqual([
      { d: { p: 1 } },
      { d: { q: "s" } },
    ]);
    expect(
      await q(`print a = dynamic([1, 2, 3]), b = dynamic(["x"]) | mv-expand a, b to typeof(string)`),
    ).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: "" },
      { a: 3, b: "" },
    ]);
    const typed = await run(`print a = dynamic(["1", "2"]) | mv-expand n = a to typeof(long) | project n`);
    expect(typed.columns).toEqual([{ name: "n", type: "long" }]);
  });

  it("as names an intermediate result", async () => {
    expect(
      await q(`datatable(x:long)[1, 2] | as T1 | where x > 1 | join kind=inner (T1) on x | project x`),
    ).toEqual([{ x: 2 }]);
  });

  it("print and datatable of every type", async () => {
    const r =
      await run(`datatable(s:string, i:int, l:long, r:real, b:bool, t:datetime, ts:timespan, d:dynamic, g:guid)[
      "s", 1, 2, 1.5, true, datetime(2026-01-02 03:04:05), 90m, dynamic({"k":[1]}), guid(8c3a0a3b-1111-2222-3333-444455556666)]`);
    expect(r.rows).toEqual([
      {
        s: "s",
        i: 1,
        l: 2,
        r: 1.5,
        b: true,
        t: "2026-01-02T03:04:05.000Z",
        ts: "01:30:00",
        d: { k: [1] },
        g: "8c3a0a3b-1111-2222-3333-444455556666",
      },
    ]);
    expect(r.columns.map((c) => c.type)).toEqual([
      "string",
      "int",
      "long",
      "real",
      "bool",
      "datetime",
      "timespan",
      "dynamic",
      "guid",
    ]);
  });
});

describe("let, toscalar, materialize", () => {
  it("a tabular let used several times, materialize, toscalar in a condition", async () => {
    const rows = await q(`
      let T = materialize(datatable(u:string, n:long)["a", 1, "b", 5, "c", 9]);
      let mx = toscalar(T | summarize max(n));
      let hasBig = isnotempty(toscalar(T | where n > 8));
      T | where hasBig | where n == mx or u in ((T | where n < 2 | project u)) | project u`);
    expect(rows).toEqual([{ u: "a" }, { u: "c" }]);
  });

  // A materialised let is computed once into a temporary table of its own (DuckDB then plans with its real size).
  const temporary = async (): Promise<number> => {
    const r = await engine().connection.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE temporary");
    return Number(r.getRows()[0]?.[0]);
  };

  it("runs each materialised let once, as its own table that is gone after the query", async () => {
    const before = await temporary();
    const query = `
      let A = materialize(datatable(u:string, n:long)["a", 1, "b", 5, "c", 9, "a", 2]);
      let B = materialize(A | summarize n = sum(n) by u);
      let unused = materialize(A | where n > 100);
      B | join kind=inner (A | summarize c = count() by u) on u | project u, n, c | sort by u asc`;
    const res = await run(query);
    expect(res.rows).toEqual([
      { u: "a", n: 3, c: 2 },
      { u: "b", n: 5, c: 1 },
      { u: "c", n: 9, c: 1 },
    ]);
    // The final statement reads the tables, not CTEs of its own.
    expect(res.sql).not.toContain("MATERIALIZED (");
    expect(res.sql).toMatch(/FROM "_mw_mat\d+"/);
    expect(await temporary()).toBe(before);
    // Without the engine (the pure transpiler), the same query is one statement with materialised CTEs.
    const { transpile } = await import("../../../src/hunt/kql/transpile.js");
    expect(transpile(query, { tables: {} }).sql).toContain("AS MATERIALIZED (");
  });

  it("drops the tables when the query fails after they were made", async () => {
    const before = await temporary();
    // The statement after the table is cancelled by the time limit.
    await expect(
      run(
        `let D = datatable(d:long, k:long)[0, 1, 1, 1, 2, 1, 3, 1, 4, 1, 5, 1, 6, 1, 7, 1, 8, 1, 9, 1];
        let A = materialize(D | join kind=inner D on k | join kind=inner D on k | join kind=inner D on k
          | project k, x = d + 10 * d1 + 100 * d2 + 1000 * d3);
        A | join kind=inner A on k | join kind=inner A on k | summarize sum(x + x1 + x2)`,
        { timeoutMs: 400 },
      ),
    ).rejects.toThrow(/cancelled after 400 ms/);
    expect(await temporary()).toBe(before);
  });
});

describe("project reading several paths of one dynamic column", () => {
  // One parse per document (tabular.ts sharedExtractions): each path still gives what it gives alone.
  const D = `let D = datatable(n:long, d:dynamic)[
    1, dynamic({"Id":"a","UserId":"U@x","Nested":{"K":"v"},"Nil":null,"Arr":[5,6]}),
    2, dynamic({"Id":"b"}),
    3, dynamic(null),
    4, dynamic([1,2]),
    5, dynamic("text")];`;

  it("returns the same values, nulls and missing paths as one path at a time", async () => {
    const shape = `project n, Id = tostring(d.Id), User = tolower(tostring(d.UserId)), K = tostring(d.Nested.K),
      NilIsNull = isnull(d.Nil), Missing = isnull(d.Nope), A1 = tolong(d.Arr[1]), Whole = tostring(d.Nested),
      Lit = "json_extract(\\"d\\", '/Id')" | sort by n asc`;
    const shared = await run(`${D} D | ${shape}`);
    expect(shared.sql).toContain(`json_extract("d", [`);
    // The same expressions one per layer (extend never shares): the reference.
    const one = await q(`${D} D | extend Id = tostring(d.Id) | extend User = tolower(tostring(d.UserId))
      | extend K = tostring(d.Nested.K) | extend NilIsNull = isnull(d.Nil) | extend Missing = isnull(d.Nope)
      | extend A1 = tolong(d.Arr[1]) | extend Whole = tostring(d.Nested) | extend Lit = "json_extract(\\"d\\", '/Id')"
      | project n, Id, User, K, NilIsNull, Missing, A1, Whole, Lit | sort by n asc`);
    expect(shared.rows).toEqual(one);
    expect(shared.rows[0]).toEqual({
      n: 1,
      Id: "a",
      User: "u@x",
      K: "v",
      NilIsNull: true,
      Missing: true,
      A1: 6,
      Whole: '{"K":"v"}',
      Lit: `json_extract("d", '/Id')`,
    });
    expect(shared.rows.slice(1).map((r) => [r["Id"], r["Missing"], r["Lit"]])).toEqual([
      ["b", true, `json_extract("d", '/Id')`],
      ["", true, `json_extract("d", '/Id')`],
      ["", true, `json_extract("d", '/Id')`],
      ["", true, `json_extract("d", '/Id')`],
    ]);
  });
});
