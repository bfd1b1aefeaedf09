/**
 * `summarize`: aggregates skip nulls (https://learn.microsoft.com/kusto/query/scalar-data-types/null-values,
 * "Null values and aggregate functions"); without `by` an empty input still gives one row (count 0), with `by` none.
 */
import { coerce } from "./coerce.js";
import { ROW, type Ctx, type Rel } from "./context.js";
import { scalar, type Lit } from "./scalar.js";
import { ident } from "./sqltext.js";
import type { Syn } from "./syntax.js";
import { duckType, isIntegral, type KqlColumn } from "./types.js";

interface AggOut {
  /** SQL per output column, in order. */
  exprs: string[];
  /** Extra GROUP BY-level columns an outer SELECT unpacks (arg_max structs). */
  structs?: { name: string; sql: string; fields: string[] };
}

function unwrapNamed(n: Syn): Syn {
  return n.kind === "SimpleNamedExpression" ? n.req("Expression") : n;
}

function emptyArrayIfNull(sql: string): string {
  return `coalesce(${sql}, CAST('[]' AS JSON))`;
}

function limitList(list: string, max: Lit | undefined): string {
  return max ? `list_slice(${list}, 1, ${max.sql})` : list;
}

export function summarize(op: Syn, input: Rel, ctx: Ctx): Rel {
  const out = op.columns();
  const byClause = op.prop("ByClause");
  const byExprs = byClause ? byClause.list("Expressions") : [];
  const byNames: string[] = [];
  const bySql: string[] = [];
  byExprs.forEach((b, i) => {
    const col = out[i];
    if (!col) throw b.unsupported("summarize by column");
    byNames.push(col.name);
    bySql.push(scalar(unwrapNamed(b), ctx, ROW).sql);
  });
  const byColumnRefs = new Set(
    byExprs.map(unwrapNamed).flatMap((b) => (b.kind === "NameReference" ? [b.simpleName] : [])),
  );
  const rest = out.slice(byExprs.length);
  let idx = 0;
  const select: string[] = bySql.map((s, i) => `${s} AS ${ident(byNames[i] ?? "")}`);
  const outer: string[] = byNames.map((n) => ident(n));
  for (const a of op.list("Aggregates")) {
    const fn = unwrapNamed(a);
    if (fn.kind !== "FunctionCallExpression")
      throw fn.unsupported("summarize expression that is not an aggregate call");
    const name = (fn.symbol?.name ?? fn.req("Name").simpleName).toLowerCase();
    const args = fn.req("ArgumentList").list("Expressions");
    if (name === "arg_max" || name === "arg_min") {
      const picked = argPick(fn, name, args, input.cols, byColumnRefs, ctx);
      const cols = rest.slice(idx, idx + picked.exprs.length);
      if (cols.length !== picked.exprs.length) throw fn.unsupported(`${name} column list`);
      idx += cols.length;
      const s = ctx.fresh("arg");
      const fields = cols.map((_, i) => `f${i}`);
      select.push(
        `${name}({${picked.exprs.map((e, i) => `'${fields[i] ?? ""}': ${e}`).join(", ")}}, ${picked.by}) AS ${ident(s)}`,
      );
      cols.forEach((c, i) => outer.push(`${ident(s)}.${fields[i] ?? ""} AS ${ident(c.name)}`));
      continue;
    }
    const col = rest[idx++];
    if (!col) throw fn.unsupported("aggregate output");
    select.push(`${aggregate(fn, name, args, col, ctx).exprs[0] ?? ""} AS ${ident(col.name)}`);
    outer.push(ident(col.name));
  }
  if (idx !== rest.length) throw op.unsupported("summarize output columns");
  const group = bySql.length ? ` GROUP BY ${bySql.join(", ")}` : "";
  const inner = `SELECT ${select.join(", ")} FROM (${input.sql}) AS _t${group}`;
  return { sql: `SELECT ${outer.join(", ")} FROM (${inner}) AS _g`, cols: out };
}

function argPick(
  fn: Syn,
  name: string,
  args: Syn[],
  inputCols: KqlColumn[],
  byColumnRefs: Set<string>,
  ctx: Ctx,
): { exprs: string[]; by: string } {
  const [first, ...others] = args;
  if (!first) throw fn.unsupported(`${name} without arguments`);
  const by = scalar(unwrapNamed(first), ctx, ROW);
  const exprs = [by.sql];
  const firstName = unwrapNamed(first).kind === "NameReference" ? unwrapNamed(first).simpleName : undefined;
  for (const o of others) {
    if (o.kind === "StarExpression") {
      for (const c of inputCols)
        if (!byColumnRefs.has(c.name) && c.name !== firstName) exprs.push(ident(c.name));
    } else exprs.push(scalar(unwrapNamed(o), ctx, ROW).sql);
  }
  return { exprs, by: by.sql };
}

function aggregate(fn: Syn, name: string, args: Syn[], col: KqlColumn, ctx: Ctx): AggOut {
  const arg = (i: number): Lit => {
    const a = args[i];
    if (!a) throw fn.unsupported(`${name} without argument ${i + 1}`);
    return scalar(a, ctx, ROW);
  };
  const optArg = (i: number): Lit | undefined => (args[i] ? arg(i) : undefined);
  const one = (sql: string): AggOut => ({ exprs: [sql] });
  switch (name) {
    case "count":
      return one("count(*)");
    case "countif":
      return one(`count(*) FILTER (WHERE ${arg(0).sql})`);
    case "dcount":
      return one(`count(DISTINCT ${arg(0).sql})`);
    case "dcountif":
      return one(`count(DISTINCT ${arg(0).sql}) FILTER (WHERE ${arg(1).sql})`);
    case "sum":
    case "sumif": {
      const x = arg(0);
      const f = name === "sumif" ? ` FILTER (WHERE ${arg(1).sql})` : "";
      const s = `sum(${x.sql})${f}`;
      return one(isIntegral(col.type) ? `CAST(${s} AS ${duckType(col.type)})` : s);
    }
    case "avg":
      return one(`avg(${arg(0).sql})`);
    case "min":
    case "max":
      return one(`${name}(${arg(0).sql})`);
    case "minif":
    case "maxif":
      return one(`${name.slice(0, 3)}(${arg(0).sql}) FILTER (WHERE ${arg(1).sql})`);
    case "any":
    case "take_any": {
      if (args.length !== 1) throw fn.unsupported(`${name} of several columns`);
      return one(`any_value(${arg(0).sql})`);
    }
    case "anyif":
    case "take_anyif": {
      // any_value skips nulls, as take_anyif does (https://learn.microsoft.com/kusto/query/take-anyif-aggregate-function);
      // no matching row leaves a string empty (a KQL string is never null), another type null
      const v = `any_value(${arg(0).sql}) FILTER (WHERE ${arg(1).sql})`;
      return one(col.type === "string" ? `coalesce(${v}, '')` : v);
    }
    case "make_set":
    case "make_list": {
      const x = arg(0);
      const distinct = name === "make_set" ? "DISTINCT " : "";
      const list = `list(${distinct}${x.sql}) FILTER (WHERE ${x.sql} IS NOT NULL)`;
      return one(emptyArrayIfNull(`to_json(${limitList(list, optArg(1))})`));
    }
    case "make_set_if":
    case "make_list_if": {
      const x = arg(0);
      const distinct = name === "make_set_if" ? "DISTINCT " : "";
      const list = `list(${distinct}${x.sql}) FILTER (WHERE ${x.sql} IS NOT NULL AND ${arg(1).sql})`;
      return one(emptyArrayIfNull(`to_json(${limitList(list, optArg(2))})`));
    }
    case "make_bag":
    case "make_bag_if": {
      const x = coerce(arg(0), "dynamic");
      const cond = name === "make_bag_if" ? ` AND ${arg(1).sql}` : "";
      const list = `list(${x.sql}) FILTER (WHERE json_type(${x.sql}) = 'OBJECT'${cond})`;
      return one(`coalesce(list_reduce(${list}, (a, b) -> json_merge_patch(a, b)), CAST('{}' AS JSON))`);
    }
    default:
      throw fn.unsupported(`aggregate ${name}()`);
  }
}
