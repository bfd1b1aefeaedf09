/**
 * Tabular expressions and query operators → one SELECT each, nested. Output columns (names, order and types) are
 * always the ones Kusto.Language inferred for the operator, so naming rules (Column1, Key1, arg_max's columns) are
 * Kusto's own.
 */
import { toStringSql } from "./coerce.js";
import { ROW, type Ctx, type Rel } from "./context.js";
import { summarize } from "./aggregates.js";
import { join, lookup } from "./join.js";
import { nullSql } from "./literals.js";
import { mvExpand } from "./mvexpand.js";
import { scalar } from "./scalar.js";
import { helperColumn, ident, str } from "./sqltext.js";
import type { Syn } from "./syntax.js";
import { duckType, type KqlColumn } from "./types.js";

const from = (r: Rel): string => `FROM (${r.sql}) AS _t`;

/** Table columns once each: DuckDB identifiers are case-insensitive (`Isp` and `ISP` are one stored column). */
function distinctCi(cols: readonly KqlColumn[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of cols) {
    const k = c.name.toLowerCase();
    if (!seen.has(k)) {
      seen.add(k);
      out.push(ident(c.name));
    }
  }
  return out;
}

export function tabular(n: Syn, ctx: Ctx): Rel {
  switch (n.kind) {
    case "ParenthesizedExpression":
      return tabular(n.req("Expression"), ctx);
    case "MaterializeExpression":
      return tabular(n.req("Expression"), ctx);
    case "NameReference":
      return nameRef(n, ctx);
    case "PipeExpression":
      return operator(n.req("Operator"), tabular(n.req("Expression"), ctx), ctx);
    case "DataTableExpression":
      return datatable(n, ctx);
    case "PrintOperator":
      return project(n, "Expressions", undefined, ctx);
    case "UnionOperator":
      return union(n, undefined, ctx);
    default:
      throw n.unsupported();
  }
}

function nameRef(n: Syn, ctx: Ctx): Rel {
  const sym = n.symbol;
  const cols = n.columns();
  if (sym?.kind === "table")
    return { sql: `SELECT ${distinctCi(cols).join(", ")} FROM ${ident(sym.name)}`, cols };
  const b = ctx.lookup(sym?.raw, n.simpleName);
  if (b?.kind === "tabular") return { sql: `SELECT * FROM ${ident(b.cte)}`, cols: b.cols };
  throw n.unsupported(`reference to ${n.simpleName}`);
}

function operator(op: Syn, input: Rel, ctx: Ctx): Rel {
  switch (op.kind) {
    case "FilterOperator":
      return {
        sql: `SELECT * ${from(input)} WHERE ${scalar(op.req("Condition"), ctx, ROW).sql}`,
        cols: input.cols,
      };
    case "ExtendOperator":
      return extend(op, input, ctx);
    case "ProjectOperator":
      return project(op, "Expressions", input, ctx);
    case "ProjectAwayOperator":
    case "ProjectKeepOperator":
    case "ProjectReorderOperator":
      return reselect(op, input, new Map());
    case "ProjectRenameOperator": {
      const renames = new Map<string, string>();
      for (const e of op.list("Expressions")) {
        if (e.kind !== "SimpleNamedExpression") throw e.unsupported("project-rename item");
        renames.set(e.req("Name").simpleName, e.req("Expression").simpleName);
      }
      return reselect(op, input, renames);
    }
    case "SummarizeOperator":
      return summarize(op, input, ctx);
    case "DistinctOperator":
      return distinct(op, input, ctx);
    case "SortOperator":
      return {
        sql: `SELECT * ${from(input)} ORDER BY ${orderBy(op.list("Expressions"), ctx)}`,
        cols: input.cols,
      };
    case "TopOperator": {
      const by = op.req("ByExpression");
      return {
        sql: `SELECT * ${from(input)} ORDER BY ${orderBy([by], ctx)} LIMIT ${scalar(op.req("Expression"), ctx, ROW).sql}`,
        cols: input.cols,
      };
    }
    case "TakeOperator":
      return {
        sql: `SELECT * ${from(input)} LIMIT ${scalar(op.req("Expression"), ctx, ROW).sql}`,
        cols: input.cols,
      };
    case "CountOperator": {
      const cols = op.columns();
      return { sql: `SELECT count(*) AS ${ident(cols[0]?.name ?? "Count")} ${from(input)}`, cols };
    }
    case "JoinOperator":
      return join(op, input, ctx);
    case "LookupOperator":
      return lookup(op, input, ctx);
    case "UnionOperator":
      return union(op, input, ctx);
    case "MvExpandOperator":
      return mvExpand(op, input, ctx);
    case "AsOperator": {
      const name = op.req("Name").simpleName;
      const cte = ctx.fresh(`as_${name.replace(/\W/g, "")}`);
      ctx.ctes.push(`${ident(cte)} AS (${input.sql})`);
      ctx.bind(op.req("Name").symbol?.raw, name, { kind: "tabular", cte, cols: input.cols });
      return { sql: `SELECT * FROM ${ident(cte)}`, cols: input.cols };
    }
    default:
      throw op.unsupported();
  }
}

/** project-away / project-keep / project-reorder / project-rename: the analysed output columns, by name. */
function reselect(op: Syn, input: Rel, renames: Map<string, string>): Rel {
  const cols = op.columns();
  const list = cols.map((c) => {
    const src = renames.get(c.name);
    return src ? `${ident(src)} AS ${ident(c.name)}` : ident(c.name);
  });
  return { sql: `SELECT ${list.join(", ")} ${from(input)}`, cols };
}

function exprName(e: Syn): string | undefined {
  if (e.kind === "SimpleNamedExpression") return e.req("Name").simpleName;
  if (e.kind === "NameReference") return e.simpleName;
  return undefined;
}

function valueOf(e: Syn): Syn {
  if (e.kind === "CompoundNamedExpression") throw e.unsupported("(a, b) = ... assignment");
  return e.kind === "SimpleNamedExpression" ? e.req("Expression") : e;
}

/** `project` and `print`: one output column per expression, named as Kusto.Language named it. */
function project(op: Syn, listProp: string, input: Rel | undefined, ctx: Ctx): Rel {
  const cols = op.columns();
  const exprs = op.list(listProp);
  if (exprs.length !== cols.length) throw op.unsupported(`${op.kind} with expanding expressions`);
  const list = exprs.map((e, i) => `${scalar(valueOf(e), ctx, ROW).sql} AS ${ident(cols[i]?.name ?? "")}`);
  if (!input) return { sql: `SELECT ${list.join(", ")}`, cols };
  const shared = sharedExtractions(list.join(", "), input);
  return { sql: `SELECT ${shared.select} ${from(shared.input)}`, cols };
}

/**
 * One parse per document: a projection that reads several constant paths of one input column (`tostring(_r.Id)`,
 * `tostring(_r.UserId)`, … on an audit record's RawEventData) would have DuckDB parse the whole document once per
 * path. The paths are extracted together (one parse) in a layer below, and each extraction reads its element of that
 * list — the same value or NULL as the single-path call. When every read of the column is as text
 * (`json_extract_string("c", '/p')`, as coerce.dynamicText writes `tostring(c.p)`), the list is of texts
 * (`json_extract_string(doc, [p1, p2, …])`); otherwise of JSON values (`json_extract(doc, [...])`), a text read
 * taking its element's text.
 * Only calls on an input column with a simple pointer, as `jsonPath` and `dynamicText` write them, are rewritten, and
 * only in a projection without subqueries (where every such column name means the input's column). In SQL string
 * literals a quote is always doubled, so the pattern (a lone quote before `/`) never matches inside one.
 */
function sharedExtractions(select: string, input: Rel): { select: string; input: Rel } {
  if (/\bSELECT\b/i.test(select)) return { select, input };
  const names = new Map(input.cols.filter((c) => c.type === "dynamic").map((c) => [ident(c.name), c.name]));
  const re = /json_extract(_string)?\(("(?:[^"]|"")+"), '(\/[A-Za-z0-9_~/]*)'\)/g;
  const paths = new Map<string, string[]>();
  const asJson = new Set<string>();
  for (const m of select.matchAll(re)) {
    const [, text, col = "", ptr = ""] = m;
    if (!names.has(col)) continue;
    const list = paths.get(col) ?? [];
    if (!list.includes(ptr)) list.push(ptr);
    paths.set(col, list);
    if (!text) asJson.add(col);
  }
  const used = new Set(input.cols.map((c) => c.name.toLowerCase()));
  const aliases = new Map<string, string>();
  const extra: string[] = [];
  for (const [col, list] of paths) {
    if (list.length < 2) continue;
    const alias = helperColumn("_mw_jx", used);
    aliases.set(col, alias);
    const pointers = `[${list.map((p) => str(p)).join(", ")}]`;
    // A list of texts is wrapped in a volatile no-op (random() < 2 always holds): DuckDB would otherwise copy the
    // extraction into a filter on one of its elements that it pushes below this projection (a `where` on
    // ResultStatus), parsing every document twice. A filter on an element of a list of JSON values reads it through
    // json_extract_string, which can throw: DuckDB does not move such a filter.
    extra.push(
      asJson.has(col)
        ? `json_extract(${col}, ${pointers}) AS ${alias}`
        : `CASE WHEN random() < 2 THEN json_extract_string(${col}, ${pointers}) END AS ${alias}`,
    );
  }
  if (!extra.length) return { select, input };
  const out = select.replace(re, (all, text: string | undefined, col: string, ptr: string) => {
    const alias = aliases.get(col);
    const i = paths.get(col)?.indexOf(ptr) ?? -1;
    if (!alias || i < 0) return all;
    const el = `${alias}[${i + 1}]`;
    return text && asJson.has(col) ? `json_extract_string(${el}, '$')` : el;
  });
  return { select: out, input: { sql: `SELECT *, ${extra.join(", ")} ${from(input)}`, cols: input.cols } };
}

/** `extend`: one layer per expression, so a later expression can use an earlier one (as in Kusto). */
function extend(op: Syn, input: Rel, ctx: Ctx): Rel {
  const outCols = op.columns();
  const inNames = new Set(input.cols.map((c) => c.name));
  const named = new Set(
    op.list("Expressions").flatMap((e) => (e.kind === "SimpleNamedExpression" ? [exprName(e)] : [])),
  );
  const generated = outCols.filter((c) => !inNames.has(c.name) && !named.has(c.name)).map((c) => c.name);
  let rel = input;
  for (const e of op.list("Expressions")) {
    const name = e.kind === "SimpleNamedExpression" ? exprName(e) : generated.shift();
    if (!name) throw e.unsupported("extend expression name");
    const v = scalar(valueOf(e), ctx, ROW);
    const exists = rel.cols.some((c) => c.name === name);
    const sql = exists
      ? `SELECT * REPLACE (${v.sql} AS ${ident(name)}) ${from(rel)}`
      : `SELECT *, ${v.sql} AS ${ident(name)} ${from(rel)}`;
    const cols = exists
      ? rel.cols.map((c) => (c.name === name ? { name, type: v.type } : c))
      : [...rel.cols, { name, type: v.type }];
    rel = { sql, cols };
  }
  return { sql: rel.sql, cols: outCols };
}

function distinct(op: Syn, input: Rel, ctx: Ctx): Rel {
  const cols = op.columns();
  const exprs = op.list("Expressions");
  if (exprs.length === 1 && exprs[0]?.kind === "StarExpression")
    return { sql: `SELECT DISTINCT * ${from(input)}`, cols };
  if (exprs.length !== cols.length) throw op.unsupported("distinct list");
  const list = exprs.map((e, i) => `${scalar(valueOf(e), ctx, ROW).sql} AS ${ident(cols[i]?.name ?? "")}`);
  return { sql: `SELECT DISTINCT ${list.join(", ")} ${from(input)}`, cols };
}

/**
 * `sort by` / `order by` / `top`: descending by default; nulls first when ascending and last when descending unless
 * `nulls first|last` says otherwise (https://learn.microsoft.com/kusto/query/sort-operator).
 */
function orderBy(items: readonly Syn[], ctx: Ctx): string {
  return items
    .map((item) => {
      const expr = item.kind === "OrderedExpression" ? item.req("Expression") : item;
      const ordering =
        item.kind === "OrderedExpression" ? (item.prop("Ordering")?.text.toLowerCase() ?? "") : "";
      const asc = /\basc\b/.test(ordering);
      const nulls = /nulls\s+first/.test(ordering)
        ? "FIRST"
        : /nulls\s+last/.test(ordering)
          ? "LAST"
          : asc
            ? "FIRST"
            : "LAST";
      return `${scalar(expr, ctx, ROW).sql} ${asc ? "ASC" : "DESC"} NULLS ${nulls}`;
    })
    .join(", ");
}

function datatable(n: Syn, ctx: Ctx): Rel {
  const cols = n.columns();
  const values = n.list("Values");
  if (cols.length === 0) throw n.unsupported("datatable without columns");
  if (values.length % cols.length !== 0) throw n.unsupported("datatable with a partial row");
  const typed = cols.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`).join(", ");
  if (values.length === 0) return { sql: `SELECT ${typed} WHERE FALSE`, cols };
  const rows: string[] = [];
  for (let i = 0; i < values.length; i += cols.length) {
    const row = cols.map((c, j) => {
      const v = values[i + j];
      if (!v) throw n.unsupported("datatable value");
      const e = scalar(v, ctx, ROW);
      if (c.type === "string" && e.type !== "string") return toStringSql(e);
      return e.type === c.type ? e.sql : `CAST(${e.sql} AS ${duckType(c.type)})`;
    });
    rows.push(`(${row.join(", ")})`);
  }
  // The first SELECT fixes the column types; VALUES alone would infer them from the first row.
  return {
    sql: `SELECT * FROM (SELECT ${typed} WHERE FALSE UNION ALL SELECT * FROM (VALUES ${rows.join(", ")}) AS _v(${cols.map((c) => ident(c.name)).join(", ")})) AS _d`,
    cols,
  };
}

function param(op: Syn, name: string): string | undefined {
  for (const p of op.list("Parameters"))
    if (p.req("Name").simpleName.toLowerCase() === name) return p.req("Expression").text.trim();
  return undefined;
}

/** `union`: columns by name; a leg without a column gives null ("" for strings); `withsource=` names the leg. */
function union(op: Syn, input: Rel | undefined, ctx: Ctx): Rel {
  const cols = op.columns();
  const withSource = param(op, "withsource");
  const fuzzy = /^true$/i.test(param(op, "isfuzzy") ?? "");
  const kind = param(op, "kind");
  if (kind && kind.toLowerCase() !== "outer") throw op.unsupported(`union kind=${kind}`);
  const legs: { rel: Rel; source: string }[] = [];
  if (input) legs.push({ rel: input, source: "union_arg0" });
  for (const e of op.list("Expressions")) {
    const isTable = e.kind === "NameReference";
    if (fuzzy && isTable && !e.isTabular()) continue; // isfuzzy: a missing table is skipped
    legs.push({ rel: tabular(e, ctx), source: isTable ? e.simpleName : `union_arg${legs.length}` });
  }
  if (legs.length === 0) throw op.unsupported("union without any existing table");
  const selects = legs.map(({ rel, source }) => {
    const list = cols.map((c) => {
      if (withSource && c.name === withSource) return `${str(source)} AS ${ident(c.name)}`;
      const same = rel.cols.find((x) => x.name === c.name);
      const typedName = rel.cols.find((x) => `${x.name}_${x.type}` === c.name);
      const src = same ?? typedName;
      if (!src) return `${nullSql(c.type)} AS ${ident(c.name)}`;
      const ref = ident(src.name);
      return `${src.type === c.type ? ref : `CAST(${ref} AS ${duckType(c.type)})`} AS ${ident(c.name)}`;
    });
    return `SELECT ${list.join(", ")} FROM (${rel.sql}) AS _u`;
  });
  return { sql: selects.map((s) => `(${s})`).join(" UNION ALL "), cols };
}
