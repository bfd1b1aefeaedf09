/** Scalar functions; examples follow the function pages of https://learn.microsoft.com/kusto/query/ . */
import { describe, expect, it } from "vitest";
import { useEngine } from "./helpers.js";

const { q, run, engine } = useEngine();

async function one(exprs: string): Promise<Record<string, unknown>> {
  const rows = await q(`print ${exprs}`);
  return rows[0] ?? {};
}

describe("conversions and logic", () => {
  it("to*() and iff/case/coalesce", async () => {
    expect(
      await one(`a = tostring(123), b = toint("42"), c = tolong("x"), d = toreal("1.5"), e = todouble(2), f = tobool("true"),
        g = tolong(2.7), h = todatetime("2026-01-02T03:04:05Z"), i = totimespan("01:00:00"), j = tostring(true),
        k = iff(1 > 2, "y", "n"), l = iif(true, 1, 2), m = case(false, "a", 1 == 1, "b", "c"),
        n = coalesce("", "x", "y"), o = coalesce(long(null), 7), p = tostring(datetime(2026-01-02T03:04:05Z))`),
    ).toEqual({
      a: "123",
      b: 42,
      c: null,
      d: 1.5,
      e: 2,
      f: true,
      g: 2,
      h: "2026-01-02T03:04:05.000Z",
      i: "01:00:00",
      j: "true",
      k: "n",
      l: 1,
      m: "b",
      n: "x",
      o: 7,
      p: "2026-01-02T03:04:05.0000000Z",
    });
  });
});

describe("strings", () => {
  it("case, trim, length, substring, strcat, replace, split, extract, indexof", async () => {
    expect(
      await one(`a = tolower("AbC"), b = toupper("abc"), c = trim(@"\\s+", "  x y  "), d = strlen("héllo"),
        e = substring("abcdef", 1, 3), f = substring("abcdef", 2), g = strcat("a", 1, "b"), h = replace_string("a.b.c", ".", "-"),
        i = replace_regex("a1b22", @"\\d+", "#"), j = split("a,b,c", ","), k = split("a,b,c", ",", 1),
        l = extract(@"user=(\\w+)", 1, "x user=bob y"), m = extract("(z)", 1, "abc"), n = indexof("abcd", "cd"),
        o = indexof("abcd", "x"), p = extract_all(@"(\\d+)", "a1b22"), r = strcat_array(dynamic(["a", "b"]), "-")`),
    ).toEqual({
      a: "abc",
      b: "ABC",
      c: "x y",
      d: 5,
      e: "bcd",
      f: "cdef",
      g: "a1b",
      h: "a-b-c",
      i: "a#b#",
      j: ["a", "b", "c"],
      k: ["b"],
      l: "bob",
      m: "",
      n: 2,
      o: -1,
      p: ["1", "22"],
      r: "a-b",
    });
  });

  it("strcat_array of extract_all joins the matches; none gives an empty string, as with a null array", async () => {
    const t = `datatable(c:string)['Subject Contains "a b" And subject contains "c;d"', "{}", ""]`;
    const rows = await q(
      `${t} | extend j = strcat_array(extract_all(@'(?i)Subject Contains "([^"]*)"', c), ";"),
          k = strcat_array(extract_all(@"([0-9])", c), "-"), n = strcat_array(dynamic(null), ";")`,
    );
    expect(rows.map((r) => [r["j"], r["k"], r["n"]])).toEqual([
      ["a b;c;d", "", ""],
      ["", "", ""],
      ["", "", ""],
    ]);
  });

  it("todynamic(tostring(d)) reads JSON given as a value or as text alike", async () => {
    const rows = await q(
      `datatable(i:long, s:string)[1, "", 2, "[1, 2]", 3, "abc", 4, "", 5, "", 6, "", 7, ""]
      | extend d = case(i == 1, dynamic([{"Name":"a","Value":"x"}]), i in (2, 3, 6), bag_pack("v", s).v,
          i == 4, dynamic(5), i == 7, dynamic({"k":"v"}), dynamic(null))
      | extend p = todynamic(tostring(d)), j = parse_json(tostring(d)) | order by i asc`,
    );
    const want = [[{ Name: "a", Value: "x" }], [1, 2], "abc", 5, null, null, { k: "v" }];
    expect(rows.map((r) => r["p"])).toEqual(want);
    expect(rows.map((r) => r["j"])).toEqual(want);
  });

  it("base64 decoding", async () => {
    expect(
      await one(
        `a = base64_decode_tostring("S3VzdG8="), b = base64_decode_toguid("JpbpECu8dUy7Pv5gbeJXAA=="), c = base64_decode_tostring("!!")`,
      ),
    ).toEqual({ a: "Kusto", b: "10e99626-bc2b-4c75-bb3e-fe606de25700", c: "" });
  });
});

describe("dynamic", () => {
  it("member and element access, tostring of strings and objects, missing → null", async () => {
    const rows =
      await q(`datatable(d:dynamic)[dynamic({"a": {"b": "x", "c": [10, 20]}, "k-1": "v", "o": {"p": 1}})]
      | project ab = d.a.b, s = tostring(d.a.b), e = d["k-1"], c0 = d.a.c[0], cl = d.a.c[-1], o = tostring(d.o),
          miss = d.nope.deeper, ms = tostring(d.nope), eq = d.a.b == "x", ne = d.a.b != "y", n = toint(d.a.c[1]) + 1`);
    expect(rows).toEqual([
      {
        ab: "x",
        s: "x",
        e: "v",
        c0: 10,
        cl: 20,
        o: '{"p":1}',
        miss: null,
        ms: "",
        eq: true,
        ne: true,
        n: 21,
      },
    ]);
  });

  it("members of one column read as text share one parse, with single reads' values, under a filter on one too", async () => {
    const r = await run(`datatable(d:dynamic)[
        dynamic({"st": "False", "s": "x"}),
        dynamic({"st": "True", "s": "y", "num": 1.50, "obj": {"p": [1, 2]}, "nul": null, "boo": true}),
        dynamic({})]
      | project rs = tostring(d.st), s = tostring(d.s), n = tostring(d.num), o = tostring(d.obj), z = tostring(d.nul),
          b = tostring(d.boo), miss = tostring(d.absent)
      | where tolower(rs) !in ("false")`);
    expect(r.rows).toEqual([
      { rs: "True", s: "y", n: "1.5", o: '{"p":[1,2]}', z: "", b: "true", miss: "" },
      { rs: "", s: "", n: "", o: "", z: "", b: "", miss: "" },
    ]);
    // DuckDB's plan extracts the texts once per document: the filter on `rs` reads the extracted list (pushed below
    // the projection, it would extract them again).
    type Node = { name?: string; extra_info?: { Expression?: string }; children?: Node[] };
    const filters: string[] = [];
    const walk = (n: Node): void => {
      if (n.name?.trim() === "FILTER") filters.push(String(n.extra_info?.Expression ?? ""));
      for (const c of n.children ?? []) walk(c);
    };
    const plan = (await engine().connection.runAndReadAll(`EXPLAIN (FORMAT JSON) ${r.sql}`)).getRows();
    for (const n of JSON.parse(String(plan[0]?.[1])) as Node[]) walk(n);
    expect(filters.length).toBe(1);
    expect(filters[0]).toMatch(/_mw_jx0/);
    expect(filters[0]).not.toMatch(/json_extract/);
  });

  it("results read texts, dynamic values and every other type as they were", async () => {
    const rows = await q(`print s = "q\\"\\\\é\\n", e = "", x = extract("(z)", 1, "abc"),
        g = toguid("0B89A44C-2C28-4B2F-B397-3E4029A0D276"), d1 = dynamic({"a": [1, 2.50]}), d2 = dynamic("abc"),
        d3 = dynamic(null), l = 9007199254740993, i = int(5), r = 2.5, b = true,
        t = datetime(2026-01-01T10:00:00.1234567Z), ts = 90m`);
    expect(rows).toEqual([
      {
        s: 'q"\\é\n',
        e: "",
        x: "",
        g: "0b89a44c-2c28-4b2f-b397-3e4029a0d276",
        d1: { a: [1, 2.5] },
        d2: "abc",
        d3: null,
        l: "9007199254740993",
        i: 5,
        r: 2.5,
        b: true,
        t: "2026-01-01T10:00:00.123456Z",
        ts: "01:30:00",
      },
    ]);
  });

  it("mv-expand of a computed value: JSON text expands, other text is one string, empty and null one null", async () => {
    const rows = await q(
      'datatable(t:string)["[1,2]", "{\\"a\\":1}", "", "not json", "null"] | mv-expand x = todynamic(t)',
    );
    expect(rows).toEqual([
      { t: "[1,2]", x: 1 },
      { t: "[1,2]", x: 2 },
      { t: '{"a":1}', x: { a: 1 } },
      { t: "", x: null },
      { t: "not json", x: "not json" },
      { t: "null", x: null },
    ]);
  });

  it("parse_json, bag_keys, array functions, pack, gettype", async () => {
    expect(
      await one(`a = parse_json('{"x": [1, "2"]}').x[1], b = todynamic("not json"), c = bag_keys(dynamic({"p":1,"q":2})),
        d = array_length(dynamic([1,2,3])), e = array_length(parse_json('{"a":1}')), f = array_concat(dynamic([1]), dynamic([2])),
        g = set_has_element(dynamic(["a","b"]), "b"), h = array_index_of(dynamic(["a","b"]), "b"),
        i = pack("k", 1, "s", "v"), j = bag_pack("n", dynamic(null)), k = pack_array(1, "a"), l = gettype(dynamic([1])),
        m = gettype(dynamic({"a":1})), n = gettype("s"), o = set_union(dynamic([1, 2]), dynamic([2, 3])),
        p = set_intersect(dynamic([1, 2]), dynamic([2, 3]))`),
    ).toEqual({
      a: "2",
      b: "not json",
      c: ["p", "q"],
      d: 3,
      e: null,
      f: [1, 2],
      g: true,
      h: 1,
      i: { k: 1, s: "v" },
      j: { n: null },
      k: [1, "a"],
      l: "array",
      m: "dictionary",
      n: "string",
      o: expect.arrayContaining([1, 2, 3]),
      p: [2],
    });
  });
});

describe("numbers and IP addresses", () => {
  it("math", async () => {
    expect(
      await one(`a = abs(-3), b = round(2.567, 1), c = min_of(3, 1, 2), d = max_of(3, 1, 2), e = log(1.0), f = 7 / 2,
        g = 7.0 / 2, h = 7 % 3, i = bin(17, 5), j = floor(17.5, 5.0)`),
    ).toEqual({ a: 3, b: 2.6, c: 1, d: 3, e: 0, f: 3, g: 3.5, h: 1, i: 15, j: 15 });
  });

  // https://learn.microsoft.com/kusto/query/ipv4-is-in-range-function and format-ipv4-mask-function examples.
  it("ipv4_is_in_range, ipv4_is_private, parse_ipv4_mask, format_ipv4_mask", async () => {
    expect(
      await one(`a = ipv4_is_in_range("192.168.1.1", "192.168.1.1"), b = ipv4_is_in_range("192.168.1.1", "192.168.1.255/24"),
        c = ipv4_is_in_range("192.168.2.1", "192.168.1.0/24"), d = ipv4_is_private("10.1.2.3"), e = ipv4_is_private("8.8.8.8"),
        f = ipv4_is_private("172.31.0.1"), g = format_ipv4_mask("192.168.1.255", 24), h = parse_ipv4_mask("127.0.0.1", 24),
        i = ipv4_is_in_range("not an ip", "10.0.0.0/8")`),
    ).toEqual({
      a: true,
      b: true,
      c: false,
      d: true,
      e: false,
      f: true,
      g: "192.168.1.0/24",
      h: 2130706432,
      i: null,
    });
  });
});

describe("datetimes against an explicit now", () => {
  it("ago, now, datetime_diff, datetime_add, startofday, bin, format_datetime, arithmetic", async () => {
    expect(
      await one(`a = ago(1h), b = now(), c = now(-1d), d = datetime_diff("hour", datetime(2026-01-01T05:30:00Z), datetime(2026-01-01T00:00:00Z)),
        e = datetime_add("minute", 90, datetime(2026-01-01T00:00:00Z)), f = startofday(datetime(2026-01-01T05:30:00Z)),
        g = bin(datetime(2026-01-01T05:31:00Z), 15m), h = format_datetime(datetime(2026-01-01T05:06:07Z), "yyyy-MM-dd HH:mm:ss"),
        i = datetime(2026-01-02) - datetime(2026-01-01T12:00:00Z), j = datetime(2026-01-01) + 7d, k = 2h / 30m,
        l = datetime(2026-01-01T00:00:00Z) between (datetime(2025-12-31) .. 1d), m = tostring(1d + 2h + 3s)`),
    ).toEqual({
      a: "2026-03-01T11:00:00.000Z",
      b: "2026-03-01T12:00:00.000Z",
      c: "2026-02-28T12:00:00.000Z",
      d: 5,
      e: "2026-01-01T01:30:00.000Z",
      f: "2026-01-01T00:00:00.000Z",
      g: "2026-01-01T05:30:00.000Z",
      h: "2026-01-01 05:06:07",
      i: "12:00:00",
      j: "2026-01-08T00:00:00.000Z",
      k: 4,
      l: true,
      m: "1.02:00:03",
    });
  });

  it("now defaults to the newest Timestamp / TimeGenerated of the input and is reported", async () => {
    const { KqlEngine } = await import("../../../src/hunt/kql/engine.js");
    const e = await KqlEngine.create({ threads: 1 });
    try {
      await e.registerRows(
        "CloudAppEvents",
        [{ name: "Timestamp", type: "datetime" }],
        [{ Timestamp: "2026-02-01T00:00:00Z" }, { Timestamp: "2026-02-03T10:00:00Z" }],
      );
      await e.registerRows(
        "SigninLogs",
        [{ name: "TimeGenerated", type: "datetime" }],
        [{ TimeGenerated: "2026-02-02T00:00:00Z" }],
      );
      const r = await e.run(`CloudAppEvents | where Timestamp > ago(1d) | count`);
      expect(r.now).toBe("2026-02-03T10:00:00.000Z");
      expect(r.rows).toEqual([{ Count: 1 }]);
      const explicit = await e.run(`CloudAppEvents | where Timestamp > ago(1d) | count`, {
        now: new Date("2026-02-02T12:00:00Z"),
      });
      expect(explicit.rows).toEqual([{ Count: 1 }]);
      expect(explicit.now).toBe("2026-02-02T12:00:00.000Z");
    } finally {
      e.close();
    }
  });
});
