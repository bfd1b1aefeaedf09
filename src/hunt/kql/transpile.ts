/**
 * KQL → DuckDB SQL on Kusto.Language's analysed syntax tree. `transpile()` is pure (no database): values that the
 * engine would compute first (`toscalar`, `has_any (T)`) become equivalent subqueries unless `constants` holds them.
 */
import { Ctx, ROW, type Prefetch, type Rel } from "./context.js";
import { KqlSemanticError, KqlUnsupportedError, positionOf } from "./errors.js";
import { parseAndAnalyze, type TableDecl } from "./kusto.js";
import { timestampSql } from "./literals.js";
import { scalar } from "./scalar.js";
import { ident } from "./sqltext.js";
import { Analysis, Syn } from "./syntax.js";
import { tabular } from "./tabular.js";
import type { KqlColumn } from "./types.js";

export interface TranspileOptions {
  /** The tables the query may name, with their columns (DuckDB tables/views of the same name). */
  tables: Readonly<Record<string, readonly KqlColumn[]>>;
  /** The instant `now()` and `ago()` refer to (default: the current time). */
  now?: Date;
  /** Values computed by a first pass, by prefetch key (the engine fills this). */
  constants?: ReadonlyMap<string, unknown>;
  /** The engine's `has_any` matcher registration (see Ctx.needleSet). */
  needleSet?: (needles: readonly string[]) => string;
}

export interface Transpiled {
  sql: string;
  columns: KqlColumn[];
  /** Values the engine may compute first and pass back as `constants` (inlined then as literals). */
  prefetch: Prefetch[];
}

function schemaText(cols: readonly KqlColumn[]): string {
  return `(${cols.map((c) => `['${c.name.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}']:${c.type}`).join(", ")})`;
}

export function tableDecls(tables: TranspileOptions["tables"]): TableDecl[] {
  return Object.entries(tables).map(([name, cols]) => ({ name, schema: schemaText(cols) }));
}

/**
 * Parses and analyses; the first Error diagnostic becomes a KqlSemanticError with its position. The result records
 * what the transpiler reads of it (`Analysis.tape`), for the analysis cache.
 */
export function analyse(query: string, tables: TranspileOptions["tables"]): Analysis {
  const analysed = parseAndAnalyze(query, tableDecls(tables));
  const err = analysed.diagnostics.find((d) => d.severity === "Error");
  if (err) throw new KqlSemanticError(err.message, positionOf(query, err.start));
  return Analysis.live(analysed.code);
}

export function transpile(query: string, options: TranspileOptions): Transpiled {
  return transpileAnalysed(analyse(query, options.tables), query, options);
}

export function transpileAnalysed(code: Analysis, query: string, options: TranspileOptions): Transpiled {
  const ctx = new Ctx(
    query,
    timestampSql(options.now ?? new Date()),
    options.constants ?? new Map(),
    options.needleSet,
  );
  const root = Syn.root(code, query);
  if (root.kind !== "QueryBlock") throw root.unsupported("query text (expected a query)");
  if (root.prop("SkippedTokens")?.width) throw root.req("SkippedTokens").unsupported("unparsed text");
  let result: Rel | undefined;
  for (const st of root.list("Statements")) {
    if (st.kind === "LetStatement") letStatement(st, ctx);
    else if (st.kind === "ExpressionStatement") {
      if (result) throw st.unsupported("a second query statement (one result table only)");
      const e = st.req("Expression");
      if (!e.isTabular()) throw e.unsupported("scalar query (use print)");
      result = tabular(e, ctx);
    } else throw st.unsupported(`${st.kind}`);
  }
  if (!result)
    throw new KqlUnsupportedError("query without a tabular expression", "", positionOf(query, query.length));
  // Positional aliases: Kusto names may differ only in case (`Isp`, `ISP`), which DuckDB would treat as one.
  const list = result.cols.map((c, i) => `${ident(c.name)} AS c${i}`);
  const sql = `${ctx.withClause()}SELECT ${list.join(", ")} FROM (${result.sql}) AS _r`;
  return { sql, columns: result.cols, prefetch: ctx.prefetch };
}

function letStatement(st: Syn, ctx: Ctx): void {
  const decl = st.req("Name");
  const name = decl.simpleName;
  const e = st.req("Expression");
  if (e.kind === "FunctionDeclaration") throw e.unsupported("user-defined function");
  const symbol = decl.symbol?.raw;
  if (e.isTabular()) {
    const rel = tabular(e, ctx);
    const cte = ctx.fresh(`let_${name.replace(/\W/g, "")}_`);
    if (e.kind === "MaterializeExpression") {
      // The engine computes a materialised let first, into a table of its own (the prefetch names it): DuckDB then
      // plans every later step with its real row count, where a materialised CTE has a fixed guess (it would, e.g.,
      // build a join's hash table on a million rows instead of on the few hundred on the other side).
      const key = ctx.requestPrefetch(e, "table", "dynamic", `SELECT * FROM (${rel.sql}) AS _m`);
      const made = ctx.constant(key);
      if (made) {
        ctx.bind(symbol, name, { kind: "tabular", cte: String(made.value), cols: rel.cols });
        return;
      }
    }
    const materialized = e.kind === "MaterializeExpression" ? "MATERIALIZED " : "NOT MATERIALIZED ";
    ctx.ctes.push(`${ident(cte)} AS ${materialized}(${rel.sql})`);
    ctx.bind(symbol, name, { kind: "tabular", cte, cols: rel.cols });
    return;
  }
  const v = scalar(e, ctx, ROW);
  ctx.bind(symbol, name, { kind: "scalar", sql: v.sql, type: v.type, value: v.value });
}
