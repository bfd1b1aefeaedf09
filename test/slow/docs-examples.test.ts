/**
 * Every command shown in a code block of README.md and docs/ (docs/cli.md is generated `--help` text) runs here
 * as written, in a sandbox folder, with `mailwarden` on the PATH (the built CLI) and the files the examples name
 * (tenant.yaml, ./exports/, my-tenant.yaml, faults.yaml) made to fit, against the emulated tenant. The only
 * substitution: the example case and run ids of docs/runner.md become the store's real ones (by 8-character
 * prefix, as the docs say). A documented command with no entry in PLAN fails the first test, so the docs cannot
 * show a command nobody ran; an entry whose command left the docs fails too.
 */
import {
  chmodSync,
  cpSync,
  symlinkSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { stringify as toYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchEmulator, type LaunchedEmulator } from "../../src/cli/commands/emulator.js";
import { generateTenant } from "../../src/emulator/generator/index.js";
import { defaultScenario } from "../../src/emulator/scenarios/default.js";
import { caDir, startTestTenant, type TestTenant } from "../helpers/tenant.js";

const ROOT = process.cwd();
const BIN = path.resolve("dist/cli/bin.js");

type Plan = { run: string; exit?: number[] } | { covered: string };

/** How each documented command is exercised: `run` names the test below that runs it as written. */
const PLAN: Record<string, Plan> = {
  "README.md: npm ci && npm run demo": { run: "README quick start" },
  "README.md: npm test": { covered: "the default suite (.ci/run runs it, then this slow suite)" },
  "README.md: npm install -g .": { run: "README install" },
  "README.md: npm pack && npm install -g ./mailwarden-0.1.0.tgz": {
    covered: "test/slow/install.test.ts packs the package and installs the tarball into a temporary prefix",
  },
  "README.md: mailwarden scan -c tenant.yaml --format json > hits.json": { run: "README and runner.md" },
  "README.md: mailwarden run  -c tenant.yaml --hits hits.json --dry-run": { run: "README and runner.md" },
  "README.md: mailwarden run  -c tenant.yaml --hits hits.json --yes": { run: "README and runner.md" },
  "README.md: mailwarden hunt --offline ./exports/ --format jsonl > hunted.jsonl": {
    run: "README and runner.md",
  },
  "docs/runner.md: mailwarden rollback -c tenant.yaml --case 1f0c2a9e": { run: "README and runner.md" },
  "docs/runner.md: mailwarden rollback -c tenant.yaml --case 1f0c2a9e --yes": { run: "README and runner.md" },
  "docs/runner.md: mailwarden rollback -c tenant.yaml --run  7d3e9b21 --yes": { run: "README and runner.md" },
  "docs/hunting.md: mailwarden hunt --offline ./exports/": { run: "hunting.md" },
  "docs/hunting.md: mailwarden hunt --offline ./exports/ --format jsonl > hits.jsonl": { run: "hunting.md" },
  "docs/hunting.md: mailwarden run  -c tenant.yaml --hits hits.jsonl --dry-run": { run: "hunting.md" },
  "docs/hunting.md: mailwarden hunt -c tenant.yaml": { run: "hunting.md" },
  "docs/hunting.md: mailwarden hunt --print-kql --target sentinel": { run: "hunting.md" },
  "docs/hunting.md: mailwarden hunt --offline ./exports/ --profile seed": { run: "hunting.md" },
  "docs/approvals.md: mailwarden approvals list -c tenant.yaml": { run: "approvals.md" },
  'docs/approvals.md: mailwarden approvals approve 5d0193c1 -c tenant.yaml --plan 9f2c41d07a3e --as alice@contoso.com --reason "confirmed with the user"':
    { run: "approvals.md" },
  'docs/approvals.md: mailwarden approvals reject  8eb62f86 -c tenant.yaml --as bob@contoso.com --reason "the rule is the user\'s own"':
    { run: "approvals.md" },
  'docs/approvals.md: mailwarden halt -c tenant.yaml --as soc-lead --reason "false positive storm"': {
    run: "approvals.md",
  },
  "docs/approvals.md: mailwarden halt -c tenant.yaml --status": { run: "approvals.md" },
  "docs/approvals.md: mailwarden run -c tenant.yaml --auto high": { run: "approvals.md" },
  "docs/approvals.md: mailwarden run -c tenant.yaml --dry-run --report plan.md": { run: "approvals.md" },
  'docs/approvals.md: mailwarden halt -c tenant.yaml --off --as soc-lead --reason "explained"': {
    run: "approvals.md",
  },
  "docs/console.md: mailwarden console -c tenant.yaml": { run: "console.md" },
  "docs/console.md: mailwarden console hash-token --name alice@contoso.com": { run: "console.md" },
  "docs/emulator.md: mailwarden emulator start --write-config emu.json": { run: "emulator.md" },
  "docs/emulator.md: mailwarden emulator start --scenario my-tenant.yaml --faults faults.yaml": {
    run: "emulator.md",
  },
  "docs/emulator.md: mailwarden emulator start --generate all --users 40 --days 14 --seed 7 --write-config emu.json":
    { run: "emulator.md" },
  "docs/emulator.md: mailwarden emulator seed --scenario all --users 200 --days 30 --seed 7 --out out/": {
    run: "emulator.md",
  },
  "docs/emulator.md: mailwarden scan -c emu.json": { run: "emulator.md" },
  "docs/emulator.md: mailwarden hunt -c emu.json": { run: "emulator.md" },
  "docs/reports.md: mailwarden run -c tenant.yaml --hits hits.json --yes --report-dir reports/": {
    run: "reports.md",
  },
  "docs/reports.md: mailwarden report -c tenant.yaml --case 1f0c2a9e": { run: "reports.md" },
  "docs/reports.md: mailwarden report -c tenant.yaml --all --format html,json --out reports/": {
    run: "reports.md",
  },
  "docs/reports.md: mailwarden schema case-report": { run: "reports.md" },
  "docs/main-job.md: mailwarden run -c tenant.yaml --dry-run": {
    covered:
      "test/integration/main-job.test.ts: run.source hunt on a generated tenant, dry run planned with zero writes (the README's run --dry-run runs as written above)",
  },
  "docs/main-job.md: mailwarden run -c tenant.yaml --auto high": {
    covered:
      "docs/approvals.md's `run -c tenant.yaml --auto high` runs as written above; the demo runs it on hunted hits",
  },
  "docs/main-job.md: mailwarden run --offline ./exports/ --report audit.md": {
    covered:
      "test/e2e/run-offline.test.ts runs `run --offline EXPORTS --report FILE` on a generated tenant's exports with every network use refused",
  },
  "docs/main-job.md: mailwarden watch -c tenant.yaml --auto high": {
    covered:
      "test/slow/watch.test.ts runs `watch -c FILE --auto` against the emulator: SIGTERM mid-run, restart, no step repeated or skipped",
  },
};

/** Command lines in the fenced code blocks of README.md and docs/*.md (comments stripped). */
function documentedCommands(): string[] {
  const files = [
    "README.md",
    ...readdirSync("docs")
      .filter((f) => f.endsWith(".md") && f !== "cli.md")
      .map((f) => `docs/${f}`),
  ];
  const out: string[] = [];
  for (const f of files) {
    let inBlock = false;
    for (const line of readFileSync(f, "utf8").split("\n")) {
      if (line.startsWith("```")) {
        inBlock = !inBlock;
        continue;
      }
      if (!inBlock || !/^(npx mailwarden|mailwarden|npm|node|NODE_EXTRA_CA_CERTS)\b/.test(line)) continue;
      out.push(`${f}: ${line.replace(/\s+#.*$/, "").trimEnd()}`);
    }
  }
  return out;
}

const cmdOf = (key: string) => key.slice(key.indexOf(": ") + 2);

let shimDir: string;
beforeAll(() => {
  shimDir = mkdtempSync(path.join(os.tmpdir(), "mw-docs-bin-"));
  const shim = path.join(shimDir, "mailwarden");
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(shim, 0o755);
});

/** Runs one documented line with bash in `cwd`, `mailwarden` on the PATH; the user's shell has no test CA set. */
function sh(line: string, cwd: string, env: Record<string, string> = {}) {
  const { NODE_EXTRA_CA_CERTS: _ca, ...rest } = process.env;
  return execa("bash", ["-c", line], {
    cwd,
    reject: false,
    timeout: 300_000,
    env: { ...rest, ...env, PATH: `${shimDir}:${process.env.PATH ?? ""}` },
    extendEnv: false,
  });
}

async function expectOk(key: string, cwd: string, sub: (s: string) => string = (s) => s, exits = [0]) {
  expect(PLAN[key], `${key} has a plan`).toBeDefined();
  const r = await sh(sub(cmdOf(key)), cwd);
  expect(exits, `${key}\nexit ${r.exitCode}\n${r.stderr.slice(-2000)}`).toContain(r.exitCode);
  return r;
}

/** Starts a long-running documented `emulator start` line; resolves when it printed its ready line. */
async function startEmulatorLine(
  key: string,
  cwd: string,
): Promise<{ p: ResultPromise; ready: Record<string, unknown> }> {
  const p = sh(cmdOf(key), cwd);
  let buf = "";
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${key}: not ready in 90 s\n${buf}`)), 90_000);
    p.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    void p.then((r) => reject(new Error(`${key}: exited ${r.exitCode} before ready\n${r.stderr}`)));
  });
  return { p, ready };
}

describe("the docs' commands", () => {
  it("every command in README.md and docs/ has a plan here, and every plan names a documented command", () => {
    const documented = documentedCommands();
    expect(documented.filter((k) => !PLAN[k])).toEqual([]);
    expect(Object.keys(PLAN).filter((k) => !documented.includes(k))).toEqual([]);
  });

  describe("README and runner.md (the Contoso tenant)", () => {
    let t: TestTenant;
    let dir: string;
    beforeAll(async () => {
      t = await startTestTenant();
      dir = mkdtempSync(path.join(os.tmpdir(), "mw-docs-readme-"));
      writeFileSync(path.join(dir, "tenant.yaml"), toYaml(t.config), { mode: 0o600 });
      const seed = await sh(
        "mailwarden emulator seed --scenario default --users 10 --days 2 --seed 3 --out exports",
        dir,
      );
      expect(seed.exitCode).toBe(0);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it("README and runner.md", async () => {
      await expectOk("README.md: mailwarden scan -c tenant.yaml --format json > hits.json", dir);
      expect(
        (JSON.parse(readFileSync(path.join(dir, "hits.json"), "utf8")) as { hits: unknown[] }).hits.length,
      ).toBeGreaterThan(0);
      const mark = t.mark();
      const dry = await expectOk("README.md: mailwarden run  -c tenant.yaml --hits hits.json --dry-run", dir);
      expect(dry.stdout).toContain("nothing was written");
      expect(t.writes(mark)).toEqual([]);
      const wet = await expectOk("README.md: mailwarden run  -c tenant.yaml --hits hits.json --yes", dir);
      expect(wet.stdout).toMatch(/wrote \d+ change/);
      await expectOk("README.md: mailwarden hunt --offline ./exports/ --format jsonl > hunted.jsonl", dir);
      expect(readFileSync(path.join(dir, "hunted.jsonl"), "utf8").trim().split("\n").length).toBeGreaterThan(
        0,
      );

      const cases = JSON.parse((await sh("mailwarden cases -c tenant.yaml --format json", dir)).stdout) as {
        caseId: string;
        userUpn: string;
        status: string;
      }[];
      const adele = cases.find((c) => c.userUpn === "AdeleV@contoso.com" && c.status === "closed")!;
      const megan = cases.find((c) => c.userUpn === "MeganB@contoso.com" && c.status === "closed")!;
      const runs = JSON.parse((await sh("mailwarden runs -c tenant.yaml --format json", dir)).stdout) as {
        runId: string;
        caseId: string;
        mode: string;
      }[];
      const meganRun = runs.find((r) => r.caseId === megan.caseId && r.mode === "execute")!;
      const ids = (s: string) =>
        s.replace("1f0c2a9e", adele.caseId.slice(0, 8)).replace("7d3e9b21", meganRun.runId.slice(0, 8));
      const preview = await expectOk(
        "docs/runner.md: mailwarden rollback -c tenant.yaml --case 1f0c2a9e",
        dir,
        ids,
      );
      expect(preview.stderr).toContain("cannot be undone: revoke-sessions");
      await expectOk("docs/runner.md: mailwarden rollback -c tenant.yaml --case 1f0c2a9e --yes", dir, ids);
      await expectOk("docs/runner.md: mailwarden rollback -c tenant.yaml --run  7d3e9b21 --yes", dir, ids);
      const rule = (upn: string, name: string) => {
        const u = t.emulator.ctx.state.users.find((x) => x.userPrincipalName === upn)!;
        return t.emulator.ctx.state.mailboxes
          .find((m) => m.userId === u.id)!
          .rules.find((r) => r.name === name)!;
      };
      expect(rule("AdeleV@contoso.com", "Accounts sync").enabled).toBe(true);
      expect(rule("MeganB@contoso.com", ".").enabled).toBe(true);
    }, 300_000);
  });

  describe("reports.md (the Contoso tenant)", () => {
    let t: TestTenant;
    let dir: string;
    beforeAll(async () => {
      t = await startTestTenant();
      dir = mkdtempSync(path.join(os.tmpdir(), "mw-docs-reports-"));
      writeFileSync(path.join(dir, "tenant.yaml"), toYaml(t.config), { mode: 0o600 });
      expect((await sh("mailwarden scan -c tenant.yaml --format json > hits.json", dir)).exitCode).toBe(0);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it("reports.md", async () => {
      const run = await expectOk(
        "docs/reports.md: mailwarden run -c tenant.yaml --hits hits.json --yes --report-dir reports/",
        dir,
      );
      expect(run.stderr).toMatch(/case reports: \d+ file\(s\) in /);
      expect(run.stderr).toMatch(/summary: .*summary-.*\.csv/);
      const written = readdirSync(path.join(dir, "reports"));
      expect(written.filter((f) => /^case-.*\.(md|html|json)$/.test(f)).length).toBeGreaterThanOrEqual(3);
      expect(written.filter((f) => f.startsWith("summary-"))).toHaveLength(3);
      const cases = JSON.parse((await sh("mailwarden cases -c tenant.yaml --format json", dir)).stdout) as {
        caseId: string;
        userUpn: string;
        status: string;
      }[];
      const adele = cases.find((c) => c.userUpn === "AdeleV@contoso.com" && c.status === "closed")!;
      const one = await expectOk(
        "docs/reports.md: mailwarden report -c tenant.yaml --case 1f0c2a9e",
        dir,
        (x) => x.replace("1f0c2a9e", adele.caseId.slice(0, 8)),
      );
      const files = one.stdout.trim().split("\n");
      expect(files.map((f) => path.extname(f))).toEqual([".md", ".html", ".json"]);
      const md = readFileSync(files[0]!, "utf8");
      expect(md).toContain(`mailwarden rollback --case ${adele.caseId} -c tenant.yaml`);
      expect(md).toContain("Accounts sync");
      const all = await expectOk(
        "docs/reports.md: mailwarden report -c tenant.yaml --all --format html,json --out reports/",
        dir,
      );
      expect(all.stdout.trim().split("\n").length).toBe(cases.length * 2);
      const schema = await expectOk("docs/reports.md: mailwarden schema case-report", dir);
      expect(JSON.parse(schema.stdout)).toMatchObject({ type: "object" });
    }, 300_000);
  });

  describe("hunting.md (a generated tenant and its exports)", () => {
    let launched: LaunchedEmulator;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), "mw-docs-hunt-"));
      const g = generateTenant({ scenarios: "all", users: 20, days: 3, seed: 5 });
      launched = await launchEmulator({
        stateDir: path.join(dir, "emu"),
        caDir: caDir(),
        tenant: { state: g.state, startTime: g.startTime, seed: g.seed },
      });
      writeFileSync(path.join(dir, "tenant.yaml"), toYaml(launched.config), { mode: 0o600 });
      const seed = await sh(
        "mailwarden emulator seed --scenario all --users 20 --days 3 --seed 5 --out exports",
        dir,
      );
      expect(seed.exitCode).toBe(0);
    }, 120_000);
    afterAll(async () => {
      await launched?.emulator.close();
    });

    it("hunting.md", async () => {
      const all = await expectOk("docs/hunting.md: mailwarden hunt --offline ./exports/", dir);
      expect(all.stderr).toContain("0 quarantined");
      await expectOk(
        "docs/hunting.md: mailwarden hunt --offline ./exports/ --format jsonl > hits.jsonl",
        dir,
      );
      const mark = launched.emulator.requests().length;
      const dry = await expectOk(
        "docs/hunting.md: mailwarden run  -c tenant.yaml --hits hits.jsonl --dry-run",
        dir,
      );
      expect(dry.stdout).toContain("nothing was written");
      expect(
        launched.emulator
          .requests()
          .slice(mark)
          .filter((r) => r.write),
      ).toEqual([]);
      const live = await expectOk("docs/hunting.md: mailwarden hunt -c tenant.yaml", dir);
      expect(live.stderr).toMatch(/[1-9]\d* hit\(s\)/);
      const kql = await expectOk("docs/hunting.md: mailwarden hunt --print-kql --target sentinel", dir);
      expect(kql.stdout).toContain("OfficeActivity");
      await expectOk("docs/hunting.md: mailwarden hunt --offline ./exports/ --profile seed", dir);
    }, 300_000);
  });

  it("approvals.md", async () => {
    const t = await startTestTenant({
      config: (c) => ({
        ...c,
        guardrails: {
          protectedAccounts: ["AdeleV@contoso.com", "MeganB@contoso.com"],
          maxContainmentsPerRun: 25,
        },
      }),
    });
    try {
      const dir = mkdtempSync(path.join(os.tmpdir(), "mw-docs-approvals-"));
      writeFileSync(path.join(dir, "tenant.yaml"), toYaml({ ...t.config, guardrails: t.cfg.guardrails }), {
        mode: 0o600,
      });
      expect((await sh("mailwarden run -c tenant.yaml --yes", dir)).exitCode).toBe(4); // both cases wait
      const list = await expectOk("docs/approvals.md: mailwarden approvals list -c tenant.yaml", dir);
      expect(list.stderr).toContain("2 step(s) waiting");
      const q = JSON.parse(
        (await sh("mailwarden approvals list -c tenant.yaml --format json", dir)).stdout,
      ) as {
        runId: string;
        planHash: string;
        user: { upn: string };
      }[];
      const adele = q.find((w) => w.user.upn === "AdeleV@contoso.com")!;
      const megan = q.find((w) => w.user.upn === "MeganB@contoso.com")!;
      const ids = (s: string) =>
        s
          .replace("5d0193c1", adele.runId.slice(0, 8))
          .replace("9f2c41d07a3e", adele.planHash.slice(0, 12))
          .replace("8eb62f86", megan.runId.slice(0, 8));
      const mark = t.mark();
      await expectOk(
        'docs/approvals.md: mailwarden approvals approve 5d0193c1 -c tenant.yaml --plan 9f2c41d07a3e --as alice@contoso.com --reason "confirmed with the user"',
        dir,
        ids,
      );
      expect(t.writes(mark)).toHaveLength(1);
      await expectOk(
        'docs/approvals.md: mailwarden approvals reject  8eb62f86 -c tenant.yaml --as bob@contoso.com --reason "the rule is the user\'s own"',
        dir,
        ids,
      );
      expect(t.writes(mark)).toHaveLength(1);
      await expectOk(
        'docs/approvals.md: mailwarden halt -c tenant.yaml --as soc-lead --reason "false positive storm"',
        dir,
      );
      const st = await expectOk("docs/approvals.md: mailwarden halt -c tenant.yaml --status", dir);
      expect(st.stdout).toContain("false positive storm");
      await expectOk(
        'docs/approvals.md: mailwarden halt -c tenant.yaml --off --as soc-lead --reason "explained"',
        dir,
      );
      // The dry run as an audit, then unattended: both protected accounts wait (exit 4), nothing is written.
      const plan = await expectOk(
        "docs/approvals.md: mailwarden run -c tenant.yaml --dry-run --report plan.md",
        dir,
      );
      expect(plan.stderr).toContain("plan report: plan.md");
      expect(readFileSync(path.join(dir, "plan.md"), "utf8")).toContain(
        "Unattended: waits: `protected account",
      );
      const mark2 = t.mark();
      await expectOk("docs/approvals.md: mailwarden run -c tenant.yaml --auto high", dir, undefined, [4]);
      expect(t.writes(mark2)).toEqual([]);
    } finally {
      await t.close();
    }
  }, 300_000);

  it("console.md", async () => {
    const t = await startTestTenant({
      config: (c) => ({
        ...c,
        guardrails: { protectedAccounts: ["AdeleV@contoso.com"], maxContainmentsPerRun: 25 },
      }),
    });
    let p: ResultPromise | undefined;
    try {
      const dir = mkdtempSync(path.join(os.tmpdir(), "mw-docs-console-"));
      const hashed = await expectOk(
        "docs/console.md: mailwarden console hash-token --name alice@contoso.com",
        dir,
      );
      const token = /: (mwc_\S+)/.exec(hashed.stderr)![1]!;
      const entry = JSON.parse(hashed.stdout) as { name: string; sha256: string };
      expect(entry.name).toBe("alice@contoso.com");
      // The sandbox's tenant.yaml: the approver entry as printed, and a free port (the default 8787 may be taken).
      writeFileSync(
        path.join(dir, "tenant.yaml"),
        toYaml({ ...t.config, guardrails: t.cfg.guardrails, console: { port: 0, approvers: [entry] } }),
        { mode: 0o600 },
      );
      expect((await sh("mailwarden run -c tenant.yaml --yes", dir)).exitCode).toBe(4); // Adele's case waits
      const key = "docs/console.md: mailwarden console -c tenant.yaml";
      expect(PLAN[key]).toBeDefined();
      p = sh(cmdOf(key), dir);
      let err = "";
      const url = await new Promise<string>((resolve, reject) => {
        p!.stderr!.on("data", (d: Buffer) => {
          err += d.toString();
          const m = /console listening on (\S+)/.exec(err);
          if (m && err.includes("operator token for this start")) resolve(m[1]!);
        });
        void p!.then((r) => reject(new Error(`${key}: exited ${r.exitCode}\n${err}`)));
      });
      expect(new URL(url).hostname).toBe("127.0.0.1");
      expect(err).toContain("operator token for this start");
      const q = await fetch(`${url}api/queue`, { headers: { authorization: `Bearer ${token}` } });
      expect(q.status).toBe(200);
      const body = (await q.json()) as { waiting: { user: { upn: string } }[] };
      expect(body.waiting.map((w) => w.user.upn)).toContain("AdeleV@contoso.com");
      p.kill("SIGTERM");
      expect((await p).exitCode).toBe(0);
    } finally {
      p?.kill("SIGKILL");
      await t.close();
    }
  }, 300_000);

  it("emulator.md", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mw-docs-emu-"));
    writeFileSync(
      path.join(dir, "my-tenant.yaml"),
      toYaml({ ...defaultScenario, users: defaultScenario.users?.slice(0, 3) }),
    );
    writeFileSync(
      path.join(dir, "faults.yaml"),
      toYaml({
        rules: [
          {
            face: "graph",
            match: "GET /users",
            probability: 0.1,
            fault: { type: "throttle", retryAfter: 1 },
          },
        ],
      }),
    );
    const stop = async (s: { p: ResultPromise }) => {
      s.p.kill("SIGTERM");
      const r = await s.p;
      expect([0, 143]).toContain(r.exitCode);
    };
    const a = await startEmulatorLine(
      "docs/emulator.md: mailwarden emulator start --write-config emu.json",
      dir,
    );
    expect(existsSync(path.join(dir, "emu.json"))).toBe(true);
    await stop(a);
    const b = await startEmulatorLine(
      "docs/emulator.md: mailwarden emulator start --scenario my-tenant.yaml --faults faults.yaml",
      dir,
    );
    expect(b.ready.organization).toBeDefined();
    await stop(b);
    const c = await startEmulatorLine(
      "docs/emulator.md: mailwarden emulator start --generate all --users 40 --days 14 --seed 7 --write-config emu.json",
      dir,
    );
    expect(c.ready.generated).toBeDefined();
    try {
      const scan = await expectOk("docs/emulator.md: mailwarden scan -c emu.json", dir);
      expect(scan.stdout.length).toBeGreaterThan(0);
      const hunt = await expectOk("docs/emulator.md: mailwarden hunt -c emu.json", dir);
      expect(hunt.stderr).toMatch(/[1-9]\d* hit\(s\)/);
    } finally {
      await stop(c);
    }
    await expectOk(
      "docs/emulator.md: mailwarden emulator seed --scenario all --users 200 --days 30 --seed 7 --out out/",
      dir,
    );
    expect(existsSync(path.join(dir, "out", "truth.json"))).toBe(true);
  }, 300_000);

  it("README quick start: npm run demo (after npm ci) exits 0 with PASS", async () => {
    // In a copy of the project (its node_modules linked: `npm ci` is what CI ran), so that its build never
    // rewrites the dist/ that other test files are running at the same time.
    const copy = mkdtempSync(path.join(os.tmpdir(), "mw-docs-clone-"));
    for (const f of [
      "package.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "src",
      "scripts",
      "playbooks",
      "vendor",
    ])
      cpSync(path.join(ROOT, f), path.join(copy, f), { recursive: true });
    symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
    const r = await expectOk("README.md: npm ci && npm run demo", copy, (s) => s.replace("npm ci && ", ""));
    expect(r.stdout).toContain("PASS");
  }, 300_000);

  it("README install: npm install -g . (into a temporary prefix) puts a working mailwarden on the PATH", async () => {
    const prefix = mkdtempSync(path.join(os.tmpdir(), "mw-docs-prefix-"));
    mkdirSync(path.join(prefix, "lib"), { recursive: true });
    const r = await sh(cmdOf("README.md: npm install -g ."), ROOT, { npm_config_prefix: prefix });
    expect(r.exitCode, r.stderr).toBe(0);
    const v = await execa(path.join(prefix, "bin", "mailwarden"), ["--version"], { reject: false });
    expect(v.exitCode).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 300_000);
});
