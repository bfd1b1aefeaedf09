/** Declarative predicates over plain JSON: dotted path lookups and comparisons, no code. */
import type { Predicate } from "../playbooks/schema.js";

export function lookup(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const k of path.split(".")) {
    if (cur === null || typeof cur !== "object" || !Object.prototype.hasOwnProperty.call(cur, k))
      return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

const RANKS: Record<string, number> = { low: 1, weak: 1, medium: 2, high: 3, strong: 3 };

/** A comparable number for a value: numbers as they are, severities and strengths by rank; else undefined. */
function rank(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v in RANKS) return RANKS[v];
  return undefined;
}

/** Compares like with like only: a number with a number, a rank with a rank; anything else does not hold. */
function compare(v: unknown, bound: number | string): number | undefined {
  if (typeof bound === "number" ? typeof v !== "number" : typeof v !== "string") return undefined;
  const a = rank(v);
  const b = rank(bound);
  return a === undefined || b === undefined ? undefined : a - b;
}

export function holds(p: Predicate | undefined, root: unknown): boolean {
  if (!p) return true;
  if ("all" in p) return p.all.every((q) => holds(q, root));
  if ("any" in p) return p.any.some((q) => holds(q, root));
  if ("not" in p) return !holds(p.not, root);
  const v = lookup(root, p.path);
  if ("equals" in p) return v === p.equals;
  if ("in" in p) return p.in.some((x) => x === v);
  if ("atLeast" in p) return (compare(v, p.atLeast) ?? -1) >= 0;
  if ("atMost" in p) return (compare(v, p.atMost) ?? 1) <= 0;
  return p.exists ? v !== undefined && v !== null : v === undefined || v === null;
}
