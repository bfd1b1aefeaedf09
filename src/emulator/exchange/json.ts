/**
 * JSON with integers beyond 2^53. Exchange's REST output carries RuleIdentity (a uint64) as a raw JSON number
 * (apis.md B2/B5), which JSON.stringify cannot emit from a JS value and JSON.parse silently rounds.
 * - `stringifyRest` writes a `RawJsonNumber` as its digits, unquoted.
 * - `quoteLargeIntegers` rewrites JSON text so every integer literal outside a string that is not a safe JS integer
 *   becomes a string literal; JSON.parse then keeps its exact digits.
 */
export class RawJsonNumber {
  constructor(readonly digits: string) {
    if (!/^-?\d+$/.test(digits)) throw new RangeError("RawJsonNumber needs an integer literal");
  }
}

export type RestValue =
  string | number | boolean | null | RawJsonNumber | RestValue[] | { [key: string]: RestValue };
export type RestObject = { [key: string]: RestValue };

export function stringifyRest(value: RestValue): string {
  if (value instanceof RawJsonNumber) return value.digits;
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifyRest).join(",")}]`;
  const parts: string[] = [];
  for (const [key, v] of Object.entries(value)) parts.push(`${JSON.stringify(key)}:${stringifyRest(v)}`);
  return `{${parts.join(",")}}`;
}

export function quoteLargeIntegers(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? "";
    if (ch === '"') {
      // Copy the whole string literal, escapes included.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === "-" || (ch >= "0" && ch <= "9")) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j] ?? "")) j += 1;
      const token = text.slice(i, j);
      out += /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"${token}"` : token;
      i = j;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}
