/**
 * KQL literals for hunting parameters. Every value that reaches a query goes through here: attacker-influenced text
 * (addresses, domains, list entries) is only ever a string literal, never query text.
 */

/**
 * A KQL double-quoted string literal. Backslash, quote and every control or line/paragraph separator character are
 * escaped, so the literal cannot end early or span lines whatever the value holds.
 */
export function kqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029)
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `dynamic([...])` of string literals. */
export function kqlStringArray(values: readonly string[]): string {
  return `dynamic([${values.map(kqlString).join(", ")}])`;
}

/**
 * An RE2 pattern (a KQL string literal) that matches a text starting with any of `prefixes`, case-insensitively; each
 * prefix is matched literally (every regular-expression metacharacter escaped). No prefix: a pattern matching nothing.
 */
export function kqlPrefixPattern(prefixes: readonly string[]): string {
  const alts = prefixes.filter(Boolean).map((p) => p.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&"));
  return kqlString(alts.length ? `^(?i:${alts.join("|")})` : "[^\\s\\S]");
}

const TIMESPAN = /^(\d{1,6})(d|h|m|s|ms)$/;

/** A KQL timespan literal such as `30d`, `2h`, `90m`; anything else is refused. */
export function kqlTimespan(value: string): string {
  if (!TIMESPAN.test(value))
    throw new RangeError(`not a timespan (use e.g. 30d, 2h, 90m): ${JSON.stringify(value)}`);
  return value;
}

/** A whole number within [min, max]. */
export function kqlLong(value: number, min: number, max: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new RangeError(`${what} must be a whole number in ${min}..${max}, got ${String(value)}`);
  return String(value);
}

/** Decodes a literal made by `kqlString` (used by tests to prove values round-trip). */
export function parseKqlString(literal: string): string {
  if (!literal.startsWith('"') || !literal.endsWith('"') || literal.length < 2)
    throw new SyntaxError(`not a string literal: ${literal}`);
  const body = literal.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '"') throw new SyntaxError("unescaped quote inside a literal");
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const n = body[++i];
    if (n === "n") out += "\n";
    else if (n === "r") out += "\r";
    else if (n === "t") out += "\t";
    else if (n === "\\" || n === '"' || n === "'") out += n;
    else if (n === "u") {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else throw new SyntaxError(`unknown escape \\${String(n)}`);
  }
  return out;
}
