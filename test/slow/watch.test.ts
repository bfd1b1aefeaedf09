/**
 * `mailwarden watch -c` as a scheduler runs it (the built CLI, real processes) against a generated tenant the
 * emulator serves (mailboxes, Defender tables, alerts and incidents): it contains what the unattended policy allows,
 * SIGTERM mid-run stops it cleanly, and a restart resumes — no step repeated, none skipped (the store's journal and
 * the emulator's write log), the watermark kept. A misspelt watch key is an error naming it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchEmulator, type LaunchedEmulator } from "../../src/cli/commands/emulator.js";
import { generateTenant } from "../../src/emulator/generator/index.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { caDir } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
let launched: LaunchedEmulator;
let cfgFile: string;
let storePath: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "mw-watch-e2e-"));
  const g = generateTenant({ scenarios: ["aitm-rss-hide", "external-forward"], users: 6, days: 1, seed: 21 });
  const faults = path.join(dir, "faults.json");
  // Every Graph call takes a while, so that the signal lands inside a run.
  writeFileSync(
    faults,
    JSON.stringify({ rules: [{ face: "graph", match: "*", fault: { type: "latency", ms: 250 } }] }),
  );
  launched = await launchEmulator({
    stateDir: path.join(dir, "emu"),
    caDir: caDir(),
    faults,
    tenant: { state: g.state, startTime: g.startTime, seed: g.seed },
  });
  storePath = path.join(dir, "store", "runs.db");
  // The unattended policy lets every step of this playbook run without a person (revoking sessions included), so
  // the runs end contained instead of waiting for approval.
  mkdirSync(path.join(dir, "pb"));
  writeFileSync(
    path.join(dir, "pb", "contain-unattended.yaml"),
    [
      "apiVersion: mailwarden/v1",
      "kind: Playbook",
      "metadata: { id: contain-unattended, version: 1, description: every step auto }",
      "trigger: { targets: [inboxRule, mailboxForwarding] }",
      "steps:",
      "  - { id: disable-rule, action: inboxRule.disable, if: { path: target.kind, equals: inboxRule }, approval: auto }",
      "  - { id: clear-forwarding, action: mailboxForwarding.clear, if: { path: target.kind, equals: mailboxForwarding }, approval: auto }",
      "  - { id: revoke-sessions, action: user.revokeSessions, approval: auto }",
      "",
    ].join("\n"),
  );
  cfgFile = path.join(dir, "watch.json");
  writeFileSync(
    cfgFile,
    JSON.stringify({
      ...launched.config,
      store: { path: storePath },
      audit: { path: path.join(dir, "store", "audit.jsonl") },
      watch: { interval: "1s" },
      playbooks: { selected: ["contain-unattended"], dirs: [path.join(dir, "pb")] },
    }),
    { mode: 0o600 },
  );
}, 120_000);
afterAll(async () => {
  await launched?.emulator.close();
});

const env = () => {
  const { NODE_EXTRA_CA_CERTS: _ca, ...rest } = process.env;
  return { ...rest, NO_COLOR: "1", MAILWARDEN_STANDIN_CMDLET_MS: "300" };
};
const watch = (args: string[]) =>
  execa(process.execPath, [BIN, "watch", "-c", cfgFile, ...args], {
    reject: false,
    timeout: 240_000,
    env: env(),
    extendEnv: false,
  });

describe("watch -c", () => {
  it("contains, stops cleanly on SIGTERM mid-run, and a restart resumes without repeating or skipping a step", async () => {
    const writes = () => launched.emulator.requests().filter((r) => r.write);
    const child = watch(["--auto", "medium"]);
    let ended = false;
    void child.then(() => (ended = true));
    const deadline = Date.now() + 180_000;
    while (writes().length === 0 && !ended && Date.now() < deadline) await sleep(5);
    expect(ended, "watch ended before its first write").toBe(false);
    child.kill("SIGTERM");
    const first = await child;
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain("SIGTERM: stopping");
    expect(first.stderr).toContain("watch: stopped");
    const atStop = writes().length;
    // It stopped inside the work: a run was halted after its current step, or a case was left unfinished.
    const mid = new SqliteCaseStore(storePath);
    try {
      const unfinished =
        mid.listRuns().filter((r) => r.state !== "done").length + mid.listCases({ status: ["open"] }).length;
      expect(unfinished).toBeGreaterThan(0);
    } finally {
      mid.close();
    }
    await sleep(1_500);
    expect(writes().length).toBe(atStop); // nothing writes once it has stopped

    const again = await watch(["--auto", "medium", "--once"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/watch: tick \d+: hunted \d+m back/);

    const store = new SqliteCaseStore(storePath);
    try {
      const effects = store.listEffects();
      expect(effects.length).toBeGreaterThan(0);
      expect(
        effects
          .filter((e) => e.status !== "done" || e.verified !== true)
          .map((e) => `${e.stepKey} ${e.status} ${String(e.verified)}`),
        `${first.stderr}\n---\n${again.stderr}\n${JSON.stringify(store.listRuns().map((r) => [r.state, r.mode]))}`,
      ).toEqual([]);
      const journal = store.journal();
      // Each step instance verified exactly once over both processes: none repeated, none skipped.
      const verified = new Map<string, number>();
      for (const j of journal.filter((x) => x.kind === "step.verified")) {
        const k = j.idemKey ?? `${j.caseId ?? ""}/${j.stepKey ?? ""}`;
        verified.set(k, (verified.get(k) ?? 0) + 1);
      }
      expect([...verified.values()].every((n) => n === 1)).toBe(true);
      expect([...verified.keys()].sort()).toEqual(effects.map((e) => e.idemKey).sort());
      expect(store.verifyChain().ok).toBe(true);
      expect(store.listRuns({ active: true }).map((r) => `${r.runId}:${r.state}`)).toEqual([]);
    } finally {
      store.close();
    }
    // No Graph write twice (each rule PATCH, each revoke) across the stop and the restart.
    const graphWrites = writes()
      .filter((w) => w.face === "graph")
      .map((w) => `${w.method} ${w.path}`);
    expect(graphWrites.filter((w, i) => graphWrites.indexOf(w) !== i)).toEqual([]);
    // The watermark is kept next to the store, written atomically.
    const state = JSON.parse(readFileSync(path.join(dir, "store", "watch-state.json"), "utf8")) as {
      huntedFrom?: string;
      ticks: number;
    };
    expect(state.huntedFrom).toBeDefined();
    expect(state.ticks).toBeGreaterThanOrEqual(1);
    expect(existsSync(path.join(dir, "store", `watch-state.json.${process.pid}.tmp`))).toBe(false);
  }, 300_000);

  it("refuses to run attended, and a misspelt watch key, with exit 2", async () => {
    const attended = await watch(["--once"]);
    expect(attended.exitCode).toBe(2);
    expect(attended.stderr).toContain("watch runs unattended");
    const bad = path.join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ ...JSON.parse(readFileSync(cfgFile, "utf8")), watch: { intervall: "1s" } }),
    );
    const r = await execa(process.execPath, [BIN, "watch", "-c", bad, "--auto"], {
      reject: false,
      env: env(),
      extendEnv: false,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/watch\.intervall: unknown key; did you mean interval\?/);
  }, 60_000);
});
