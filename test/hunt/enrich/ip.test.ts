import { describe, expect, it } from "vitest";
import { networkKeyOf, normalizeIp, parseIp } from "../../../src/hunt/enrich/ip.js";

describe("normalizeIp: every ClientIP / ClientIPAddress form of formats.md §2.5", () => {
  const table: [string, string, 4 | 6][] = [
    ["10.11.12.13", "10.11.12.13", 4],
    ["10.11.12.13:12345", "10.11.12.13", 4],
    ["203.0.113.45:19823", "203.0.113.45", 4],
    ["[10.11.12.13]:12345", "10.11.12.13", 4],
    ["[10.11.12.13]", "10.11.12.13", 4],
    ["::ffff:10.11.12.13", "10.11.12.13", 4],
    ["[::ffff:10.11.12.13]:12345", "10.11.12.13", 4],
    ["::FFFF:0A0B:0C0D", "10.11.12.13", 4],
    ["2001:db8::abcd", "2001:db8::abcd", 6],
    ["[2001:db8::abcd]", "2001:db8::abcd", 6],
    ["[2001:db8::abcd]:12345", "2001:db8::abcd", 6],
    ["[2001:db8::1]:443", "2001:db8::1", 6],
    ["::1", "::1", 6],
    // The last group of a bare IPv6 address is not a port.
    ["2001:db8:0:0:0:0:0:443", "2001:db8::443", 6],
    ["2001:db8::1:443", "2001:db8::1:443", 6],
    ["  2001:DB8:0000:0000:0:0:0:ABCD  ", "2001:db8::abcd", 6],
    ["\t1.2.3.4 ", "1.2.3.4", 4],
    ["10.11.12.13-12345", "10.11.12.13", 4],
    ["fe80::1%eth0", "fe80::1", 6],
  ];
  it.each(table)("%j → %s", (raw, ip, version) => {
    expect(normalizeIp(raw)).toEqual({ ip, version });
  });

  it("keeps the port apart when there is one", () => {
    expect(parseIp("[2001:db8::1]:443")).toEqual({ ok: true, ip: "2001:db8::1", version: 6, port: 443 });
    expect(parseIp("1.2.3.4:5678")).toEqual({ ok: true, ip: "1.2.3.4", version: 4, port: 5678 });
    expect(parseIp("2001:db8::1")).toEqual({ ok: true, ip: "2001:db8::1", version: 6 });
  });

  const rejected: [unknown, RegExp][] = [
    [null, /empty/],
    [undefined, /empty/],
    ["", /empty/],
    ["   ", /empty/],
    ["null", /empty/],
    ["nan", /empty/],
    [42, /not a string/],
    ["localhost", /hostname/],
    ["cool.client.local:12345", /hostname/],
    ["1.2.3", /malformed IPv4/],
    ["256.1.1.1", /malformed IPv4/],
    ["01.2.3.4", /malformed IPv4/],
    ["1.2.3.4:99999", /port out of range/],
    ["2001:db8::zz", /malformed IPv6/],
    ["[garbage]:1", /hostname/],
  ];
  it.each(rejected)("%j is not an address (%s)", (raw, reason) => {
    const parsed = parseIp(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
    expect(normalizeIp(raw)).toBeNull();
  });
});

describe("networkKeyOf: IPv4 /24, IPv6 /48", () => {
  it.each([
    ["203.0.113.45:19823", "203.0.113.0/24"],
    ["::ffff:198.51.100.7", "198.51.100.0/24"],
    ["[2001:db8:abcd:12::1]:443", "2001:db8:abcd::/48"],
    ["2001:DB8:ABCD:FFFF:1:2:3:4", "2001:db8:abcd::/48"],
    ["2001:db8::1", "2001:db8::/48"],
  ])("%s → %s", (raw, key) => {
    expect(networkKeyOf(raw)).toBe(key);
  });

  it("puts neighbours together and strangers apart", () => {
    expect(networkKeyOf("203.0.113.1")).toBe(networkKeyOf("203.0.113.254:80"));
    expect(networkKeyOf("203.0.113.1")).not.toBe(networkKeyOf("203.0.114.1"));
    expect(networkKeyOf("2001:db8:1:1::1")).toBe(networkKeyOf("2001:db8:1:ffff::2"));
    expect(networkKeyOf("2001:db8:1::1")).not.toBe(networkKeyOf("2001:db8:2::1"));
  });

  it("has no key for non-addresses", () => {
    expect(networkKeyOf("")).toBeNull();
    expect(networkKeyOf("localhost")).toBeNull();
  });
});
