/** Declarative predicates over plain JSON: dotted path lookups, no code. */
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

export function holds(p: Predicate | undefined, root: unknown): boolean {
  if (!p) return true;
  const v = lookup(root, p.path);
  if ("equals" in p) return v === p.equals;
  if ("in" in p) return p.in.some((x) => x === v);
  return p.exists ? v !== undefined && v !== null : v === undefined || v === null;
}
