/**
 * Every rule-creating record accounted for (issue 12 §2), on real-shaped Management Activity API records: Exchange
 * accepts several inbox rules with one name in one mailbox, and each successful New-InboxRule is a rule of its own.
 * Identical rules become one hit listing every record id and the count; rules that differ are hits of their own.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { huntOffline } from "../../../src/hunt/offline.js";
import type { Hit } from "../../../src/model/hit.js";

const SESSION = "9dfdecb6-59a0-4714-846e-86c0fc911104";
const USER = "janed@contoso.onmicrosoft.com";
const IP = "203.0.113.45";
let n = 0;

/** One New-InboxRule record as the Management Activity API returns it (formats.md §2). */
function newInboxRule(minute: number, params: Record<string, string>, over: Record<string, unknown> = {}) {
  n += 1;
  return {
    AppAccessContext: { AADSessionId: SESSION },
    CreationTime: `2023-09-26T02:${String(minute).padStart(2, "0")}:15`,
    Id: `85d29e27-be28-4f2c-96c8-${String(n).padStart(12, "0")}`,
    Operation: "New-InboxRule",
    OrganizationId: "4b2462a4-bbee-495a-a0e1-f23ae524cc9c",
    RecordType: 1,
    ResultStatus: "True",
    UserKey: "10032002F222981B",
    UserType: 2,
    Version: 1,
    Workload: "Exchange",
    ClientIP: `[::ffff:${IP}]:19823`,
    ObjectId: `NAMPR10A011.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/JaneD\\${params["Name"] ?? ""}`,
    UserId: USER,
    Parameters: Object.entries({ AlwaysDeleteOutlookRulesBlob: "False", Force: "False", ...params }).map(
      ([Name, Value]) => ({ Name, Value }),
    ),
    SessionId: SESSION,
    ...over,
  };
}

const HIDE = { MoveToFolder: "RSS Feeds", MarkAsRead: "True", SubjectContainsWords: "invoice;payment" };
const records = [
  {
    CreationTime: "2023-09-26T01:40:02",
    Id: "445945de-2d4f-4816-a71e-d3c0eff10500",
    Operation: "UserLoggedIn",
    RecordType: 15,
    ResultStatus: "Success",
    UserKey: "0b9a6f0e-1111-4c3a-9a53-6a4c35a1e001",
    UserType: 0,
    Workload: "AzureActiveDirectory",
    ClientIP: IP,
    UserId: USER,
    ObjectId: "00000002-0000-0ff1-ce00-000000000000",
    ExtendedProperties: [{ Name: "UserAgent", Value: "python-requests/2.31" }],
    DeviceProperties: [{ Name: "SessionId", Value: SESSION }],
  },
  // the same rule, three times in one session
  newInboxRule(1, { Name: "..", ...HIDE }),
  newInboxRule(2, { Name: "..", ...HIDE }),
  newInboxRule(3, { Name: "..", ...HIDE }),
  // one-character names, different content each
  newInboxRule(4, { Name: "a", ForwardTo: "drop@evil.example" }),
  newInboxRule(5, { Name: "b", DeleteMessage: "True", FromAddressContainsWords: "security" }),
  newInboxRule(6, { Name: "b", MoveToFolder: "Conversation History", MarkAsRead: "True" }),
  // a rule wearing the Junk E-mail rule's name, forwarding outside (no exemption by name)
  newInboxRule(8, { Name: "Junk E-mail Rule", ForwardTo: "collect@evil.example" }),
  // a failed attempt made no rule
  newInboxRule(7, { Name: "c", ForwardTo: "drop@evil.example" }, { ResultStatus: "False" }),
];

let dir: string;
let hits: Hit[];
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "mw-repeated-"));
  writeFileSync(path.join(dir, "audit.json"), JSON.stringify(records, null, 2));
  const r = await huntOffline({
    paths: [dir],
    profile: "default",
    params: { tenantDomains: ["contoso.onmicrosoft.com"] },
    riskThreshold: 50,
    tenantId: "t",
  });
  expect(r.load.totals.quarantined).toBe(0);
  hits = r.runs.flatMap((x) => x.hits);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ruleHits = () => hits.filter((h) => h.target.kind === "inboxRule");
const recordsOf = (h: Hit) => h.action.recordIds ?? [h.action.recordId];

describe("rule-creating records → hits", () => {
  it("accounts for every successful New-InboxRule record exactly once", () => {
    const created = records.filter((r) => r.Operation === "New-InboxRule" && r.ResultStatus === "True");
    const listed = ruleHits().flatMap(recordsOf);
    expect([...listed].sort()).toEqual(created.map((r) => r.Id).sort());
  });

  it("makes one hit of identical rules, listing every record id and the count", () => {
    const dots = ruleHits().filter((h) => h.target.kind === "inboxRule" && h.target.ruleName === "..");
    expect(dots).toHaveLength(1);
    expect(dots[0]!.action.recordCount).toBe(3);
    expect(dots[0]!.action.recordIds).toHaveLength(3);
    expect(dots[0]!.reasons.map((r) => r.code)).toContain("repeated-rule");
  });

  it("keeps rules of one name but different content apart, and one-character names", () => {
    const names = ruleHits().map((h) => (h.target.kind === "inboxRule" ? h.target.ruleName : ""));
    expect(names.filter((x) => x === "a")).toHaveLength(1);
    expect(names.filter((x) => x === "b")).toHaveLength(2);
    const b = ruleHits().filter((h) => h.target.kind === "inboxRule" && h.target.ruleName === "b");
    expect(new Set(b.map((h) => h.hitKey)).size).toBe(2);
    for (const h of b) expect(h.action.recordCount ?? 1).toBe(1);
  });

  it("reports a rule named like a system rule that forwards outside, the disguise raising its score", () => {
    const h = ruleHits().find(
      (x) => x.target.kind === "inboxRule" && x.target.ruleName === "Junk E-mail Rule",
    );
    expect(h).toBeDefined();
    expect(h!.reasons.find((r) => r.code === "impersonates-system-rule")?.weight).toBeGreaterThan(0);
  });

  it("reports no hit for a rule-creating record that failed", () => {
    expect(ruleHits().some((h) => h.target.kind === "inboxRule" && h.target.ruleName === "c")).toBe(false);
  });
});
