import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RunStore } from "../../src/store/run-store.js";

const tmp = () => path.join(mkdtempSync(path.join(os.tmpdir(), "mw-store-")), "runs.db");

describe("run store", () => {
  it("keeps runs with the machine id and version, across reopen", () => {
    const f = tmp();
    const s = new RunStore(f);
    s.saveRun(
      {
        runId: "r",
        hitKey: "h",
        tenantId: "t",
        userUpn: "u",
        mode: "execute",
        machineId: "m",
        machineVersion: "1",
        state: "planning",
        snapshot: { a: 1 },
        hit: { b: 2 },
      },
      "2026-01-01T00:00:00Z",
    );
    s.saveRun(
      {
        runId: "r",
        hitKey: "h",
        tenantId: "t",
        userUpn: "u",
        mode: "execute",
        machineId: "m",
        machineVersion: "1",
        state: "executing",
        snapshot: { a: 2 },
        hit: { b: 2 },
      },
      "2026-01-01T00:00:01Z",
    );
    s.close();
    const s2 = new RunStore(f);
    expect(s2.getRun("r")).toMatchObject({
      state: "executing",
      snapshot: { a: 2 },
      machineVersion: "1",
      createdAt: "2026-01-01T00:00:00Z",
      updatedAt: "2026-01-01T00:00:01Z",
    });
    expect(s2.listRuns({ states: ["executing"] }).map((r) => r.runId)).toEqual(["r"]);
    s2.close();
  });

  it("journals effects by idempotency key and keeps the first before-image", () => {
    const s = new RunStore(tmp());
    s.putEffect(
      {
        key: "t:a:x",
        runId: "r1",
        stepId: "s",
        actionId: "a",
        status: "started",
        before: { enabled: true },
        after: null,
      },
      "t1",
    );
    s.putEffect(
      {
        key: "t:a:x",
        runId: "r1",
        stepId: "s",
        actionId: "a",
        status: "done",
        before: null,
        after: { enabled: false },
      },
      "t2",
    );
    expect(s.getEffect("t:a:x")).toMatchObject({
      status: "done",
      before: { enabled: true },
      after: { enabled: false },
    });
    expect(s.listEffects("r1")).toHaveLength(1);
    s.close();
  });
});
