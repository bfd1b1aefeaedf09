/**
 * Property: the blast-radius cap is never exceeded — across store handles, across real processes taking slots at
 * the same moment, and across restarts (processes killed mid-way and started again). The invariant is checked on
 * the journal itself: for every slot taken at time t, the distinct cases holding a slot in (t − window, t] number
 * at most `max`.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SqliteCaseStore } from "../../src/store/sqlite.js";

const TENANT = "t1";

function checkJournal(file: string, max: number, windowMs: number): { slots: number; worst: number } {
  const store = new SqliteCaseStore(file);
  try {
    expect(store.verifyChain().ok).toBe(true);
    const slots = store
      .journal()
      .filter((e) => e.kind === "auto.slot")
      .map((e) => ({ c: e.caseId!, t: Date.parse((e.detail as { at: string }).at) }));
    let worst = 0;
    for (const s of slots) {
      const held = new Set(slots.filter((x) => x.t > s.t - windowMs && x.t <= s.t).map((x) => x.c));
      worst = Math.max(worst, held.size);
    }
    return { slots: slots.length, worst };
  } finally {
    store.close();
  }
}

describe("the blast-radius cap (property)", () => {
  it("holds for any sequence of takes, clock moves and reopenings (one process, several handles)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 120 }),
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("take" as const), c: fc.integer({ min: 0, max: 15 }), h: fc.nat(2) }),
            fc.record({ op: fc.constant("tick" as const), mins: fc.integer({ min: 0, max: 90 }) }),
            fc.record({ op: fc.constant("reopen" as const), h: fc.nat(2) }),
          ),
          { maxLength: 60 },
        ),
        (max, windowMins, ops) => {
          const dir = mkdtempSync(path.join(os.tmpdir(), "mw-cap-"));
          const file = path.join(dir, "runs.db");
          let now = Date.parse("2026-01-01T00:00:00Z");
          const open = () => new SqliteCaseStore(file, { create: true });
          const handles = [open(), open(), open()];
          const windowMs = windowMins * 60_000;
          try {
            for (const o of ops) {
              if (o.op === "tick") now += o.mins * 60_000;
              else if (o.op === "reopen") {
                handles[o.h]!.close();
                handles[o.h] = open();
              } else {
                const r = handles[o.h]!.takeAutoSlot({
                  tenantId: TENANT,
                  caseId: `case-${o.c}`,
                  max,
                  windowMs,
                  now: new Date(now),
                });
                expect(r.used).toBeLessThanOrEqual(max);
              }
            }
          } finally {
            for (const h of handles) h.close();
          }
          expect(checkJournal(file, max, windowMs).worst).toBeLessThanOrEqual(max);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("holds with real processes racing for slots, some killed mid-way and started again", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mw-cap-proc-"));
    const file = path.join(dir, "runs.db");
    new SqliteCaseStore(file, { create: true }).close();
    const store = path.resolve("dist/store/sqlite.js");
    const max = 7;
    // Each process takes slots for 40 cases (overlapping between processes) as fast as it can.
    const child = (seed: number) =>
      execa(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { SqliteCaseStore } from ${JSON.stringify(store)};
           const s = new SqliteCaseStore(${JSON.stringify(file)});
           let ok = 0;
           for (let i = 0; i < 40; i++) {
             const c = "case-" + ((i * 7 + ${seed}) % 25);
             const r = s.takeAutoSlot({ tenantId: "t1", caseId: c, max: ${max}, windowMs: 3600000, now: new Date() });
             if (r.taken) ok++;
           }
           s.close();
           console.log(ok);`,
        ],
        { reject: false, timeout: 60_000 },
      );
    const first = [1, 2, 3, 4].map((i) => child(i));
    // Kill two of them almost at once (a crash mid-way), then start two more: a restart.
    setTimeout(() => {
      first[0]!.kill("SIGKILL");
      first[1]!.kill("SIGKILL");
    }, 30);
    await Promise.all(first);
    await Promise.all([child(5), child(6)]);
    const { worst, slots } = checkJournal(file, max, 3_600_000);
    expect(slots).toBe(max);
    expect(worst).toBe(max);
  });
});
