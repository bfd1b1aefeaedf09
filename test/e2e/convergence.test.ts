/**
 * Fault convergence through the real CLI: with ~20 % of Graph requests and ~10 % of Exchange requests failing
 * (throttling, 503/504, dropped connections), repeated `run --yes` invocations reach exit 0 within a bounded
 * number, and no invocation ever reports a run `done` while one of its targets is still active in the tenant.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { massScenario } from "../helpers/mass.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
const MAX_INVOCATIONS = 8;
let t: TestTenant;
let cfgFile: string;

interface Out {
  runs: {
    runId: string;
    state: string;
    user: string;
    steps: { action: string; outcome: string; verified?: boolean; target?: string }[];
  }[];
  hits: { outcome: string }[];
  notScanned?: unknown[];
}

beforeAll(async () => {
  t = await startTestTenant({ scenario: massScenario(6) });
  cfgFile = path.join(t.stateDir, "config.json");
  const c = t.config as { exchange: Record<string, unknown> };
  writeFileSync(
    cfgFile,
    JSON.stringify({
      ...t.config,
      exchange: { ...c.exchange, retry: { maxRetries: 4, baseDelayMs: 5, maxDelayMs: 50 } },
    }),
    { mode: 0o600 },
  );
});
afterAll(async () => {
  await t?.close();
});

/** Whether the suspect things of a user are contained right now (rules off, forwarding cleared). */
function containedNow(upn: string): boolean {
  const s = t.emulator.ctx.state;
  const u = s.users.find((x) => x.userPrincipalName.toLowerCase() === upn.toLowerCase());
  const mb = u && s.mailboxes.find((m) => m.userId === u.id);
  if (!mb) return true;
  const suspect = mb.rules.filter((r) => /^(sync \d+|Accounts sync|\.)$/.test(r.name));
  return suspect.every((r) => !r.enabled) && !mb.forwardingSmtpAddress && !mb.forwardingAddress;
}

describe("run --yes under injected faults", () => {
  it(`converges within ${MAX_INVOCATIONS} invocations and never reports done while a target is active`, async () => {
    t.emulator.ctx.faults!.replace(
      {
        seed: 7,
        rules: [
          { face: "graph", probability: 0.15, fault: { type: "unavailable", status: 503, retryAfter: 0 } },
          { face: "graph", probability: 0.04, fault: { type: "throttle", retryAfter: 0 } },
          {
            face: "graph",
            match: "PATCH /users/{id}/mailFolders/inbox/messageRules/{id}",
            probability: 0.1,
            fault: { type: "drop" },
          },
          { face: "exchange", probability: 0.06, fault: { type: "unavailable", status: 503 } },
          { face: "exchange", probability: 0.04, fault: { type: "drop" } },
        ],
      },
      "convergence test",
    );
    const codes: number[] = [];
    const lies: string[] = [];
    for (let i = 0; i < MAX_INVOCATIONS; i++) {
      const r = await execa(process.execPath, [BIN, "run", "-c", cfgFile, "--yes", "--format", "json"], {
        reject: false,
        timeout: 240_000,
      });
      codes.push(r.exitCode ?? -1);
      const out = JSON.parse(r.stdout) as Out;
      for (const run of out.runs)
        if (run.state === "done" && !containedNow(run.user)) lies.push(`${run.user} done while active`);
      if (r.exitCode === 0) break;
      expect([4, 5], r.stderr).toContain(r.exitCode);
    }
    const injected = t.emulator.requests().filter((x) => x.status >= 429 || x.status === 444).length;
    t.emulator.ctx.faults!.replace({});
    expect(lies).toEqual([]);
    expect(codes.at(-1)).toBe(0);
    expect(injected).toBeGreaterThan(5);
    for (const u of t.emulator.ctx.state.users)
      expect(containedNow(u.userPrincipalName), u.userPrincipalName).toBe(true);
  }, 900_000);
});
