/**
 * A minimal MaxMind DB (.mmdb, spec 2.0) writer for tests: IPv6 tree, 24-bit records, maps of strings, unsigned
 * integers and nested maps. Just enough to build a "user" ASN/country database and read it back with mmdb-lib.
 */
import ipaddr from "ipaddr.js";

type Value = string | number | { [k: string]: Value };
type Trie = { kids: [Trie | Leaf | null, Trie | Leaf | null]; id?: number };
type Leaf = { data: number };

export function writeMmdb(entries: { cidr: string; record: Record<string, Value> }[]): Buffer {
  const data: Buffer[] = [];
  let dataLen = 0;
  const root: Trie = { kids: [null, null] };
  for (const { cidr, record } of entries) {
    const [addr, len] = ipaddr.parseCIDR(cidr);
    // IPv4 lives at ::/96 in an IPv6 tree (where mmdb-lib looks for it).
    const bytes =
      addr.kind() === "ipv4" ? [...new Array<number>(12).fill(0), ...addr.toByteArray()] : addr.toByteArray();
    const bits = addr.kind() === "ipv4" ? len + 96 : len;
    const encoded = encode(record);
    const leaf: Leaf = { data: dataLen };
    data.push(encoded);
    dataLen += encoded.length;
    let node = root;
    for (let i = 0; i < bits; i++) {
      const bit = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
      if (i === bits - 1) {
        node.kids[bit] = leaf;
        break;
      }
      let next = node.kids[bit];
      if (!next || "data" in next) {
        next = { kids: [null, null] };
        node.kids[bit] = next;
      }
      node = next;
    }
  }
  const nodes: Trie[] = [];
  const queue: Trie[] = [root];
  while (queue.length > 0) {
    const n = queue.shift()!;
    n.id = nodes.length;
    nodes.push(n);
    for (const k of n.kids) if (k && !("data" in k)) queue.push(k);
  }
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach((n, i) => {
    n.kids.forEach((k, side) => {
      const value = k === null ? nodeCount : "data" in k ? nodeCount + 16 + k.data : k.id!;
      tree.writeUIntBE(value, i * 6 + side * 3, 3);
    });
  });
  const metadata = Buffer.concat([
    Buffer.from([0xab, 0xcd, 0xef]),
    Buffer.from("MaxMind.com", "latin1"),
    encode({
      node_count: nodeCount,
      record_size: 24,
      ip_version: 6,
      database_type: "Test-ASN-Country",
      binary_format_major_version: 2,
      binary_format_minor_version: 0,
      build_epoch: 1700000000,
      description: { en: "mailwarden test database" },
    }),
  ]);
  return Buffer.concat([tree, Buffer.alloc(16), ...data, metadata]);
}

function encode(v: Value): Buffer {
  if (typeof v === "string") {
    const b = Buffer.from(v, "utf8");
    return Buffer.concat([control(2, b.length), b]);
  }
  if (typeof v === "number") {
    const bytes: number[] = [];
    for (let n = v; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
    return Buffer.concat([control(6, bytes.length), Buffer.from(bytes)]);
  }
  const parts = Object.entries(v).flatMap(([k, val]) => [encode(k), encode(val)]);
  return Buffer.concat([control(7, Object.keys(v).length), ...parts]);
}

function control(type: number, size: number): Buffer {
  if (size < 29) return Buffer.from([(type << 5) | size]);
  if (size < 29 + 256) return Buffer.from([(type << 5) | 29, size - 29]);
  throw new Error("test writer: sizes up to 284 only");
}
