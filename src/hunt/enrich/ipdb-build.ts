/**
 * Build-time conversion of `@ip-location-db/asn` (CSV, ranges as decimal integers) into `asn.bin` (see
 * `ipdb-format.ts`). Reproducible: same inputs, same bytes; skipped when the stamp of the inputs is unchanged.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import ipaddr from "ipaddr.js";
import { mmdbFields } from "./mmdb.js";
import { mmdbNetworks, type MmdbNetwork } from "./mmdb-walk.js";
import {
  encodeAsnDb,
  IPDB_FORMAT_VERSION,
  IPDB_HEADER_BYTES,
  readStamp,
  type AsnRange,
} from "./ipdb-format.js";

export interface IpDbBuildProblem {
  file: string;
  line: number;
  reason: string;
}

export interface IpDbFileResult {
  outFile: string;
  skipped: boolean;
  v4Ranges: number;
  v6Ranges: number;
  /** Overlapping source ranges resolved (ASN data: the later, narrower range wins; CIDR lists: merged). */
  overlapsResolved: number;
  problems: IpDbBuildProblem[];
}

export interface IpDbBuildResult {
  files: IpDbFileResult[];
}

export interface IpDbBuildOptions {
  /** Folder of `@ip-location-db/asn` (holds `asn-ipv4-num.csv` and `asn-ipv6-num.csv`). */
  asnPackageDir: string;
  /** vendor/enrichment (holds the X4BNet CIDR lists). */
  vendorDir: string;
  /** The bundled country .mmdb (@ip-location-db/geo-whois-asn-country-mmdb). */
  countryMmdb: string;
  outDir: string;
  force?: boolean;
}

/** Range files written into `outDir`; the CIDR lists are converted too because parsing them costs ~1 s per run. */
export const IPDB_FILES = {
  asn: "asn.bin",
  country: "country.bin",
  datacenterCidr: "x4bnet-datacenter-cidr.bin",
  vpnCidr: "x4bnet-vpn-cidr.bin",
} as const;

/** Bump when the conversion logic changes, so existing files are rebuilt although their inputs did not change. */
const CONVERTER_REVISION = 2;
const MAX_V4 = 0xffffffffn;
const MAX_V6 = (1n << 128n) - 1n;

export function buildIpDb(opts: IpDbBuildOptions): IpDbBuildResult {
  const asnFiles = ["asn-ipv4-num.csv", "asn-ipv6-num.csv"].map((f) => path.join(opts.asnPackageDir, f));
  const cidrFiles = (kind: string): string[] =>
    ["ipv4.txt", "ipv6.txt"].map((f) => path.join(opts.vendorDir, "x4bnet-lists_vpn", "output", kind, f));
  return {
    files: [
      buildOne(opts, IPDB_FILES.asn, asnFiles, (texts, problems) => {
        const v4 = disjointRanges(parseRanges(texts[0] ?? "", asnFiles[0] ?? "", MAX_V4, problems));
        const v6 = disjointRanges(parseRanges(texts[1] ?? "", asnFiles[1] ?? "", MAX_V6, problems));
        return { v4: v4.ranges, v6: v6.ranges, overlaps: v4.overlaps + v6.overlaps };
      }),
      buildOne(opts, IPDB_FILES.country, [opts.countryMmdb], (_texts, problems) => {
        const file = readFileSync(opts.countryMmdb);
        const v4 = countryRanges(mmdbNetworks(file, 4), opts.countryMmdb, problems);
        const v6 = countryRanges(mmdbNetworks(file, 6), opts.countryMmdb, problems);
        return { v4, v6, overlaps: 0 };
      }),
      buildOne(
        opts,
        IPDB_FILES.datacenterCidr,
        cidrFiles("datacenter"),
        cidrConverter(cidrFiles("datacenter")),
      ),
      buildOne(opts, IPDB_FILES.vpnCidr, cidrFiles("vpn"), cidrConverter(cidrFiles("vpn"))),
    ],
  };
}

type Converter = (
  texts: string[],
  problems: IpDbBuildProblem[],
) => { v4: AsnRange[]; v6: AsnRange[]; overlaps: number };

function buildOne(
  opts: IpDbBuildOptions,
  name: string,
  inputs: string[],
  convert: Converter,
): IpDbFileResult {
  const outFile = path.join(opts.outDir, name);
  const bytes = inputs.map((f) => readFileSync(f));
  const hash = createHash("sha256").update(
    `mailwarden-ipdb-v${IPDB_FORMAT_VERSION}.${CONVERTER_REVISION}:${name}\n`,
  );
  for (const b of bytes) hash.update(b);
  const stamp = hash.digest("hex");
  if (!opts.force && currentStamp(outFile) === stamp) {
    return { outFile, skipped: true, v4Ranges: 0, v6Ranges: 0, overlapsResolved: 0, problems: [] };
  }
  const problems: IpDbBuildProblem[] = [];
  const { v4, v6, overlaps } = convert(
    bytes.map((b) => b.toString("utf8")),
    problems,
  );
  assertSearchable(v4, outFile);
  assertSearchable(v6, outFile);
  mkdirSync(opts.outDir, { recursive: true });
  // Write then rename: parallel test workers may build at the same time and must never read half a file.
  const tmp = `${outFile}.${process.pid}.tmp`;
  writeFileSync(tmp, encodeAsnDb(v4, v6, stamp));
  renameSync(tmp, outFile);
  return {
    outFile,
    skipped: false,
    v4Ranges: v4.length,
    v6Ranges: v6.length,
    overlapsResolved: overlaps,
    problems,
  };
}

/** Binary search needs sorted, disjoint ranges: refuse to write anything else. */
function assertSearchable(ranges: readonly AsnRange[], outFile: string): void {
  for (let i = 1; i < ranges.length; i++) {
    if ((ranges[i]?.start ?? 0n) <= (ranges[i - 1]?.end ?? -1n)) {
      throw new Error(`${outFile}: ranges ${i - 1} and ${i} are out of order or overlap`);
    }
  }
}

/** One CIDR per line (`#` comments allowed); overlapping and adjacent blocks are merged into one range. */
function cidrConverter(files: string[]): Converter {
  return (texts, problems) => {
    const v4: AsnRange[] = [];
    const v6: AsnRange[] = [];
    texts.forEach((text, i) => parseCidrLines(text, files[i] ?? "", problems, v4, v6));
    const a = union(v4);
    const b = union(v6);
    return { v4: a.ranges, v6: b.ranges, overlaps: a.overlaps + b.overlaps };
  };
}

/** A CIDR list as a lookup file image (also used at run time for user lists such as Tor exit nodes). */
export function encodeCidrList(text: string, file: string, problems: IpDbBuildProblem[]): Buffer {
  const v4: AsnRange[] = [];
  const v6: AsnRange[] = [];
  parseCidrLines(text, file, problems, v4, v6);
  return encodeAsnDb(union(v4).ranges, union(v6).ranges, "0".repeat(64));
}

function parseCidrLines(
  text: string,
  file: string,
  problems: IpDbBuildProblem[],
  v4: AsnRange[],
  v6: AsnRange[],
): void {
  let lineNo = 0;
  for (const raw of text.split("\n")) {
    lineNo++;
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    // A bare address counts as a one-address block (Tor exit lists are plain addresses).
    const cidr = line.includes("/")
      ? line
      : ipaddr.isValid(line)
        ? `${line}/${line.includes(":") ? 128 : 32}`
        : line;
    if (!ipaddr.isValidCIDR(cidr)) {
      problems.push({ file, line: lineNo, reason: `not a CIDR block or address: "${line}"` });
      continue;
    }
    const [addr, bits] = ipaddr.parseCIDR(cidr);
    const width = addr.kind() === "ipv4" ? 32 : 128;
    let value = 0n;
    for (const byte of addr.toByteArray()) value = (value << 8n) | BigInt(byte);
    const hostBits = BigInt(width - bits);
    const start = (value >> hostBits) << hostBits;
    (width === 32 ? v4 : v6).push({ start, end: start + (1n << hostBits) - 1n, asn: 0, org: "" });
  }
}

/** Country per network (the `org` slot holds the ISO code); adjacent networks of one country are merged. */
function countryRanges(nets: MmdbNetwork[], file: string, problems: IpDbBuildProblem[]): AsnRange[] {
  const out: AsnRange[] = [];
  for (const n of nets) {
    const country = mmdbFields(n.record).country;
    if (!country) {
      problems.push({
        file,
        line: 0,
        reason: `network starting ${n.start} has a record without a country code`,
      });
      continue;
    }
    const prev = out[out.length - 1];
    if (prev && prev.org === country && prev.end + 1n === n.start) prev.end = n.end;
    else out.push({ start: n.start, end: n.end, asn: 0, org: country });
  }
  return out;
}

function union(ranges: AsnRange[]): { ranges: AsnRange[]; overlaps: number } {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: AsnRange[] = [];
  let overlaps = 0;
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.start <= prev.end + 1n) {
      if (r.start <= prev.end) overlaps++;
      if (r.end > prev.end) prev.end = r.end;
    } else out.push({ ...r });
  }
  return { ranges: out, overlaps };
}

function currentStamp(file: string): string | null {
  if (!existsSync(file)) return null;
  const fd = openSync(file, "r");
  try {
    const header = Buffer.alloc(IPDB_HEADER_BYTES);
    readSync(fd, header, 0, IPDB_HEADER_BYTES, 0);
    return readStamp(header);
  } finally {
    closeSync(fd);
  }
}

/** `start,end,asn,organisation` with the organisation optionally quoted (`""` inside quotes). */
export function parseRanges(
  text: string,
  file: string,
  max: bigint,
  problems: IpDbBuildProblem[],
): AsnRange[] {
  const out: AsnRange[] = [];
  let lineNo = 0;
  for (const rawLine of text.split("\n")) {
    lineNo++;
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line === "") continue;
    const c1 = line.indexOf(",");
    const c2 = line.indexOf(",", c1 + 1);
    const c3 = line.indexOf(",", c2 + 1);
    if (c1 < 0 || c2 < 0 || c3 < 0) {
      problems.push({ file, line: lineNo, reason: "expected start,end,asn,organisation" });
      continue;
    }
    const startText = line.slice(0, c1);
    const endText = line.slice(c1 + 1, c2);
    const asnText = line.slice(c2 + 1, c3);
    if (!/^\d+$/.test(startText) || !/^\d+$/.test(endText) || !/^\d+$/.test(asnText)) {
      problems.push({ file, line: lineNo, reason: "range bounds and ASN must be decimal integers" });
      continue;
    }
    const start = BigInt(startText);
    const end = BigInt(endText);
    const asn = Number(asnText);
    if (end < start || end > max || asn > 0xffffffff) {
      problems.push({ file, line: lineNo, reason: "range reversed or out of bounds" });
      continue;
    }
    const org = unquote(line.slice(c3 + 1));
    if (org === null) {
      problems.push({ file, line: lineNo, reason: "unterminated quoted organisation" });
      continue;
    }
    out.push({ start, end, asn, org });
  }
  return out;
}

function unquote(field: string): string | null {
  const f = field.trim();
  if (!f.startsWith('"')) return f;
  if (f.length < 2 || !f.endsWith('"')) return null;
  return f.slice(1, -1).replaceAll('""', '"');
}

/**
 * Sorted, non-overlapping ranges for binary search. The source has a few nested or overlapping ranges (one in
 * IPv4 at the time of writing: a DoD block); the later, narrower range wins and the wider one keeps the rest.
 */
export function disjointRanges(ranges: AsnRange[]): { ranges: AsnRange[]; overlaps: number } {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: AsnRange[] = [];
  let overlaps = 0;
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.start <= prev.end) {
      overlaps++;
      const tail = prev.end > r.end ? { ...prev, start: r.end + 1n } : null;
      if (r.start === prev.start) out.pop();
      else prev.end = r.start - 1n;
      out.push({ ...r });
      if (tail) out.push(tail);
      continue;
    }
    out.push({ ...r });
  }
  // Deeper nesting than one level is not handled above: refuse to write a database that binary search would misread.
  for (let i = 0; i < out.length; i++) {
    const cur = out[i];
    const next = out[i + 1];
    if (!cur || cur.end < cur.start || (next && next.start <= cur.end)) {
      throw new Error(`ASN ranges still overlap after resolution near index ${i}`);
    }
  }
  return { ranges: out, overlaps };
}
