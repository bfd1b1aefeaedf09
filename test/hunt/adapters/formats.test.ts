import { copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadExports } from "../../../src/hunt/adapters/index.js";
import type { LoadReport } from "../../../src/hunt/adapters/types.js";
import { fixtures, newSink, rows, scratch } from "./helpers.js";

const fx = (name: string) => path.join(fixtures, name);

function addsUp(r: LoadReport): void {
  for (const f of r.files) expect(f.loaded + f.duplicate + f.quarantined, f.file).toBe(f.records);
  const t = r.totals;
  expect(t.loaded + t.duplicate + t.quarantined).toBe(t.records);
}

describe("formats, each from a committed fixture", () => {
  it("creates every hunting table even with no input", async () => {
    const sink = await newSink();
    const r = await loadExports(sink, []);
    expect(Object.keys(r.tableRows).sort()).toEqual([...sink.defined.keys()].sort());
    expect(r.tableRows.CloudAppEvents).toBe(0);
    expect(sink.defined.get("SigninLogs")?.length).toBeGreaterThan(10);
  });

  it.each([
    ["hunting-query.json", "defender-hunting-json", "CloudAppEvents"],
    ["hunting-legacy.json", "defender-legacy-json", "CloudAppEvents"],
    ["streaming-eventhub.json", "defender-streaming-json", "CloudAppEvents"],
    ["management-api.json", "management-api-json", "CloudAppEvents"],
    ["graph-riskdetections.json", "graph-riskdetection-json", "AADUserRiskEvents"],
    ["entra-diagnostic.json", "entra-diagnostic-json", "EntraIdSignInEvents"],
    ["graph-signins.json", "graph-signin-json", "EntraIdSignInEvents"],
  ])("%s is %s into %s", async (file, format, table) => {
    const sink = await newSink();
    const r = await loadExports(sink, [fx(file)]);
    expect(r.files[0]?.format).toBe(format);
    expect(r.files[0]?.tables).toContain(table);
    expect(r.tableRows[table]).toBeGreaterThan(0);
    addsUp(r);
  });

  it("Defender JSON rows keep ISP (one column with Isp) and stringified RawEventData as JSON", async () => {
    const sink = await newSink();
    await loadExports(sink, [fx("hunting-query.json"), fx("streaming-eventhub.json")]);
    const got = await rows(
      sink,
      `SELECT ReportId, Isp, ApplicationId, IsAdminOperation, RawEventData->>'$.Operation' AS op, json_type(RawEventData) AS t FROM CloudAppEvents ORDER BY ReportId`,
    );
    expect(got).toEqual([
      {
        ReportId: "abc_20893",
        Isp: "Evil Hosting",
        ApplicationId: 20893,
        IsAdminOperation: false,
        op: "New-InboxRule",
        t: "OBJECT",
      },
      {
        ReportId: "stream_20893",
        Isp: "Evil Hosting",
        ApplicationId: 20893,
        IsAdminOperation: false,
        op: "New-InboxRule",
        t: "OBJECT",
      },
    ]);
  });

  it("UAL records become CloudAppEvents rows; Entra STS logons become sign-in rows", async () => {
    const sink = await newSink();
    await loadExports(sink, [fx("management-api.json")]);
    const cae = await rows(
      sink,
      `SELECT ActionType, Application, ApplicationId, AccountObjectId, IPAddress, ReportId, strftime(Timestamp, '%Y-%m-%dT%H:%M:%S') AS ts FROM CloudAppEvents`,
    );
    expect(cae).toEqual([
      {
        ActionType: "New-InboxRule",
        Application: "Microsoft Exchange Online",
        ApplicationId: 20893,
        AccountObjectId: "0b9a6f0e-1111-4c3a-9a53-6a4c35a1e001",
        IPAddress: "203.0.113.45",
        ReportId: "85d29e27-be28-4f2c-96c8-08dbbe33c473",
        ts: "2023-09-26T01:56:15",
      },
    ]);
    const si = await rows(
      sink,
      `SELECT RequestId, SessionId, IPAddress, ErrorCode, UserAgent, AccountUpn, RiskLevelDuringSignIn, CorrelationId FROM EntraIdSignInEvents`,
    );
    expect(si).toEqual([
      {
        RequestId: "445945de-2d4f-4816-a71e-d3c0eff10500",
        SessionId: "9dfdecb6-59a0-4714-846e-86c0fc911104",
        IPAddress: "203.0.113.45",
        ErrorCode: 0,
        UserAgent: "Mozilla/5.0 evil",
        AccountUpn: "janed@contoso.onmicrosoft.com",
        RiskLevelDuringSignIn: 0,
        CorrelationId: "5d295068-1111-2222-3333-444455556666",
      },
    ]);
  });

  it("Graph sign-ins feed the Defender shape (risk as integers) and the Sentinel shape by interactivity", async () => {
    const sink = await newSink();
    const r = await loadExports(sink, [fx("graph-signins.json"), fx("entra-diagnostic.json")]);
    addsUp(r);
    const d = await rows(
      sink,
      `SELECT RequestId, RiskLevelDuringSignIn, RiskLevelAggregated, RiskState, ConditionalAccessStatus, IsManaged, LogonType, UniqueTokenId, strftime(Timestamp, '%H:%M:%S') AS t FROM EntraIdSignInEvents ORDER BY Timestamp`,
    );
    expect(d.map((x) => [x.RequestId, x.RiskLevelDuringSignIn])).toEqual([
      ["445945de-2d4f-4816-a71e-d3c0eff10500", 50],
      ["aaaaaaaa-1111-2222-3333-444444444400", 1],
      ["cccccccc-1111-2222-3333-444444444400", 10],
    ]);
    expect(d[0]).toMatchObject({
      RiskLevelAggregated: 100,
      RiskState: 4,
      ConditionalAccessStatus: 2,
      IsManaged: 0,
    });
    expect(d[0]?.UniqueTokenId).toBe("3kVZRE8tFkinHtPA7_EFAA");
    // -05:00 offset → UTC.
    expect(d[2]?.t).toBe("06:46:00");
    const s = await rows(sink, `SELECT Id, RiskLevelDuringSignIn, IsInteractive FROM SigninLogs`);
    expect(s).toEqual([
      { Id: "445945de-2d4f-4816-a71e-d3c0eff10500", RiskLevelDuringSignIn: "medium", IsInteractive: true },
    ]);
    const n = await rows(sink, `SELECT Id FROM AADNonInteractiveUserSignInLogs ORDER BY Id`);
    expect(n.map((x) => x.Id)).toEqual([
      "aaaaaaaa-1111-2222-3333-444444444400",
      "cccccccc-1111-2222-3333-444444444400",
    ]);
    expect(r.quarantine).toEqual([
      expect.objectContaining({
        line: "value[2]",
        reason: expect.stringContaining("not a valid datetime") as unknown,
      }),
    ]);
  });

  it("Entra admin-center CSV: odd headers, duplicate column, location split, short row quarantined", async () => {
    const sink = await newSink();
    const file = fx("InteractiveSignIns_2025-12-04_2025-12-05.csv");
    const r = await loadExports(sink, [file]);
    expect(r.files[0]).toMatchObject({ format: "entra-admin-csv", records: 2, loaded: 1, quarantined: 1 });
    expect(r.quarantine[0]).toMatchObject({
      file,
      line: "3",
      reason: expect.stringContaining("wrong column count") as unknown,
    });
    const d = await rows(
      sink,
      `SELECT ApplicationId, ResourceId, Country, City, SessionId, IsCompliant, RiskLevelDuringSignIn FROM EntraIdSignInEvents`,
    );
    expect(d).toEqual([
      {
        ApplicationId: "4765445b-32c6-49b0-83e6-1d93765276ca",
        ResourceId: "00000002-0000-0ff1-ce00-000000000000",
        Country: "AU",
        City: "Melbourne",
        SessionId: "9dfdecb6-59a0-4714-846e-86c0fc911104",
        IsCompliant: 0,
        RiskLevelDuringSignIn: 0,
      },
    ]);
  });

  it("recognises content, not names: a CloudAppEvents CSV named foo.txt loads; a sign-in CSV is not OfficeActivity", async () => {
    const dir = scratch("adapters-names");
    const cae =
      "Timestamp,ActionType,Application,ApplicationId,ReportId,RawEventData\r\n" +
      `2025-05-05T03:06:54.339Z,New-InboxRule,Microsoft Exchange Online,20893,r1,"{""Operation"":""New-InboxRule""}"\r\n`;
    writeFileSync(path.join(dir, "foo.txt"), cae);
    const signin =
      "\uFEFFTimeGenerated [UTC],OperationName,Category,ResultType,UserPrincipalName,Id,IPAddress,IsInteractive,RiskLevelDuringSignIn\r\n" +
      `"4/28/2021, 3:05:26.000 PM",Sign-in activity,SignInLogs,0,adele@x.com,id-1,175.45.176.99,TRUE,none\r\n`;
    writeFileSync(path.join(dir, "OfficeActivity.csv"), signin);
    copyFileSync(fx("hunting-query.json"), path.join(dir, "SigninLogs.json"));
    const sink = await newSink();
    const r = await loadExports(sink, [dir]);
    const byName = Object.fromEntries(r.files.map((f) => [path.basename(f.file), f]));
    expect(byName["foo.txt"]).toMatchObject({
      format: "defender-csv",
      tables: ["CloudAppEvents"],
      loaded: 1,
    });
    expect(byName["OfficeActivity.csv"]).toMatchObject({
      format: "sentinel-csv",
      tables: ["SigninLogs"],
      loaded: 1,
    });
    expect(byName["SigninLogs.json"]?.tables).toEqual(["CloudAppEvents"]);
    expect(
      await rows(
        sink,
        `SELECT strftime(TimeGenerated, '%Y-%m-%d %H:%M:%S') AS t, IsInteractive FROM SigninLogs`,
      ),
    ).toEqual([{ t: "2021-04-28 15:05:26", IsInteractive: true }]);
  });

  it("reports unrecognised files as skipped with a reason", async () => {
    const dir = scratch("adapters-skip");
    writeFileSync(path.join(dir, "notes.md"), "# hello\n");
    writeFileSync(path.join(dir, "other.csv"), "a,b,c\r\n1,2,3\r\n");
    writeFileSync(path.join(dir, "broken.json"), "{ not json");
    const sink = await newSink();
    const r = await loadExports(sink, [dir, path.join(dir, "missing.csv")]);
    expect(r.files).toEqual([]);
    expect(r.skipped.map((s) => path.basename(s.file)).sort()).toEqual([
      "broken.json",
      "missing.csv",
      "notes.md",
      "other.csv",
    ]);
    for (const s of r.skipped) expect(s.reason.length).toBeGreaterThan(5);
  });
});
