/** Writing a generated tenant: RFC 4180 CSV with dynamic columns as JSON text, JSON Lines, state without secrets. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generateTenant, toCsv, toJsonLines, writeGenerated } from "../../../src/emulator/generator/index.js";

/** A small RFC 4180 reader (the test's own). */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      out.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  return out;
}

describe("table writers", () => {
  it("escapes CSV per RFC 4180 and JSON-encodes dynamic columns in one cell", () => {
    const rows = [
      { A: 'say "hi", then\r\nleave', B: { k: ["x", 1] }, C: null, D: true, E: 7 },
      { A: "plain", B: [], C: "", D: false, E: 0 },
    ];
    const csv = toCsv(rows);
    expect(csv.split("\r\n")[0]).toBe("A,B,C,D,E");
    const parsed = parseCsv(csv);
    expect(parsed).toEqual([
      ["A", "B", "C", "D", "E"],
      ['say "hi", then\r\nleave', '{"k":["x",1]}', "", "true", "7"],
      ["plain", "[]", "", "false", "0"],
    ]);
    expect(
      toJsonLines(rows)
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual(rows);
  });

  it("writes every table in both formats, state.json without secrets, and truth.json", async () => {
    const g = generateTenant({ scenarios: ["aitm-rss-hide"], users: 3, days: 1, seed: 3 });
    g.state.apps[0]!.secrets.push("abc8Q~not-to-be-written");
    const dir = await mkdtemp(path.join(tmpdir(), "mw-gen-w-"));
    try {
      const files = await writeGenerated(g, dir, { formats: ["csv", "json"] });
      expect(files.map((f) => path.relative(dir, f))).toEqual(
        expect.arrayContaining([
          "defender/CloudAppEvents.csv",
          "defender/CloudAppEvents.jsonl",
          "sentinel/SigninLogs.csv",
          "state.json",
          "truth.json",
        ]),
      );
      const state = await readFile(path.join(dir, "state.json"), "utf8");
      expect(state).not.toContain("not-to-be-written");
      expect(JSON.parse(state)).toMatchObject({ startTime: g.startTime, seed: 3 });
      const csv = parseCsv(await readFile(path.join(dir, "defender", "CloudAppEvents.csv"), "utf8"));
      const header = csv[0]!;
      const rawCol = header.indexOf("RawEventData");
      const rule = csv.find((r) => r[header.indexOf("ActionType")] === "New-InboxRule")!;
      expect(JSON.parse(rule[rawCol]!)).toMatchObject({ Operation: "New-InboxRule", RecordType: 1 });
      const jsonl = (await readFile(path.join(dir, "defender", "CloudAppEvents.jsonl"), "utf8"))
        .trim()
        .split("\n");
      expect(jsonl).toHaveLength(csv.length - 1);
      expect(typeof JSON.parse(jsonl[0]!).RawEventData).toBe("object");
      const onlyCsv = await mkdtemp(path.join(tmpdir(), "mw-gen-w2-"));
      const written = await writeGenerated(g, onlyCsv, { formats: ["csv"] });
      expect(written.some((f) => f.endsWith(".jsonl"))).toBe(false);
      await rm(onlyCsv, { recursive: true, force: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
