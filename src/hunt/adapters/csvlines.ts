/**
 * Physical line numbers of CSV records. DuckDB reports rows by their order, not by the line they start on (quoted
 * cells may span lines), so the few records that need a line (quarantined ones) are found by one quote-aware scan.
 */
import { createReadStream } from "node:fs";

const RAW_MAX = 300;

export interface RecordPlace {
  line: number;
  raw: string;
}

/** For each wanted 0-based record number (0 = the header), the line it starts on and its text (truncated). */
export async function recordPlaces(
  file: string,
  wanted: ReadonlySet<number>,
): Promise<Map<number, RecordPlace>> {
  const out = new Map<number, RecordPlace>();
  if (wanted.size === 0) return out;
  const last = Math.max(...wanted);
  let record = 0;
  let line = 1;
  let inQuotes = false;
  let capture: { line: number; bytes: number[] } | undefined = wanted.has(0)
    ? { line: 1, bytes: [] }
    : undefined;
  const finish = () => {
    if (capture) {
      const raw = Buffer.from(capture.bytes)
        .toString("utf8")
        .replace(/^\uFEFF/, "")
        .replace(/\r$/, "");
      out.set(record, { line: capture.line, raw });
      capture = undefined;
    }
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (capture && capture.bytes.length < RAW_MAX * 4) capture.bytes.push(b);
      if (b === 0x22) inQuotes = !inQuotes;
      else if (b === 0x0a) {
        line++;
        if (!inQuotes) {
          if (capture) capture.bytes.pop();
          finish();
          record++;
          if (record > last) return out;
          if (wanted.has(record)) capture = { line, bytes: [] };
        }
      }
    }
  }
  finish();
  return out;
}

export function truncate(s: string, max = RAW_MAX): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
