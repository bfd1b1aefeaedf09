/** A step's plan as a before → after table: one row per field (dotted path), changed rows marked. */
import { isDeepStrictEqual } from "node:util";

export interface DiffRow {
  /** Dotted path of the field; "" for a plan that is a single value. */
  path: string;
  before?: unknown;
  after?: unknown;
  hasBefore: boolean;
  hasAfter: boolean;
  changed: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const MAX_DEPTH = 4;

export function planDiff(before: unknown, after: unknown): DiffRow[] {
  const rows: DiffRow[] = [];
  const walk = (path: string, b: unknown, a: unknown, hasB: boolean, hasA: boolean, depth: number) => {
    if ((isObject(b) || !hasB || b === null) && (isObject(a) || !hasA || a === null) && depth < MAX_DEPTH) {
      if (isObject(b) || isObject(a)) {
        const bo = isObject(b) ? b : {};
        const ao = isObject(a) ? a : {};
        // A null/absent side with an object on the other: the object's fields each appear or go.
        if ((b === null && hasB) || (a === null && hasA)) {
          rows.push(row(path, b, a, hasB, hasA));
          return;
        }
        const keys = [...new Set([...Object.keys(bo), ...Object.keys(ao)])];
        for (const k of keys) walk(path ? `${path}.${k}` : k, bo[k], ao[k], k in bo, k in ao, depth + 1);
        return;
      }
    }
    rows.push(row(path, b, a, hasB, hasA));
  };
  walk("", before, after, before !== undefined, after !== undefined, 0);
  return rows;
}

function row(path: string, b: unknown, a: unknown, hasB: boolean, hasA: boolean): DiffRow {
  return {
    path,
    ...(hasB ? { before: b } : {}),
    ...(hasA ? { after: a } : {}),
    hasBefore: hasB,
    hasAfter: hasA,
    changed: hasB !== hasA || !isDeepStrictEqual(b, a),
  };
}
