/**
 * A small router for Graph paths. Graph paths need things Hono's router does not do: case-insensitive segments,
 * OData key syntax (`users('x@y')`), `microsoft.graph.`-qualified action names, and Graph's own answer for an
 * unknown path ("Resource not found for the segment 'x'.", naming the first segment no route knows).
 */
import type { GraphCall } from "./call.js";
import type { GraphOperation } from "./permissions.js";

export type GraphHandler = (g: GraphCall) => Response | Promise<Response>;

export interface GraphRoute {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** e.g. `/users/:user/mailFolders/:folder`; `:name` segments capture. */
  path: string;
  operation: GraphOperation;
  handler: GraphHandler;
}

export type RouteMatch =
  | { kind: "match"; route: GraphRoute; params: Record<string, string> }
  | { kind: "method"; allowed: string[] }
  | { kind: "segment"; segment: string };

/**
 * Splits a raw (percent-encoded) path into decoded segments. `name('key')` becomes `name`, `key` (with `''`
 * unescaped); a segment that is not valid percent-encoding is kept as received.
 */
export function splitGraphPath(rawPath: string): string[] {
  const out: string[] = [];
  for (const raw of rawPath.split("/").filter((s) => s !== "")) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      seg = raw;
    }
    const key = /^([A-Za-z][\w.]*)\('((?:[^']|'')*)'\)$/.exec(seg);
    if (key?.[1] !== undefined && key[2] !== undefined) out.push(key[1], key[2].replaceAll("''", "'"));
    else out.push(seg);
  }
  return out;
}

function literalMatches(pattern: string, segment: string): boolean {
  const s = segment.replace(/^microsoft\.graph\./i, "");
  return pattern.toLowerCase() === s.toLowerCase();
}

/** How many leading segments of `segments` the route's pattern matches, and the captured params. */
function prefixMatch(
  pattern: string[],
  segments: string[],
): { length: number; params: Record<string, string> } {
  const params: Record<string, string> = {};
  let i = 0;
  for (; i < pattern.length && i < segments.length; i++) {
    const p = pattern[i] ?? "";
    const s = segments[i] ?? "";
    if (p.startsWith(":")) params[p.slice(1)] = s;
    else if (!literalMatches(p, s)) break;
  }
  return { length: i, params };
}

export function matchRoute(routes: readonly GraphRoute[], method: string, segments: string[]): RouteMatch {
  let deepest = 0;
  const allowed: string[] = [];
  for (const route of routes) {
    const pattern = route.path.split("/").filter(Boolean);
    const { length, params } = prefixMatch(pattern, segments);
    if (length === pattern.length && length === segments.length) {
      if (route.method === method) return { kind: "match", route, params };
      allowed.push(route.method);
    }
    deepest = Math.max(deepest, length);
  }
  if (allowed.length > 0) return { kind: "method", allowed };
  return { kind: "segment", segment: segments[deepest] ?? segments[segments.length - 1] ?? "" };
}
