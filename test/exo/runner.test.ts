/**
 * PowerShellRunner process management against a misbehaving test bridge (fixtures/fake-bridge.mjs): lazy start,
 * constant argv, secrets only on stdin, serialisation, timeouts, restarts, aborts, noise, close.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { PowerShellRunner, type PowerShellRunnerOptions } from "../../src/adapters/exo/runner.js";
import { compileFixture, rejection, writeNodeExecutable } from "./helpers.js";

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "fake-bridge.ts");
const TOKEN = "eyJ0eXAiOiJKV1QifQ.secret-token-value.sig";
const SCRIPT = "/opt/mailwarden/scripts/exo-bridge.ps1";

let dir: string;
let pwsh: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "mw-runner-"));
  pwsh = await writeNodeExecutable(dir, "pwsh", await compileFixture(FIXTURE, dir));
  return () => rm(dir, { recursive: true, force: true });
});

const runners: PowerShellRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close().catch(() => undefined)));
});

/** One line of the fake bridge's log. */
interface FakeEvent {
  event: string;
  op?: string;
  argv?: string[];
  params?: Record<string, unknown>;
}

let logCounter = 0;
function setup(mode = "normal", overrides: Partial<PowerShellRunnerOptions> = {}) {
  const log = path.join(dir, `log-${++logCounter}.jsonl`);
  const runner = new PowerShellRunner({
    pwshPath: pwsh,
    scriptPath: SCRIPT,
    connect: () =>
      Promise.resolve({ AppId: "app", Organization: "contoso.onmicrosoft.com", AccessToken: TOKEN }),
    env: { FAKE_MODE: mode, FAKE_LOG: log },
    restartBackoffMs: 1,
    startTimeoutMs: 10_000,
    ...overrides,
  });
  runners.push(runner);
  const events = (): FakeEvent[] =>
    existsSync(log)
      ? readFileSync(log, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as FakeEvent)
      : [];
  return { runner, events };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitDead(pid: number): Promise<void> {
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 5));
}

describe("PowerShellRunner", () => {
  it("starts lazily with a constant argv and sends the token only on stdin, connecting once", async () => {
    const { runner, events } = setup();
    expect(runner.pid).toBeUndefined();
    expect(events()).toEqual([]);
    const first = await runner.invoke<Array<{ cmdlet: string; params: unknown }>>("Get-Mailbox", {
      Identity: "a@contoso.com",
    });
    expect(first[0]).toMatchObject({ cmdlet: "Get-Mailbox", params: { Identity: "a@contoso.com" } });
    await runner.invoke("Get-InboxRule", { Mailbox: "a@contoso.com", IncludeHidden: true });
    const starts = events().filter((e) => e["event"] === "start");
    expect(starts).toHaveLength(1);
    expect(starts[0]!["argv"]).toEqual(["-NoLogo", "-NoProfile", "-NonInteractive", "-File", SCRIPT]);
    expect(JSON.stringify(starts)).not.toContain(TOKEN);
    const ops = events()
      .filter((e) => e["event"] === "request")
      .map((e) => e["op"]);
    expect(ops).toEqual(["connect", "invoke", "invoke"]);
  });

  it("refuses a cmdlet or parameter outside the allow-list before anything starts", async () => {
    const { runner, events } = setup();
    expect((await rejection(runner.invoke("Remove-Mailbox", { Identity: "x" })))["category"]).toBe(
      "Unsupported",
    );
    expect((await rejection(runner.invoke("Get-Mailbox", { Identity: "*" })))["category"]).toBe(
      "InvalidParameter",
    );
    expect((await rejection(runner.invoke("Get-Mailbox", { Filter: "x" })))["category"]).toBe(
      "InvalidParameter",
    );
    expect(events()).toEqual([]);
  });

  it("keeps one request in flight at a time", async () => {
    const { runner } = setup();
    const results = await Promise.all(
      ["a", "b", "c", "d"].map((id) =>
        runner.invoke<Array<{ maxOutstanding: number; params: { Identity: string } }>>("Get-Mailbox", {
          Identity: id,
        }),
      ),
    );
    expect(results.map((r) => r[0]!.params.Identity)).toEqual(["a", "b", "c", "d"]);
    expect(Math.max(...results.map((r) => r[0]!.maxOutstanding))).toBe(1);
  });

  it("maps a bridge error to a typed ExoError", async () => {
    const { runner } = setup();
    const e = await rejection(runner.invoke("Get-Mailbox", { Identity: "fail" }));
    expect(e["name"]).toBe("ExoError");
    expect(e).toMatchObject({ category: "NotFound", retryable: false, cmdlet: "Get-Mailbox" });
    expect(e["type"]).toContain("ManagementObjectNotFoundException");
  });

  it("times out a hung cmdlet, kills the process, and restarts + reconnects on the next call", async () => {
    const { runner, events } = setup();
    await runner.invoke("Get-Mailbox", { Identity: "warm" });
    const firstPid = runner.pid!;
    const e = await rejection(runner.invoke("Get-Mailbox", { Identity: "hang" }, { timeoutMs: 150 }));
    expect(e).toMatchObject({
      name: "ExoError",
      category: "Timeout",
      retryable: true,
      cmdlet: "Get-Mailbox",
    });
    await waitDead(firstPid);
    expect(alive(firstPid)).toBe(false);
    const after = await runner.invoke<unknown[]>("Get-Mailbox", { Identity: "again" });
    expect(after).toHaveLength(1);
    expect(runner.pid).not.toBe(firstPid);
    expect(events().filter((x) => x["event"] === "start")).toHaveLength(2);
    expect(events().filter((x) => x["op"] === "connect")).toHaveLength(2);
  });

  it("restarts a process that was killed from outside", async () => {
    const { runner } = setup();
    await runner.invoke("Get-Mailbox", { Identity: "a" });
    const pid = runner.pid!;
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 400 && runner.pid !== undefined; i++) await new Promise((r) => setTimeout(r, 5));
    expect(runner.pid).toBeUndefined();
    await expect(runner.invoke("Get-Mailbox", { Identity: "b" })).resolves.toHaveLength(1);
    expect(runner.pid).not.toBe(pid);
  });

  it("reports a process that dies mid-cmdlet as a retryable BridgeFailed, then recovers", async () => {
    const { runner } = setup();
    const e = await rejection(runner.invoke("Get-Mailbox", { Identity: "die" }));
    expect(e).toMatchObject({ category: "BridgeFailed", retryable: true });
    expect(String(e["message"])).toContain("exit code 3");
    await expect(runner.invoke("Get-Mailbox", { Identity: "ok" })).resolves.toHaveLength(1);
  });

  it("gives up after a bounded number of start attempts and reports the process's last stderr line", async () => {
    const { runner, events } = setup("crash-on-start", { maxStartAttempts: 3 });
    const e = await rejection(runner.invoke("Get-Mailbox", { Identity: "a" }));
    expect(e).toMatchObject({ category: "BridgeFailed" });
    expect(String(e["message"])).toContain("the module could not be loaded");
    expect(events().filter((x) => x["event"] === "start")).toHaveLength(3);
  });

  it("refuses a bridge speaking another protocol version, without retrying", async () => {
    const { runner, events } = setup("protocol2");
    const e = await rejection(runner.invoke("Get-Mailbox", { Identity: "a" }));
    expect(e).toMatchObject({ category: "BridgeFailed", retryable: false });
    expect(String(e["message"])).toContain("protocol 2");
    expect(events().filter((x) => x["event"] === "start")).toHaveLength(1);
  });

  it("a refused connect is final (no restart loop) and the token never appears in the error", async () => {
    const { runner, events } = setup("connect-denied");
    const e = await rejection(runner.invoke("Get-Mailbox", { Identity: "a" }));
    expect(e).toMatchObject({ category: "AccessDenied", cmdlet: "connect" });
    expect(String(e["message"])).not.toContain(TOKEN);
    expect(String(e["message"])).toContain("[redacted]");
    expect(events().filter((x) => x["op"] === "connect")).toHaveLength(1);
  });

  it("keeps non-protocol output as diagnostics with secrets redacted", async () => {
    const { runner } = setup();
    await expect(runner.invoke("Get-Mailbox", { Identity: "noise" })).resolves.toHaveLength(1);
    const d = runner.diagnostics()!;
    expect(d.stdoutNoise).toContain("WARNING: this line is not protocol JSON");
    expect(d.stdoutNoise.some((l) => l.includes("not-a-pending-id"))).toBe(true);
    expect(d.stderr).toContain("connecting with token [redacted]");
    expect(d.stderr).not.toContain(TOKEN);
  });

  it("an abort signal cancels a call in flight (killing the process), a queued call, or a call not yet started", async () => {
    const { runner, events } = setup();
    const pre = new AbortController();
    pre.abort();
    expect(
      (await rejection(runner.invoke("Get-Mailbox", { Identity: "a" }, { signal: pre.signal })))["category"],
    ).toBe("Aborted");
    expect(events()).toEqual([]);

    await runner.invoke("Get-Mailbox", { Identity: "warm" });
    const pid = runner.pid!;
    const inflight = new AbortController();
    const hung = runner.invoke("Get-Mailbox", { Identity: "hang" }, { signal: inflight.signal });
    const queuedCtl = new AbortController();
    const queued = runner.invoke("Get-Mailbox", { Identity: "queued" }, { signal: queuedCtl.signal });
    queuedCtl.abort();
    expect((await rejection(queued))["category"]).toBe("Aborted");
    inflight.abort();
    expect((await rejection(hung))["category"]).toBe("Aborted");
    await waitDead(pid);
    expect(alive(pid)).toBe(false);
    expect(events().filter((x) => x["params"]?.["Identity"] === "queued")).toEqual([]);
    await expect(runner.invoke("Get-Mailbox", { Identity: "next" })).resolves.toHaveLength(1);
  });

  it("reconnects with fresh parameters when asked to", async () => {
    let stale = false;
    let tokens = 0;
    const { runner, events } = setup("normal", {
      connect: () =>
        Promise.resolve({
          AppId: "app",
          Organization: "contoso.onmicrosoft.com",
          AccessToken: `token-${++tokens}-xxxx`,
        }),
      shouldReconnect: () => stale,
    });
    await runner.invoke("Get-Mailbox", { Identity: "a" });
    await runner.invoke("Get-Mailbox", { Identity: "b" });
    stale = true;
    await runner.invoke("Get-Mailbox", { Identity: "c" });
    expect(events().filter((x) => x["op"] === "connect")).toHaveLength(2);
    expect(events().filter((x) => x["event"] === "start")).toHaveLength(1);
  });

  it("close() stops a process whose call outlives the grace period", async () => {
    const { runner } = setup();
    await runner.invoke("Get-Mailbox", { Identity: "warm" });
    const pid = runner.pid!;
    const hung = runner.invoke("Get-Mailbox", { Identity: "hang" });
    await runner.close(50);
    expect((await rejection(hung))["category"]).toBe("BridgeFailed");
    await waitDead(pid);
    expect(alive(pid)).toBe(false);
  });

  it("a pwsh that does not exist fails at once, without retries", async () => {
    const runner = new PowerShellRunner({
      pwshPath: path.join(dir, "no-such-pwsh"),
      scriptPath: SCRIPT,
      connect: () => Promise.resolve({ AppId: "a", Organization: "o", AccessToken: TOKEN }),
      restartBackoffMs: 10_000,
    });
    runners.push(runner);
    const e = await rejection(runner.invoke("Get-Mailbox", { Identity: "a" }));
    expect(e).toMatchObject({ category: "BridgeFailed", retryable: false });
    expect(String(e["message"])).toContain("ENOENT");
  });

  it("close() disconnects and stops the process; later calls fail", async () => {
    const { runner, events } = setup();
    await runner.invoke("Get-Mailbox", { Identity: "a" });
    const pid = runner.pid!;
    await runner.close();
    await waitDead(pid);
    expect(alive(pid)).toBe(false);
    expect(events().some((x) => x["event"] === "disconnect")).toBe(true);
    expect((await rejection(runner.invoke("Get-Mailbox", { Identity: "b" })))["category"]).toBe(
      "BridgeFailed",
    );
  });
});
