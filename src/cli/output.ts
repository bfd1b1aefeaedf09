/**
 * Output helpers. Data goes to stdout, status to stderr. Attacker-chosen text (rule names, addresses) is made
 * inert for terminals by src/text/table.ts (control characters, ANSI escapes and bidi overrides shown as escapes).
 */
export { table, termSafe, wrapLine, type TableOptions } from "../text/table.js";

export const FORMATS = ["table", "json", "jsonl"] as const;
export type Format = (typeof FORMATS)[number];

export function writeOut(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export function status(text: string): void {
  process.stderr.write(`${text}\n`);
}
