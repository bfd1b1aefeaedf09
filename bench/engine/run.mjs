/**
 * Engine cost (issue 11 item 8c), on the built code (dist/):
 *
 *  1. CPU per transition of the playbook machine alone (src/engine/machine.ts) with mocked promise actors that
 *     resolve at once: the xstate part of a run.
 *  2. CPU per transition through the runner (src/runner/job.ts → drive.ts → effects.ts) with a fake, instant
 *     action context (in-memory Graph and Exchange): xstate + the snapshot commit of every transition into the
 *     SQLite store (WAL, one transaction per event, fenced by the lease) + the journal's hash chain.
 *  3. Memory for N open cases (default 10,000): every case opened by the runner and left waiting (budget 0, so
 *     each run plans and waits for a person), then a fresh store handle and Job resume every one of them, as a
 *     later invocation does. Heap and RSS after a forced GC (run with --expose-gc), and the store file's size.
 *
 *   npm run bench:engine                          # builds, then 2,000 machine runs, 500 runner cases, 10,000 open
 *   node --expose-gc bench/engine/run.mjs --open 1000 --runs 200   # smaller
 *
 * Writes bench/results/engine-<date>.json.
 */
import { execFileSync, execSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createActor, fromPromise } from "xstate";
import { createAuditLog } from "../../dist/audit/log.js";
import { computeHitKey } from "../../dist/model/hit.js";
import { createPlaybookMachine } from "../../dist/engine/machine.js";
import { loadPlaybook } from "../../dist/playbooks/load.js";
import { Job } from "../../dist/runner/job.js";
import { SqliteCaseStore } from "../../dist/store/sqlite.js";

const { values: opt } = parseArgs({
  options: {
    machineRuns: { type: "string", default: "2000" },
    runs: { type: "string", default: "500" },
    open: { type: "string", default: "10000" },
    out: { type: "string" },
    /** V8 old-space cap of the resuming process (MiB): it must resume every open case within it. */
    heapCap: { type: "string", default: "128" },
    /** Internal: measure resuming the open cases of this store file in this (fresh) process. */
    resume: { type: "string" },
  },
});
const MACHINE_RUNS = Number(opt.machineRuns);
const RUNNER_CASES = Number(opt.runs);
const OPEN = Number(opt.open);
const HEAP_CAP = Number(opt.heapCap);
if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc (npm run bench:engine does)");
  process.exit(2);
}
const gc = () => {
  globalThis.gc();
  globalThis.gc();
};
const mib = (b) => Math.round((b / 2 ** 20) * 10) / 10;
const cpuMs = (u) => (u.user + u.system) / 1000;

const TENANT = "00000000-0000-4000-8000-00000000b11d";
const playbook = loadPlaybook("contain-mailbox-exfiltration");

/** A mailbox-forwarding hit for user i (the playbook clears forwarding, then revokes sessions). */
function hitFor(i) {
  const id = `00000000-0000-4000-9000-${String(i).padStart(12, "0")}`;
  const upn = `user${i}@contoso.com`;
  const target = {
    kind: "mailboxForwarding",
    mailboxId: id,
    upn,
    forwardingSmtpAddress: `smtp:x${i}@attacker.example`,
    forwardingAddress: null,
    deliverToMailboxAndForward: true,
  };
  return {
    schemaVersion: 1,
    hitKey: computeHitKey(TENANT, target),
    tenantId: TENANT,
    user: { id, upn },
    target,
    action: { operation: "Set-Mailbox", time: "2026-12-01T10:00:00Z" },
    links: [],
    severity: "high",
    score: 90,
    reasons: [{ code: "external-forwarding", detail: "forwards outside the tenant", weight: 50 }],
    detectedBy: "hunt",
    detectedAt: "2026-12-01T10:05:00Z",
  };
}

/** An instant in-memory tenant: only what mailboxForwarding.clear and user.revokeSessions call. */
function fakeContext() {
  const users = new Map();
  const mailboxes = new Map();
  let tick = Date.parse("2026-12-01T00:00:00Z");
  const user = (id) => {
    if (!users.has(id)) users.set(id, { id, signInSessionsValidFromDateTime: "2026-01-01T00:00:00Z" });
    return users.get(id);
  };
  const mailbox = (id) => {
    if (!mailboxes.has(id))
      mailboxes.set(id, {
        forwardingSmtpAddress: "smtp:x@attacker.example",
        forwardingAddress: null,
        deliverToMailboxAndForward: true,
      });
    return mailboxes.get(id);
  };
  return {
    tenantId: TENANT,
    tenantDomains: ["contoso.com"],
    graph: {
      getUser: (id) => Promise.resolve({ ...user(id) }),
      revokeSignInSessions: (id) => {
        tick += 1000;
        user(id).signInSessionsValidFromDateTime = new Date(tick).toISOString();
        return Promise.resolve();
      },
    },
    exchange: {
      getMailbox: (id) => Promise.resolve({ ...mailbox(id) }),
      setMailboxForwarding: (id, v) => {
        Object.assign(mailbox(id), v);
        return Promise.resolve();
      },
    },
    now: () => new Date(),
    poll: { attempts: 1, delayMs: 0, sleep: () => Promise.resolve() },
  };
}

/** 1. The machine alone: mocked actors, N runs of three steps. */
async function machineOnly() {
  const plan = (s) => ({
    transport: "graph",
    before: { x: 1 },
    after: { x: 0 },
    noop: false,
    reversibility: "reversible",
    idempotencyKey: `k:${s.key}`,
    warnings: [],
  });
  const machine = createPlaybookMachine(playbook).provide({
    actors: {
      planSteps: fromPromise(({ input }) => Promise.resolve(input.steps.map(plan))),
      executeStep: fromPromise(() =>
        Promise.resolve({ before: { x: 1 }, after: { x: 0 }, alreadyDone: false }),
      ),
      verifySteps: fromPromise(({ input }) =>
        Promise.resolve(input.steps.map((s) => ({ key: s.key, ok: true, observed: { x: 0 } }))),
      ),
    },
  });
  const steps = (i) => [
    {
      key: `clear-forwarding@t${i}`,
      stepId: "clear-forwarding",
      action: "mailboxForwarding.clear",
      scope: "object",
      targetKey: `t${i}`,
      input: {},
    },
    {
      key: "revoke-sessions",
      stepId: "revoke-sessions",
      action: "user.revokeSessions",
      scope: "user",
      input: {},
    },
  ];
  const one = (i) =>
    new Promise((resolve, reject) => {
      let transitions = 0;
      const actor = createActor(machine, {
        input: { runId: `r${i}`, caseId: `c${i}`, mode: "execute", steps: steps(i) },
      });
      actor.subscribe({
        next: (s) => {
          transitions++;
          // What the runner does at every transition: take the persisted snapshot.
          actor.getPersistedSnapshot();
          if (s.status === "done") resolve({ transitions, state: JSON.stringify(s.value) });
        },
        error: reject,
      });
      actor.start();
    });
  for (let i = 0; i < 50; i++) await one(i); // warm-up (JIT)
  gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let transitions = 0;
  let done = 0;
  for (let i = 0; i < MACHINE_RUNS; i++) {
    const r = await one(i);
    transitions += r.transitions;
    if (r.state === '"done"') done++;
  }
  const cpu = cpuMs(process.cpuUsage(c0));
  return {
    runs: MACHINE_RUNS,
    runsDone: done,
    transitions,
    cpuMs: Math.round(cpu),
    wallMs: Math.round(performance.now() - t0),
    cpuMsPerTransition: Math.round((cpu / transitions) * 1000) / 1000,
  };
}

/** Counts the runner's transition commits (a commit that carries the run's state) on a store. */
function countCommits(store) {
  const counter = { transitions: 0, commits: 0 };
  const commit = store.commit.bind(store);
  store.commit = (c) => {
    counter.commits++;
    if (c.run?.state !== undefined) counter.transitions++;
    return commit(c);
  };
  return counter;
}

/** 2. Through the runner with an instant fake tenant: N cases contained and verified. */
async function throughRunner(dir) {
  const store = new SqliteCaseStore(path.join(dir, "runner.sqlite"), { create: true });
  const audit = createAuditLog(undefined);
  const ctx = fakeContext();
  const job = (n) =>
    new Job({
      store,
      audit,
      actionCtx: ctx,
      playbooks: [playbook],
      guardrails: { protectedAccounts: [], maxContainmentsPerRun: n },
      leaseMs: 60_000,
    });
  await job(20).run(
    Array.from({ length: 20 }, (_, i) => hitFor(1_000_000 + i)),
    "execute",
  ); // warm-up
  const counter = countCommits(store);
  const hits = Array.from({ length: RUNNER_CASES }, (_, i) => hitFor(i));
  gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await job(RUNNER_CASES).run(hits, "execute");
  const cpu = cpuMs(process.cpuUsage(c0));
  const wall = performance.now() - t0;
  const done = out.runs.filter((r) => r.state === "done").length;
  const closed = store.listCases({ status: ["closed"] }).length;
  store.close();
  return {
    cases: RUNNER_CASES,
    runsDone: done,
    casesClosed: closed - 20,
    transitions: counter.transitions,
    commits: counter.commits,
    cpuMs: Math.round(cpu),
    wallMs: Math.round(wall),
    cpuMsPerTransition: Math.round((cpu / counter.transitions) * 1000) / 1000,
    cpuMsPerCase: Math.round((cpu / RUNNER_CASES) * 100) / 100,
  };
}

/** 3. N open cases: opened and left waiting, then resumed by a fresh store handle and Job. */
async function openCases(dir) {
  const file = path.join(dir, "open.sqlite");
  const audit = createAuditLog(undefined);
  const ctx = fakeContext();
  const env = (store) => ({
    store,
    audit,
    actionCtx: ctx,
    playbooks: [playbook],
    // Budget 0: every case plans and then waits for a person (the budget gate), its run persisted `waiting`.
    guardrails: { protectedAccounts: [], maxContainmentsPerRun: 0 },
    leaseMs: 60_000,
  });
  const t0 = performance.now();
  {
    const store = new SqliteCaseStore(file, { create: true });
    const out = await new Job(env(store)).run(
      Array.from({ length: OPEN }, (_, i) => hitFor(i)),
      "execute",
    );
    const waiting = out.runs.filter((r) => r.state === "waiting").length;
    store.close();
    if (waiting !== OPEN) throw new Error(`expected ${OPEN} waiting runs, got ${waiting}`);
  }
  const openMs = performance.now() - t0;
  // The resume is measured in a fresh process, so nothing of the opening (or the other phases) is in its memory.
  const child = JSON.parse(
    execFileSync(
      process.execPath,
      ["--expose-gc", `--max-old-space-size=${HEAP_CAP}`, fileURLToPath(import.meta.url), "--resume", file],
      {
        encoding: "utf8",
        maxBuffer: 1 << 26,
      },
    ),
  );
  return { openCases: OPEN, openingMs: Math.round(openMs), heapCapMiB: HEAP_CAP, ...child };
}

/** In a fresh process: a new store handle and Job resume every open case's waiting run. */
async function resumeOnly(file) {
  const audit = createAuditLog(undefined);
  gc();
  const base = process.memoryUsage();
  const store = new SqliteCaseStore(file);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const job = new Job({
    store,
    audit,
    actionCtx: fakeContext(),
    playbooks: [playbook],
    guardrails: { protectedAccounts: [], maxContainmentsPerRun: 0 },
    leaseMs: 60_000,
  });
  await job.resumePending();
  const resumeCpu = cpuMs(process.cpuUsage(c1));
  const resumeMs = performance.now() - t1;
  // Measured before the checks below, which read every run again.
  const peakRss = process.resourceUsage().maxRSS * 1024;
  gc();
  const after = process.memoryUsage();
  const ids = store.activeRunIds();
  const listed = ids.length;
  const openListed = store.listCases({ status: ["open"] }).length;
  const stillWaiting = ids.filter((id) => store.getRun(id)?.state === "waiting").length;
  const dbBytes = ["", "-wal"].reduce((a, s) => {
    try {
      return a + statSync(file + s).size;
    } catch {
      return a;
    }
  }, 0);
  store.close();
  return {
    activeRunsListed: listed,
    runsStillWaiting: stillWaiting,
    openCasesListed: openListed,
    resumeAllMs: Math.round(resumeMs),
    resumeCpuMs: Math.round(resumeCpu),
    storeFileMiB: mib(dbBytes),
    beforeResume: { heapUsedMiB: mib(base.heapUsed), rssMiB: mib(base.rss) },
    afterResume: {
      heapUsedMiB: mib(after.heapUsed),
      rssMiB: mib(after.rss),
      externalMiB: mib(after.external),
    },
    heapGrowthMiB: mib(after.heapUsed - base.heapUsed),
    peakRssMiB: mib(peakRss),
  };
}

if (opt.resume) {
  process.stdout.write(JSON.stringify(await resumeOnly(opt.resume)));
  process.exit(0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "mw-bench-engine-"));
try {
  const machine = await machineOnly();
  console.error("machine:", JSON.stringify(machine));
  const runner = await throughRunner(dir);
  console.error("runner:", JSON.stringify(runner));
  const open = await openCases(dir);
  console.error("open cases:", JSON.stringify(open));
  let commit = "unknown";
  let dirty = 0;
  try {
    commit = execSync("git rev-parse --short HEAD").toString().trim();
    dirty = execSync("git status --porcelain src bench").toString().split("\n").filter(Boolean).length;
  } catch {
    // not a git checkout
  }
  const result = {
    bench: "engine",
    date: new Date().toISOString(),
    commit,
    uncommittedFiles: dirty,
    machine: {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    playbook: "contain-mailbox-exfiltration (mailbox-forwarding hits: clear-forwarding, revoke-sessions)",
    targets: { cpuMsPerTransition: 5, openCasesMiB: 200 },
    machineOnly: machine,
    throughRunner: runner,
    openCases: open,
    met: {
      machineCpu: machine.cpuMsPerTransition <= 5,
      runnerCpu: runner.cpuMsPerTransition <= 5,
      memory: open.peakRssMiB <= 200,
    },
  };
  const out = opt.out ?? `bench/results/engine-${result.date.slice(0, 10)}.json`;
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
