/**
 * A small OData `$filter` evaluator for the collections that document filterable properties (sign-ins, risky
 * users, risk detections, alerts, incidents): `p eq|ne|gt|ge|lt|le literal`, `startsWith(p,'x')`, `and`, `or`,
 * parentheses, nested paths (`status/errorCode`, `location/city`) and the lambda `p/any(t: t eq 'x' or …)`.
 * Each resource lists the properties and operators it supports; anything else is a 400 naming the property.
 */
import type { GraphErrorSpec } from "./errors.js";

type Literal = string | number | boolean | null;
type Op = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
export type FilterOp = Op | "startsWith" | "any";

type Node =
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "cmp"; op: Op; path: string; value: Literal; isDate: boolean }
  | { kind: "startsWith"; path: string; value: string }
  | { kind: "any"; path: string; variable: string; body: Node };

export type Filter = (item: Record<string, unknown>) => boolean;

export type FilterResult = { ok: true; value: Filter | undefined } | { ok: false; error: GraphErrorSpec };

const TOKEN =
  /\s*(?:(\()|(\))|(,)|(:)|'((?:[^']|'')*)'|(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))|(-?\d+(?:\.\d+)?)(?![\w-])|([A-Za-z_][\w./]*))/y;

type Tok =
  | { t: "(" | ")" | "," | ":" }
  | { t: "str"; v: string }
  | { t: "date"; v: string }
  | { t: "num"; v: number }
  | { t: "id"; v: string };

class FilterSyntaxError extends Error {}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new FilterSyntaxError(`Syntax error at position ${pos} in '${src}'.`);
    pos = TOKEN.lastIndex;
    if (m[1]) out.push({ t: "(" });
    else if (m[2]) out.push({ t: ")" });
    else if (m[3]) out.push({ t: "," });
    else if (m[4]) out.push({ t: ":" });
    else if (m[5] !== undefined) out.push({ t: "str", v: m[5].replaceAll("''", "'") });
    else if (m[6]) out.push({ t: "date", v: m[6] });
    else if (m[7]) out.push({ t: "num", v: Number(m[7]) });
    else if (m[8]) out.push({ t: "id", v: m[8] });
  }
  return out;
}

const OPS = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);

class Parser {
  i = 0;
  constructor(
    readonly toks: Tok[],
    readonly check: (path: string, op: FilterOp) => void,
  ) {}
  peek(): Tok | undefined {
    return this.toks[this.i];
  }
  next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new FilterSyntaxError("Unexpected end of the filter expression.");
    return t;
  }
  expect(t: Tok["t"]): void {
    if (this.next().t !== t) throw new FilterSyntaxError(`Expected '${t}' in the filter expression.`);
  }
  isWord(w: string): boolean {
    const t = this.peek();
    return t?.t === "id" && t.v.toLowerCase() === w;
  }
  or(variable?: string): Node {
    let left = this.and(variable);
    while (this.isWord("or")) {
      this.i++;
      left = { kind: "or", left, right: this.and(variable) };
    }
    return left;
  }
  and(variable?: string): Node {
    let left = this.primary(variable);
    while (this.isWord("and")) {
      this.i++;
      left = { kind: "and", left, right: this.primary(variable) };
    }
    return left;
  }
  literal(): { value: Literal; isDate: boolean } {
    const t = this.next();
    if (t.t === "str") return { value: t.v, isDate: false };
    if (t.t === "date") return { value: t.v, isDate: true };
    if (t.t === "num") return { value: t.v, isDate: false };
    if (t.t === "id" && ["true", "false", "null"].includes(t.v.toLowerCase())) {
      const v = t.v.toLowerCase();
      return { value: v === "null" ? null : v === "true", isDate: false };
    }
    throw new FilterSyntaxError("Expected a literal value in the filter expression.");
  }
  primary(variable?: string): Node {
    const t = this.next();
    if (t.t === "(") {
      const n = this.or(variable);
      this.expect(")");
      return n;
    }
    if (t.t !== "id") throw new FilterSyntaxError("Expected a property name in the filter expression.");
    if (t.v.toLowerCase() === "startswith") {
      this.expect("(");
      const p = this.next();
      if (p.t !== "id") throw new FilterSyntaxError("startsWith expects a property name.");
      this.expect(",");
      const v = this.next();
      if (v.t !== "str") throw new FilterSyntaxError("startsWith expects a string literal.");
      this.expect(")");
      const path = this.resolve(p.v, variable);
      this.check(path, "startsWith");
      return { kind: "startsWith", path, value: v.v };
    }
    const any = /^(.*)\/any$/i.exec(t.v);
    if (any?.[1]) {
      this.expect("(");
      const v = this.next();
      if (v.t !== "id") throw new FilterSyntaxError("any() expects a range variable.");
      this.expect(":");
      this.check(any[1], "any");
      const body = this.or(v.v);
      this.expect(")");
      return { kind: "any", path: any[1], variable: v.v, body };
    }
    const opTok = this.next();
    if (opTok.t !== "id" || !OPS.has(opTok.v.toLowerCase()))
      throw new FilterSyntaxError(`Expected a comparison operator after '${t.v}'.`);
    const op = opTok.v.toLowerCase() as Op;
    const path = this.resolve(t.v, variable);
    const { value, isDate } = this.literal();
    if (path !== "$it") this.check(path, op);
    return { kind: "cmp", op, path, value, isDate };
  }
  /** Inside an any() lambda the range variable stands for the element (`$it`). */
  resolve(name: string, variable?: string): string {
    if (variable && name === variable) return "$it";
    if (variable && name.startsWith(`${variable}/`)) return `$it/${name.slice(variable.length + 1)}`;
    return name;
  }
}

function get(item: unknown, path: string): unknown {
  let cur: unknown = item;
  for (const seg of path.split("/")) {
    if (seg === "$it") continue;
    if (cur === null || typeof cur !== "object") return undefined;
    const obj = cur as Record<string, unknown>;
    const key = Object.keys(obj).find((k) => k.toLowerCase() === seg.toLowerCase());
    cur = key === undefined ? undefined : obj[key];
  }
  return cur;
}

function compare(actual: unknown, op: Op, value: Literal, isDate: boolean, ci: boolean): boolean {
  if (isDate && typeof actual === "string" && typeof value === "string") {
    const a = Date.parse(actual);
    const b = Date.parse(value);
    return cmp(a, b, op);
  }
  if (typeof actual === "string" && typeof value === "string") {
    // Graph string comparisons on these resources are case-insensitive [I, switchable].
    return ci ? cmp(actual.toLowerCase(), value.toLowerCase(), op) : cmp(actual, value, op);
  }
  if (op === "eq") return actual === value || (actual === undefined && value === null);
  if (op === "ne") return actual !== value;
  if (typeof actual === "number" && typeof value === "number") return cmp(actual, value, op);
  return false;
}

function cmp<T extends number | string>(a: T, b: T, op: Op): boolean {
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
  }
}

function evaluate(node: Node, item: unknown, ci: boolean): boolean {
  switch (node.kind) {
    case "and":
      return evaluate(node.left, item, ci) && evaluate(node.right, item, ci);
    case "or":
      return evaluate(node.left, item, ci) || evaluate(node.right, item, ci);
    case "cmp":
      return compare(get(item, node.path), node.op, node.value, node.isDate, ci);
    case "startsWith": {
      const v = get(item, node.path);
      if (typeof v !== "string") return false;
      return ci ? v.toLowerCase().startsWith(node.value.toLowerCase()) : v.startsWith(node.value);
    }
    case "any": {
      const arr = get(item, node.path);
      return Array.isArray(arr) && arr.some((el) => evaluate(node.body, el, ci));
    }
  }
}

/**
 * Parses `$filter` for a resource. `filterable`: property path (case-insensitive) → allowed operators.
 * `code`: the error code the workload uses for an unsupported filter.
 */
export function parseFilter(
  raw: string | undefined,
  filterable: Record<string, readonly FilterOp[]>,
  code: string,
  caseInsensitive = true,
): FilterResult {
  if (raw === undefined || raw.trim() === "") return { ok: true, value: undefined };
  const allowed = Object.entries(filterable);
  const check = (path: string, op: FilterOp) => {
    const entry = allowed.find(([p]) => p.toLowerCase() === path.toLowerCase());
    if (!entry || !entry[1].includes(op))
      throw new FilterSyntaxError(
        `Unsupported or invalid query filter clause specified for property '${path}'.`,
      );
  };
  try {
    const p = new Parser(tokenize(raw), check);
    const node = p.or();
    if (p.i !== p.toks.length) throw new FilterSyntaxError(`Syntax error: unexpected token in '${raw}'.`);
    return { ok: true, value: (item) => evaluate(node, item, caseInsensitive) };
  } catch (err) {
    if (err instanceof FilterSyntaxError) return { ok: false, error: [400, code, err.message] };
    throw err;
  }
}

export const EQ: readonly FilterOp[] = ["eq"];
export const EQ_NE: readonly FilterOp[] = ["eq", "ne"];
export const EQ_STARTS: readonly FilterOp[] = ["eq", "startsWith"];
export const DATE_OPS: readonly FilterOp[] = ["eq", "ge", "le", "gt", "lt"];
