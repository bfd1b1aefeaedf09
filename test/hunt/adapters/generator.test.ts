import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateTenant } from "../../../src/emulator/generator/index.js";
import { writeGenerated } from "../../../src/emulator/generator/write.js";
import { loadExports } from "../../../src/hunt/adapters/index.js";
import { newSink, scratch } from "./helpers.js";

describe("the generator's exports", () => {
  it("every table loads from CSV with zero quarantined and the generator's row counts; JSON Lines are duplicates", async () => {
    const g = generateTenant({ scenarios: "all", users: 20, days: 2, seed: 11 });
    const dir = scratch("adapters-gen");
    await writeGenerated(g, dir);
    const sink = await newSink();
    const r = await loadExports(sink, [dir]);
    expect(r.totals.quarantined).toBe(0);
    expect(r.quarantine).toEqual([]);
    expect(r.skipped.map((s) => s.reason)).toEqual([
      "generator state, not a log",
      "generator state, not a log",
    ]);
    const expected: Record<string, number> = {};
    for (const kind of ["defender", "sentinel"] as const)
      for (const [t, rowsOf] of Object.entries(g.tables[kind])) expected[t] = rowsOf.length;
    for (const [t, n] of Object.entries(expected)) expect(r.tableRows[t], t).toBe(n);
    for (const f of r.files) {
      if (f.file.endsWith(".csv")) expect(f.loaded, f.file).toBe(f.records);
      else expect(f.duplicate, f.file).toBe(f.records);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
