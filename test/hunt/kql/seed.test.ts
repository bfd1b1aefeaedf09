/**
 * The verbatim seed query (../shared/reference/seed-query.kql) on a hand-built dataset; expected rows derived from
 * reading the query: keep Exchange mailbox actions of alerted users whose RawEventData holds the session id of a risky
 * (RiskLevelDuringSignIn >= 10), unmanaged, non-compliant, no-trust-type sign-in of an alerted user.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { KqlColumn } from "../../../src/hunt/kql/types.js";
import { useEngine } from "./helpers.js";

// The project's verbatim copy (test/hunt/queries compares it byte for byte with ../shared/reference/seed-query.kql).
const SEED = readFileSync(new URL("../../../src/hunt/queries/seed.kql", import.meta.url), "utf8");

const U1 = "11111111-aaaa-bbbb-cccc-000000000001";
const U2 = "11111111-aaaa-bbbb-cccc-000000000002";
const S_RISKY = "aaaaaaaa-0000-0000-0000-000000000001";
const S_LOWRISK = "aaaaaaaa-0000-0000-0000-000000000002";
const S_MANAGED = "aaaaaaaa-0000-0000-0000-000000000003";

const alertCols: KqlColumn[] = [{ name: "AccountObjectId", type: "string" }];
const signInCols: KqlColumn[] = [
  { name: "Timestamp", type: "datetime" },
  { name: "AccountObjectId", type: "string" },
  { name: "IPAddress", type: "string" },
  { name: "IsManaged", type: "int" },
  { name: "IsCompliant", type: "int" },
  { name: "DeviceTrustType", type: "string" },
  { name: "RiskLevelDuringSignIn", type: "int" },
  { name: "SessionId", type: "string" },
];
const cloudCols: KqlColumn[] = [
  { name: "Timestamp", type: "datetime" },
  { name: "ReportId", type: "string" },
  { name: "ActionType", type: "string" },
  { name: "ApplicationId", type: "int" },
  { name: "AccountObjectId", type: "string" },
  { name: "IPAddress", type: "string" },
  { name: "ISP", type: "string" },
  { name: "CountryCode", type: "string" },
  { name: "RawEventData", type: "dynamic" },
];

const signIn = (session: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  Timestamp: "2026-02-01T09:00:00Z",
  AccountObjectId: U1,
  IPAddress: "203.0.113.7",
  IsManaged: null,
  IsCompliant: null,
  DeviceTrustType: "",
  RiskLevelDuringSignIn: 10,
  SessionId: session,
  ...over,
});

const action = (
  id: string,
  session: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> => ({
  Timestamp: "2026-02-01T09:05:00Z",
  ReportId: id,
  ActionType: "New-InboxRule",
  ApplicationId: 20893,
  AccountObjectId: U1,
  IPAddress: "203.0.113.7",
  ISP: "Example ISP",
  CountryCode: "NL",
  RawEventData: { Operation: "New-InboxRule", AppAccessContext: { AADSessionId: session } },
  ...over,
});

async function load(
  e: Parameters<Parameters<typeof useEngine>[0] & object>[0],
  alerts: Record<string, unknown>[],
): Promise<void> {
  await e.registerRows("AlertEvidence", alertCols, alerts);
  await e.registerRows("AADSignInEventsBeta", signInCols, [
    signIn(S_RISKY),
    signIn(S_LOWRISK, { RiskLevelDuringSignIn: 0 }),
    signIn(S_MANAGED, { IsManaged: 1 }),
    signIn("aaaaaaaa-0000-0000-0000-000000000009", { AccountObjectId: U2 }), // user not in an alert
  ]);
  await e.registerRows("CloudAppEvents", cloudCols, [
    action("r-risky", S_RISKY),
    action("r-lowrisk", S_LOWRISK),
    action("r-managed", S_MANAGED),
    action("r-nosession", "bbbbbbbb-0000-0000-0000-000000000000"),
    action("r-inside-longer-id", `x${S_RISKY}`),
    action("r-other-app", S_RISKY, { ApplicationId: 11161 }),
    action("r-other-action", S_RISKY, { ActionType: "MailItemsAccessed" }),
    action("r-other-user", S_RISKY, { AccountObjectId: U2 }),
    action("r-setmailbox", S_RISKY, { ActionType: "Set-Mailbox", Timestamp: "2026-02-01T09:06:00Z" }),
  ]);
}

describe("seed query", () => {
  const withAlert = useEngine((e) => load(e, [{ AccountObjectId: U1 }, { AccountObjectId: "" }]));
  const noAlert = useEngine((e) => load(e, []));

  it("keeps only the actions carrying a risky session id of an alerted user", async () => {
    const r = await withAlert.run(SEED);
    expect(r.columns.map((c) => c.name)).toEqual([
      "Timestamp",
      "ReportId",
      "ActionType",
      "IPAddress",
      "AccountObjectId",
      "ISP",
      "CountryCode",
    ]);
    expect(r.rows.map((x) => x["ReportId"]).sort()).toEqual(["r-risky", "r-setmailbox"]);
    expect(r.rows.find((x) => x["ReportId"] === "r-risky")).toEqual({
      Timestamp: "2026-02-01T09:05:00.000Z",
      ReportId: "r-risky",
      ActionType: "New-InboxRule",
      IPAddress: "203.0.113.7",
      AccountObjectId: U1,
      ISP: "Example ISP",
      CountryCode: "NL",
    });
  });

  it("returns nothing when AlertEvidence is empty", async () => {
    expect((await noAlert.run(SEED)).rows).toEqual([]);
  });
});
