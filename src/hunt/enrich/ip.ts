/**
 * IP normalisation for audit and sign-in logs. Microsoft 365 writes the same address in many forms (formats.md §2.5
 * "ClientIP / ClientIPAddress forms"): `1.2.3.4:5678`, `[2001:db8::1]:443`, `::ffff:1.2.3.4`, bare IPv6, upper-case hex.
 * Every correlation key must use one canonical spelling, so parsing goes through ipaddr.js, never through `split(":")`.
 */
import ipaddr from "ipaddr.js";

export type IpVersion = 4 | 6;

export interface NormalizedIp {
  /** Canonical text: dotted quad, or lower-case RFC 5952 compressed IPv6. IPv4-mapped IPv6 becomes IPv4. */
  ip: string;
  version: IpVersion;
}

export type IpParse =
  { ok: true; ip: string; version: IpVersion; port?: number } | { ok: false; reason: string };

/** Placeholders that exports write for "no address" (pandas writes `nan`, Entra events `null`). */
const EMPTY_MARKERS = new Set(["", "null", "nan", "none", "-", "n/a", "undefined"]);

// `[addr]`, `[addr]:port`, `[addr]-port` (Microsoft's own normaliser accepts `-` as the port separator).
const BRACKETED = /^\[([^\]]*)\](?:[:-](\d+))?$/;
// Dotted quad with a port. Only one colon, so it can never be a bare IPv6 address.
const V4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3})[:-](\d+)$/;
const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const CANONICAL_V4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
// `host:port` with a single colon: never IPv6 (which always has at least two), so the tail is a port.
const ONE_COLON_PORT = /^([^:[\]]+):(\d+)$/;

/** Parses one raw address field; says why when it is not an address. */
export function parseIp(raw: unknown): IpParse {
  const parsed = parseAddress(raw);
  if (!parsed.ok) return parsed;
  const result: IpParse = { ok: true, ip: parsed.ip, version: parsed.version };
  if (parsed.port !== undefined) result.port = parsed.port;
  return result;
}

export type ParsedAddress =
  | {
      ok: true;
      ip: string;
      version: IpVersion;
      port?: number;
      /** IPv4 as an unsigned 32-bit integer (IPv4 only). */
      v4: number;
      /** ipaddr.js object; absent on the fast path for plain dotted quads (see `addressObject`). */
      addr?: ipaddr.IPv4 | ipaddr.IPv6;
    }
  | { ok: false; reason: string };

/** `parseIp` plus the numeric form, so lookups need not parse the text a second time. */
export function parseAddress(raw: unknown): ParsedAddress {
  if (raw === null || raw === undefined) return { ok: false, reason: "empty" };
  if (typeof raw !== "string") return { ok: false, reason: `not a string (${typeof raw})` };
  const text = raw.trim();
  if (EMPTY_MARKERS.has(text.toLowerCase())) return { ok: false, reason: "empty" };

  let host = text;
  let portText: string | undefined;
  const bracketed = BRACKETED.exec(text);
  if (bracketed) {
    host = (bracketed[1] ?? "").trim();
    portText = bracketed[2];
  } else {
    const withPort = V4_WITH_PORT.exec(text) ?? ONE_COLON_PORT.exec(text);
    if (withPort) {
      host = withPort[1] ?? "";
      portText = withPort[2];
    }
  }

  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (port > 65535) return { ok: false, reason: `port out of range in "${text}"` };
  }

  // Canonical dotted quad (no leading zeros): by far the most common form. Validating it this strictly is exact,
  // and skipping ipaddr.js's general parser and objects here is what makes ≥200k lookups/s possible.
  const quad = CANONICAL_V4.exec(host);
  let result: ParsedAddress;
  if (quad) {
    const v4 =
      ((Number(quad[1]) << 24) | (Number(quad[2]) << 16) | (Number(quad[3]) << 8) | Number(quad[4])) >>> 0;
    result = { ok: true, ip: host, version: 4, v4 };
  } else {
    const addr = toAddress(host);
    if (typeof addr === "string") return { ok: false, reason: addr };
    const c = canonical(addr);
    result = { ok: true, ...c, v4: c.addr.kind() === "ipv4" ? ipv4ToUint(c.addr as ipaddr.IPv4) : 0 };
  }
  if (port !== undefined) result.port = port;
  return result;
}

/** The ipaddr.js object of a parsed address (built on demand for the fast path). */
export function addressObject(parsed: {
  ip: string;
  addr?: ipaddr.IPv4 | ipaddr.IPv6;
}): ipaddr.IPv4 | ipaddr.IPv6 {
  return parsed.addr ?? ipaddr.parse(parsed.ip);
}

/** Canonical address, or null when the value is not an IP address (see `parseIp` for the reason). */
export function normalizeIp(raw: unknown): NormalizedIp | null {
  const parsed = parseIp(raw);
  return parsed.ok ? { ip: parsed.ip, version: parsed.version } : null;
}

/**
 * Network key used for "same network" links (detection-techniques.md C5): IPv4 /24, IPv6 /48. /48 is the usual
 * end-site allocation (one customer, one office or one VPS provider's customer block); /64 would split a single home
 * router's privacy addresses only rarely but would miss hosts that move between /64s of the same site.
 */
export function networkKeyOf(raw: unknown): string | null {
  const parsed = parseAddress(raw);
  if (!parsed.ok) return null;
  if (parsed.version === 4) {
    const n = parsed.v4;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.0/24`;
  }
  const p = (addressObject(parsed) as ipaddr.IPv6).parts;
  const net = new ipaddr.IPv6([p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, 0, 0, 0, 0, 0]);
  return `${net.toRFC5952String()}/48`;
}

/** IPv4 as an unsigned 32-bit integer. */
export function ipv4ToUint(addr: ipaddr.IPv4): number {
  const o = addr.octets;
  return (((o[0] ?? 0) << 24) | ((o[1] ?? 0) << 16) | ((o[2] ?? 0) << 8) | (o[3] ?? 0)) >>> 0;
}

/** IPv6 as four 32-bit words, most significant first, written into `out` to avoid an allocation per lookup. */
export function ipv6ToWords(addr: ipaddr.IPv6, out: Uint32Array): Uint32Array {
  const p = addr.parts;
  for (let i = 0; i < 4; i++) out[i] = (((p[2 * i] ?? 0) << 16) | (p[2 * i + 1] ?? 0)) >>> 0;
  return out;
}

function toAddress(host: string): ipaddr.IPv4 | ipaddr.IPv6 | string {
  if (host === "") return "empty";
  // Four-part decimal only: ipaddr.js also accepts legacy forms such as `1.2.3` or `0x7f.1`, which no log writes.
  // Colon first: ipaddr.js's IPv4 validators throw and catch internally on IPv6 text, which is slow.
  if (host.includes(":")) {
    // One parse (isValid + parse would parse twice); the throw only happens for malformed text.
    try {
      return ipaddr.IPv6.parse(host);
    } catch {
      // reported below
    }
  } else if (ipaddr.IPv4.isValidFourPartDecimal(host)) return ipaddr.IPv4.parse(host);
  if (/^[\d.]+$/.test(host)) return `malformed IPv4 address "${host}"`;
  if (host.includes(":")) return `malformed IPv6 address or unexpected port "${host}"`;
  return `hostname, not an IP address ("${host}")`;
}

function canonical(addr: ipaddr.IPv4 | ipaddr.IPv6): NormalizedIp & { addr: ipaddr.IPv4 | ipaddr.IPv6 } {
  if (addr.kind() === "ipv4") return { ip: addr.toString(), version: 4, addr };
  const v6 = addr as ipaddr.IPv6;
  // `::ffff:1.2.3.4` is the IPv4 host seen through a dual-stack socket: the same address as `1.2.3.4`.
  if (v6.isIPv4MappedAddress()) {
    const v4 = v6.toIPv4Address();
    return { ip: v4.toString(), version: 4, addr: v4 };
  }
  // A zone id (`fe80::1%eth0`) names a local interface, not a different host: drop it.
  const plain = new ipaddr.IPv6(v6.parts);
  return { ip: plain.toRFC5952String(), version: 6, addr: plain };
}
