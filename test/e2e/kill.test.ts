/**
 * Killing the process the user started stops every tenant write. The CLI runs as users start it: the built bin, a
 * config naming the emulated tenant's CA (endpoints.caFile), and NO NODE_EXTRA_CA_CERTS in its environment — the
 * case in which mailwarden used to re-execute itself into a child that outlived a SIGKILL and went on writing.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { SHUTDOWN_GRACE_MS } from "../../src/cli/shutdown.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestTenant | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Started {
  victim: ResultPromise;
  cfgFile: string;
  /** In the environment of the CLI and of every process it starts. */
  tag: string;
  mark: number;
}

/** `run -c cfg --yes` on the default tenant (three hits), Exchange cmdlets slowed, without NODE_EXTRA_CA_CERTS. */
function startRun(tenant: TestTenant): Started {
  const cfgFile = path.join(tenant.stateDir, "config.json");
  writeFileSync(cfgFile, JSON.stringify(tenant.config, null, 2), { mode: 0o600 });
  const tag = randomUUID();
  const env: Record<string, string | undefined> = {
    ...process.env,
    MAILWARDEN_STANDIN_CMDLET_MS: "300",
    MAILWARDEN_KILL_TEST_TAG: tag,
  };
  delete env.NODE_EXTRA_CA_CERTS;
  const mark = tenant.mark();
  const victim = execa(process.execPath, [BIN, "run", "-c", cfgFile, "--yes"], {
    env,
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  return { victim, cfgFile, tag, mark };
}

/** Waits (polling every ms) until the tenant has logged a write since `mark`; fails if the CLI ends first. */
async function firstWrite(tenant: TestTenant, s: Started): Promise<void> {
  let ended = false;
  void s.victim.then(() => (ended = true));
  const deadline = Date.now() + 90_000;
  while (tenant.writes(s.mark).length === 0) {
    if (ended) {
      const r = await s.victim;
      throw new Error(`the CLI ended (${r.exitCode}) before its first write: ${String(r.stderr)}`);
    }
    if (Date.now() > deadline) throw new Error("no tenant write within 90 s");
    await sleep(1);
  }
}

/**
 * Live processes (not zombies) whose command line names the config file or whose environment carries the tag: the
 * CLI, a re-executed copy of it, the pwsh stand-in it started (which inherits the environment).
 */
function leftovers(s: Started): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      if (cmd.includes(s.cfgFile) || environ.includes(`MAILWARDEN_KILL_TEST_TAG=${s.tag}`))
        found.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

describe.skipIf(process.platform !== "linux")("stopping the CLI stops the work", () => {
  it("SIGKILL after the first tenant write: no write after it, no process left", async () => {
    t = await startTestTenant();
    const s = startRun(t);
    await firstWrite(t, s);
    s.victim.kill("SIGKILL");
    const atKill = t.writes(s.mark).length;
    const r = await s.victim;
    expect(r.signal).toBe("SIGKILL");
    await sleep(3_000);
    const after = t.writes(s.mark).slice(atKill);
    expect(after, JSON.stringify(after)).toEqual([]);
    expect(leftovers(s)).toEqual([]);
  }, 120_000);

  it("SIGTERM during a --yes run: the process ends within the grace period, then nothing writes", async () => {
    t = await startTestTenant();
    const s = startRun(t);
    await firstWrite(t, s);
    const sent = Date.now();
    s.victim.kill("SIGTERM");
    const r = await s.victim;
    const took = Date.now() - sent;
    // It handled the signal itself (a clean exit with a code), within the grace period and some start-up slack.
    expect(r.signal ?? undefined).toBeUndefined();
    expect(typeof r.exitCode).toBe("number");
    expect(took).toBeLessThan(SHUTDOWN_GRACE_MS + 3_000);
    expect(String(r.stderr)).toContain("SIGTERM: stopping");
    const atExit = t.writes(s.mark).length;
    await sleep(2_000);
    expect(t.writes(s.mark).slice(atExit)).toEqual([]);
    expect(leftovers(s)).toEqual([]);
  }, 120_000);
});
