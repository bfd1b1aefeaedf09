// The engine benchmark (bench/engine/run.mjs) at tiny size: it runs, every machine run and every runner case
// finishes, every opened case is listed and still waits after the resume. No timings here (the benchmark has them).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

it("bench/engine/run.mjs runs end to end at tiny size", () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), "mw-engine-smoke-")), "engine.json");
  execFileSync(
    process.execPath,
    [
      "--expose-gc",
      "bench/engine/run.mjs",
      "--machineRuns",
      "10",
      "--runs",
      "3",
      "--open",
      "5",
      "--out",
      out,
    ],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
  );
  const r = JSON.parse(readFileSync(out, "utf8")) as {
    machineOnly: { runs: number; runsDone: number; transitions: number };
    throughRunner: { runsDone: number; casesClosed: number; transitions: number };
    openCases: { activeRunsListed: number; runsStillWaiting: number; openCasesListed: number };
    machine: { node: string; cores: number };
  };
  expect(r.machineOnly.runsDone).toBe(10);
  expect(r.machineOnly.transitions).toBeGreaterThan(10);
  expect(r.throughRunner).toMatchObject({ runsDone: 3, casesClosed: 3 });
  expect(r.throughRunner.transitions).toBeGreaterThan(3);
  expect(r.openCases).toMatchObject({ activeRunsListed: 5, runsStillWaiting: 5, openCasesListed: 5 });
  expect(r.machine.node).toBe(process.version);
}, 120_000);
