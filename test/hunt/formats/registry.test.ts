/**
 * The format registry: every format id has its definition, each container's definitions end with the catch-all that
 * reports what it cannot place, and the staged kinds (from JSON documents and envelopes) have their plans.
 */
import { describe, expect, it } from "vitest";
import type { FormatId } from "../../../src/hunt/adapters/types.js";
import { FORMATS, formatsOf, stagedPlans } from "../../../src/hunt/formats/index.js";

// Every id of the FormatId union (a missing or unknown one fails the type check of this list).
const ALL: Record<FormatId, true> = {
  "defender-csv": true,
  "defender-jsonl": true,
  "defender-hunting-json": true,
  "defender-legacy-json": true,
  "defender-streaming-json": true,
  "sentinel-csv": true,
  "sentinel-jsonl": true,
  "purview-csv": true,
  "purview-legacy-csv": true,
  "ual-powershell-csv": true,
  "graph-audit-csv": true,
  "graph-audit-json": true,
  "management-api-json": true,
  "entra-admin-csv": true,
  "graph-signin-json": true,
  "entra-diagnostic-json": true,
  "graph-riskdetection-json": true,
};

describe("format registry", () => {
  it("has a definition reporting every format id", () => {
    const reported = new Set(FORMATS.flatMap((f) => f.ids));
    expect([...reported].sort()).toEqual(Object.keys(ALL).sort());
  });

  it("recognises by content, specific fingerprints before each container's catch-all", () => {
    const purview = ["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData"];
    const csv = formatsOf("csv");
    expect(csv.find((f) => f.recognise({ kind: "csv", header: purview, bom: false }, "x.csv"))?.ids).toEqual([
      "purview-csv",
    ]);
    const legacy = ["CreationDate", "UserIds", "Operations", "AuditData"];
    expect(csv.find((f) => f.recognise({ kind: "csv", header: legacy, bom: false }, "x.csv"))?.ids).toEqual([
      "purview-legacy-csv",
    ]);
    // An unknown header reaches the table catch-all, which reports it as skipped when no table fits.
    expect(
      csv.find((f) => f.recognise({ kind: "csv", header: ["a", "b"], bom: false }, "x.csv"))?.ids,
    ).toEqual(["defender-csv", "sentinel-csv"]);
    const jsonl = formatsOf("jsonl");
    const first = (sample: unknown) =>
      jsonl.find((f) => f.recognise({ kind: "jsonl", samples: [sample] }, "x"))?.ids;
    expect(first({ CreationTime: "2025-01-01T00:00:00", Operation: "New-InboxRule", RecordType: 1 })).toEqual(
      ["management-api-json"],
    );
    expect(first({ riskEventType: "unfamiliarFeatures", detectedDateTime: "2025-01-01T00:00:00Z" })).toEqual([
      "graph-riskdetection-json",
    ]);
    expect(first({ createdDateTime: "2025-01-01T00:00:00Z", userPrincipalName: "a@b.c" })).toEqual([
      "graph-signin-json",
    ]);
    expect(first({ records: [] })).toEqual(["defender-streaming-json", "entra-diagnostic-json"]);
    expect(first({ Timestamp: "x", ActionType: "y" })).toEqual(["defender-jsonl", "sentinel-jsonl"]);
    for (const c of ["csv", "jsonl", "json"] as const) expect(formatsOf(c).length).toBeGreaterThan(0);
  });

  it("maps every staged kind", () => {
    expect(stagedPlans("ual").map((p) => p.table)).toEqual(["CloudAppEvents", "EntraIdSignInEvents"]);
    expect(
      stagedPlans("signin")
        .filter((p) => p.counted)
        .map((p) => p.table),
    ).toEqual(["EntraIdSignInEvents"]);
    expect(stagedPlans("risk").map((p) => p.table)).toEqual(["AADUserRiskEvents"]);
  });
});
