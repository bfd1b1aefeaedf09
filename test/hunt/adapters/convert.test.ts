import path from "node:path";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadExports } from "../../../src/hunt/adapters/index.js";
import { newSink, rows, scratch } from "./helpers.js";

// How a CSV cell becomes a typed value or a quarantine reason: the spellings exports write (fast paths) and the
// ones they also write (the slower fallbacks) must give the same values as ever, and every failing cell its reason.
const header =
  "Timestamp,RequestId,AccountUpn,ErrorCode,IsGuestUser,LastPasswordChangeTimestamp,RiskLevelDuringSignIn";
const cases: [string, string][] = [
  ["plain", "2025-05-05T08:02:52.3810000Z,r1,a@x.com,0,false,2024-10-26T00:00:00Z,10"],
  ["spellings", `"4/28/2021, 3:05:26.000 PM",r2,a@x.com, 7 ,True,9/20/2023 4:05:03 AM,true`],
  ["fallbacks", "2025-05-05T10:00:00+02:00,r3,a@x.com,FALSE, TRUE ,,  "],
  ["more-bools", "2025-05-05T08:00:00Z,r4,a@x.com,,1,,"],
  ["zero-bool", "2025-05-05T08:00:00Z,r5,a@x.com,,0,,"],
  ["bad-int", "2025-05-05T08:00:00Z,r6,a@x.com,x1,false,,"],
  ["bad-bool", "2025-05-05T08:00:00Z,r7,a@x.com,0,yes,,"],
  ["bad-unstored-time", "2025-05-05T08:00:00Z,r8,a@x.com,0,false,yesterday,"],
  ["no-time", "   ,r9,a@x.com,0,false,,"],
  ["bad-time-and-int", "soon,r10,a@x.com,one,False,,"],
];

describe("typed conversion and quarantine reasons of a table export", () => {
  it("converts every spelling exports write and names each failing column, stored or not", async () => {
    const dir = scratch("adapters-convert");
    const file = path.join(dir, "EntraIdSignInEvents.csv");
    writeFileSync(file, [header, ...cases.map(([, line]) => line)].join("\n") + "\n");
    const sink = await newSink();
    // A narrowed load (as the hunt does): IsGuestUser and LastPasswordChangeTimestamp are checked, not stored.
    const r = await loadExports(sink, [file], {
      columns: { EntraIdSignInEvents: ["Timestamp", "RequestId", "ErrorCode", "RiskLevelDuringSignIn"] },
    });
    const got = await rows(
      sink,
      `SELECT RequestId, strftime(Timestamp, '%Y-%m-%d %H:%M:%S') AS t, ErrorCode, RiskLevelDuringSignIn AS risk,
         IsGuestUser, LastPasswordChangeTimestamp AS pwd FROM EntraIdSignInEvents ORDER BY RequestId`,
    );
    expect(got).toEqual([
      { RequestId: "r1", t: "2025-05-05 08:02:52", ErrorCode: 0, risk: 10, IsGuestUser: null, pwd: null },
      { RequestId: "r2", t: "2021-04-28 15:05:26", ErrorCode: 7, risk: 1, IsGuestUser: null, pwd: null },
      // an offset is applied; an integer written as a boolean; white space is no value
      { RequestId: "r3", t: "2025-05-05 08:00:00", ErrorCode: 0, risk: null, IsGuestUser: null, pwd: null },
      {
        RequestId: "r4",
        t: "2025-05-05 08:00:00",
        ErrorCode: null,
        risk: null,
        IsGuestUser: null,
        pwd: null,
      },
      {
        RequestId: "r5",
        t: "2025-05-05 08:00:00",
        ErrorCode: null,
        risk: null,
        IsGuestUser: null,
        pwd: null,
      },
    ]);
    expect(r.totals).toMatchObject({ records: 10, loaded: 5, quarantined: 5, duplicate: 0 });
    const reasons = Object.fromEntries(r.quarantine.map((q) => [Number(q.line), q.reason]));
    expect(reasons).toEqual({
      7: 'ErrorCode: not a valid integer "x1"',
      8: 'IsGuestUser: not a valid boolean "yes"',
      9: 'LastPasswordChangeTimestamp: not a valid datetime "yesterday"',
      10: "missing time (Timestamp)",
      11: 'Timestamp: not a valid datetime "soon"; ErrorCode: not a valid integer "one"',
    });
  });

  it("a full load stores the booleans and datetimes the narrowed one only checked", async () => {
    const dir = scratch("adapters-convert");
    const file = path.join(dir, "EntraIdSignInEvents.csv");
    writeFileSync(file, [header, ...cases.slice(0, 5).map(([, line]) => line)].join("\n") + "\n");
    const sink = await newSink();
    await loadExports(sink, [file]);
    const got = await rows(
      sink,
      `SELECT IsGuestUser AS g, strftime(LastPasswordChangeTimestamp, '%Y-%m-%d %H:%M:%S') AS pwd
         FROM EntraIdSignInEvents ORDER BY RequestId`,
    );
    expect(got).toEqual([
      { g: false, pwd: "2024-10-26 00:00:00" },
      { g: true, pwd: "2023-09-20 04:05:03" },
      { g: true, pwd: null },
      { g: true, pwd: null },
      { g: false, pwd: null },
    ]);
  });

  it("leaves DuckDB's thread count as it found it (the load runs with one more)", async () => {
    const dir = scratch("adapters-convert");
    const file = path.join(dir, "EntraIdSignInEvents.csv");
    writeFileSync(file, [header, ...cases.slice(0, 2).map(([, line]) => line)].join("\n") + "\n");
    const sink = await newSink();
    await sink.connection.run("SET threads = 2");
    const seen: string[] = [];
    const orig = sink.connection.run.bind(sink.connection);
    sink.connection.run = (sql: string, ...rest: unknown[]) => {
      if (/^SET threads/i.test(sql)) seen.push(sql);
      return (orig as (...a: unknown[]) => ReturnType<typeof orig>)(sql, ...rest);
    };
    await loadExports(sink, [file]);
    expect(seen).toEqual(["SET threads = 3", "SET threads = 2"]);
    expect(await rows(sink, "SELECT current_setting('threads')::INTEGER AS t")).toEqual([{ t: 2 }]);
  });
});
