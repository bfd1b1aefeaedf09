/** `toscalar(T)`: the first column of the first row; of an empty input, null (for strings ""). */
import type { Ctx } from "./context.js";
import { nullSql, valueSql } from "./literals.js";
import type { Lit } from "./scalar.js";
import { ident } from "./sqltext.js";
import type { Syn } from "./syntax.js";
import { tabular } from "./tabular.js";

export function toScalarSql(n: Syn, inner: Syn, ctx: Ctx): Lit {
  const type = n.scalarType();
  // toscalar() of a scalar expression is the expression itself.
  if (!inner.isTabular()) throw inner.unsupported("toscalar of a scalar expression");
  const rel = tabular(inner, ctx);
  const col = rel.cols[0];
  if (!col) throw inner.unsupported("toscalar of a table without columns");
  const select = `SELECT ${ident(col.name)} AS v FROM (${rel.sql}) AS _s LIMIT 1`;
  const key = ctx.requestPrefetch(n, "scalar", type, select);
  const known = ctx.constant(key);
  if (known) {
    const v = known.value;
    return { sql: valueSql(v, type), type, value: v ?? (type === "string" ? "" : null), notNull: v != null };
  }
  return { sql: `coalesce((${select}), ${nullSql(type)})`, type };
}
