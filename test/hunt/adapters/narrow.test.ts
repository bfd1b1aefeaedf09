// Storing only the columns a hunt reads (LoadOptions.columns, KqlEngine.columnsToStore): the columns come from DuckDB's
// plan, a narrowed load accepts and quarantines exactly the records a full one does, the hunt finds the same rows,
// and a query reading a column the load left empty is refused instead of reading nothing.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateTenant } from "../../../src/emulator/generator/index.js";
import { writeGenerated } from "../../../src/emulator/generator/write.js";
import { declareHuntTables, loadExports } from "../../../src/hunt/adapters/index.js";
import { KqlEngine } from "../../../src/hunt/kql/engine.js";
import { KqlExecutionError } from "../../../src/hunt/kql/errors.js";
import { buildQuery } from "../../../src/hunt/queries/index.js";
import { scratch } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function engineWithTables(): Promise<KqlEngine> {
  const engine = await KqlEngine.create({ threads: 1, analysisCache: false });
  await declareHuntTables(engine);
  return engine;
}

const sorted = (m: Map<string, Set<string>>) =>
  Object.fromEntries([...m].filter(([, c]) => c.size > 0).map(([t, c]) => [t, [...c].sort()]));

describe("the columns a query reads", () => {
  it("are the ones its plan scans: projected, filtered on, or all of them when the rows go out whole", async () => {
    const engine = await engineWithTables();
    try {
      const read = async (q: string) => sorted(await engine.columnsRead(q));
      expect(
        await read(
          "CloudAppEvents | where ApplicationId == 20893 and ActionType == 'New-InboxRule' | project ReportId",
        ),
      ).toEqual({ CloudAppEvents: ["ActionType", "ApplicationId", "ReportId"] });
      // joins and lets: both sides' columns, each under its own table
      expect(
        await read(
          "let s = EntraIdSignInEvents | where ErrorCode == 0 | project AccountUpn, Country;\n" +
            "CloudAppEvents | project AccountUpn = tolower(AccountId), IPAddress | join kind=inner s on AccountUpn",
        ),
      ).toEqual({
        CloudAppEvents: ["AccountId", "IPAddress"],
        EntraIdSignInEvents: ["AccountUpn", "Country", "ErrorCode"],
      });
      const whole = await read("AlertInfo | take 3");
      expect(whole["AlertInfo"]?.length).toBe((engine.tables["AlertInfo"] ?? []).length);
      expect(await read("CloudAppEvents | count")).toEqual({});
    } finally {
      engine.close();
    }
  });

  it("of the default hunt: both sign-in names store the union of what either is read for", async () => {
    const engine = await engineWithTables();
    try {
      const cols = await engine.columnsToStore([buildQuery({ target: "defender" })]);
      expect(cols["CloudAppEvents"]).toEqual(
        expect.arrayContaining(["RawEventData", "ActionType", "Timestamp", "ReportId", "IPAddress"]),
      );
      expect(cols["CloudAppEvents"]).not.toContain("ActivityObjects");
      expect(cols["EntraIdSignInEvents"]).toEqual(
        expect.arrayContaining(["UniqueTokenId", "SessionId", "RiskLevelDuringSignIn", "AccountUpn"]),
      );
      expect(new Set(cols["AADSignInEventsBeta"])).toEqual(new Set(cols["EntraIdSignInEvents"]));
      // a Defender hunt reads no Sentinel table
      expect(cols["OfficeActivity"]).toEqual([]);
    } finally {
      engine.close();
    }
  });
});

describe("a narrowed load", () => {
  it("loads and quarantines exactly what a full load does, a bad value in an unread column included", async () => {
    const dir = scratch("narrow-bad");
    dirs.push(dir);
    const file = path.join(dir, "CloudAppEvents.csv");
    const header =
      "Timestamp,ActionType,Application,ApplicationId,AccountObjectId,AccountId,IsAdminOperation,IPAddress," +
      "ActivityObjects,ReportId,RawEventData";
    const raw = (id: string) => `"{""Id"":""${id}"",""Operation"":""New-InboxRule""}"`;
    writeFileSync(
      file,
      [
        header,
        `2025-05-01T10:00:00Z,New-InboxRule,Microsoft Exchange Online,20893,u1,a@contoso.com,false,203.0.113.5,[],r1,${raw("1")}`,
        // an unread column (IsAdminOperation) that is not a boolean, and one (ActivityObjects) that is not JSON
        `2025-05-01T10:01:00Z,New-InboxRule,Microsoft Exchange Online,20893,u1,a@contoso.com,perhaps,203.0.113.5,[],r2,${raw("2")}`,
        `2025-05-01T10:02:00Z,New-InboxRule,Microsoft Exchange Online,20893,u1,a@contoso.com,true,203.0.113.5,{oops,r3,${raw("3")}`,
        // a read column that is not a time
        `yesterday,New-InboxRule,Microsoft Exchange Online,20893,u1,a@contoso.com,true,203.0.113.5,[],r4,${raw("4")}`,
        `  2025-05-01T12:02:00+02:00 ,New-InboxRule,Microsoft Exchange Online,20893,u1,a@contoso.com,true,203.0.113.5,[],r5,${raw("5")}`,
      ].join("\n") + "\n",
    );
    const full = await engineWithTables();
    const narrow = await engineWithTables();
    try {
      const columns = await narrow.columnsToStore([buildQuery({ target: "defender" })]);
      const a = await loadExports(full, [file]);
      const b = await loadExports(narrow, [file], { columns });
      expect(b.totals).toEqual(a.totals);
      expect(b.totals).toMatchObject({ records: 5, loaded: 2, quarantined: 3 });
      expect(b.quarantine.map((q) => [q.line, q.reason])).toEqual(
        a.quarantine.map((q) => [q.line, q.reason]),
      );
      expect(b.quarantine.map((q) => q.reason).join(" | ")).toMatch(
        /IsAdminOperation.*ActivityObjects.*Timestamp/,
      );
      const q = "CloudAppEvents | project ReportId, Timestamp, IPAddress | order by ReportId asc";
      expect((await narrow.run(q)).rows).toEqual((await full.run(q)).rows);
      // the offset is applied: 12:02 at +02:00 is 10:02 UTC
      expect((await narrow.run(q)).rows.map((r) => r["Timestamp"])).toEqual([
        "2025-05-01T10:00:00.000Z",
        "2025-05-01T10:02:00.000Z",
      ]);
    } finally {
      full.close();
      narrow.close();
    }
  });

  it("refuses a query that reads a column it left empty, naming it", async () => {
    const g = generateTenant({ scenarios: "all", users: 20, days: 2, seed: 5 });
    const dir = scratch("narrow-gen");
    dirs.push(dir);
    await writeGenerated(g, dir);
    const engine = await engineWithTables();
    try {
      const columns = await engine.columnsToStore([buildQuery({ target: "defender" })]);
      await loadExports(engine, [path.join(dir, "defender")], { columns });
      const err = await engine.run("CloudAppEvents | summarize dcount(City)").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KqlExecutionError);
      expect(String((err as Error).message)).toMatch(/CloudAppEvents .*also reads City/);
      // a whole row reads every column, so it is refused too; the columns it keeps answer as loaded
      await expect(engine.run("CloudAppEvents | take 1")).rejects.toThrow(/also reads/);
      const n = await engine.run("CloudAppEvents | summarize n = count(), r = dcount(ReportId)");
      expect(Number(n.rows[0]?.["n"])).toBeGreaterThan(0);
    } finally {
      engine.close();
    }
  });

  it("finds the same rows as a full load in a generated tenant with every attack", async () => {
    const g = generateTenant({ scenarios: "all", users: 20, days: 3, seed: 7 });
    const dir = scratch("narrow-same");
    dirs.push(dir);
    await writeGenerated(g, dir);
    const query = buildQuery({ target: "defender" });
    const full = await engineWithTables();
    const narrow = await engineWithTables();
    try {
      await loadExports(full, [path.join(dir, "defender")]);
      await loadExports(narrow, [path.join(dir, "defender")], {
        columns: await narrow.columnsToStore([query]),
      });
      await full.bindSignInTables();
      await narrow.bindSignInTables();
      const pick = (rows: Record<string, unknown>[]) =>
        rows.map((r) => [r["RecordId"], r["Score"], r["LinkKey"], r["RiskMax"]].join("|")).sort();
      const a = pick((await full.run(query)).rows);
      expect(a.length).toBeGreaterThan(10);
      expect(pick((await narrow.run(query)).rows)).toEqual(a);
    } finally {
      full.close();
      narrow.close();
    }
  });
});
