/**
 * Deterministic id generation for the emulated tenant. Same seed, same ids: scenario runs are reproducible.
 * Not for anything secret (client secrets and keys come from node:crypto).
 */
import type { IdSource } from "./state.js";

/** mulberry32: a small, well-distributed 32-bit PRNG. Returns unsigned 32-bit integers. */
function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64").replaceAll("+", "-").replaceAll("/", "_");
}

export function createIdSource(seed: number): IdSource {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const next = mulberry32(seed);
  const bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const word = next();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  };

  return {
    /** Lower-case, v4-shaped GUID (version nibble 4, RFC 4122 variant). */
    guid(): string {
      const b = bytes(16);
      b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
      b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
      const hex = Buffer.from(b).toString("hex");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
    /** base64 of 8 bytes starting 01 00 00 00, the shape of the documented samples (`AQAAAJ5dZp8=`). */
    graphRuleId(): string {
      const tail = bytes(4);
      return Buffer.from([1, 0, 0, 0, ...tail]).toString("base64");
    },
    /** Decimal uint64 whose low dword is 1 (the shape of Exchange RuleIdentity values); drawn independently. */
    ruleIdentity(): string {
      let high = 0;
      while (high === 0) high = next();
      return ((BigInt(high) << 32n) | 1n).toString(10);
    },
    /** An opaque Exchange store id in Graph's URL-safe base64 form (`AAMkA…`). */
    folderId(): string {
      const prefix = [0x00, 0x03, 0x24, 0x00];
      return toBase64Url(new Uint8Array([...prefix, ...bytes(41)])) + "AAA=";
    },
  };
}
