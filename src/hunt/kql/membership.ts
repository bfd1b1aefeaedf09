/**
 * `in`, `!in`, `in~`, `!in~` (case-sensitive unless `~`) and the needle lists of `has_any` / `has_all`: literal
 * lists, dynamic arrays and tabular sub-expressions (first column).
 */
import { asText, coerce, toStringSql } from "./coerce.js";
import type { Ctx, Scope } from "./context.js";
import { valueSql } from "./literals.js";
import { scalar, type Lit } from "./scalar.js";
import { ident, str } from "./sqltext.js";
import type { Syn } from "./syntax.js";
import { tabular } from "./tabular.js";
import type { KqlType } from "./types.js";
import { textOf } from "./values.js";

/** SELECT of the first column of a tabular element, as text (for needles) or as is. */
function firstColumn(el: Syn, ctx: Ctx, asString: boolean): { select: string; type: KqlType } {
  const rel = tabular(el, ctx);
  const col = rel.cols[0];
  if (!col) throw el.unsupported("tabular expression without columns");
  const ref = { sql: ident(col.name), type: col.type };
  return {
    select: `SELECT ${asString ? toStringSql(ref) : ref.sql} AS v FROM (${rel.sql}) AS _s`,
    type: asString ? "string" : col.type,
  };
}

export type Needles = { kind: "values"; values: string[] } | { kind: "sql"; sql: string };

/** The needles of `has_any` / `has_all`: constants when every element is constant or prefetched. */
export function stringNeedles(elements: readonly Syn[], ctx: Ctx, scope: Scope): Needles {
  const values: string[] = [];
  const selects: string[] = [];
  for (const el of elements) {
    if (el.isTabular()) {
      const { select } = firstColumn(el, ctx, true);
      const key = ctx.requestPrefetch(el, "list", "string", select);
      const known = ctx.constant(key);
      if (known && Array.isArray(known.value)) values.push(...known.value.map((v) => String(v ?? "")));
      else selects.push(select);
      continue;
    }
    const e = scalar(el, ctx, scope);
    if (typeof e.value === "string") values.push(e.value);
    else if (Array.isArray(e.value))
      values.push(...e.value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))));
    else if (e.value !== undefined && e.value !== null) values.push(textOf(e.value));
    else throw el.unsupported("non-constant needle");
  }
  if (selects.length === 0) return { kind: "values", values };
  const parts = [...selects, ...values.map((v) => `SELECT ${str(v)} AS v`)];
  return { kind: "sql", sql: parts.join(" UNION ALL ") };
}

function fold(e: string, ci: boolean): string {
  return ci ? `lower(${e})` : e;
}

export function inMembership(n: Syn, ctx: Ctx, scope: Scope): string {
  const op = n.token("Operator").toLowerCase();
  const negate = op.startsWith("!");
  const ci = op.endsWith("~");
  let lhs: Lit = scalar(n.req("Left"), ctx, scope);
  const elements = n.req("Right").list("Expressions");
  // A dynamic left side takes the type of the list (`d.x in ("a", "b")` compares the underlying string).
  if (lhs.type === "dynamic") {
    const first = elements[0];
    const t = first && !first.isTabular() ? first.scalarTypeOrUndefined() : undefined;
    lhs = { ...lhs, ...coerce(lhs, t && t !== "dynamic" ? t : "string") };
  }
  const left = ci ? fold(asText(lhs), true) : lhs.sql;
  const items: string[] = [];
  const conds: string[] = [];
  const item = (sql: string): void => {
    items.push(ci ? fold(sql, true) : sql);
  };
  for (const el of elements) {
    if (el.isTabular()) {
      const { select } = firstColumn(el, ctx, ci);
      conds.push(`${left} IN (SELECT ${ci ? "lower(v)" : "v"} FROM (${select}) AS _m)`);
      continue;
    }
    const e = scalar(el, ctx, scope);
    if (e.type === "dynamic") {
      if (Array.isArray(e.value)) {
        for (const v of e.value) item(valueSql(v, ci ? "string" : lhs.type));
      } else {
        const arr = `CAST(${e.sql} AS VARCHAR[])`;
        conds.push(
          ci
            ? `list_contains(list_transform(${arr}, x -> lower(x)), ${left})`
            : `list_contains(${arr}, CAST(${left} AS VARCHAR))`,
        );
      }
      continue;
    }
    item(ci ? asText(e) : coerce(e, lhs.type).sql);
  }
  if (items.length) conds.unshift(`${left} IN (${items.join(", ")})`);
  const any = conds.length ? `coalesce(${conds.join(" OR ")}, false)` : "FALSE";
  return negate ? `(NOT ${any})` : any;
}
