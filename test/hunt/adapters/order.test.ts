import path from "node:path";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadExports } from "../../../src/hunt/adapters/index.js";
import { newSink, rows, scratch } from "./helpers.js";

// Record numbers come from the scan's order (no row_number window): these files are long enough to span several
// DuckDB vectors, so a numbering that lost the file order would put lines and "first copy wins" wrong.
const N = 6000;
const BAD_AT = 4321; // record index (1-based) with a broken time
const DUP_A = 1500; // first copy of a repeated ReportId
const DUP_B = 5800; // its later copy, with other content

function caeCsv(): string {
  const lines = ["Timestamp,ActionType,Application,ApplicationId,ReportId,RawEventData"];
  for (let i = 1; i <= N; i++) {
    const time = i === BAD_AT ? "not-a-time" : `2025-05-05T03:${String(i % 60).padStart(2, "0")}:00Z`;
    const id = i === DUP_B ? `r${DUP_A}` : `r${i}`;
    lines.push(`${time},Op${i},Microsoft Exchange Online,20893,${id},"{""N"":${i}}"`);
  }
  return lines.join("\r\n") + "\r\n";
}

describe("record order of large files", () => {
  it("Defender CSV: the quarantined record's line and the first of two copies are those of the file", async () => {
    const file = path.join(scratch("adapters-order"), "cae.csv");
    writeFileSync(file, caeCsv());
    const sink = await newSink();
    const r = await loadExports(sink, [file]);
    expect(r.totals).toMatchObject({ records: N, loaded: N - 2, duplicate: 1, quarantined: 1 });
    expect(r.quarantine.map((q) => [q.line, q.reason.split(":")[0]])).toEqual([
      [String(BAD_AT + 1), "Timestamp"],
    ]);
    expect(r.quarantine[0]?.raw).toContain(`Op${BAD_AT}`);
    const kept = await rows(sink, `SELECT ActionType FROM CloudAppEvents WHERE ReportId = 'r${DUP_A}'`);
    expect(kept).toEqual([{ ActionType: `Op${DUP_A}` }]);
    // Loading the same file again: every record is a duplicate of a stored one.
    const again = await loadExports(sink, [file]);
    expect(again.totals).toMatchObject({ records: N, loaded: 0, duplicate: N - 1, quarantined: 1 });
  });

  it("JSON Lines: a byte-order mark on the first line only, and lines numbered in file order", async () => {
    const lines: string[] = [];
    for (let i = 1; i <= N; i++)
      lines.push(
        i === BAD_AT
          ? `{"Timestamp": "2025-05-05T03:00:00Z", "ActionType": "Op${i}", "ReportId": "r${i}", "RawEventData": `
          : JSON.stringify({
              Timestamp: "2025-05-05T03:00:00Z",
              ActionType: `Op${i}`,
              Application: "Microsoft Exchange Online",
              ReportId: i === DUP_B ? `r${DUP_A}` : `r${i}`,
              RawEventData: { N: i },
            }),
      );
    const file = path.join(scratch("adapters-order"), "cae.jsonl");
    writeFileSync(file, "\uFEFF" + lines.join("\n") + "\n");
    const sink = await newSink();
    const r = await loadExports(sink, [file]);
    expect(r.totals).toMatchObject({ records: N, loaded: N - 2, duplicate: 1, quarantined: 1 });
    expect(r.quarantine.map((q) => q.line)).toEqual([String(BAD_AT)]);
    const kept = await rows(
      sink,
      `SELECT ActionType FROM CloudAppEvents WHERE ReportId IN ('r1', 'r${DUP_A}') ORDER BY 1`,
    );
    expect(kept).toEqual([{ ActionType: "Op1" }, { ActionType: `Op${DUP_A}` }]);
  });

  it("a clean load into an empty table keeps the table's declared columns and types", async () => {
    const file = path.join(scratch("adapters-order"), "clean.csv");
    writeFileSync(
      file,
      "Timestamp,ActionType,Application,ApplicationId,ReportId,RawEventData,IsAnonymousProxy\r\n" +
        `2025-05-05T03:06:54Z,New-InboxRule,Microsoft Exchange Online,20893,r1,"{""A"":1}",1\r\n`,
    );
    const loaded = await newSink();
    const empty = await newSink();
    const r = await loadExports(loaded, [file]);
    await loadExports(empty, []);
    expect(r.totals).toMatchObject({ records: 1, loaded: 1 });
    const describe = (sink: typeof loaded) =>
      rows(
        sink,
        `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'CloudAppEvents' ORDER BY column_index`,
      );
    expect(await describe(loaded)).toEqual(await describe(empty));
    expect(await rows(loaded, `SELECT RawEventData.A AS a, IsAnonymousProxy FROM CloudAppEvents`)).toEqual([
      { a: "1", IsAnonymousProxy: true },
    ]);
  });

  it("files load two at a time yet commit, de-duplicate and report in the order given", async () => {
    // The first file is large and converts last; the later ones carry copies of its records and broken ones.
    const dir = scratch("adapters-order");
    const big = path.join(dir, "1-big.csv");
    writeFileSync(big, caeCsv());
    const junk = path.join(dir, "2-notes.txt");
    writeFileSync(junk, "not a log\n");
    const small = path.join(dir, "3-small.csv");
    writeFileSync(
      small,
      "Timestamp,ActionType,Application,ApplicationId,ReportId,RawEventData\r\n" +
        `2025-05-05T04:00:00Z,Later,Microsoft Exchange Online,20893,r10,"{}"\r\n` +
        `2025-05-05T04:00:00Z,New,Microsoft Exchange Online,20893,s1,"{}"\r\n` +
        `never,Broken,Microsoft Exchange Online,20893,s2,"{}"\r\n`,
    );
    const lines = path.join(dir, "4-lines.jsonl");
    writeFileSync(
      lines,
      [
        JSON.stringify({
          Timestamp: "2025-05-05T05:00:00Z",
          ActionType: "Latest",
          ReportId: "r10",
          RawEventData: {},
        }),
        JSON.stringify({
          Timestamp: "2025-05-05T05:00:00Z",
          ActionType: "Also",
          ReportId: "s1",
          RawEventData: {},
        }),
        JSON.stringify({ Timestamp: "no", ActionType: "Broken", ReportId: "j1", RawEventData: {} }),
      ].join("\n"),
    );
    const missing = path.join(dir, "5-missing.csv");
    const sink = await newSink();
    const r = await loadExports(sink, [big, junk, small, lines, missing], { quarantineCap: 2 });
    expect(
      r.files.map((f) => [path.basename(f.file), f.records, f.loaded, f.duplicate, f.quarantined]),
    ).toEqual([
      ["1-big.csv", N, N - 2, 1, 1],
      ["3-small.csv", 3, 1, 1, 1],
      ["4-lines.jsonl", 3, 0, 2, 1],
    ]);
    expect(r.skipped.map((x) => path.basename(x.file))).toEqual(["2-notes.txt", "5-missing.csv"]);
    // the first two broken records in file order; the third counted
    expect(r.quarantine.map((q) => [path.basename(q.file), q.line])).toEqual([
      ["1-big.csv", String(BAD_AT + 1)],
      ["3-small.csv", "4"],
    ]);
    expect(r.quarantineOmitted).toBe(1);
    expect(
      await rows(sink, `SELECT ActionType FROM CloudAppEvents WHERE ReportId IN ('r10', 's1') ORDER BY 1`),
    ).toEqual([{ ActionType: "New" }, { ActionType: "Op10" }]);
    // no conversion table is left behind
    expect(
      await rows(sink, `SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'mw_conv%'`),
    ).toEqual([]);
  });
});
