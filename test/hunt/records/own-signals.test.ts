/**
 * Severity from mailwarden's own signals (issue 12 §3): an audit-log export with logon records only carries no Entra
 * risk, yet a textbook attack — a concealment rule made from a network the user never used, on a hosting network —
 * is high; a rule that sends mail outside and deletes it is high on its content alone; the user's own tidy rule
 * from home stays below high. Every point of a score is a reason: the weights add up to the score.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { huntOffline } from "../../../src/hunt/offline.js";
import type { Hit } from "../../../src/model/hit.js";

const USER = "janed@contoso.onmicrosoft.com";
const HOME = "73.15.20.30"; // Comcast (AS7922): where the user always signs in
const VPS = "167.99.10.20"; // DigitalOcean (AS14061): hosting, by lists and by the organisation's name
let n = 0;
const id = () => `7d1c0f3e-0a1b-4c2d-8e9f-${String((n += 1)).padStart(12, "0")}`;

/** An Entra logon record of the unified audit log (no risk level: UAL logon records carry none). */
const logon = (time: string, ip: string, session: string) => ({
  CreationTime: time,
  Id: id(),
  Operation: "UserLoggedIn",
  RecordType: 15,
  ResultStatus: "Success",
  UserKey: "0b9a6f0e-1111-4c3a-9a53-6a4c35a1e001",
  UserType: 0,
  Workload: "AzureActiveDirectory",
  ClientIP: ip,
  UserId: USER,
  ObjectId: "00000002-0000-0ff1-ce00-000000000000",
  ExtendedProperties: [{ Name: "UserAgent", Value: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" }],
  DeviceProperties: [{ Name: "SessionId", Value: session }],
});
const rule = (time: string, ip: string, session: string, params: Record<string, string>) => ({
  AppAccessContext: { AADSessionId: session },
  CreationTime: time,
  Id: id(),
  Operation: "New-InboxRule",
  RecordType: 1,
  ResultStatus: "True",
  UserKey: "10032002F222981B",
  UserType: 2,
  Workload: "Exchange",
  ClientIP: `${ip}:51234`,
  ObjectId: `contoso.onmicrosoft.com/JaneD\\${params["Name"] ?? ""}`,
  UserId: USER,
  Parameters: Object.entries(params).map(([Name, Value]) => ({ Name, Value })),
  SessionId: session,
});

const S_HOME = "11111111-2222-4333-8444-555555555555";
const S_VPS = "99999999-8888-4777-8666-555555555555";
const records = [
  logon("2024-03-01T08:00:00", HOME, S_HOME),
  logon("2024-03-02T08:00:00", HOME, S_HOME),
  // the user's own rule, from home
  rule("2024-03-02T08:10:00", HOME, S_HOME, {
    Name: "Newsletters",
    SubjectContainsWords: "newsletter",
    MoveToFolder: "Archive",
    MarkAsRead: "True",
  }),
  logon("2024-03-03T02:00:00", VPS, S_VPS),
  // the attacker's concealment rule from a VPS, a network the user never used
  rule("2024-03-03T02:05:00", VPS, S_VPS, {
    Name: ".",
    FromAddressContainsWords: "security;it-support",
    MoveToFolder: "RSS Feeds",
    MarkAsRead: "True",
    StopProcessingRules: "True",
  }),
  // and a forward + delete rule with no sign-in anywhere near
  rule("2024-03-04T13:00:00", "", "", { Name: "x", ForwardTo: "drop@evil.example", DeleteMessage: "True" }),
];

let dir: string;
let hits: Hit[];
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "mw-own-"));
  writeFileSync(path.join(dir, "audit.json"), JSON.stringify(records));
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

const named = (name: string) =>
  hits.find((h) => h.target.kind === "inboxRule" && h.target.ruleName === name)!;
const codes = (h: Hit) => h.reasons.map((r) => r.code);

describe("severity without Entra risk", () => {
  it("rates the concealment rule from a new hosting network high, on its own signals, each a reason", () => {
    const h = named(".");
    expect(h.links.every((l) => (l.risk ?? 0) < 10)).toBe(true);
    expect(h.severity).toBe("high");
    expect(codes(h)).toEqual(expect.arrayContaining(["concealment-rule", "hosting-network", "new-network"]));
    const net = h.reasons.find((r) => r.code === "hosting-network")!;
    expect(net.detail).toContain("DigitalOcean");
    expect(net.detail).toContain("its organisation's name");
    expect(h.reasons.find((r) => r.code === "new-network")!.detail).toContain("AS14061");
  });

  it("rates a rule that forwards outside and deletes high on its content alone", () => {
    const h = named("x");
    expect(h.links).toEqual([]);
    expect(h.severity).toBe("high");
    expect(h.reasons.find((r) => r.code === "severity-band")?.detail).toContain("content alone");
  });

  it("keeps the user's own archive rule from home below high", () => {
    const h = hits.find((x) => x.target.kind === "inboxRule" && x.target.ruleName === "Newsletters");
    if (h) expect(h.severity).not.toBe("high");
  });

  it("explains every point: the reasons' weights add up to the score", () => {
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits)
      expect(
        h.reasons.reduce((s, r) => s + r.weight, 0),
        codes(h).join(","),
      ).toBe(h.score);
  });
});
