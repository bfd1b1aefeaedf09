/**
 * `join` and `lookup`. Flavors per https://learn.microsoft.com/kusto/query/join-operator: the default `innerunique`
 * first removes rows of the left side with a duplicate key (one arbitrary row per key is kept,
 * https://learn.microsoft.com/kusto/query/join-innerunique), then joins inner. Null keys never match.
 */
import type { Ctx, Rel } from "./context.js";
import { scalar } from "./scalar.js";
import { ident } from "./sqltext.js";
import type { Syn } from "./syntax.js";
import { tabular } from "./tabular.js";

interface Keys {
  on: string;
  /** Left-side key expressions (for innerunique's dedup). */
  leftKeys: string[];
  /** Columns named by `on Col` (lookup drops them from the right side). */
  shared: string[];
}

function param(op: Syn, name: string): string | undefined {
  for (const p of op.list("Parameters"))
    if (p.req("Name").simpleName.toLowerCase() === name) return p.req("Expression").text.trim().toLowerCase();
  return undefined;
}

function splitAnd(e: Syn): Syn[] {
  if (e.kind === "AndExpression") return [...splitAnd(e.req("Left")), ...splitAnd(e.req("Right"))];
  if (e.kind === "ParenthesizedExpression") return splitAnd(e.req("Expression"));
  return [e];
}

function keys(op: Syn, clauseProp: string, ctx: Ctx): Keys {
  const clause = op.req(clauseProp);
  if (clause.kind !== "JoinOnClause") throw clause.unsupported("join condition (use `on`)");
  const conds: string[] = [];
  const leftKeys: string[] = [];
  const shared: string[] = [];
  for (const e of clause.list("Expressions").flatMap(splitAnd)) {
    if (e.kind === "NameReference") {
      const c = ident(e.simpleName);
      conds.push(`l.${c} = r.${c}`);
      leftKeys.push(c);
      shared.push(e.simpleName);
      continue;
    }
    if (e.kind === "EqualExpression") {
      const a = e.req("Left");
      const b = e.req("Right");
      const side = (x: Syn): string => (x.kind === "PathExpression" ? x.req("Expression").simpleName : "");
      const [l, r] = side(a) === "$right" ? [b, a] : [a, b];
      if (side(l) !== "$left" || side(r) !== "$right")
        throw e.unsupported("join condition (use $left.a == $right.b)");
      const scope = { left: "l", right: "r" };
      conds.push(`${scalar(l, ctx, scope).sql} = ${scalar(r, ctx, scope).sql}`);
      leftKeys.push(ident(l.req("Selector").simpleName));
      continue;
    }
    throw e.unsupported("join condition");
  }
  if (!conds.length) throw clause.unsupported("join without keys");
  return { on: conds.join(" AND "), leftKeys, shared };
}

export function join(op: Syn, left: Rel, ctx: Ctx): Rel {
  const kind = param(op, "kind") ?? "innerunique";
  const right = tabular(op.req("Expression"), ctx);
  const k = keys(op, "ConditionClause", ctx);
  const cols = op.columns();
  const L = `(${left.sql}) AS l`;
  const R = `(${right.sql}) AS r`;
  const pick = (alias: string, src: Rel, offset: number): string[] =>
    src.cols.map((c, i) => `${alias}.${ident(c.name)} AS ${ident(cols[offset + i]?.name ?? c.name)}`);
  switch (kind) {
    case "leftsemi":
    case "leftanti":
      return {
        sql: `SELECT l.* FROM ${L} ${kind === "leftsemi" ? "SEMI" : "ANTI"} JOIN ${R} ON ${k.on}`,
        cols,
      };
    case "rightsemi":
    case "rightanti":
      // Same condition, the right side kept: r is the preserved side.
      return {
        sql: `SELECT r.* FROM ${R} ${kind === "rightsemi" ? "SEMI" : "ANTI"} JOIN ${L} ON ${k.on}`,
        cols,
      };
    case "inner":
    case "innerunique":
    case "leftouter":
    case "rightouter":
    case "fullouter": {
      if (cols.length !== left.cols.length + right.cols.length) throw op.unsupported("join output columns");
      const sqlKind =
        kind === "leftouter"
          ? "LEFT"
          : kind === "rightouter"
            ? "RIGHT"
            : kind === "fullouter"
              ? "FULL OUTER"
              : "INNER";
      const leftSide =
        kind === "innerunique"
          ? `(SELECT DISTINCT ON (${k.leftKeys.join(", ")}) * FROM (${left.sql}) AS _d) AS l`
          : L;
      const list = [...pick("l", left, 0), ...pick("r", right, left.cols.length)];
      return { sql: `SELECT ${list.join(", ")} FROM ${leftSide} ${sqlKind} JOIN ${R} ON ${k.on}`, cols };
    }
    default:
      throw op.unsupported(`join kind=${kind}`);
  }
}

/** `lookup` (kind=leftouter by default, or inner): the right side's `on` columns are not repeated. */
export function lookup(op: Syn, left: Rel, ctx: Ctx): Rel {
  const kind = param(op, "kind") ?? "leftouter";
  if (kind !== "leftouter" && kind !== "inner") throw op.unsupported(`lookup kind=${kind}`);
  const right = tabular(op.req("Expression"), ctx);
  const k = keys(op, "LookupClause", ctx);
  const cols = op.columns();
  const rightCols = right.cols.filter((c) => !k.shared.includes(c.name));
  if (cols.length !== left.cols.length + rightCols.length) throw op.unsupported("lookup output columns");
  const list = [
    ...left.cols.map((c, i) => `l.${ident(c.name)} AS ${ident(cols[i]?.name ?? c.name)}`),
    ...rightCols.map((c, i) => `r.${ident(c.name)} AS ${ident(cols[left.cols.length + i]?.name ?? c.name)}`),
  ];
  return {
    sql: `SELECT ${list.join(", ")} FROM (${left.sql}) AS l ${kind === "inner" ? "INNER" : "LEFT"} JOIN (${right.sql}) AS r ON ${k.on}`,
    cols,
  };
}
