import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadExports } from "../../../src/hunt/adapters/index.js";
import { hasRealdata, newSink, realdata, rows } from "./helpers.js";

const why = hasRealdata ? "" : ` (skipped: ${realdata} is absent; these tests read the shared real samples)`;

describe.skipIf(!hasRealdata)(`real public samples${why}`, () => {
  it("Sentinel training lab OfficeActivity CSV (BOM, [UTC] headers, locale dates) loads with the attacker's rules", async () => {
    const sink = await newSink();
    const file = path.join(realdata, "azure-sentinel-training-lab/office_activity.csv");
    const r = await loadExports(sink, [file]);
    expect(r.files[0]).toMatchObject({ format: "sentinel-csv", tables: ["OfficeActivity"], quarantined: 0 });
    expect(r.files[0]?.loaded).toBe(r.files[0]?.records);
    const got = await rows(
      sink,
      `SELECT count(*)::INT AS n FROM OfficeActivity WHERE ClientIP LIKE '175.45.176.99%' AND Operation = 'New-InboxRule'`,
    );
    expect(got[0]?.n).toBeGreaterThan(0);
  });

  it("every file is loaded, quarantined with a reason, or skipped with a reason — totals add up", async () => {
    const sink = await newSink();
    const r = await loadExports(sink, [realdata]);
    const t = r.totals;
    expect(t.loaded + t.duplicate + t.quarantined).toBe(t.records);
    expect(t.loaded).toBeGreaterThan(3000);
    for (const s of r.skipped) expect(s.reason).not.toBe("");
    expect(r.tableRows.SigninLogs).toBeGreaterThan(300);
  });
});
