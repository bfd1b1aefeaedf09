/** Dynamic member access (`d.a.b`, `d["a"]`, `d[0]`, `d[-1]`) as DuckDB JSON extraction. */
import type { Ctx, Scope, Sql } from "./context.js";
import { scalar } from "./scalar.js";
import { str } from "./sqltext.js";
import type { Syn } from "./syntax.js";
import { textOf } from "./values.js";

/** One step of a path: a key, an index, or a computed selector. */
export function pathStep(n: Syn, ctx: Ctx, scope: Scope): string | number | Sql {
  const sel = n.req("Selector");
  if (n.kind === "PathExpression") {
    if (sel.kind === "BracketedName") return textOf(sel.req("Name").literalValue);
    return sel.simpleName;
  }
  const e = sel.kind === "BracketedExpression" ? sel.req("Expression") : sel;
  const v = scalar(e, ctx, scope);
  if (typeof v.value === "string") return v.value;
  if (typeof v.value === "number" && Number.isInteger(v.value)) return v.value;
  return v;
}

/** JSON pointer escaping (RFC 6901): `~` → `~0`, `/` → `~1`. */
function pointerKey(k: string): string {
  return k.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Consecutive constant keys and non-negative indexes become one JSON pointer (one parse of the document). */
export function jsonPath(root: string, steps: readonly (string | number | Sql)[]): string {
  let sql = root;
  let pointer = "";
  const flush = (): void => {
    if (pointer) sql = `json_extract(${sql}, ${str(pointer)})`;
    pointer = "";
  };
  for (const s of steps) {
    if (typeof s === "string") pointer += `/${pointerKey(s)}`;
    else if (typeof s === "number" && s >= 0) pointer += `/${s}`;
    else if (typeof s === "number") {
      flush();
      sql = `json_extract(${sql}, ${str(`$[#${s}]`)})`;
    } else {
      flush();
      sql =
        s.type === "string"
          ? `json_extract(${sql}, '/' || replace(replace(${s.sql}, '~', '~0'), '/', '~1'))`
          : `json_extract(${sql}, CASE WHEN ${s.sql} < 0 THEN '$[#' || CAST(${s.sql} AS VARCHAR) || ']' ELSE '$[' || CAST(${s.sql} AS VARCHAR) || ']' END)`;
    }
  }
  flush();
  return sql;
}
