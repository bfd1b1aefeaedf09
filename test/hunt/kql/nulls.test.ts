/** Null rules of https://learn.microsoft.com/kusto/query/scalar-data-types/null-values (examples and outputs there). */
import { describe, expect, it } from "vitest";
import { useEngine } from "./helpers.js";

const { q } = useEngine();

describe("null values", () => {
  it("reproduces the documented comparison table", async () => {
    const rows = await q(`datatable(val:int)[5, int(null)]
      | extend IsBiggerThan3 = val > 3
      | extend IsBiggerThan3OrNull = val > 3 or isnull(val)
      | extend IsEqualToNull = val == int(null)
      | extend IsNotEqualToNull = val != int(null)`);
    expect(rows).toEqual([
      {
        val: 5,
        IsBiggerThan3: true,
        IsBiggerThan3OrNull: true,
        IsEqualToNull: false,
        IsNotEqualToNull: true,
      },
      {
        val: null,
        IsBiggerThan3: null,
        IsBiggerThan3OrNull: true,
        IsEqualToNull: null,
        IsNotEqualToNull: null,
      },
    ]);
  });

  it("x != 1 with null x is true, x == 1 false, x >= 10 false in where", async () => {
    const t = `datatable(x:long, k:string)[long(null), "n", 1, "one", 20, "twenty"]`;
    expect(await q(`${t} | where x != 1 | project k`)).toEqual([{ k: "n" }, { k: "twenty" }]);
    expect(await q(`${t} | where x == 1 | project k`)).toEqual([{ k: "one" }]);
    expect(await q(`${t} | where x >= 10 | project k`)).toEqual([{ k: "twenty" }]);
    expect(await q(`${t} | where not(x == 1) | project k`)).toEqual([{ k: "n" }, { k: "twenty" }]);
  });

  it("strings are never null; isempty / isnull / isnotempty", async () => {
    const rows = await q(`print e1 = isempty(""), e2 = isempty(long(null)), e3 = isempty(0), n1 = isnull(""),
      n2 = isnull(long(null)), ne = isnotempty("a"), d1 = isempty(dynamic(null)), d2 = isnull(dynamic({"a":1}).b),
      s = tostring(dynamic({"a":1}).b)`);
    expect(rows).toEqual([
      { e1: true, e2: true, e3: false, n1: false, n2: true, ne: true, d1: true, d2: true, s: "" },
    ]);
  });

  it("arithmetic with null is null", async () => {
    expect(await q(`print a = long(null) + 1, b = 2 * real(null), c = datetime(null) + 1h`)).toEqual([
      { a: null, b: null, c: null },
    ]);
  });

  it("aggregates ignore nulls", async () => {
    const rows = await q(`datatable(x:long)[1, long(null), 3]
      | summarize c = count(), cx = countif(isnotnull(x)), s = sum(x), mn = min(x), d = dcount(x), l = make_list(x), st = make_set(x)`);
    expect(rows).toEqual([{ c: 3, cx: 2, s: 4, mn: 1, d: 2, l: [1, 3], st: expect.arrayContaining([1, 3]) }]);
  });

  it("summarize of zero rows: one row without by, none with by", async () => {
    const empty = `datatable(k:string, x:long)[] `;
    expect(await q(`${empty} | summarize c = count(), l = make_list(x)`)).toEqual([{ c: 0, l: [] }]);
    expect(await q(`${empty} | summarize c = count() by k`)).toEqual([]);
    expect(await q(`${empty} | count`)).toEqual([{ Count: 0 }]);
  });

  it("toscalar of an empty table is null; isnotempty of it false", async () => {
    const rows = await q(`let e = datatable(s:string, n:long)[] ;
      let f = datatable(s:string)["x"];
      print a = isnotempty(toscalar(e)), b = isnull(toscalar(e | project n)), c = isnotempty(toscalar(f)), d = toscalar(f)`);
    expect(rows).toEqual([{ a: false, b: true, c: true, d: "x" }]);
  });
});
