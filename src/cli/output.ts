/**
 * Output helpers. Data goes to stdout, status to stderr. Attacker-chosen text (rule names, addresses) is made
 * inert for terminals: control characters, ANSI escapes and bidirectional overrides are shown as escapes.
 */
import Table from "cli-table3";

// C0/C1 controls (ESC included), DEL, and Unicode bidi/zero-width formatting characters.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

export function termSafe(s: string, max = 120): string {
  const cleaned = s.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}

export function table(head: string[], rows: (string | number | boolean | undefined | null)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] }, wordWrap: false });
  for (const r of rows) t.push(r.map((c) => (c === undefined || c === null ? "" : termSafe(String(c)))));
  return t.toString();
}

export const FORMATS = ["table", "json", "jsonl"] as const;
export type Format = (typeof FORMATS)[number];

export function writeOut(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export function status(text: string): void {
  process.stderr.write(`${text}\n`);
}
