/**
 * SQL text building blocks. Every value that reaches SQL text goes through `str()` (a SQL string literal, quotes
 * doubled) or `ident()` (a quoted identifier): values come from attacker-influenced logs and query parameters.
 */

/** A DuckDB string literal. DuckDB standard strings take backslashes and newlines literally; only `'` needs doubling. */
export function str(value: string): string {
  if (value.includes("\u0000"))
    throw new Error("a string value contains a NUL character, which DuckDB cannot hold");
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted DuckDB identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A quoted name for a helper column (`<prefix>0`, `<prefix>1`, …) that no name in `used` (lower-case: DuckDB
 * identifiers are case-insensitive) already takes; the name is added to `used`.
 */
export function helperColumn(prefix: string, used: Set<string>): string {
  let n = 0;
  while (used.has(`${prefix}${n}`.toLowerCase())) n++;
  used.add(`${prefix}${n}`.toLowerCase());
  return ident(`${prefix}${n}`);
}

/** Escapes RE2 metacharacters so the value matches literally. */
export function reEscape(value: string): string {
  return value.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

const ALNUM = /[0-9A-Za-z]/;
const BOUNDARY_LEFT = "(?:^|[^0-9A-Za-z])";
const BOUNDARY_RIGHT = "(?:$|[^0-9A-Za-z])";

/**
 * The RE2 pattern (without flags) for `has` term matching.
 *
 * Kusto breaks a string into terms: maximal runs of ASCII alphanumeric characters
 * (https://learn.microsoft.com/kusto/query/datatypes-string-operators, "What is a term?"). `has` matches whole terms,
 * case-insensitively. A needle that itself contains non-alphanumerics (a GUID with hyphens, an IP with dots) matches
 * as the sequence of its terms: the needle must occur with a non-alphanumeric character or the string's start/end
 * on each side where the needle begins/ends with an alphanumeric — so `abc-def` is found in `x abc-def y` but not in
 * `xabc-def` nor `abc-defx`, and `1.2.3.4` is not found in `11.2.3.4`.
 */
export function termPattern(needle: string): string {
  const first = needle.charAt(0);
  const last = needle.charAt(needle.length - 1);
  const left = ALNUM.test(first) ? BOUNDARY_LEFT : "";
  const right = ALNUM.test(last) ? BOUNDARY_RIGHT : "";
  return `${left}${reEscape(needle)}${right}`;
}

/** One case-insensitive RE2 pattern matching any of `needles` as terms (`has_any`). */
export function anyTermPattern(needles: readonly string[]): string {
  return `(?is)(?:${needles.map(termPattern).join("|")})`;
}
