/**
 * The pwsh stand-in never outlives the process that started it. A parent sends connect and three slow cmdlets at
 * once (queued in the stand-in), then is SIGKILLed while the first cmdlet waits: the stand-in must be gone at once,
 * and none of the cmdlets may reach the tenant. A parent that stays and closes stdin still gets every answer.
 */
import { readFileSync } from "node:fs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXCHANGE_SCOPE } from "../../src/adapters/exo/client.js";
import { BRIDGE_ARGS } from "../../src/adapters/exo/process.js";
import { defaultBridgeScriptPath } from "../../src/adapters/exo/paths.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The middle process: starts the stand-in (through the emulator's pwsh wrapper), feeds it, prints its pid. */
const PARENT = `
import { spawn } from "node:child_process";
const input = JSON.parse(process.env.ORPHAN_TEST_INPUT);
const child = spawn(input.pwsh, input.args, { stdio: ["pipe", "ignore", "ignore"], env: { ...process.env, MAILWARDEN_STANDIN_CMDLET_MS: "800" } });
child.stdin.write(input.lines.join("\\n") + "\\n");
process.stdout.write(String(child.pid) + "\\n");
setInterval(() => {}, 1000);
`;

let t: TestTenant;
let lines: string[];

beforeAll(async () => {
  t = await startTestTenant();
  const token = (await t.handles.credential.getToken(EXCHANGE_SCOPE))!.token;
  const connect = {
    id: "c",
    op: "connect",
    params: {
      AppId: t.emulator.clientId,
      Organization: t.emulator.organization,
      AccessToken: token,
      ConnectionUri: t.emulator.exchangeConnectionUri,
    },
  };
  const get = (id: string) => ({
    id,
    op: "invoke",
    cmdlet: "Get-Mailbox",
    params: { Identity: "AdeleV@contoso.com" },
  });
  lines = [connect, get("1"), get("2"), get("3")].map((r) => JSON.stringify(r));
});
afterAll(async () => {
  await t?.close();
});

/** Alive and not a zombie (an orphan's reaper may be slow to collect it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== "linux")("pwsh stand-in and its parent", () => {
  it("exits as soon as its parent is SIGKILLed, and starts none of the queued cmdlets", async () => {
    const parent = execa(process.execPath, ["--input-type=module", "-e", PARENT], {
      env: {
        ORPHAN_TEST_INPUT: JSON.stringify({
          pwsh: t.pwshPath,
          args: BRIDGE_ARGS(defaultBridgeScriptPath()),
          lines,
        }),
      },
      reject: false,
      buffer: { stdout: false },
      timeout: 30_000,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
      void parent.then((r) => reject(new Error(`parent ended: ${String(r.stderr)}`)));
    });
    // Connected, first cmdlet inside its 800 ms emulated delay, two more queued behind it.
    await sleep(400);
    expect(alive(pid)).toBe(true);
    const mark = t.mark();
    parent.kill("SIGKILL");
    await parent;
    const deadline = Date.now() + 1_000;
    while (alive(pid) && Date.now() < deadline) await sleep(20);
    expect(alive(pid), "the stand-in outlived its parent by more than 1 s").toBe(false);
    await sleep(2_500);
    expect(t.emulator.requests().slice(mark)).toEqual([]);
  });

  it("a living parent that closes stdin still gets every queued request answered", async () => {
    const r = await execa(t.pwshPath, BRIDGE_ARGS(defaultBridgeScriptPath()), {
      input: lines.join("\n") + "\n",
      reject: false,
      timeout: 30_000,
    });
    expect(r.exitCode).toBe(0);
    const answers = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id?: string; ok?: boolean; ready?: boolean });
    expect(answers.filter((a) => !a.ready).map((a) => [a.id, a.ok])).toEqual([
      ["c", true],
      ["1", true],
      ["2", true],
      ["3", true],
    ]);
  });
});
