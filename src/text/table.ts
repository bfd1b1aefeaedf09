/**
 * Text for terminals, shared by the CLI and by the modules that render their own results (hunting). Attacker-chosen
 * text (rule names, addresses) is made inert: control characters, ANSI escapes and bidirectional overrides are shown
 * as escapes.
 */
import Table from "cli-table3";

// C0/C1 controls (ESC included), DEL, and Unicode bidi/zero-width formatting characters.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

export function termSafe(s: string, max = 120): string {
  const cleaned = s.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}

/** Hard-wraps a line at `width` characters (never cuts: every character is shown). */
export function wrapLine(line: string, width: number): string {
  if (line.length <= width) return line;
  const out: string[] = [];
  for (let i = 0; i < line.length; i += width) out.push(line.slice(i, i + width));
  return out.join("\n");
}

export interface TableOptions {
  /**
   * Cells keep their own line breaks (each line made terminal-safe on its own) and long lines are wrapped at this
   * width instead of cut. Only for cells whose line breaks mailwarden put there: attacker text in them must be
   * quoted (JSON) first, so that it cannot bring its own.
   */
  wrap?: number;
}

export function table(
  head: string[],
  rows: (string | number | boolean | undefined | null)[][],
  o: TableOptions = {},
): string {
  const t = new Table({ head, style: { head: [], border: [] }, wordWrap: false });
  const cell = (c: string | number | boolean | undefined | null): string => {
    if (c === undefined || c === null) return "";
    if (!o.wrap) return termSafe(String(c));
    return String(c)
      .split("\n")
      .map((l) => wrapLine(termSafe(l, Number.POSITIVE_INFINITY), o.wrap!))
      .join("\n");
  };
  for (const r of rows) t.push(r.map(cell));
  return t.toString();
}
