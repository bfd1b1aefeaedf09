/**
 * Build-time enumeration of every network in a MaxMind .mmdb search tree, so the bundled country database can be
 * converted into a range file: a typed-array binary search is ~10× faster than decoding an .mmdb record per lookup.
 * Tree layout (MaxMind DB spec 2.0): node n at n × nodeBytes; each node holds a left (bit 0) and right (bit 1)
 * record; a record < nodeCount is a child node, = nodeCount is "no data", > nodeCount points into the data section.
 * Records are decoded with mmdb-lib (only the tree is read here), once per distinct data pointer.
 */
import { Reader } from "mmdb-lib";

export interface MmdbNetwork {
  start: bigint;
  end: bigint;
  record: unknown;
}

export function mmdbNetworks(buf: Buffer, version: 4 | 6): MmdbNetwork[] {
  const reader = new Reader<Record<string, unknown>>(buf);
  const { nodeCount, recordSize, ipVersion } = reader.metadata;
  if (version === 6 && ipVersion === 4) return [];
  const nodeBytes = (recordSize * 2) / 8;
  const read = recordReader(buf, recordSize);
  const child = (node: number, bit: 0 | 1): number => read(node * nodeBytes, bit);

  let ipv4Start = 0;
  if (ipVersion === 6) for (let i = 0; i < 96 && ipv4Start < nodeCount; i++) ipv4Start = child(ipv4Start, 0);
  const width = version === 4 ? 32 : 128;
  const root = version === 4 ? ipv4Start : 0;

  const decoded = new Map<number, unknown>();
  const out: MmdbNetwork[] = [];
  const stack: { node: number; depth: number; prefix: bigint }[] = [{ node: root, depth: 0, prefix: 0n }];
  while (stack.length > 0) {
    const { node, depth, prefix } = stack.pop()!;
    for (const bit of [0, 1] as const) {
      const value = child(node, bit);
      const netPrefix = (prefix << 1n) | BigInt(bit);
      const netDepth = depth + 1;
      if (value < nodeCount) {
        // IPv6 trees alias the IPv4 subtree (::/96, ::ffff:0:0/96, 2002::/16); IPv4 is walked on its own.
        if (version === 6 && value === ipv4Start) continue;
        if (netDepth < width) stack.push({ node: value, depth: netDepth, prefix: netPrefix });
        continue;
      }
      if (value === nodeCount) continue;
      const hostBits = BigInt(width - netDepth);
      const start = netPrefix << hostBits;
      let record = decoded.get(value);
      if (!decoded.has(value)) {
        record = reader.get(toText(start, version));
        decoded.set(value, record);
      }
      out.push({ start, end: start + (1n << hostBits) - 1n, record });
    }
  }
  // Depth-first order is not address order; tree networks never overlap, so sorting is all it takes.
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

function recordReader(buf: Buffer, recordSize: number): (offset: number, bit: 0 | 1) => number {
  switch (recordSize) {
    case 24:
      return (o, bit) => buf.readUIntBE(o + bit * 3, 3);
    case 28:
      return (o, bit) =>
        bit === 0
          ? (((buf[o + 3] ?? 0) & 0xf0) << 20) | buf.readUIntBE(o, 3)
          : (((buf[o + 3] ?? 0) & 0x0f) << 24) | buf.readUIntBE(o + 4, 3);
    case 32:
      return (o, bit) => buf.readUInt32BE(o + bit * 4);
    default:
      throw new Error(`unsupported .mmdb record size ${recordSize}`);
  }
}

function toText(value: bigint, version: 4 | 6): string {
  if (version === 4) {
    const n = Number(value);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  }
  const parts: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(((value >> shift) & 0xffffn).toString(16));
  return parts.join(":");
}
