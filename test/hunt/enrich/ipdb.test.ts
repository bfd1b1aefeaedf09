import { describe, expect, it } from "vitest";
import { disjointRanges, parseRanges, type IpDbBuildProblem } from "../../../src/hunt/enrich/ipdb-build.js";
import { decodeAsnDb, encodeAsnDb, readStamp, type AsnRange } from "../../../src/hunt/enrich/ipdb-format.js";
import { mmdbNetworks } from "../../../src/hunt/enrich/mmdb-walk.js";
import { ensureIpDb, RangeTable } from "../../../src/hunt/enrich/range-table.js";
import { writeMmdb } from "./mmdb-writer.js";

const r = (start: number | bigint, end: number | bigint, asn: number, org: string): AsnRange => ({
  start: BigInt(start),
  end: BigInt(end),
  asn,
  org,
});

describe("ASN CSV parsing", () => {
  it("reads quoted organisations and reports bad lines with their number", () => {
    const problems: IpDbBuildProblem[] = [];
    const text = [
      '16777216,16777471,13335,"Cloudflare, Inc."',
      '16778240,16779263,38803,"Say ""hi"" Ltd"',
      "16781312,16781567,2519,ARTERIA Networks Corporation\r",
      "not,a,number,row",
      "5,4,1,reversed",
      '1,2,3,"unterminated',
      "",
    ].join("\n");
    const rows = parseRanges(text, "x.csv", 0xffffffffn, problems);
    expect(rows.map((x) => x.org)).toEqual([
      "Cloudflare, Inc.",
      'Say "hi" Ltd',
      "ARTERIA Networks Corporation",
    ]);
    expect(problems.map((p) => [p.line, p.file])).toEqual([
      [4, "x.csv"],
      [5, "x.csv"],
      [6, "x.csv"],
    ]);
  });

  it("resolves overlaps for the narrower, later range and keeps the rest of the wider one", () => {
    // Shape of the real overlap (a DoD block overlapping another) and a fully nested one.
    const { ranges, overlaps } = disjointRanges([
      r(100, 200, 749, "A"),
      r(150, 250, 721, "B"),
      r(300, 400, 1, "C"),
      r(320, 330, 2, "D"),
    ]);
    expect(overlaps).toBe(2);
    expect(ranges.map((x) => [Number(x.start), Number(x.end), x.asn])).toEqual([
      [100, 149, 749],
      [150, 250, 721],
      [300, 319, 1],
      [320, 330, 2],
      [331, 400, 1],
    ]);
  });
});

describe("range file format", () => {
  const v4 = [r(10, 20, 1, "One"), r(30, 40, 2, "Двa"), r(0xfffffff0, 0xffffffff, 3, "One")];
  const v6 = [
    r(1n << 120n, (1n << 120n) + 255n, 7, "Seven"),
    r((1n << 127n) + 5n, (1n << 128n) - 1n, 8, "Eight"),
  ];

  it("round-trips and finds range edges, not neighbours", () => {
    const t = RangeTable.fromBuffer(encodeAsnDb(v4, v6, "ab".repeat(32)));
    expect(t.lookupV4(10)).toEqual({ asn: 1, org: "One" });
    expect(t.lookupV4(20)).toEqual({ asn: 1, org: "One" });
    expect(t.lookupV4(21)).toBeUndefined();
    expect(t.lookupV4(9)).toBeUndefined();
    expect(t.lookupV4(35)).toEqual({ asn: 2, org: "Двa" });
    expect(t.lookupV4(0xffffffff)).toEqual({ asn: 3, org: "One" });
    const words = (x: bigint): Uint32Array =>
      Uint32Array.from([96n, 64n, 32n, 0n].map((s) => Number((x >> s) & 0xffffffffn)));
    expect(t.lookupV6(words((1n << 120n) + 255n))).toEqual({ asn: 7, org: "Seven" });
    expect(t.lookupV6(words((1n << 120n) + 256n))).toBeUndefined();
    expect(t.lookupV6(words((1n << 127n) + 4n))).toBeUndefined();
    expect(t.lookupV6(words((1n << 128n) - 1n))).toEqual({ asn: 8, org: "Eight" });
    expect(t.counts).toEqual({ v4: 3, v6: 2, orgs: 4 });
  });

  it("is reproducible: same input, same bytes; the stamp is readable", () => {
    const a = encodeAsnDb(v4, v6, "cd".repeat(32));
    const b = encodeAsnDb(v4, v6, "cd".repeat(32));
    expect(a.equals(b)).toBe(true);
    expect(readStamp(a)).toBe("cd".repeat(32));
    expect(decodeAsnDb(a).stamp).toBe("cd".repeat(32));
  });

  it("refuses foreign or truncated files", () => {
    expect(() =>
      decodeAsnDb(Buffer.from("definitely not an ip database, but long enough for a header......")),
    ).toThrow(/not a mailwarden IP database/);
    const good = encodeAsnDb(v4, v6, "00".repeat(32));
    expect(() => decodeAsnDb(good.subarray(0, 100))).toThrow(/truncated/);
  });

  it("skips the build when the inputs are unchanged", () => {
    ensureIpDb();
    const again = ensureIpDb();
    expect(again.files.map((f) => f.skipped)).toEqual([true, true, true, true]);
  }, 120_000);
});

describe("mmdb tree walk (country conversion)", () => {
  it("lists every network of a database in address order, IPv4 and IPv6 apart", () => {
    const buf = writeMmdb([
      { cidr: "1.1.1.0/24", record: { country_code: "AU" } },
      { cidr: "1.0.0.0/24", record: { country_code: "AU" } },
      { cidr: "8.8.8.0/25", record: { country: { iso_code: "US" } } },
      { cidr: "2606:4700::/32", record: { country_code: "US" } },
    ]);
    expect(mmdbNetworks(buf, 4).map((n) => [Number(n.start), Number(n.end), n.record])).toEqual([
      [0x01000000, 0x010000ff, { country_code: "AU" }],
      [0x01010100, 0x010101ff, { country_code: "AU" }],
      [0x08080800, 0x0808087f, { country: { iso_code: "US" } }],
    ]);
    const v6 = mmdbNetworks(buf, 6);
    expect(v6).toHaveLength(1);
    expect(v6[0]!.start).toBe(0x26064700n << 96n);
    expect(v6[0]!.end).toBe((0x26064700n << 96n) + (1n << 96n) - 1n);
  });
});
