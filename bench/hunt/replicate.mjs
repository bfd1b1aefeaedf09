// Scales a generated tenant's Defender exports up to benchmark size by replicating its rows. Replica k is replica 0
// with every identity renamed the same way in every table (so a mailbox action still carries the session, token and
// request ids of its own sign-in, and alerts still name their users), user names suffixed, and every time shifted by
// the same amount. Rows are written as they are made: millions of rows never sit in JavaScript memory.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { Buffer } from "node:buffer";

/** Keys whose string values are per-record or per-user identities (renamed in each replica). */
const IDENTITY_KEYS = new Set([
  "ReportId",
  "AccountObjectId",
  "AccountId",
  "Id",
  "SessionId",
  "AADSessionId",
  "UniqueTokenId",
  "RequestId",
  "OriginalRequestId",
  "CorrelationId",
  "TokenObjectId",
  "AlertId",
  "AadUserId",
  "EntraIdDeviceId",
]);
/** Keys whose values are well-known constants (apps, tenants): never renamed even if they also appear as an id. */
const CONSTANT_KEYS = new Set([
  "AppId",
  "ApplicationId",
  "ClientAppId",
  "ResourceId",
  "ResourceTenantId",
  "OrganizationId",
  "TokenTenantId",
  "TenantId",
  "HomeTenantId",
]);

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HEX_ID = /^[0-9a-fA-F]{32,40}(_\d+)?$/;
const UTI = /^[A-Za-z0-9_-]{22}$/;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

/**
 * The identities and user names of a generated tenant, from its JSON Lines tables (the generator writes both formats;
 * the JSON keys say what a value is, which CSV cells of nested JSON would not).
 * @param {string[]} jsonlFiles
 * @returns {Promise<{ ids: Set<string>, users: Set<string> }>}
 */
export async function collectIdentities(jsonlFiles) {
  const ids = new Set();
  const constants = new Set();
  const users = new Set();
  const walk = (v, key) => {
    if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (typeof v === "string") {
      if (key === "AdditionalFields" || key === "Categories") {
        // JSON text inside a cell (AlertEvidence): its ids count too.
        try {
          walk(JSON.parse(v), key);
        } catch {
          // plain text
        }
      } else if (CONSTANT_KEYS.has(key)) constants.add(v);
      else if (IDENTITY_KEYS.has(key) && (GUID.test(v) || HEX_ID.test(v) || UTI.test(v))) ids.add(v);
      else if ((key === "AccountUpn" || key === "UserId") && EMAIL.test(v)) users.add(v.toLowerCase());
    }
  };
  for (const file of jsonlFiles) {
    const text = await readFile(file, "utf8");
    for (const line of text.split("\n")) if (line.trim()) walk(JSON.parse(line), "");
  }
  for (const c of constants) ids.delete(c);
  return { ids, users };
}

/** A per-replica 32-bit mask (0 for replica 0, so replica 0 is the generated data unchanged). */
export function replicaMask(k) {
  return k === 0 ? 0 : Math.imul(k, 0x9e3779b1) >>> 0 || 1;
}

const hex8 = (n, upper) => {
  const s = (n >>> 0).toString(16).padStart(8, "0");
  return upper ? s.toUpperCase() : s;
};

/** Renames a GUID or hex id by XOR-ing its first 32 bits (the GUID's Data1) with the mask; case kept. */
export function renameHex(v, mask) {
  const head = v.slice(0, 8);
  return hex8(parseInt(head, 16) ^ mask, head !== head.toLowerCase()) + v.slice(8);
}

/**
 * Renames a unique token id consistently with `renameHex` on its request id: the UTI is base64url of the request
 * GUID's bytes in .NET order (formats.md §5.2), whose first four bytes are Data1 little-endian.
 */
export function renameUti(v, mask) {
  const b = Buffer.from(v, "base64url");
  if (b.length !== 16) return v;
  b.writeUInt32LE((b.readUInt32LE(0) ^ mask) >>> 0, 0);
  return b.toString("base64url");
}

/** The request id (GUID text) a unique token id encodes (formats.md §5.2). */
export function utiToRequestId(uti) {
  const b = Buffer.from(uti, "base64url");
  const h = (i, n, le) => {
    const part = b.subarray(i, i + n);
    return Buffer.from(le ? [...part].reverse() : part).toString("hex");
  };
  return `${h(0, 4, true)}-${h(4, 2, true)}-${h(6, 2, true)}-${h(8, 2, false)}-${h(10, 6, false)}`;
}

/** Shifts an ISO date-time text by whole seconds, keeping its fraction and zone suffix as written. */
function timeSlot(text, y, mo, d, h, mi, s, frac, zone) {
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  if (Number.isNaN(ms) || +y < 1000) return undefined;
  const tail = (frac ?? "") + (zone ?? "");
  return (_k, _mask, shift) => new Date(ms + shift * 1000).toISOString().slice(0, 19) + tail;
}

// One pass per record: times, GUIDs, hex ids, e-mail addresses (before token ids: a 22-character local part is not
// a token), token ids. Only values found by `collectIdentities` change; anything else that matches is kept.
const TOKENS =
  /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?|(?<![\w-])([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32,40}(?:_\d+)?)(?![\w-])|([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})|(?<![\w-])([A-Za-z0-9_-]{22})(?![\w-])/g;

/**
 * A record cut once into literal text and the tokens a replica may change, so each replica only rewrites the tokens
 * (scanning every record of every replica with the pattern would cost most of the run).
 * @param {string} record
 * @param {{ ids: Set<string>, users: Set<string> }} known
 * @returns {(string | { text: string, make: (k: number, mask: number, shift: number) => string })[]}
 */
export function compileRecord(record, known) {
  const parts = [];
  let last = 0;
  for (const m of record.matchAll(TOKENS)) {
    const [text, y, mo, d, h, mi, s, frac, zone, hex, local, domain, uti] = m;
    let make;
    if (y !== undefined) make = timeSlot(text, y, mo, d, h, mi, s, frac, zone);
    else if (hex !== undefined && known.ids.has(hex)) make = (_k, mask) => renameHex(hex, mask);
    else if (local !== undefined && known.users.has(`${local}@${domain}`.toLowerCase()))
      make = (k) => `${local}.r${k}@${domain}`;
    else if (uti !== undefined && known.ids.has(uti)) make = (_k, mask) => renameUti(uti, mask);
    if (!make) continue;
    parts.push(record.slice(last, m.index), { text, make });
    last = m.index + text.length;
  }
  parts.push(record.slice(last));
  return parts;
}

/** Replica k of a compiled record (replica 0 is the record as generated). */
export function renderRecord(parts, k, shiftSeconds) {
  const mask = replicaMask(k);
  let out = "";
  for (const p of parts) out += typeof p === "string" ? p : k === 0 ? p.text : p.make(k, mask, shiftSeconds);
  return out;
}

/**
 * The text transform of replica k (compiles each record; for one-off use and tests).
 * @param {{ ids: Set<string>, users: Set<string> }} known
 * @param {number} k
 * @param {number} shiftSeconds
 * @returns {(record: string) => string}
 */
export function replicaTransform(known, k, shiftSeconds) {
  return (record) => renderRecord(compileRecord(record, known), k, shiftSeconds);
}

/** Replica k's time shift: spread over a day, so replicas interleave and stay inside the query's look-back. */
export const replicaShiftSeconds = (k) => (k * 7919) % 86400;

/**
 * Splits CSV text into records (RFC 4180: a line break inside quotes belongs to the cell), each without its
 * terminator.
 * @param {string} text
 * @returns {string[]}
 */
export function csvRecords(text) {
  const out = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (!quoted && (c === 10 || c === 13)) {
      if (i > start) out.push(text.slice(start, i));
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/**
 * Writes `rows` data records made from the base file's records by replicas 0, 1, … (the last one partial).
 * @param {{ src: string, dest: string, format: "csv" | "jsonl", rows: number, known: { ids: Set<string>, users: Set<string> } }} o
 * @returns {Promise<{ rows: number, replicas: number, bytes: number }>}
 */
export async function replicateFile({ src, dest, format, rows, known }) {
  const text = await readFile(src, "utf8");
  let records = format === "csv" ? csvRecords(text) : text.split("\n").filter((l) => l.trim() !== "");
  const eol = format === "csv" ? "\r\n" : "\n";
  const out = createWriteStream(dest);
  let buf = "";
  let bytes = 0;
  const flush = async () => {
    bytes += Buffer.byteLength(buf);
    if (!out.write(buf)) await once(out, "drain");
    buf = "";
  };
  if (format === "csv") {
    buf += records[0] + eol;
    records = records.slice(1);
  }
  if (records.length === 0) throw new Error(`${src}: no rows to replicate`);
  let written = 0;
  let k = 0;
  const compiled = records.map((r) => compileRecord(r, known));
  while (written < rows) {
    const shift = replicaShiftSeconds(k);
    for (const parts of compiled) {
      if (written >= rows) break;
      buf += renderRecord(parts, k, shift) + eol;
      written++;
      if (buf.length > 1 << 20) await flush();
    }
    k++;
  }
  await flush();
  out.end();
  await once(out, "close");
  return { rows: written, replicas: k, bytes };
}
