/** Scalar functions of the supported subset (README.md lists them; anything else is KqlUnsupportedError). */
import { asText, coerce, fromDynamic, toStringSql } from "./coerce.js";
import type { Ctx, Scope, Sql } from "./context.js";

import { scalar, type Lit } from "./scalar.js";
import { str } from "./sqltext.js";
import type { Syn } from "./syntax.js";
import { toScalarSql } from "./toscalar.js";
import { duckType, isIntegral, type KqlType } from "./types.js";

type Fn = (a: Args) => Lit | string;

class Args {
  constructor(
    readonly node: Syn,
    readonly nodes: readonly Syn[],
    readonly ctx: Ctx,
    readonly scope: Scope,
  ) {}
  get type(): KqlType {
    return this.node.scalarType();
  }
  at(i: number): Lit {
    const n = this.nodes[i];
    if (!n) throw this.node.unsupported(`${this.node.kind} without argument ${i + 1}`);
    return scalar(n, this.ctx, this.scope);
  }
  opt(i: number): Lit | undefined {
    return this.nodes[i] ? this.at(i) : undefined;
  }
  all(): Lit[] {
    return this.nodes.map((_, i) => this.at(i));
  }
  get count(): number {
    return this.nodes.length;
  }
  /** A constant string argument (datetime_diff part, format strings, regexes where they must be constant). */
  constString(i: number): string {
    const v = this.at(i).value;
    if (typeof v !== "string") throw (this.nodes[i] ?? this.node).unsupported("non-constant string argument");
    return v;
  }
  fail(what: string): never {
    throw this.node.unsupported(what);
  }
}

const json = (sql: string): Lit => ({ sql, type: "dynamic" });
const listOf = (e: Sql): string => `CAST(${e.sql} AS JSON[])`;
const isArray = (e: Sql): string => `(json_type(${e.sql}) = 'ARRAY')`;

/** A value as a JSON element (dynamic stays, others are converted). */
function asJson(e: Sql): string {
  if (e.type === "dynamic") return e.sql;
  if (e.type === "datetime" || e.type === "timespan") return `to_json(${toStringSql(e)})`;
  return `to_json(${e.sql})`;
}

/** Constant JS value of a dynamic array built from constant elements (lets `in (list)` inline it). */
function constArray(items: Lit[]): unknown[] | undefined {
  if (!items.every((i) => i.value !== undefined)) return undefined;
  return items.map((i) => i.value);
}

const DATE_PARTS: Record<string, string> = {
  year: "year",
  quarter: "quarter",
  month: "month",
  week: "week",
  day: "day",
  hour: "hour",
  minute: "minute",
  second: "second",
  millisecond: "millisecond",
  microsecond: "microsecond",
};

function datePart(a: Args, i: number): string {
  const p = DATE_PARTS[a.constString(i).toLowerCase()];
  if (!p) a.fail(`date part ${a.constString(i)}`);
  return p;
}

/** Kusto format_datetime tokens → strftime (the common subset). */
function strftimeFormat(a: Args, fmt: string): string {
  const map: [RegExp, string][] = [
    [/yyyy/g, "%Y"],
    [/MM/g, "%m"],
    [/dd/g, "%d"],
    [/HH/g, "%H"],
    [/mm/g, "%M"],
    [/ss/g, "%S"],
    [/fffffff|ffffff/g, "%f"],
    [/fff/g, "%g"],
  ];
  if (/[^yMdHmsf \-:/.T_,]/.test(fmt)) a.fail(`format_datetime format ${fmt}`);
  let out = fmt.replaceAll("%", "%%");
  for (const [re, to] of map) out = out.replace(re, to);
  if (/[yMdHmsf]/.test(out.replace(/%[YmdHMSfg%]/g, ""))) a.fail(`format_datetime format ${fmt}`);
  return out;
}

function toType(a: Args, target: KqlType): Lit {
  const e = a.at(0);
  if (e.type === target) return e;
  if (e.type === "dynamic") return { sql: fromDynamic(e.sql, target), type: target };
  if (target === "string") return { sql: toStringSql(e), type: target };
  if (isIntegral(target) && e.type === "real")
    return { sql: `TRY_CAST(trunc(${e.sql}) AS ${duckType(target)})`, type: target };
  if (target === "datetime" && (e.type === "string" || e.type === "guid"))
    return { sql: fromDynamic(`to_json(${e.sql})`, "datetime"), type: target };
  if (target === "timespan" && e.type === "string")
    return { sql: `kql_parse_timespan(${e.sql})`, type: target };
  if (target === "bool" && isIntegral(e.type)) return { sql: `(${e.sql} <> 0)`, type: target };
  if (target === "bool" && e.type === "string")
    return { sql: `TRY_CAST(lower(${e.sql}) AS BOOLEAN)`, type: target };
  return { sql: `TRY_CAST(${e.sql} AS ${duckType(target)})`, type: target };
}

function isEmpty(e: Sql): string {
  if (e.type === "string" || e.type === "guid") return `(${e.sql} = '')`;
  if (e.type === "dynamic")
    return `(${e.sql} IS NULL OR json_type(${e.sql}) = 'NULL' OR (json_type(${e.sql}) = 'VARCHAR' AND json_extract_string(${e.sql}, '$') = ''))`;
  return `(${e.sql} IS NULL)`;
}

function isNull(e: Sql): string {
  if (e.type === "string" || e.type === "guid") return "FALSE";
  if (e.type === "dynamic") return `(${e.sql} IS NULL OR json_type(${e.sql}) = 'NULL')`;
  return `(${e.sql} IS NULL)`;
}

function binSql(a: Args): Lit {
  const x = a.at(0);
  const size = a.at(1);
  if (x.type === "datetime") {
    // Kusto bins datetimes from 0001-01-01; whole-day widths align the same from 2000-01-03 (a Monday, like 0001-01-01).
    return { sql: `time_bucket(${size.sql}, ${x.sql}, TIMESTAMP '2000-01-03 00:00:00')`, type: "datetime" };
  }
  if (x.type === "timespan")
    return {
      sql: `to_microseconds(CAST(floor(epoch_us(${x.sql}) / epoch_us(${size.sql})) * epoch_us(${size.sql}) AS BIGINT))`,
      type: "timespan",
    };
  const t = a.type;
  const sql = `(floor(${x.sql} / ${size.sql}) * ${size.sql})`;
  return { sql: isIntegral(t) ? `CAST(${sql} AS ${duckType(t)})` : sql, type: t };
}

function coalesceSql(a: Args): Lit {
  const args = a.all();
  const t = a.type;
  // For strings Kusto's coalesce takes the first non-empty value.
  if (t === "string")
    return { sql: `coalesce(${args.map((e) => `nullif(${asText(e)}, '')`).join(", ")}, '')`, type: t };
  return { sql: `coalesce(${args.map((e) => coerce(e, t).sql).join(", ")})`, type: t };
}

function caseSql(a: Args): Lit {
  const args = a.all();
  const t = a.type;
  const parts: string[] = [];
  for (let i = 0; i + 1 < args.length; i += 2) {
    const c = args[i];
    const v = args[i + 1];
    if (c && v) parts.push(`WHEN ${c.sql} THEN ${coerce(v, t).sql}`);
  }
  const last = args.at(-1);
  if (!last || args.length % 2 === 0) a.fail("case without an else value");
  return { sql: `CASE ${parts.join(" ")} ELSE ${coerce(last, t).sql} END`, type: t };
}

function iff(a: Args): Lit {
  const t = a.type;
  return {
    sql: `CASE WHEN ${a.at(0).sql} THEN ${coerce(a.at(1), t).sql} ELSE ${coerce(a.at(2), t).sql} END`,
    type: t,
  };
}

function strcat(a: Args): Lit {
  return { sql: `concat(${a.all().map(toStringSql).join(", ")})`, type: "string" };
}

function trimSql(a: Args, side: "both" | "start" | "end"): Lit {
  const re = a.at(0);
  const text = asText(a.at(1));
  const p = typeof re.value === "string" ? str(`(?:${re.value})+`) : `'(?:' || ${re.sql} || ')+'`;
  let sql = text;
  if (side !== "end") sql = `regexp_replace(${sql}, '^' || ${p}, '')`;
  if (side !== "start") sql = `regexp_replace(${sql}, ${p} || '$', '')`;
  return { sql, type: "string" };
}

function splitSql(a: Args): Lit {
  const parts = `string_split(${asText(a.at(0))}, ${asText(a.at(1))})`;
  const idx = a.opt(2);
  if (!idx) return json(`to_json(${parts})`);
  return json(`to_json(CASE WHEN ${idx.sql} < len(${parts}) THEN [${parts}[${idx.sql} + 1]] ELSE [] END)`);
}

function extractSql(a: Args): Lit {
  const re = asText(a.at(0));
  const group = a.at(1);
  const text = asText(a.at(2));
  // DuckDB wants a constant INTEGER group.
  if (typeof group.value !== "number") a.fail("extract with a non-constant group");
  const s = `coalesce(regexp_extract(${text}, ${re}, ${group.value}), '')`;
  if (a.count > 3) {
    const t = a.type;
    return { sql: t === "string" ? s : `TRY_CAST(nullif(${s}, '') AS ${duckType(t)})`, type: t };
  }
  return { sql: s, type: "string" };
}

/** The matches of extract_all(regex, text) as a DuckDB VARCHAR[] (empty when none). */
function extractAllList(a: Args): string {
  // extract_all(regex, text) with zero or one capture group.
  if (a.count !== 2) a.fail("extract_all with capture-group selection");
  const re = a.at(0);
  if (typeof re.value !== "string") a.fail("extract_all with a non-constant regex");
  const groups = (re.value.match(/\((?!\?)/g) ?? []).length;
  if (groups > 1) a.fail("extract_all with several capture groups");
  return `regexp_extract_all(${asText(a.at(1))}, ${re.sql}, ${groups})`;
}

function extractAllSql(a: Args): Lit {
  // no match → null
  const list = extractAllList(a);
  return json(`CASE WHEN len(${list}) = 0 THEN NULL ELSE to_json(${list}) END`);
}

/** The Args of argument `i` when it is a call of `name` (for fusing nested calls), else undefined. */
function callArg(a: Args, i: number, name: string): Args | undefined {
  const n = a.nodes[i];
  if (n?.kind !== "FunctionCallExpression") return undefined;
  if ((n.symbol?.name ?? n.req("Name").simpleName).toLowerCase() !== name) return undefined;
  return new Args(n, n.req("ArgumentList").list("Expressions"), a.ctx, a.scope);
}

function strcatArraySql(a: Args): Lit {
  const sep = asText(a.at(1));
  // strcat_array(extract_all(re, text), sep): the matches are joined as they are, without a JSON array between.
  const matches = callArg(a, 0, "extract_all");
  if (matches)
    return { sql: `coalesce(array_to_string(${extractAllList(matches)}, ${sep}), '')`, type: "string" };
  return {
    sql: `coalesce(array_to_string(list_transform(${listOf(a.at(0))}, x -> coalesce(json_extract_string(x, '$'), '')), ${sep}), '')`,
    type: "string",
  };
}

function packSql(a: Args): Lit {
  const args = a.all();
  if (args.length % 2) a.fail("bag_pack with an odd number of arguments");
  const parts: string[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i];
    const v = args[i + 1];
    if (k && v) parts.push(`${asText(k)}, ${asJson(v)}`);
  }
  return json(`json_object(${parts.join(", ")})`);
}

function packArray(a: Args): Lit {
  const args = a.all();
  return { sql: `json_array(${args.map(asJson).join(", ")})`, type: "dynamic", value: constArray(args) };
}

function arrayConcat(a: Args): Lit {
  const lists = a.all().map(listOf);
  return json(`to_json(list_concat(${lists.join(", ")}))`);
}

function gettype(a: Args): Lit {
  const e = a.at(0);
  const names: Record<KqlType, string> = {
    string: "string",
    int: "int",
    long: "long",
    real: "real",
    bool: "bool",
    datetime: "datetime",
    timespan: "timespan",
    guid: "guid",
    dynamic: "",
  };
  if (e.type !== "dynamic")
    return { sql: `CASE WHEN ${e.sql} IS NULL THEN 'null' ELSE ${str(names[e.type])} END`, type: "string" };
  return {
    sql: `CASE coalesce(json_type(${e.sql}), 'NULL') WHEN 'NULL' THEN 'null' WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'long' WHEN 'UBIGINT' THEN 'long' WHEN 'DOUBLE' THEN 'real' WHEN 'BOOLEAN' THEN 'bool' WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary' ELSE 'string' END`,
    type: "string",
  };
}

const FUNCTIONS: Record<string, Fn> = {
  // conversions
  tostring: (a) => ({ sql: toStringSql(a.at(0)), type: "string" }),
  toint: (a) => toType(a, "int"),
  tolong: (a) => toType(a, "long"),
  toreal: (a) => toType(a, "real"),
  todouble: (a) => toType(a, "real"),
  tobool: (a) => toType(a, "bool"),
  toboolean: (a) => toType(a, "bool"),
  todatetime: (a) => toType(a, "datetime"),
  totimespan: (a) => toType(a, "timespan"),
  toguid: (a) => ({ sql: `lower(${asText(a.at(0))})`, type: "guid" }),
  parse_json: parseJsonArg,
  todynamic: parseJsonArg,
  gettype,
  // strings
  tolower: (a) => ({ sql: `lower(${asText(a.at(0))})`, type: "string" }),
  toupper: (a) => ({ sql: `upper(${asText(a.at(0))})`, type: "string" }),
  trim: (a) => trimSql(a, "both"),
  trim_start: (a) => trimSql(a, "start"),
  trim_end: (a) => trimSql(a, "end"),
  strlen: (a) => ({ sql: `CAST(length(${asText(a.at(0))}) AS BIGINT)`, type: "long" }),
  substring: (a) => {
    const s = asText(a.at(0));
    const start = a.at(1).sql;
    const len = a.opt(2);
    return {
      sql: len ? `substr(${s}, ${start} + 1, ${len.sql})` : `substr(${s}, ${start} + 1)`,
      type: "string",
    };
  },
  strcat,
  strcat_array: strcatArraySql,
  replace_string: (a) => ({
    sql: `replace(${asText(a.at(0))}, ${asText(a.at(1))}, ${asText(a.at(2))})`,
    type: "string",
  }),
  replace_regex: (a) => ({
    sql: `regexp_replace(${asText(a.at(0))}, ${asText(a.at(1))}, ${asText(a.at(2))}, 'g')`,
    type: "string",
  }),
  split: splitSql,
  extract: extractSql,
  extract_all: extractAllSql,
  indexof: (a) => ({
    sql: `CAST(instr(${asText(a.at(0))}, ${asText(a.at(1))}) - 1 AS BIGINT)`,
    type: "long",
  }),
  isempty: (a) => ({ sql: isEmpty(a.at(0)), type: "bool" }),
  isnotempty: (a) => ({ sql: `(NOT ${isEmpty(a.at(0))})`, type: "bool" }),
  isnull: (a) => ({ sql: isNull(a.at(0)), type: "bool" }),
  isnotnull: (a) => ({ sql: `(NOT ${isNull(a.at(0))})`, type: "bool" }),
  base64_decode_tostring: (a) => ({
    sql: `coalesce(try(decode(from_base64(${asText(a.at(0))}))), '')`,
    type: "string",
  }),
  base64_decode_toguid: (a) => ({ sql: `kql_base64_guid(${asText(a.at(0))})`, type: "guid" }),
  // logic
  iff,
  iif: iff,
  case: caseSql,
  coalesce: coalesceSql,
  not: (a) => ({ sql: `(NOT ${a.at(0).sql})`, type: "bool" }),
  // dynamic
  bag_keys: (a) =>
    json(`CASE WHEN json_type(${a.at(0).sql}) = 'OBJECT' THEN to_json(json_keys(${a.at(0).sql})) END`),
  array_length: (a) => {
    const e = a.at(0);
    return {
      sql: `CASE WHEN ${isArray(e)} THEN CAST(json_array_length(${e.sql}) AS BIGINT) END`,
      type: "long",
    };
  },
  array_concat: arrayConcat,
  set_union: (a) => json(`to_json(list_distinct(list_concat(${a.all().map(listOf).join(", ")})))`),
  set_intersect: (a) => {
    const lists = a.all().map(listOf);
    const first = lists[0] ?? a.fail("set_intersect without arguments");
    return json(
      `to_json(${lists.slice(1).reduce((acc, l) => `list_intersect(${acc}, ${l})`, `list_distinct(${first})`)})`,
    );
  },
  set_has_element: (a) => ({
    sql: `coalesce(list_contains(${listOf(a.at(0))}, ${asJson(a.at(1))}), false)`,
    type: "bool",
  }),
  array_index_of: (a) => ({
    sql: `CAST(coalesce(list_position(${listOf(a.at(0))}, ${asJson(a.at(1))}), 0) - 1 AS BIGINT)`,
    type: "long",
  }),
  pack: packSql,
  bag_pack: packSql,
  pack_array: packArray,
  // datetime
  now: (a) => {
    const off = a.opt(0);
    return { sql: off ? `(${a.ctx.nowSql} + ${off.sql})` : a.ctx.nowSql, type: "datetime" };
  },
  ago: (a) => ({ sql: `(${a.ctx.nowSql} - ${a.at(0).sql})`, type: "datetime" }),
  datetime_diff: (a) => ({
    sql: `date_diff(${str(datePart(a, 0))}, ${a.at(2).sql}, ${a.at(1).sql})`,
    type: "long",
  }),
  datetime_add: (a) => ({
    sql: `(${a.at(2).sql} + ${a.at(1).sql} * INTERVAL 1 ${datePart(a, 0)})`,
    type: "datetime",
  }),
  bin: binSql,
  floor: binSql,
  startofday: (a) => {
    const off = a.opt(1);
    const d = `date_trunc('day', ${a.at(0).sql})`;
    return { sql: off ? `(${d} + ${off.sql} * INTERVAL 1 day)` : d, type: "datetime" };
  },
  format_datetime: (a) => ({
    sql: `coalesce(strftime(${a.at(0).sql}, ${str(strftimeFormat(a, a.constString(1)))}), '')`,
    type: "string",
  }),
  // math
  abs: (a) => ({ sql: `abs(${a.at(0).sql})`, type: a.type }),
  log: (a) => ({ sql: `CASE WHEN ${a.at(0).sql} > 0 THEN ln(${a.at(0).sql}) END`, type: "real" }),
  round: (a) => {
    const p = a.opt(1);
    return { sql: `round(${a.at(0).sql}${p ? `, CAST(${p.sql} AS INTEGER)` : ""})`, type: a.type };
  },
  min_of: (a) => ({
    sql: `least(${a
      .all()
      .map((e) => coerce(e, a.type).sql)
      .join(", ")})`,
    type: a.type,
  }),
  max_of: (a) => ({
    sql: `greatest(${a
      .all()
      .map((e) => coerce(e, a.type).sql)
      .join(", ")})`,
    type: a.type,
  }),
  // IP addresses
  ipv4_is_in_range: (a) => ({
    sql: `kql_ipv4_in_range(${asText(a.at(0))}, ${asText(a.at(1))})`,
    type: "bool",
  }),
  ipv4_is_private: (a) => ({ sql: `kql_ipv4_is_private(${asText(a.at(0))})`, type: "bool" }),
  parse_ipv4: (a) => ({ sql: `kql_ipv4(${asText(a.at(0))})`, type: "long" }),
  parse_ipv4_mask: (a) => ({ sql: `kql_ipv4_mask(${asText(a.at(0))}, ${a.at(1).sql})`, type: "long" }),
  format_ipv4_mask: (a) => {
    const p = a.opt(1);
    return {
      sql: `coalesce(kql_format_ipv4_mask(${asText(a.at(0))}, ${p ? p.sql : "32"}), '')`,
      type: "string",
    };
  },
};

/**
 * parse_json(x) / todynamic(x). `todynamic(tostring(d))` of a dynamic value (the usual way to read a field that is
 * either JSON or JSON text) is fused: a string is parsed, anything else is already the value (re-serialising and
 * parsing it again would give the same), JSON null none.
 */
function parseJsonArg(a: Args): Lit {
  const inner = callArg(a, 0, "tostring");
  const d = inner?.count === 1 ? inner.at(0) : undefined;
  if (d?.type !== "dynamic") return parseJson(a.at(0));
  const text = `json_extract_string(${d.sql}, '$')`;
  return json(
    `CASE json_type(${d.sql}) WHEN 'VARCHAR' THEN ${parseJson({ sql: text, type: "string" }).sql} WHEN 'NULL' THEN NULL ELSE ${d.sql} END`,
  );
}

function parseJson(e: Lit): Lit {
  if (e.type === "dynamic") return e;
  if (e.type !== "string") return json(`to_json(${e.sql})`);
  // Text that is not JSON stays a dynamic string (parse_json documents this).
  return json(
    `CASE WHEN ${e.sql} = '' THEN NULL WHEN json_valid(${e.sql}) THEN json(${e.sql}) ELSE to_json(${e.sql}) END`,
  );
}

export function callFunction(n: Syn, ctx: Ctx, scope: Scope): Lit {
  const nameNode = n.kind === "FunctionCallExpression" ? n.req("Name") : n;
  const name = (n.symbol?.name ?? nameNode.simpleName).toLowerCase();
  const args = n.kind === "FunctionCallExpression" ? n.req("ArgumentList").list("Expressions") : [];
  if (name === "toscalar") {
    const inner = args[0];
    if (!inner) throw n.unsupported("toscalar without argument");
    return toScalarSql(n, inner, ctx);
  }
  const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  if (!fn) throw n.unsupported(`function ${name}()`);
  const out = fn(new Args(n, args, ctx, scope));
  return typeof out === "string" ? { sql: out, type: n.scalarType() } : out;
}
