/**
 * String operators. Expected values from https://learn.microsoft.com/kusto/query/datatypes-string-operators (the
 * "Example (yields true)" column and "What is a term?"): a term is a maximal run of ASCII alphanumerics.
 */
import { describe, expect, it } from "vitest";
import { useEngine } from "./helpers.js";

const { q } = useEngine();

async function bool(expr: string): Promise<unknown> {
  const rows = await q(`print r = ${expr}`);
  return rows[0]?.["r"];
}

describe("documented string operator examples", () => {
  it.each([
    [`"aBc" == "aBc"`, true],
    [`"abc" == "ABC"`, false],
    [`"abc" != "ABC"`, true],
    [`"abc" =~ "ABC"`, true],
    [`"aBc" !~ "xyz"`, true],
    [`"FabriKam" contains "BRik"`, true],
    [`"Fabrikam" !contains "xyz"`, true],
    [`"FabriKam" contains_cs "Kam"`, true],
    [`"Fabrikam" contains_cs "kam"`, true],
    [`"Fabrikam" !contains_cs "Kam"`, true],
    [`"Fabrikam" endswith "Kam"`, true],
    [`"Fabrikam" !endswith "brik"`, true],
    [`"Fabrikam" endswith_cs "kam"`, true],
    [`"Fabrikam" startswith "fab"`, true],
    [`"Fabrikam" startswith_cs "fab"`, false],
    [`"North America" has "america"`, true],
    [`"North America" !has "amer"`, true],
    [`"North America" has_cs "America"`, true],
    [`"North America" has_cs "america"`, false],
    [`"North America" has_any("south", "north")`, true],
    [`"North America" has_all("south", "north")`, false],
    [`"Fabrikam" matches regex "b.*k"`, true],
    [`"abc" in ("abc", "x")`, true],
    [`"abc" in ("ABC")`, false],
    [`"abc" in~ ("ABC")`, true],
    [`"abc" !in ("ABC")`, true],
    [`"abc" !in~ ("ABC")`, false],
    [`"North America" hasprefix "amer"`, true],
    [`"North America" hassuffix "rica"`, true],
  ])("%s → %s", async (expr, want) => {
    expect(await bool(expr)).toBe(want);
  });
});

describe("has: term matching", () => {
  const guid = "ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a";
  const text = `Kusto: ${guid};KustoExplorerQueryRun`;
  it("finds the documented terms and not substrings of them", async () => {
    for (const term of ["Kusto", "KustoExplorerQueryRun", "ad67d136", "c1db", "d94f3b6b0b5a"])
      expect(await bool(`"${text}" has "${term}"`)).toBe(true);
    expect(await bool(`"${text}" has "Explorer"`)).toBe(false);
    expect(await bool(`"${text}" has "ad67"`)).toBe(false);
  });

  it("a GUID needle matches as a sequence of terms, bounded on both sides", async () => {
    expect(await bool(`"${text}" has "${guid}"`)).toBe(true);
    expect(await bool(`"${text}" has "${guid.toUpperCase()}"`)).toBe(true);
    expect(await bool(`"${text}" has "c1db-4f9f"`)).toBe(true); // whole inner terms of a longer GUID
    expect(await bool(`"x${guid}" has "${guid}"`)).toBe(false); // longer first term
    expect(await bool(`"${guid}0" has "${guid}"`)).toBe(false); // longer last term
    expect(await bool(`"${text}" has "6-c1db"`)).toBe(false); // starts inside a term
    expect(await bool(`"${text}" has "c1db-4f9"`)).toBe(false); // ends inside a term
    expect(await bool(`"{\\"SessionId\\":\\"${guid}\\"}" has "${guid}"`)).toBe(true);
  });

  it("an IP needle matches whole dotted addresses only", async () => {
    expect(await bool(`"from 10.1.2.3:443" has "10.1.2.3"`)).toBe(true);
    expect(await bool(`"from 110.1.2.3" has "10.1.2.3"`)).toBe(false);
    expect(await bool(`"from 10.1.2.34" has "10.1.2.3"`)).toBe(false);
    expect(await bool(`"from 10.1.2.3" has_any ("9.9.9.9", "10.1.2.3")`)).toBe(true);
    expect(await bool(`"from 10.1.2.30" has_any ("9.9.9.9", "10.1.2.3")`)).toBe(false);
  });

  it("has_any over a tabular expression: GUIDs with hyphens, both ways", async () => {
    const rows = await q(`
      let ids = datatable(SessionId:string)["${guid}", "11111111-2222-3333-4444-555555555555", ""];
      datatable(Raw:string)[
        "{\\"AppAccessContext\\":{\\"AADSessionId\\":\\"${guid}\\"}}",
        "{\\"AADSessionId\\":\\"x${guid}\\"}",
        "{\\"AADSessionId\\":\\"22222222-2222-3333-4444-555555555555\\"}",
        "no session"]
      | where Raw has_any (ids)
      | project Raw`);
    expect(rows).toEqual([{ Raw: `{"AppAccessContext":{"AADSessionId":"${guid}"}}` }]);
  });

  it("has on a dynamic value searches its JSON text", async () => {
    expect(await bool(`dynamic({"a": {"b": "${guid}"}}) has "${guid}"`)).toBe(true);
    expect(await bool(`dynamic({"a": "abc-def"}) has "abc-de"`)).toBe(false);
  });

  it("needles with regex metacharacters match literally", async () => {
    expect(await bool(`"a (b) [c] ^$ .*" has_any ("(b)", "zz")`)).toBe(true);
    expect(await bool(`"abc" has_any (".*", "a|b")`)).toBe(false);
  });
});

describe("in with lists, dynamic arrays and tables", () => {
  it("takes let-bound pack_array and dynamic arrays", async () => {
    const rows = await q(`
      let acts = pack_array("New-InboxRule", "Set-InboxRule");
      let dyn = dynamic(["Set-Mailbox"]);
      datatable(a:string)["New-InboxRule", "new-inboxrule", "Set-Mailbox", "Other"]
      | extend inActs = a in (acts), inDyn = a in (dyn), ci = a in~ (acts), notIn = a !in (acts)`);
    expect(rows).toEqual([
      { a: "New-InboxRule", inActs: true, inDyn: false, ci: true, notIn: false },
      { a: "new-inboxrule", inActs: false, inDyn: false, ci: true, notIn: true },
      { a: "Set-Mailbox", inActs: false, inDyn: true, ci: false, notIn: true },
      { a: "Other", inActs: false, inDyn: false, ci: false, notIn: true },
    ]);
  });

  it("takes a tabular sub-expression (first column)", async () => {
    const rows = await q(`
      let users = datatable(Id:string, n:long)["u1", 1, "u2", 2];
      datatable(Id:string)["u1", "U1", "u3"] | extend m = Id in (users), mi = Id in~ (users), nm = Id !in (users)`);
    expect(rows).toEqual([
      { Id: "u1", m: true, mi: true, nm: false },
      { Id: "U1", m: false, mi: true, nm: true },
      { Id: "u3", m: false, mi: false, nm: true },
    ]);
  });

  it("compares numbers and dynamic values by their underlying value", async () => {
    const rows = await q(`
      datatable(n:long, d:dynamic)[1, dynamic({"x": "a"}), 5, dynamic({"x": "b"})]
      | where n in (1, 2) or d.x in ("b")
      | project n`);
    expect(rows).toEqual([{ n: 1 }, { n: 5 }]);
  });
});

describe("hostile values in a let prelude round-trip unchanged", () => {
  it("quotes, backslashes, newlines, SQL and regex metacharacters", async () => {
    const hostile = [
      "it's",
      'say "hi"',
      "back\\slash",
      "line1\nline2",
      "'; drop table CloudAppEvents; --",
      "a|b.*(c)",
      "$[0]~/x",
    ];
    const lit = (s: string): string =>
      `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
    const prelude = `let v = dynamic([${hostile.map(lit).join(", ")}]);\nlet one = ${lit(hostile[4] ?? "")};\n`;
    const rows = await q(
      `${prelude}print arr = v, s = one, n = array_length(v), hit = one in (v), has = strcat("x ", one, " y") has_any (v)`,
    );
    expect(rows).toEqual([{ arr: hostile, s: hostile[4], n: hostile.length, hit: true, has: true }]);
  });
});

describe("has_any with a long needle list (the engine's matcher, not a regex)", () => {
  it("gives the same term semantics as has", async () => {
    const guid = "ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a";
    const filler = Array.from({ length: 30 }, (_, i) => `"f${i}-0000"`).join(", ");
    const texts = [
      `{"AADSessionId":"${guid.toUpperCase()}"}`,
      `x${guid}`,
      `${guid}0`,
      `pre-${guid}-post`,
      `ip 10.1.2.3:443`,
      `ip 110.1.2.3`,
      `.net rocks`,
      `dotnet`,
      `nothing here`,
    ];
    const rows = await q(`
      let needles = dynamic([${filler}, "${guid}", "10.1.2.3", ".net"]);
      datatable(t:string)[${texts.map((t) => JSON.stringify(t)).join(", ")}]
      | extend many = t has_any (needles), one = t has "${guid}" or t has "10.1.2.3" or t has ".net"`);
    expect(rows.map((r) => r["many"])).toEqual([true, false, false, true, true, false, true, false, false]);
    expect(rows.map((r) => r["many"])).toEqual(rows.map((r) => r["one"]));
  });
});
