/**
 * Shared by the console (src/console) and the case reports (src/reports).
 * Attacker-controlled text in HTML: always escaped as text (never markup), isolated for bidi (`<bdi>`), and with
 * its invisible characters named next to it, so a rule called "Inbox‮gpj.exe" cannot pass for another.
 *
 * The escape covers what HTML's parser would otherwise change or read as markup: `& < > " '` and CR (the
 * parser's newline normalisation turns a raw CR into LF; `&#13;` keeps it). NUL cannot be a character of an HTML
 * document: it is shown as U+FFFD, as the parser would; lone surrogates become U+FFFD in UTF-8.
 */
import { raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "\r": "&#13;",
  "\0": "\uFFFD",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'\r\0]/g, (c) => ESCAPES[c]!);
}

/** Characters a reader cannot see or that reorder text: controls (but tab and LF), format (bidi, zero-width), unassigned, private use, lone surrogates, line/paragraph separators. */
const HIDDEN = /[^\P{C}\t\n]|[\p{Zl}\p{Zp}]/gu;

export function hiddenCharacters(s: string): string[] {
  const seen = new Set<string>();
  for (const m of s.matchAll(HIDDEN)) {
    const cp = m[0].codePointAt(0)!;
    seen.add(`U+${cp.toString(16).toUpperCase().padStart(4, "0")}`);
  }
  return [...seen];
}

/** At most this many characters are named after a value; the count says how many more there were. */
const NAMED_MAX = 8;

/** One attacker-controlled value as text: `<bdi class="v">`, and a note naming its hidden characters. */
export function text(value: unknown): HtmlEscapedString {
  const s = typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
  const hidden = hiddenCharacters(s);
  const note = hidden.length
    ? `<span class="hidden-chars" title="characters that do not show or that reorder text">hidden: ${hidden
        .slice(0, NAMED_MAX)
        .join(" ")}${hidden.length > NAMED_MAX ? ` (+${hidden.length - NAMED_MAX})` : ""}</span>`
    : "";
  return raw(`<bdi class="v">${escapeHtml(s)}</bdi>${note}`);
}
