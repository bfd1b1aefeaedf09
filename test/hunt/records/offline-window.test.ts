/**
 * Offline scope (issue 12 §6): the default window is the whole input (the user chose what to export);
 * --lookback-days and --now narrow it, and every run says how many mailbox actions the window left out.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { huntOffline } from "../../../src/hunt/offline.js";
import { renderHunt } from "../../../src/hunt/output.js";

let n = 0;
/** A forwarding + delete rule, as the Management Activity API returns New-InboxRule. */
function forwardRule(time: string) {
  n += 1;
  return {
    CreationTime: time,
    Id: `0e4c6a0b-1d2e-4f00-9a53-${String(n).padStart(12, "0")}`,
    Operation: "New-InboxRule",
    RecordType: 1,
    ResultStatus: "True",
    UserKey: "10032002F222981B",
    UserType: 2,
    Workload: "Exchange",
    ClientIP: "198.51.100.7",
    ObjectId: `contoso.onmicrosoft.com/JaneD\\r${n}`,
    UserId: "janed@contoso.onmicrosoft.com",
    Parameters: [
      { Name: "Name", Value: `r${n}` },
      { Name: "ForwardTo", Value: "x@evil.example" },
      { Name: "DeleteMessage", Value: "True" },
    ],
  };
}

// two years of an export: one rule a month
const times = Array.from({ length: 24 }, (_, i) =>
  new Date(Date.UTC(2022, i, 15, 10)).toISOString().slice(0, 19),
);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "mw-window-"));
  writeFileSync(path.join(dir, "audit.json"), JSON.stringify(times.map(forwardRule)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hunt = (o: { lookback?: string; now?: Date }) =>
  huntOffline({
    paths: [dir],
    profile: "default",
    params: { tenantDomains: ["contoso.onmicrosoft.com"], ...(o.lookback ? { lookback: o.lookback } : {}) },
    riskThreshold: 50,
    tenantId: "t",
    ...(o.now ? { now: o.now } : {}),
  });

describe("the offline window", () => {
  it("is the whole input by default: every action of two years is a hit, none left out", async () => {
    const r = await hunt({});
    const run = r.runs[0]!;
    expect(run.hits.filter((h) => h.target.kind === "inboxRule")).toHaveLength(24);
    expect(run.window).toMatchObject({ lookback: "whole input", mailboxActions: 24, leftOut: 0 });
    // and the JSON document carries it
    const doc = JSON.parse(renderHunt(r.runs, "json", { profile: "default", rowsOnly: false })) as {
      window: unknown;
    };
    expect(doc.window).toEqual(run.window);
  }, 120_000);

  it("--lookback-days narrows it and counts what it left out", async () => {
    const run = (await hunt({ lookback: "90d" })).runs[0]!;
    // as of the newest event (2023-12-15): September–December are inside
    expect(run.hits.filter((h) => h.target.kind === "inboxRule")).toHaveLength(3);
    expect(run.window).toMatchObject({ lookback: "90d", mailboxActions: 24, leftOut: 21 });
  }, 120_000);

  it("--now narrows it from the other end: actions after it are left out too", async () => {
    const run = (await hunt({ now: new Date("2022-06-30T00:00:00Z") })).runs[0]!;
    expect(run.hits.filter((h) => h.target.kind === "inboxRule")).toHaveLength(6);
    expect(run.window).toMatchObject({
      lookback: "whole input",
      leftOut: 18,
      until: "2022-06-30T00:00:00.000Z",
    });
  }, 120_000);
});
