import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Reader } from "mmdb-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IpIntel } from "../../../src/hunt/enrich/ip-intel.js";
import { ensureIpDb } from "../../../src/hunt/enrich/range-table.js";
import { asnPackageDir, countryMmdbPath, PACKAGE_ROOT, VENDOR_DIR } from "../../../src/hunt/enrich/paths.js";
import type { MmdbSource } from "../../../src/hunt/enrich/mmdb.js";
import { writeMmdb } from "./mmdb-writer.js";

let intel: IpIntel;
const scratch = path.join(PACKAGE_ROOT, ".scratch", `test-enrich-${process.pid}`);

beforeAll(async () => {
  ensureIpDb(); // no-op when `npm run build` already made dist/ipdb
  intel = await IpIntel.open();
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface CsvRow {
  start: number;
  end: number;
  asn: number;
  org: string;
}
let v4Rows: CsvRow[] | undefined;
/** The bundled source data, read independently of the converter (plain split; organisations unused here). */
function asnRows(): CsvRow[] {
  v4Rows ??= readFileSync(path.join(asnPackageDir(), "asn-ipv4-num.csv"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [s, e, a, ...org] = l.split(",");
      return { start: Number(s), end: Number(e), asn: Number(a), org: org.join(",") };
    });
  return v4Rows;
}
const dotted = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
function addressOfAsn(asns: number[]): { ip: string; asn: number } {
  for (const asn of asns) {
    const row = asnRows().find((r) => r.asn === asn);
    if (row) return { ip: dotted(row.start + 1), asn };
  }
  throw new Error("no address for any of the ASNs");
}
function listAsns(file: string): number[] {
  return readFileSync(path.join(VENDOR_DIR, file), "utf8")
    .split("\n")
    .map((l) => /^AS(\d+)/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
}

describe("IpIntel lookups on well-known addresses", () => {
  it("1.1.1.1 → AS13335 Cloudflare", () => {
    const info = intel.lookup("1.1.1.1")!;
    expect(info).toMatchObject({ ip: "1.1.1.1", version: 4, asn: 13335, org: "Cloudflare, Inc." });
    expect(info.country).toMatch(/^[A-Z]{2}$/);
    expect(info.sources).toEqual(
      expect.arrayContaining(["asn:ip-location-db", "country:geo-whois-asn-country"]),
    );
  });

  it("8.8.8.8 → AS15169 Google, US", () => {
    expect(intel.lookup("8.8.8.8:53")).toMatchObject({
      ip: "8.8.8.8",
      asn: 15169,
      org: "Google LLC",
      country: "US",
    });
  });

  it("IPv6 2606:4700:4700::1111 → AS13335, in any spelling", () => {
    const a = intel.lookup("2606:4700:4700::1111")!;
    const b = intel.lookup("[2606:4700:4700:0:0:0:0:1111]:443")!;
    expect(a).toMatchObject({ version: 6, asn: 13335 });
    expect(b).toEqual(a);
  });

  it("IPv4-mapped IPv6 gets the IPv4 answer", () => {
    expect(intel.lookup("::ffff:8.8.8.8")).toEqual(intel.lookup("8.8.8.8"));
  });

  it.each([
    ["10.1.2.3", "private"],
    ["192.168.0.7:5000", "private"],
    ["100.64.0.1", "private"],
    ["fd00::1", "private"],
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["fe80::1", "link-local"],
    ["192.0.2.10", "reserved"],
    ["2001:db8::1", "reserved"],
  ])("%s has no owner and is tagged %s", (ip, tag) => {
    const info = intel.lookup(ip)!;
    expect(info.asn).toBeUndefined();
    expect(info.org).toBeUndefined();
    expect(info.country).toBeUndefined();
    expect(info.tags).toEqual([tag]);
    expect(info.evidence[0]?.source).toMatch(/^iana-special:/);
  });

  it("returns null for what is not an address", () => {
    expect(intel.lookup("localhost")).toBeNull();
    expect(intel.lookup("")).toBeNull();
  });

  it("finds nothing in a gap between allocated ranges", () => {
    const rows = asnRows();
    const i = rows.findIndex((r, k) => k > 1000 && (rows[k + 1]?.start ?? 0) > r.end + 256);
    const gap = dotted(rows[i]!.end + 1);
    expect(intel.lookup(dotted(rows[i]!.end))?.asn).toBe(rows[i]!.asn);
    expect(intel.lookup(gap)?.asn).toBeUndefined();
  });
});

describe("memo", () => {
  it("returns the same frozen answer for repeated text, and the same values without the memo", async () => {
    const a = intel.lookup("203.0.113.7:1234");
    expect(intel.lookup("203.0.113.7:1234")).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a!.tags)).toBe(true);
    const plain = await IpIntel.open({ cacheSize: 0 });
    const b = plain.lookup("203.0.113.7:1234");
    expect(b).not.toBe(plain.lookup("203.0.113.7:1234"));
    expect(b).toEqual(a);
    const tiny = await IpIntel.open({ cacheSize: 2 });
    for (const ip of ["1.1.1.1", "8.8.8.8", "9.9.9.9", "1.1.1.1"])
      expect(tiny.lookup(ip)).toEqual(plain.lookup(ip));
  });
});

describe("converted data agrees with its sources", () => {
  it("ASN: start and end of every 499th IPv4 row of the CSV", () => {
    const rows = asnRows();
    let checked = 0;
    for (let i = 0; i < rows.length; i += 499) {
      const r = rows[i]!;
      const next = rows[i + 1];
      if (next && next.start <= r.end) continue; // the source's rare overlaps are resolved by design
      expect(intel.lookup(dotted(r.start))?.asn, `row ${i + 1}`).toBe(r.asn);
      expect(intel.lookup(dotted(r.end))?.asn, `row ${i + 1}`).toBe(r.asn);
      checked++;
    }
    expect(checked).toBeGreaterThan(700);
  });

  it("country: same answer as reading the .mmdb with mmdb-lib, IPv4 and IPv6", () => {
    const reader = new Reader(readFileSync(countryMmdbPath()));
    let seed = 7;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    let compared = 0;
    for (let i = 0; i < 4000; i++) {
      const ip =
        i % 4 === 3
          ? `2${(rnd() % 4096).toString(16).padStart(3, "0")}:${(rnd() % 65536).toString(16)}::${(rnd() % 65536).toString(16)}`
          : dotted(rnd());
      const info = intel.lookup(ip)!;
      if (info.tags.some((t) => ["private", "loopback", "link-local", "reserved"].includes(t))) continue;
      const record = reader.get(ip) as { country_code?: string } | null;
      expect(info.country, ip).toBe(record?.country_code);
      compared++;
    }
    expect(compared).toBeGreaterThan(3000);
  });
});

describe("hosting / VPN / abuse tags, each with its source", () => {
  it("x4bnet-datacenter-asn → hosting", () => {
    const { ip } = addressOfAsn(listAsns("x4bnet-lists_vpn/input/datacenter/ASN.txt"));
    expect(intel.lookup(ip)!.evidence).toContainEqual({ tag: "hosting", source: "x4bnet-datacenter-asn" });
  });

  it("x4bnet-vpn-asn → vpn", () => {
    const { ip } = addressOfAsn(listAsns("x4bnet-lists_vpn/input/vpn/ASN.txt"));
    expect(intel.lookup(ip)!.evidence).toContainEqual({ tag: "vpn", source: "x4bnet-vpn-asn" });
  });

  it("x4bnet CIDR lists → hosting / vpn, first and last address of a block", () => {
    for (const [kind, tag] of [
      ["datacenter", "hosting"],
      ["vpn", "vpn"],
    ] as const) {
      const first = readFileSync(path.join(VENDOR_DIR, `x4bnet-lists_vpn/output/${kind}/ipv4.txt`), "utf8")
        .split("\n")
        .find((l) => /\/24$/.test(l))!;
      const base = first.replace(/\.0\/24$/, "");
      for (const ip of [`${base}.0`, `${base}.255`]) {
        expect(intel.lookup(ip)!.evidence, ip).toContainEqual({ tag, source: `x4bnet-${kind}-cidr` });
      }
    }
  });

  it("bad-asn-list → abuse-asn", () => {
    const asns = readFileSync(path.join(VENDOR_DIR, "bad-asn-list/bad-asn-list.csv"), "utf8")
      .split("\n")
      .slice(1)
      .map((l) => Number(l.split(",")[0]?.replaceAll('"', "")))
      .filter((n) => n > 0);
    const { ip } = addressOfAsn(asns);
    const info = intel.lookup(ip)!;
    expect(info.tags).toContain("abuse-asn");
    expect(info.sources).toContain("abuse-asn:bad-asn-list");
  });

  it("organisation-name pattern → hosting, with the pattern named", () => {
    const row = asnRows().find((r) => /hetzner/i.test(r.org))!;
    const info = intel.lookup(dotted(row.start + 1))!;
    expect(info.evidence).toContainEqual({ tag: "hosting", source: "org-pattern:hetzner" });
  });

  it("an ordinary access network gets no hosting tag", () => {
    const row = asnRows().find((r) => /deutsche telekom/i.test(r.org))!;
    expect(intel.lookup(dotted(row.start + 1))!.tags).toEqual([]);
  });

  it("reports no unreadable lines in the vendored lists", () => {
    expect(intel.listProblems).toEqual([]);
  });
});

describe("user data overrides", () => {
  it("a user .mmdb overrides ASN, organisation and country field by field", async () => {
    mkdirSync(scratch, { recursive: true });
    const file = path.join(scratch, "user.mmdb");
    writeFileSync(
      file,
      writeMmdb([
        {
          cidr: "1.1.1.0/24",
          record: {
            autonomous_system_number: 64500,
            autonomous_system_organization: "Example Hosting Ltd",
            country: { iso_code: "NZ" },
          },
        },
        { cidr: "8.8.8.0/24", record: { country: { iso_code: "FR" } } },
        { cidr: "9.9.9.0/24", record: { autonomous_system_number: 64501 } },
        {
          cidr: "10.0.0.0/8",
          record: { autonomous_system_organization: "Head office LAN", country_code: "gb" },
        },
        { cidr: "2606:4700::/32", record: { country: { iso_code: "JP" } } },
      ]),
    );
    const withUser = await IpIntel.open({ mmdbPath: file });

    const one = withUser.lookup("1.1.1.1")!;
    expect(one).toMatchObject({ asn: 64500, org: "Example Hosting Ltd", country: "NZ" });
    expect(one.sources).toEqual(
      expect.arrayContaining(["asn:user-mmdb", "org:user-mmdb", "country:user-mmdb"]),
    );
    expect(one.sources).not.toContain("asn:ip-location-db");
    expect(one.evidence).toContainEqual({ tag: "hosting", source: "org-pattern:hosting" });

    const google = withUser.lookup("8.8.8.8")!;
    expect(google).toMatchObject({ asn: 15169, org: "Google LLC", country: "FR" });
    expect(google.sources).toEqual(expect.arrayContaining(["asn:ip-location-db", "country:user-mmdb"]));

    // A different ASN without a name: the bundled name belonged to the old ASN, so it goes.
    const quad9 = withUser.lookup("9.9.9.9")!;
    expect(quad9.asn).toBe(64501);
    expect(quad9.org).toBeUndefined();

    // The user's own data may describe private ranges (sites); the private tag stays.
    expect(withUser.lookup("10.2.3.4")).toMatchObject({
      org: "Head office LAN",
      country: "GB",
      tags: ["private"],
    });
    expect(withUser.lookup("2606:4700:4700::1111")).toMatchObject({ asn: 13335, country: "JP" });
    expect(withUser.lookup("5.9.1.1")).toEqual(intel.lookup("5.9.1.1"));
  });

  it("an IPv4-only user database is not asked about IPv6", async () => {
    const asked: string[] = [];
    const fake: MmdbSource = {
      ipVersion: 4,
      get: (ip) => (asked.push(ip), { country: { iso_code: "CH" } }),
    };
    const withFake = await IpIntel.open({ userMmdb: fake });
    expect(withFake.lookup("8.8.8.8")?.country).toBe("CH");
    expect(withFake.lookup("2606:4700:4700::1111")?.country).not.toBe("CH");
    expect(asked).toEqual(["8.8.8.8"]);
  });

  it("rejects a file that is not an .mmdb with a clear error", async () => {
    mkdirSync(scratch, { recursive: true });
    const file = path.join(scratch, "not.mmdb");
    writeFileSync(file, "hello");
    await expect(IpIntel.open({ mmdbPath: file })).rejects.toThrow(/not a MaxMind \.mmdb/);
    await expect(IpIntel.open({ mmdbPath: path.join(scratch, "missing.mmdb") })).rejects.toThrow(
      /cannot read/,
    );
  });

  it("a user list (Tor exit nodes) adds its tag; bad lines are reported with their line", async () => {
    const { list, problems } = IpIntel.userList(
      "tor",
      "tor-exit-list",
      "# exits\n185.220.101.1\n185.220.102.0/24\nnot-an-ip\n2001:67c:e60:c0c::1\n",
      "tor.txt",
    );
    expect(problems).toEqual([
      { file: "tor.txt", line: 4, reason: expect.stringMatching(/not-an-ip/) as unknown },
    ]);
    const withTor = await IpIntel.open({ userLists: [list] });
    expect(withTor.lookup("185.220.101.1")!.evidence).toContainEqual({ tag: "tor", source: "tor-exit-list" });
    expect(withTor.lookup("185.220.102.77")!.tags).toContain("tor");
    expect(withTor.lookup("2001:67c:e60:c0c::1")!.tags).toContain("tor");
    expect(withTor.lookup("185.220.101.2")!.tags).not.toContain("tor");
  });
});
