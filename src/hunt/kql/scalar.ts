/**
 * Scalar expressions → DuckDB SQL. Types come from Kusto.Language's analysis; null rules follow
 * https://learn.microsoft.com/kusto/query/scalar-data-types/null-values : `==` of null and a value is false, `!=` is
 * true, both null gives null; `<`/`>` with null give null (a `where` drops the row); strings are never null.
 */
import { asSearchText, asText, meet } from "./coerce.js";
import type { Ctx, Scope, Sql } from "./context.js";
import { callFunction } from "./functions.js";
import { intervalSql, nullSql, timestampSql } from "./literals.js";
import { jsonPath, pathStep } from "./paths.js";
import { anyTermPattern, ident, str, termPattern } from "./sqltext.js";
import type { Syn } from "./syntax.js";
import { textOf } from "./values.js";
import { inMembership, stringNeedles } from "./membership.js";
import { isIntegral, type KqlType } from "./types.js";
import { toScalarSql } from "./toscalar.js";

/** Up to this many `has_any` needles go into one RE2 pattern (its DFA stays small); more use the matcher. */
const SMALL_NEEDLE_LIST = 16;

export interface Lit extends Sql {
  /** The JS value when the expression is a literal (or a constant `let`). */
  value?: unknown;
  /** Known never to be null (literals). */
  notNull?: boolean;
}

export function scalar(n: Syn, ctx: Ctx, scope: Scope): Lit {
  switch (n.kind) {
    case "ParenthesizedExpression": {
      const inner = scalar(n.req("Expression"), ctx, scope);
      return { ...inner, sql: `(${inner.sql})` };
    }
    case "BooleanLiteralExpression":
    case "IntLiteralExpression":
    case "LongLiteralExpression":
    case "RealLiteralExpression":
    case "DecimalLiteralExpression":
    case "DateTimeLiteralExpression":
    case "TimespanLiteralExpression":
    case "GuidLiteralExpression":
    case "StringLiteralExpression":
    case "CompoundStringLiteralExpression":
    case "NullLiteralExpression":
      return literal(n);
    case "DynamicExpression":
      return dynamicLiteral(n);
    case "NameReference":
      return nameRef(n, ctx, scope);
    case "PathExpression":
    case "ElementExpression":
      return access(n, ctx, scope);
    case "FunctionCallExpression":
      return callFunction(n, ctx, scope);
    case "ToScalarExpression":
      return toScalarSql(n, n.req("Expression"), ctx);
    case "UnaryMinusExpression": {
      const e = scalar(n.req("Expression"), ctx, scope);
      return { sql: `(- ${e.sql})`, type: n.scalarType() };
    }
    case "UnaryPlusExpression":
      return scalar(n.req("Expression"), ctx, scope);
    case "InExpression":
    case "InCsExpression":
    case "NotInExpression":
    case "NotInCsExpression":
      return { sql: inMembership(n, ctx, scope), type: "bool" };
    case "HasAnyExpression":
    case "HasAllExpression":
      return { sql: hasAnyAll(n, ctx, scope), type: "bool" };
    case "BetweenExpression":
    case "NotBetweenExpression":
      return between(n, ctx, scope);
    default:
      if (n.has("Left") && n.has("Right") && n.has("Operator")) return binary(n, ctx, scope);
      throw n.unsupported();
  }
}

function literal(n: Syn): Lit {
  const type = n.scalarType();
  const v = n.literalValue;
  if (v === null || v === undefined || n.kind === "NullLiteralExpression")
    return { sql: nullSql(type), type, value: type === "string" ? "" : null, notNull: type === "string" };
  switch (type) {
    case "string":
    case "guid": {
      const s = textOf(v);
      return { sql: str(s), type, value: s, notNull: true };
    }
    case "bool": {
      const b = v === true || textOf(v) === "True";
      return { sql: b ? "TRUE" : "FALSE", type, value: b, notNull: true };
    }
    case "int":
    case "long": {
      const s = textOf(v);
      if (!/^-?\d+$/.test(s)) throw n.unsupported(`integer literal`);
      return {
        sql: `CAST(${s} AS ${type === "int" ? "INTEGER" : "BIGINT"})`,
        type,
        value: Number(s),
        notNull: true,
      };
    }
    case "real": {
      const num = Number(textOf(v));
      if (!Number.isFinite(num)) throw n.unsupported("non-finite real literal");
      return { sql: `CAST(${String(num)} AS DOUBLE)`, type, value: num, notNull: true };
    }
    case "timespan": {
      const ticks = (v as { ticks?: { toString(): string } }).ticks;
      if (ticks === undefined || /^(time|timespan)\s*\(/i.test(n.text.trim()))
        throw n.unsupported("timespan literal form (use 1d, 2h, 30m, 10s, 100ms)");
      const micros = BigInt(ticks.toString()) / 10n;
      return { sql: intervalSql(micros), type, value: Number(micros), notNull: true };
    }
    case "datetime": {
      const inner = /^datetime\s*\(\s*(.*?)\s*\)$/is.exec(n.text.trim())?.[1];
      const iso = inner ? parseKqlDatetime(inner) : undefined;
      if (!iso) throw n.unsupported("datetime literal");
      return { sql: timestampSql(iso), type, value: iso, notNull: true };
    }
    default:
      throw n.unsupported(`${type} literal`);
  }
}

/** ISO 8601 text of a KQL datetime literal body (UTC when no zone is given); undefined when unparsable. */
export function parseKqlDatetime(text: string): string | undefined {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return undefined;
  const withZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(t) ? t : `${t.replace(" ", "T")}Z`;
  const d = new Date(withZone.replace(" ", "T"));
  if (Number.isNaN(d.getTime())) return undefined;
  // Keep sub-millisecond digits Kusto may carry (Date drops them).
  const frac = /\.(\d{4,7})/.exec(t)?.[1];
  const base = d.toISOString();
  return frac ? base.replace(/\.\d{3}Z$/, `.${frac.slice(0, 6).padEnd(6, "0")}Z`) : base;
}

/** The JS value of a JSON-literal syntax node inside `dynamic(...)`. */
function jsonValue(n: Syn): unknown {
  switch (n.kind) {
    case "JsonArrayExpression":
      return n.list("Values").map(jsonValue);
    case "JsonObjectExpression": {
      const o: Record<string, unknown> = {};
      for (const p of n.list("Pairs")) {
        o[p.tokenValue("Name")] = jsonValue(p.req("Value"));
      }
      return o;
    }
    case "NullLiteralExpression":
      return null;
    default: {
      const lit = literal(n);
      if (lit.type === "long" || lit.type === "int" || lit.type === "real") return Number(lit.value);
      return lit.value ?? null;
    }
  }
}

function dynamicLiteral(n: Syn): Lit {
  const value = jsonValue(n.req("Expression"));
  if (value === null) return { sql: "CAST(NULL AS JSON)", type: "dynamic", value: null };
  return { sql: `CAST(${str(JSON.stringify(value))} AS JSON)`, type: "dynamic", value, notNull: true };
}

function nameRef(n: Syn, ctx: Ctx, scope: Scope): Lit {
  const sym = n.symbol;
  const name = n.simpleName;
  if (sym?.kind === "column") return { sql: ident(name), type: n.scalarType() };
  if (sym?.kind === "variable" || sym?.kind === "parameter") {
    const b = ctx.lookup(sym.raw, name);
    if (b?.kind === "scalar")
      return { sql: `(${b.sql})`, type: b.type, value: b.value, notNull: b.value != null };
    if (!b && scope.left === undefined) throw n.unsupported(`reference to ${name}`);
  }
  if (sym?.kind === "function") return callFunction(n, ctx, scope);
  throw n.unsupported(`reference to ${name}`);
}

/** `d.a`, `d["a"]`, `d[0]`, `$left.x`, `$right.y`. */
function access(n: Syn, ctx: Ctx, scope: Scope): Lit {
  const base = n.req("Expression");
  if (n.kind === "PathExpression" && base.kind === "NameReference") {
    const side = base.simpleName;
    if (side === "$left" || side === "$right") {
      const alias = side === "$left" ? scope.left : scope.right;
      if (!alias) throw n.unsupported(`${side} outside a join condition`);
      const col = n.req("Selector");
      return { sql: `${alias}.${ident(col.simpleName)}`, type: n.scalarType() };
    }
  }
  const steps: (string | number | Sql)[] = [];
  let cur: Syn = n;
  while (cur.kind === "PathExpression" || cur.kind === "ElementExpression") {
    const inner = cur.req("Expression");
    if (inner.scalarTypeOrUndefined() !== "dynamic") break;
    steps.unshift(pathStep(cur, ctx, scope));
    cur = inner;
  }
  if (cur === n) throw n.unsupported("member access on a non-dynamic value");
  const root = scalar(cur, ctx, scope);
  return { sql: jsonPath(root.sql, steps), type: "dynamic" };
}

function between(n: Syn, ctx: Ctx, scope: Scope): Lit {
  const x = scalar(n.req("Left"), ctx, scope);
  const couple = n.req("Right");
  const lo = scalar(couple.req("First"), ctx, scope);
  let hi = scalar(couple.req("Second"), ctx, scope);
  // `between (t .. 1h)`: a timespan upper bound is relative to the lower one.
  if (x.type === "datetime" && hi.type === "timespan")
    hi = { sql: `(${lo.sql} + ${hi.sql})`, type: "datetime" };
  const [xl, l] = meet(x, lo);
  const [xh, h] = meet(x, hi);
  const sql = `(${xl.sql} >= ${l.sql} AND ${xh.sql} <= ${h.sql})`;
  return { sql: n.kind === "NotBetweenExpression" ? `(NOT ${sql})` : sql, type: "bool" };
}

/** `==`: null and a value → false, both null → null (null-values doc). */
function equal(a: Lit, b: Lit): string {
  if (a.type === "string" || a.notNull || b.notNull) return `coalesce(${a.sql} = ${b.sql}, false)`;
  return `CASE WHEN ${a.sql} IS NULL AND ${b.sql} IS NULL THEN NULL ELSE coalesce(${a.sql} = ${b.sql}, false) END`;
}

/** `!=`: null and a value → true, both null → null (null-values doc). */
function notEqual(a: Lit, b: Lit): string {
  if (a.type === "string" || a.notNull || b.notNull) return `(${a.sql} IS DISTINCT FROM ${b.sql})`;
  return `CASE WHEN ${a.sql} IS NULL AND ${b.sql} IS NULL THEN NULL ELSE ${a.sql} IS DISTINCT FROM ${b.sql} END`;
}

function binary(n: Syn, ctx: Ctx, scope: Scope): Lit {
  const op = n.token("Operator").toLowerCase().replace(/\s+/g, " ");
  const left = scalar(n.req("Left"), ctx, scope);
  const right = scalar(n.req("Right"), ctx, scope);
  const type = n.scalarType();
  const b = (sql: string): Lit => ({ sql, type: "bool" });
  switch (op) {
    case "and":
      return b(`(${left.sql} AND ${right.sql})`);
    case "or":
      return b(`(${left.sql} OR ${right.sql})`);
    case "==":
    case "!=": {
      const [l, r] = meet(left, right);
      const ll = { ...left, ...l };
      const rr = { ...right, ...r };
      if (l.type === "dynamic" && r.type === "dynamic") {
        const tl = { ...ll, sql: `json(${l.sql})` };
        const tr = { ...rr, sql: `json(${r.sql})` };
        return b(op === "==" ? equal(tl, tr) : notEqual(tl, tr));
      }
      return b(op === "==" ? equal(ll, rr) : notEqual(ll, rr));
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const [l, r] = meet(left, right);
      return b(`(${l.sql} ${op} ${r.sql})`);
    }
    case "=~":
      return b(`(lower(${asText(left)}) = lower(${asText(right)}))`);
    case "!~":
      return b(`(lower(${asText(left)}) <> lower(${asText(right)}))`);
    case "+":
    case "-":
    case "*":
    case "%":
      return { sql: arithmetic(op, left, right, type), type };
    case "/":
      if (left.type === "timespan" && right.type === "timespan")
        return { sql: `(epoch_us(${left.sql}) / epoch_us(${right.sql}))`, type };
      if (left.type === "timespan")
        return { sql: `to_microseconds(CAST(epoch_us(${left.sql}) / ${right.sql} AS BIGINT))`, type };
      // Kusto divides integers as integers (truncating); DuckDB's `/` would give a double.
      return { sql: `(${left.sql} ${isIntegral(type) ? "//" : "/"} ${right.sql})`, type };
    case "matches regex":
      return b(`regexp_matches(${asText(left)}, ${asText(right)})`);
    default:
      return b(stringOp(n, op, left, right));
  }
}

function arithmetic(op: string, l: Lit, r: Lit, type: KqlType): string {
  if (op === "*" && (l.type === "timespan" || r.type === "timespan")) {
    const [ts, k] = l.type === "timespan" ? [l, r] : [r, l];
    return `to_microseconds(CAST(epoch_us(${ts.sql}) * ${k.sql} AS BIGINT))`;
  }
  const [a, c] = meet(l, r);
  if (type === "real" && isIntegral(a.type) && isIntegral(c.type))
    return `(CAST(${a.sql} AS DOUBLE) ${op} ${c.sql})`;
  return `(${a.sql} ${op} ${c.sql})`;
}

/** The string operators; `has` is term matching (see sqltext.termPattern), `contains` a plain substring. */
function stringOp(n: Syn, op: string, left: Lit, right: Lit): string {
  const negate = op.startsWith("!");
  const base = negate ? op.slice(1) : op;
  const cs = base.endsWith("_cs");
  const name = cs ? base.slice(0, -3) : base;
  const needle = typeof right.value === "string" ? right.value : undefined;
  let sql: string;
  switch (name) {
    case "has":
    case "hasprefix":
    case "hassuffix": {
      const text = asSearchText(left);
      if (needle !== undefined) {
        let p = termPattern(needle);
        if (name === "hasprefix") p = p.replace(/\(\?:\$\|\[\^0-9A-Za-z\]\)$/, "");
        if (name === "hassuffix") p = p.replace(/^\(\?:\^\|\[\^0-9A-Za-z\]\)/, "");
        sql = `regexp_matches(${text}, ${str(`(?s${cs ? "" : "i"})${p}`)})`;
      } else {
        if (name !== "has") throw n.unsupported(`${op} with a non-constant right side`);
        sql = `regexp_matches(${text}, '(?s${cs ? "" : "i"})' || kql_term_re(${asText(right)}))`;
      }
      break;
    }
    case "contains":
      sql = cs
        ? `contains(${asText(left)}, ${asText(right)})`
        : `contains(lower(${asText(left)}), ${needle !== undefined ? str(needle.toLowerCase()) : `lower(${asText(right)})`})`;
      break;
    case "startswith":
    case "endswith": {
      const fn = name === "startswith" ? "starts_with" : "ends_with";
      sql = cs
        ? `${fn}(${asText(left)}, ${asText(right)})`
        : `${fn}(lower(${asText(left)}), ${needle !== undefined ? str(needle.toLowerCase()) : `lower(${asText(right)})`})`;
      break;
    }
    default:
      throw n.unsupported(`operator ${op}`);
  }
  return negate ? `(NOT ${sql})` : sql;
}

/** `has_any` / `has_all`: needles are constants (literals, constant lets, or prefetched tabular values). */
function hasAnyAll(n: Syn, ctx: Ctx, scope: Scope): string {
  const left = scalar(n.req("Left"), ctx, scope);
  const text = asSearchText(left);
  const all = n.kind === "HasAllExpression";
  const needles = stringNeedles(n.req("Right").list("Expressions"), ctx, scope);
  if (needles.kind === "sql") {
    // First pass (or no engine): an equivalent pattern built in SQL from the values.
    if (all) throw n.unsupported("has_all over a tabular expression");
    return `coalesce(regexp_matches(${text}, (SELECT '(?is)(?:' || string_agg(kql_term_re(v), '|') || ')' FROM (${needles.sql}) AS _n(v) WHERE v <> '')), false)`;
  }
  // Empty needles are dropped: an empty term never occurs in a string.
  const values = [...new Set(needles.values.filter((v) => v !== ""))];
  if (values.length === 0) return "FALSE";
  if (all)
    return `(${values.map((v) => `regexp_matches(${text}, ${str(`(?is)${termPattern(v)}`)})`).join(" AND ")})`;
  // Many needles: the engine's prefix-bucketed matcher (see needles.ts); RE2's DFA gives up on large alternations.
  if (ctx.needleSet && values.length > SMALL_NEEDLE_LIST)
    return `coalesce(kql_has_any_set(${text}, ${str(ctx.needleSet(values))}), false)`;
  // A few needles: one RE2 program, compiled once per query (a constant pattern).
  const chunks: string[] = [];
  for (let i = 0; i < values.length; i += 2000)
    chunks.push(`regexp_matches(${text}, ${str(anyTermPattern(values.slice(i, i + 2000)))})`);
  return chunks.length === 1 ? (chunks[0] ?? "FALSE") : `(${chunks.join(" OR ")})`;
}
