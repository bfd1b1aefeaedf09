/** OData query options the emulator honours on collections and entities: `$select`, `$top`, `$skiptoken`, `$filter`. */
import type { GraphErrorSpec } from "./errors.js";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: GraphErrorSpec };

const badRequest = (message: string): { ok: false; error: GraphErrorSpec } => ({
  ok: false,
  error: [400, "Request_BadRequest", message],
});

/** `$select=a,b` → canonical names; an unknown name is a 400 naming it. `undefined` → no projection asked. */
export function parseSelect(
  raw: string | undefined,
  canonical: (name: string) => string | undefined,
  typeName: string,
): Parsed<string[] | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  const names = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const out: string[] = [];
  for (const n of names) {
    const c = canonical(n);
    if (!c) return badRequest(`Could not find a property named '${n}' on type '${typeName}'.`);
    if (!out.includes(c)) out.push(c);
  }
  return { ok: true, value: out.length > 0 ? out : undefined };
}

export function parseTop(raw: string | undefined, defaultSize: number, max: number): Parsed<number> {
  if (raw === undefined) return { ok: true, value: defaultSize };
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    return badRequest(`Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`);
  }
  return { ok: true, value: n };
}

const SKIPTOKEN_PREFIX = "RFNwdA"; // opaque-looking, like the service's tokens

export function encodeSkipToken(offset: number): string {
  return SKIPTOKEN_PREFIX + Buffer.from(`offset:${offset}`).toString("base64url");
}

export function parseSkipToken(raw: string | undefined): Parsed<number> {
  if (raw === undefined) return { ok: true, value: 0 };
  const m = raw.startsWith(SKIPTOKEN_PREFIX)
    ? /^offset:(\d+)$/.exec(Buffer.from(raw.slice(SKIPTOKEN_PREFIX.length), "base64url").toString("utf8"))
    : null;
  if (!m?.[1]) return badRequest("Invalid skip token.");
  return { ok: true, value: Number(m[1]) };
}

/** A `$filter` of the form `<property> eq '<value>'` (the only shape the emulator evaluates). */
export interface EqualityFilter {
  property: string;
  value: string;
}

export function parseEqualityFilter(
  raw: string | undefined,
  allowed: readonly string[],
  resourceName: string,
): Parsed<EqualityFilter | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  const m = /^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(raw);
  const property = m?.[1] ? allowed.find((a) => a.toLowerCase() === m[1]?.toLowerCase()) : undefined;
  if (!m || m[2] === undefined || !property) {
    const named = /^\s*([A-Za-z]+)/.exec(raw)?.[1] ?? raw;
    return {
      ok: false,
      error: [
        400,
        "Request_UnsupportedQuery",
        `Unsupported or invalid query filter clause specified for property '${named}' of resource '${resourceName}'.`,
      ],
    };
  }
  return { ok: true, value: { property, value: m[2].replaceAll("''", "'") } };
}
