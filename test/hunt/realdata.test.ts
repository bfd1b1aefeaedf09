/**
 * Hunting on real public samples (../shared/realdata, see its SOURCES.md) through the offline path. Skipped with a
 * message when that folder is absent (a user's own checkout); the formats are also covered by committed fixtures.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { huntOffline } from "../../src/hunt/offline.js";

const REAL = path.resolve("../shared/realdata");
const present = existsSync(REAL);
if (!present) console.warn(`skipping realdata hunting tests: ${REAL} is absent`);
const tmp = mkdtempSync(path.join(os.tmpdir(), "mw-hunt-real-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!present)("Sentinel training lab (Log Analytics CSV exports)", () => {
  it("finds the lab's two malicious inbox rules and says why; the attacker's sign-ins load too", async () => {
    const dir = path.join(tmp, "lab");
    // the CSV exports (training_lab_labeled.jsonl wraps records in labels: not an export format)
    cpSync(path.join(REAL, "azure-sentinel-training-lab"), dir, {
      recursive: true,
      filter: (f) => !f.endsWith(".jsonl"),
    });
    const r = await huntOffline({
      paths: [dir],
      profile: "default",
      params: {},
      riskThreshold: 50,
      tenantId: "lab",
    });
    expect(r.load.totals.quarantined).toBe(0);
    expect(r.load.tableRows["SigninLogs"]).toBeGreaterThanOrEqual(56);
    const run = r.runs.find((x) => x.target === "sentinel")!;
    const rules = run.hits.filter((h) => h.target.kind === "inboxRule");
    const byName = new Map(rules.map((h) => [h.target.kind === "inboxRule" ? h.target.ruleName : "", h]));
    // "move 'do not open' to Junk Email" and "delete on covid-19" (SOURCES.md)
    expect(byName.get("rule2")?.reasons.map((x) => x.code)).toContain("moves-to-hiding-folder");
    expect(byName.get("my_rule1")?.reasons.map((x) => x.code)).toContain("deletes-mail");
    for (const h of rules) expect(h.severity).not.toBe("low");
  }, 180_000);
});

/** Panther lower-cases AuditData's keys in its fixtures; the keys the adapters read get their casing back. */
const CASING: Record<string, string> = {
  clientip: "ClientIP",
  creationtime: "CreationTime",
  externalaccess: "ExternalAccess",
  id: "Id",
  objectid: "ObjectId",
  operation: "Operation",
  organizationid: "OrganizationId",
  organizationname: "OrganizationName",
  originatingserver: "OriginatingServer",
  parameters: "Parameters",
  recordtype: "RecordType",
  resultstatus: "ResultStatus",
  userid: "UserId",
  userkey: "UserKey",
  usertype: "UserType",
  workload: "Workload",
};

describe.skipIf(!present)("Panther's labelled Exchange events", () => {
  it("reports exactly the forwarding Panther expects to alert on", async () => {
    const lines = readFileSync(path.join(REAL, "panther-analysis", "panther_rule_tests.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map(
        (l) => JSON.parse(l) as { rule_id: string; expected_result: boolean; event: Record<string, unknown> },
      )
      .filter((x) => x.rule_id === "Microsoft365.Exchange.External.Forwarding");
    expect(lines.length).toBeGreaterThan(5);
    // Panther's fixtures share one Id ("111-22-33"); each gets its own so none is taken for a duplicate.
    const records = lines.map((x, i) => ({
      ...Object.fromEntries(Object.entries(x.event).map(([k, v]) => [CASING[k] ?? k, v])),
      Id: `panther-${i}`,
    }));
    const file = path.join(tmp, "panther-management-api.json");
    writeFileSync(file, JSON.stringify(records));
    // the fixtures span 2022–2025: look back far enough to see all of them
    const r = await huntOffline({
      paths: [file],
      profile: "default",
      params: { lookback: "1500d" },
      riskThreshold: 50,
      tenantId: "p",
    });
    expect(r.load.totals.loaded).toBe(records.length);
    const hits = r.runs[0]!.hits;
    const exfil = new Set(
      hits
        .filter((h) =>
          h.reasons.some((x) => ["forwards-external", "mailbox-forwarding-external"].includes(x.code)),
        )
        .map((h) => h.action.recordId),
    );
    const got = lines.map((_, i) => exfil.has(`panther-${i}`));
    expect(got).toEqual(lines.map((x) => x.expected_result));
  }, 180_000);
});
