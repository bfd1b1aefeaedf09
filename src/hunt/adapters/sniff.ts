/** A look at the start of a file: its text kind (CSV, JSON document, JSON Lines) and its header or first records. */
import { open } from "node:fs/promises";
import { parse } from "csv-parse/sync";

const HEAD_BYTES = 256 * 1024;

export type Sniffed =
  | { kind: "csv"; header: string[]; bom: boolean }
  | { kind: "jsonl"; samples: unknown[] }
  | { kind: "json" }
  | { kind: "unknown"; reason: string };

export async function readHead(
  file: string,
  bytes = HEAD_BYTES,
): Promise<{ text: string; complete: boolean }> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    const size = (await fh.stat()).size;
    return { text: buf.subarray(0, bytesRead).toString("utf8"), complete: bytesRead >= size };
  } finally {
    await fh.close();
  }
}

export async function sniff(file: string): Promise<Sniffed> {
  const { text: raw, complete } = await readHead(file);
  const bom = raw.startsWith("\uFEFF");
  const text = bom ? raw.slice(1) : raw;
  const start = text.trimStart();
  if (start === "") return { kind: "unknown", reason: "empty file" };
  if (text.includes("\u0000")) return { kind: "unknown", reason: "binary file (NUL bytes)" };
  if (start.startsWith("[")) return { kind: "json" };
  if (start.startsWith("{")) {
    // JSON Lines when the first line is a whole JSON value and more follows; otherwise one JSON document.
    const lines = start.split(/\r?\n/);
    const samples: unknown[] = [];
    const usable = complete ? lines : lines.slice(0, -1);
    for (const l of usable.slice(0, 50)) {
      if (l.trim() === "") continue;
      try {
        samples.push(JSON.parse(l));
      } catch {
        if (samples.length === 0) return { kind: "json" };
      }
    }
    if (samples.length === 0) return { kind: "json" };
    if (samples.length === 1 && usable.filter((l) => l.trim() !== "").length === 1) return { kind: "json" };
    return { kind: "jsonl", samples };
  }
  try {
    const parsed: unknown = parse(text, {
      to: 1,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    });
    const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined;
    const header = Array.isArray(first) ? first.map(String) : undefined;
    if (!header || header.length < 2)
      return { kind: "unknown", reason: "not CSV (fewer than 2 columns), JSON or JSON Lines" };
    return { kind: "csv", header, bom };
  } catch (e) {
    return { kind: "unknown", reason: `unreadable header: ${(e as Error).message}` };
  }
}
