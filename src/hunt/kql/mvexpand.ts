/**
 * `mv-expand`: one row per element of a dynamic array; a bag expands to one single-property bag per property
 * (https://learn.microsoft.com/kusto/query/mv-expand-operator). Several columns expand in parallel (shorter ones give
 * null), as DuckDB's multiple `unnest` in one SELECT does. Per the doc: a null value gives one row (null), an empty
 * array or bag gives no row.
 */
import { fromDynamic } from "./coerce.js";
import { ROW, type Ctx, type Rel } from "./context.js";
import { scalar } from "./scalar.js";
import { helperColumn, ident } from "./sqltext.js";
import type { Syn } from "./syntax.js";
import { kqlTypeOf, type KqlType } from "./types.js";

function elements(sql: string): string {
  return `CASE coalesce(json_type(${sql}), 'NULL') WHEN 'NULL' THEN [CAST(NULL AS JSON)] WHEN 'ARRAY' THEN CAST(${sql} AS JSON[]) WHEN 'OBJECT' THEN list_transform(json_keys(${sql}), k -> json_object(k, json_extract(${sql}, '/' || replace(replace(k, '~', '~0'), '/', '~1')))) ELSE [${sql}] END`;
}

export function mvExpand(op: Syn, input: Rel, ctx: Ctx): Rel {
  if (op.list("Parameters").length) throw op.unsupported("mv-expand parameters");
  if (op.prop("RowLimitClause")) throw op.unsupported("mv-expand limit");
  const cols = op.columns();
  const replaced: string[] = [];
  const added: string[] = [];
  const casts: { name: string; type: KqlType }[] = [];
  const inNames = new Set(input.cols.map((c) => c.name));
  // Names Kusto.Language gave unnamed expressions (`d.arr` → `d_arr`): the new output columns, in order.
  const named = new Set(
    op.list("Expressions").flatMap((i) => {
      const e = i.kind === "MvExpandExpression" ? i.req("Expression") : i;
      return e.kind === "SimpleNamedExpression" ? [e.req("Name").simpleName] : [];
    }),
  );
  const generated = cols.filter((c) => !inNames.has(c.name) && !named.has(c.name)).map((c) => c.name);
  // Values that are not a column are computed once, in a layer below (`elements` reads its value several times).
  const computed: { sql: string; ref: string }[] = [];
  const used = new Set(input.cols.map((c) => c.name.toLowerCase()));
  for (const item of op.list("Expressions")) {
    const e = item.kind === "MvExpandExpression" ? item.req("Expression") : item;
    const name =
      e.kind === "SimpleNamedExpression"
        ? e.req("Name").simpleName
        : e.kind === "NameReference"
          ? e.simpleName
          : generated.shift();
    if (!name) throw e.unsupported("mv-expand of an unnamed expression");
    const value = scalar(e.kind === "SimpleNamedExpression" ? e.req("Expression") : e, ctx, ROW);
    const typeOf = item.kind === "MvExpandExpression" ? item.prop("ToTypeOf") : undefined;
    const target = typeOf ? kqlTypeOf(/typeof\s*\(\s*(\w+)/i.exec(typeOf.text)?.[1] ?? "") : "dynamic";
    if (!target) throw typeOf?.unsupported("mv-expand to typeof") ?? op.unsupported();
    let ref = value.sql;
    if (!/^"(?:[^"]|"")+"$/.test(ref)) {
      ref = helperColumn("_mw_mv", used);
      computed.push({ sql: value.sql, ref });
    }
    const un = `unnest(${elements(ref)}) AS ${ident(name)}`;
    if (input.cols.some((c) => c.name === name)) replaced.push(un);
    else added.push(un);
    casts.push({ name, type: target });
  }
  const head = replaced.length ? `* REPLACE (${replaced.join(", ")})` : "*";
  const source = computed.length
    ? `SELECT *, ${computed.map((c) => `${c.sql} AS ${c.ref}`).join(", ")} FROM (${input.sql}) AS _v`
    : input.sql;
  const helpers = computed.map((c) => c.ref).join(", ");
  const expanded = computed.length
    ? `SELECT * EXCLUDE (${helpers}) FROM (SELECT ${[head, ...added].join(", ")} FROM (${source}) AS _t) AS _e`
    : `SELECT ${[head, ...added].join(", ")} FROM (${source}) AS _t`;
  const conv = casts.filter((c) => c.type !== "dynamic");
  if (!conv.length) return { sql: expanded, cols };
  const repl = conv
    .map((c) => {
      const v = fromDynamic(ident(c.name), c.type);
      return `${c.type === "string" ? `coalesce(${v}, '')` : v} AS ${ident(c.name)}`;
    })
    .join(", ");
  return { sql: `SELECT * REPLACE (${repl}) FROM (${expanded}) AS _x`, cols };
}
