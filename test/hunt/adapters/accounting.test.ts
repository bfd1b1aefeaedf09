import path from "node:path";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadExports } from "../../../src/hunt/adapters/index.js";
import { fixtures, newSink, rows, scratch } from "./helpers.js";

describe("accounting: every record loaded, duplicate or quarantined", () => {
  it("Purview CSV with broken records: right file, line and reason; the good records around them load", async () => {
    const sink = await newSink();
    const file = path.join(fixtures, "purview-broken.csv");
    const r = await loadExports(sink, [file]);
    expect(r.files).toEqual([
      {
        file,
        format: "purview-csv",
        tables: ["CloudAppEvents", "EntraIdSignInEvents"],
        records: 7,
        loaded: 3,
        duplicate: 1,
        quarantined: 3,
      },
    ]);
    const q = r.quarantine.map((x) => [x.file, x.line, x.reason.split(":")[0]]).sort();
    expect(q).toEqual([
      [file, "4", "invalid JSON in AuditData"],
      [file, "6", "malformed CSV"],
      [file, "7", "Timestamp"],
    ]);
    expect(r.quarantine.find((x) => x.line === "6")?.raw).toContain("EXTRA");
    const ids = await rows(sink, `SELECT ReportId FROM CloudAppEvents ORDER BY ReportId`);
    expect(ids.map((x) => x.ReportId)).toEqual([
      "44444444-2222-3333-4444-555555555555",
      "85d29e27-be28-4f2c-96c8-08dbbe33c473",
    ]);
    expect(r.totals).toMatchObject({ records: 7, loaded: 3, duplicate: 1, quarantined: 3 });
  });

  it("hostile values load byte for byte and are never spliced into SQL", async () => {
    const sink = await newSink();
    await loadExports(sink, [path.join(fixtures, "purview-broken.csv")]);
    const got = await rows(
      sink,
      `SELECT ObjectId, RawEventData->>'$.Parameters[0].Value' AS name, IPAddress FROM CloudAppEvents WHERE ReportId = '85d29e27-be28-4f2c-96c8-08dbbe33c473'`,
    );
    expect(got).toEqual([
      {
        ObjectId:
          "NAMPR10A011.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/jane\\'; DROP TABLE CloudAppEvents; --",
        name: "=cmd|' /C calc'!A0 \"quoted\"\nline2",
        IPAddress: "203.0.113.45",
      },
    ]);
  });

  it("JSON Lines: bad JSON, truncated line, bad dynamic cell, duplicate id — by line, the rest loads", async () => {
    const dir = scratch("adapters-jsonl");
    const row = (id: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        Timestamp: "2025-05-05T03:06:54.339Z",
        ActionType: "Set-Mailbox",
        ReportId: id,
        RawEventData: { Id: id },
        ...extra,
      });
    const lines = [
      row("a"),
      "",
      '{"Timestamp":"2025-05-05T03:06:54Z","ActionType":"x","ReportId":"b","RawEv',
      row("c", { RawEventData: "{not json" }),
      row("a"),
      row("d", { Timestamp: "yesterday" }),
      row("e", { Timestamp: "" }),
      "[1,2]",
      row("f"),
    ];
    const file = path.join(dir, "cae.jsonl");
    writeFileSync(file, lines.join("\r\n") + "\r\n");
    const sink = await newSink();
    const r = await loadExports(sink, [file]);
    expect(r.files[0]).toMatchObject({
      format: "defender-jsonl",
      records: 8,
      loaded: 2,
      duplicate: 1,
      quarantined: 5,
    });
    expect(r.quarantine.map((q) => [q.line, q.reason])).toEqual([
      ["3", "invalid JSON in record"],
      ["4", expect.stringContaining("RawEventData: not a valid JSON") as unknown],
      ["6", expect.stringContaining("Timestamp: not a valid datetime") as unknown],
      ["7", "missing time (Timestamp)"],
      ["8", "record is not a JSON object"],
    ]);
    expect(
      (await rows(sink, `SELECT ReportId FROM CloudAppEvents ORDER BY 1`)).map((x) => x.ReportId),
    ).toEqual(["a", "f"]);
  });

  it("caps the stored quarantine list and counts the rest", async () => {
    const dir = scratch("adapters-cap");
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ Timestamp: "bad", ActionType: "x", ReportId: `r${i}`, RawEventData: {} }),
    );
    lines.unshift(
      JSON.stringify({
        Timestamp: "2025-01-01T00:00:00Z",
        ActionType: "x",
        ReportId: "ok",
        RawEventData: {},
      }),
    );
    const file = path.join(dir, "many.jsonl");
    writeFileSync(file, lines.join("\n"));
    const sink = await newSink();
    const r = await loadExports(sink, [file], { quarantineCap: 10 });
    expect(r.quarantine.length).toBe(10);
    expect(r.quarantineOmitted).toBe(20);
    expect(r.totals).toMatchObject({ records: 31, loaded: 1, quarantined: 30 });
  });
});
