/**
 * The generator's own encoders for Microsoft's correlation identifiers (formats.md §5.2, §5.3, §7). Deliberately
 * NOT shared with any detection code: a bug here must not be mirrored by a bug there, so the tests check both
 * directions against real values.
 *
 * - A unique token identifier (`uti`, `UniqueTokenId`, `uniqueTokenIdentifier`) is the 22-character base64url (no
 *   padding) of the 16 bytes of the token-issuing sign-in's request id, in .NET little-endian GUID byte order.
 * - An Exchange audit record `Id` carries the top 48 bits of the event's .NET UTC ticks in its last GUID group.
 */

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** .NET ticks (100 ns) between 0001-01-01 and the Unix epoch. */
const EPOCH_TICKS = 621_355_968_000_000_000n;

function hexToBytes(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

function bytesToHex(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] ?? 0).toString(16).padStart(2, "0");
  return s;
}

/** The 16 bytes of a GUID as .NET's Guid.ToByteArray() lays them out (first three groups little-endian). */
export function guidToBytesLE(guid: string): Uint8Array {
  if (!GUID_RE.test(guid)) throw new RangeError(`not a GUID: ${JSON.stringify(guid)}`);
  const h = guid.replaceAll("-", "").toLowerCase();
  const b = hexToBytes(h);
  const le = [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.slice(8)];
  return Uint8Array.from(le.map((x) => x ?? 0));
}

export function guidFromBytesLE(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError("a GUID has 16 bytes");
  const b = [...bytes];
  const be = [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.slice(8)].map((x) => x ?? 0);
  const h = bytesToHex(be);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Request id (GUID) → unique token identifier (22-char base64url). */
export function requestIdToUti(requestId: string): string {
  return Buffer.from(guidToBytesLE(requestId)).toString("base64url");
}

/** Unique token identifier → request id. Case-sensitive input (never lower-case a UTI). */
export function utiToRequestId(uti: string): string {
  if (!/^[A-Za-z0-9_-]{22}$/.test(uti))
    throw new RangeError(`not a unique token identifier: ${JSON.stringify(uti)}`);
  return guidFromBytesLE(Uint8Array.from(Buffer.from(uti, "base64url")));
}

/** .NET UTC ticks of a time given in Unix milliseconds. */
export function dotnetTicks(unixMs: number): bigint {
  return BigInt(Math.floor(unixMs)) * 10_000n + EPOCH_TICKS;
}

/**
 * An Exchange audit record `Id`: ten random bytes (caller's) for the first four groups and the top 48 bits of the
 * event's .NET UTC ticks as the last group (`…-08dbbe33c473` for 2023-09-26T01:56:15).
 */
export function auditRecordId(random10: Uint8Array, unixMs: number): string {
  if (random10.length < 10) throw new RangeError("need 10 random bytes");
  const h = bytesToHex(random10.subarray(0, 10));
  const top48 = (dotnetTicks(unixMs) >> 16n).toString(16).padStart(12, "0");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${top48}`;
}

/** The ticks an audit `Id` carries (low 16 bits zero), or null when the last group cannot hold them. */
export function auditRecordTicks(id: string): bigint | null {
  if (!GUID_RE.test(id)) return null;
  const last = id.slice(24);
  return BigInt(`0x${last}`) << 16n;
}

/** Unix milliseconds of .NET ticks. */
export function ticksToUnixMs(ticks: bigint): number {
  return Number((ticks - EPOCH_TICKS) / 10_000n);
}

/** An Entra request id from 16 random bytes: v4-shaped like real ones, and ending in `00` as real ones do. */
export function entraRequestId(random16: Uint8Array): string {
  const b = [...random16.subarray(0, 16)];
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  b[15] = 0;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
