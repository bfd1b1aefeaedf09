/**
 * The compact IP → ASN range file (`dist/ipdb/asn.bin`), written at build time from `@ip-location-db/asn` and read
 * at run time without parsing any text. Layout, little-endian, every section 4-byte aligned:
 *
 *   header (64 bytes): magic "MWIPDB01", u32 format version, u32 n4, u32 n6, u32 nOrg, u32 orgBlobBytes,
 *                      u32 reserved, 32-byte SHA-256 stamp of the inputs (skip-when-up-to-date check)
 *   IPv4: u32 start[n4], u32 end[n4], u32 asn[n4], u32 org[n4]          (inclusive ranges, sorted, disjoint)
 *   IPv6: u32 start[4*n6], u32 end[4*n6], u32 asn[n6], u32 org[n6]       (128-bit values as 4 big-endian-order words)
 *   organisations: u32 offset[nOrg+1], UTF-8 bytes (string i = bytes[offset[i], offset[i+1]))
 */
export const IPDB_MAGIC = "MWIPDB01";
export const IPDB_FORMAT_VERSION = 1;
export const IPDB_HEADER_BYTES = 64;
const STAMP_OFFSET = 32;

export interface AsnRange {
  /** Range bounds as integers: 32-bit for IPv4, 128-bit for IPv6. */
  start: bigint;
  end: bigint;
  asn: number;
  org: string;
}

export interface AsnDbData {
  v4Start: Uint32Array;
  v4End: Uint32Array;
  v4Asn: Uint32Array;
  v4Org: Uint32Array;
  v6Start: Uint32Array;
  v6End: Uint32Array;
  v6Asn: Uint32Array;
  v6Org: Uint32Array;
  orgOffsets: Uint32Array;
  orgBytes: Uint8Array;
  stamp: string;
}

/** Encodes sorted, disjoint ranges (see `ipdb-build.ts`) into the file layout above. */
export function encodeAsnDb(v4: readonly AsnRange[], v6: readonly AsnRange[], stampHex: string): Buffer {
  const orgIndex = new Map<string, number>();
  const orgs: string[] = [];
  const idOf = (org: string): number => {
    let id = orgIndex.get(org);
    if (id === undefined) {
      id = orgs.length;
      orgIndex.set(org, id);
      orgs.push(org);
    }
    return id;
  };
  // Organisations numbered in first-seen order, so the same input always gives the same bytes.
  const v4Org = v4.map((r) => idOf(r.org));
  const v6Org = v6.map((r) => idOf(r.org));
  const orgBuffers = orgs.map((o) => Buffer.from(o, "utf8"));
  const orgBlobBytes = orgBuffers.reduce((n, b) => n + b.length, 0);

  const words = 4 * v4.length + 10 * v6.length + (orgs.length + 1);
  const total = IPDB_HEADER_BYTES + words * 4 + align4(orgBlobBytes);
  const buf = Buffer.alloc(total);
  buf.write(IPDB_MAGIC, 0, "latin1");
  buf.writeUInt32LE(IPDB_FORMAT_VERSION, 8);
  buf.writeUInt32LE(v4.length, 12);
  buf.writeUInt32LE(v6.length, 16);
  buf.writeUInt32LE(orgs.length, 20);
  buf.writeUInt32LE(orgBlobBytes, 24);
  Buffer.from(stampHex, "hex").copy(buf, STAMP_OFFSET, 0, 32);

  let at = IPDB_HEADER_BYTES;
  const put = (n: number): void => {
    buf.writeUInt32LE(n >>> 0, at);
    at += 4;
  };
  for (const r of v4) put(Number(r.start));
  for (const r of v4) put(Number(r.end));
  for (const r of v4) put(r.asn);
  for (const id of v4Org) put(id);
  for (const r of v6) putWords(r.start, put);
  for (const r of v6) putWords(r.end, put);
  for (const r of v6) put(r.asn);
  for (const id of v6Org) put(id);
  let offset = 0;
  put(0);
  for (const b of orgBuffers) {
    offset += b.length;
    put(offset);
  }
  for (const b of orgBuffers) {
    b.copy(buf, at);
    at += b.length;
  }
  return buf;
}

/** Reads the stamp only (to decide whether a rebuild is needed), or null when the header is not ours. */
export function readStamp(header: Buffer): string | null {
  if (header.length < IPDB_HEADER_BYTES) return null;
  if (header.toString("latin1", 0, 8) !== IPDB_MAGIC) return null;
  if (header.readUInt32LE(8) !== IPDB_FORMAT_VERSION) return null;
  return header.toString("hex", STAMP_OFFSET, STAMP_OFFSET + 32);
}

/** Views over the file's sections (no copy unless the buffer is misaligned). */
export function decodeAsnDb(file: Buffer): AsnDbData {
  const stamp = readStamp(file);
  if (stamp === null) throw new Error("not a mailwarden IP database (bad magic or format version)");
  const n4 = file.readUInt32LE(12);
  const n6 = file.readUInt32LE(16);
  const nOrg = file.readUInt32LE(20);
  const orgBlobBytes = file.readUInt32LE(24);
  const words = 4 * n4 + 10 * n6 + nOrg + 1;
  if (file.length < IPDB_HEADER_BYTES + words * 4 + orgBlobBytes) throw new Error("IP database is truncated");
  // Typed arrays are platform-endian; every supported Node platform is little-endian, like the file.
  const aligned = file.byteOffset % 4 === 0 ? file : Buffer.from(file);
  const base = aligned.byteOffset + IPDB_HEADER_BYTES;
  let at = 0;
  const take = (n: number): Uint32Array => {
    const view = new Uint32Array(aligned.buffer, base + at * 4, n);
    at += n;
    return view;
  };
  const data = {
    v4Start: take(n4),
    v4End: take(n4),
    v4Asn: take(n4),
    v4Org: take(n4),
    v6Start: take(4 * n6),
    v6End: take(4 * n6),
    v6Asn: take(n6),
    v6Org: take(n6),
    orgOffsets: take(nOrg + 1),
  };
  const orgBytes = new Uint8Array(aligned.buffer, base + at * 4, orgBlobBytes);
  return { ...data, orgBytes, stamp };
}

function putWords(value: bigint, put: (n: number) => void): void {
  for (let shift = 96n; shift >= 0n; shift -= 32n) put(Number((value >> shift) & 0xffffffffn));
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
