/**
 * PowerShellRunner: one long-lived bridge process, started lazily, connected once (secrets only on stdin), one
 * request in flight at a time. A hung cmdlet is killed with its process and reported as a Timeout; a dead process
 * is restarted and reconnected on the next call, a bounded number of times with exponential backoff.
 */
import { setTimeout as delay } from "node:timers/promises";
import { SECRET_CONNECT_PARAMETERS } from "./allowlist.js";
import type { BridgeDiagnostics } from "./diagnostics.js";
import { ExoError, isExoError, redact } from "./errors.js";
import { BridgeProcess } from "./process.js";
import {
  ConnectParamsSchema,
  type BridgeError,
  type ConnectParams,
  type InvokeParams,
  type Request,
} from "./protocol.js";
import { checkInvocation } from "./validate.js";

/** The subset of a winston logger the runner uses. Never given secrets or parameter values. */
export interface RunnerLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface PowerShellRunnerOptions {
  pwshPath: string;
  scriptPath: string;
  /** Called for every (re)connect; returns fresh parameters (e.g. a new access token). */
  connect: (signal?: AbortSignal) => Promise<ConnectParams>;
  /** Asked before each call while connected; `true` sends a fresh `connect` first (token close to expiry). */
  shouldReconnect?: () => boolean;
  /** Per-cmdlet timeout. Default 16 min: REST-backed cmdlets time out server-side at 15 min (apis.md B). */
  commandTimeoutMs?: number;
  /** Waiting for the ready line. Default 60 s. */
  startTimeoutMs?: number;
  /** Waiting for Connect-ExchangeOnline. Default 120 s. */
  connectTimeoutMs?: number;
  /** Start attempts per call when the process is down. Default 3. */
  maxStartAttempts?: number;
  /** Backoff before a restart after a failure; doubles per consecutive failure up to 30× this. Default 500 ms. */
  restartBackoffMs?: number;
  /** Extra environment for the process (never secrets). */
  env?: Readonly<Record<string, string>>;
  logger?: RunnerLogger;
  /** The wait before a restart (tests inject a fake clock). Rejects when `signal` fires. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface InvokeOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

function fromBridgeError(error: BridgeError, what: string, secrets: Iterable<string>): ExoError {
  const list = [...secrets];
  return new ExoError({
    category: error.category,
    type: error.type,
    cmdlet: what,
    message: redact(error.message, list),
  });
}

export class PowerShellRunner {
  private proc: BridgeProcess | null = null;
  private connected = false;
  private closed = false;
  /** A call is running in the process (between dequeue and settle). */
  private busy = false;
  private seq = 0;
  private consecutiveFailures = 0;
  private tail: Promise<unknown> = Promise.resolve();
  /** The latest few secret values (tokens rotate), for redaction. */
  private secrets: string[] = [];

  constructor(private readonly opts: PowerShellRunnerOptions) {}

  /** Runs an allow-listed cmdlet. Parameters are checked before anything starts. Resolves with the bridge result. */
  invoke<T = unknown>(cmdlet: string, params: InvokeParams = {}, opts: InvokeOptions = {}): Promise<T> {
    const checked = checkInvocation(cmdlet, params);
    if (!checked.ok) return Promise.reject(fromBridgeError(checked.error, cmdlet, []));
    return this.serial(opts.signal, cmdlet, async () => {
      const proc = await this.ready(opts.signal);
      const request: Request = {
        id: this.nextId(),
        op: "invoke",
        cmdlet: checked.cmdlet,
        params: checked.params,
      };
      this.opts.logger?.debug("exo invoke", { cmdlet, parameters: Object.keys(checked.params) });
      const response = await this.send(
        proc,
        request,
        opts.timeoutMs ?? this.opts.commandTimeoutMs ?? 16 * 60_000,
        opts.signal,
      );
      if (!response.ok) throw fromBridgeError(response.error, cmdlet, this.secrets);
      return response.result as T;
    });
  }

  /** Round-trips a ping through the bridge (starting and connecting it if needed). */
  ping(opts: InvokeOptions = {}): Promise<unknown> {
    return this.serial(opts.signal, "ping", async () => {
      const proc = await this.ready(opts.signal);
      const response = await this.send(
        proc,
        { id: this.nextId(), op: "ping" },
        opts.timeoutMs ?? 30_000,
        opts.signal,
      );
      if (!response.ok) throw fromBridgeError(response.error, "ping", this.secrets);
      return response.result;
    });
  }

  /** Process id of the running bridge, if any (diagnostics and tests). */
  get pid(): number | undefined {
    return this.proc?.alive ? this.proc.pid : undefined;
  }

  /** What the bridge wrote outside the protocol (stderr tail, stray stdout lines), secrets redacted. */
  diagnostics(): BridgeDiagnostics | null {
    return this.proc?.snapshot() ?? null;
  }

  /**
   * Lets the call in flight finish (up to `graceMs`, default 10 s; then its process is killed), disconnects and
   * stops the process. Queued and later calls fail.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const timer = new AbortController();
    await Promise.race([
      this.tail,
      delay(graceMs, undefined, { signal: timer.signal }).catch(() => undefined),
    ]);
    timer.abort();
    const proc = this.proc;
    this.proc = null;
    if (!proc?.alive) return;
    if (this.busy) {
      proc.kill(); // the call in flight outlived the grace period; it rejects as BridgeFailed
      return;
    }
    if (this.connected) {
      await proc.request({ id: this.nextId(), op: "disconnect" }, 10_000).catch(() => undefined);
    }
    this.connected = false;
    await proc.shutdown(5_000);
  }

  private nextId(): string {
    this.seq += 1;
    return String(this.seq);
  }

  /** Runs `fn` after every earlier call has settled; a queued call whose signal fires rejects at once. */
  private serial<T>(signal: AbortSignal | undefined, what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(
        new ExoError({
          category: "BridgeFailed",
          cmdlet: what,
          message: "The Exchange runner is closed.",
          retryable: false,
        }),
      );
    const aborted = (): ExoError =>
      new ExoError({ category: "Aborted", cmdlet: what, message: `${what} was aborted.` });
    const run = this.tail.then(async () => {
      if (signal?.aborted) throw aborted();
      if (this.closed)
        throw new ExoError({
          category: "BridgeFailed",
          cmdlet: what,
          message: "The Exchange runner is closed.",
          retryable: false,
        });
      this.busy = true;
      try {
        return await fn();
      } finally {
        this.busy = false;
      }
    });
    this.tail = run.catch(() => undefined);
    if (!signal) return run;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(aborted());
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
      run.then(
        (v) => {
          signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private async send(proc: BridgeProcess, request: Request, timeoutMs: number, signal?: AbortSignal) {
    try {
      const response = await proc.request(request, timeoutMs, signal);
      this.consecutiveFailures = 0;
      return response;
    } catch (e) {
      if (isExoError(e) && (e.category === "BridgeFailed" || e.category === "Timeout")) {
        this.consecutiveFailures += 1;
        this.connected = false;
        this.opts.logger?.warn("exo bridge request failed", { op: request.op, category: e.category });
      }
      if (!proc.alive) this.connected = false;
      throw e;
    }
  }

  /** A started and connected process: starts, restarts or reconnects as needed. */
  private async ready(signal?: AbortSignal): Promise<BridgeProcess> {
    const current = this.proc;
    if (current?.alive && this.connected) {
      if (!this.opts.shouldReconnect?.()) return current;
      await this.connect(current, signal);
      return current;
    }
    const attempts = Math.max(1, this.opts.maxStartAttempts ?? 3);
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      await this.backoff(signal);
      let starting = false;
      try {
        let proc = this.proc;
        if (!proc?.alive) {
          starting = true;
          proc = await this.start(signal);
          starting = false;
          this.proc = proc;
          this.connected = false;
        }
        await this.connect(proc, signal);
        return proc;
      } catch (e) {
        // Only a process that died or could not start is worth another attempt; a refused connect is final.
        if (!isExoError(e) || e.category !== "BridgeFailed" || !e.retryable) throw e;
        if (starting) this.consecutiveFailures += 1;
        lastError = e;
        this.proc?.kill();
      }
    }
    throw lastError instanceof Error
      ? lastError
      : new ExoError({ category: "BridgeFailed", message: "The Exchange bridge could not be started." });
  }

  private async backoff(signal?: AbortSignal): Promise<void> {
    if (this.consecutiveFailures === 0) return;
    const base = this.opts.restartBackoffMs ?? 500;
    const ms = Math.min(base * 2 ** (this.consecutiveFailures - 1), base * 30);
    try {
      if (this.opts.sleep) await this.opts.sleep(ms, signal);
      else await delay(ms, undefined, { signal });
    } catch {
      throw new ExoError({
        category: "Aborted",
        message: "Aborted while waiting to restart the Exchange bridge.",
      });
    }
  }

  private async start(signal?: AbortSignal): Promise<BridgeProcess> {
    this.opts.logger?.debug("exo bridge starting");
    const proc = await BridgeProcess.start(
      {
        pwshPath: this.opts.pwshPath,
        scriptPath: this.opts.scriptPath,
        startTimeoutMs: this.opts.startTimeoutMs ?? 60_000,
        secrets: () => this.secrets,
        ...(this.opts.env ? { env: this.opts.env } : {}),
        onNoise: () => this.opts.logger?.debug("exo bridge wrote a non-protocol line"),
      },
      signal,
    );
    this.opts.logger?.debug("exo bridge ready", { pid: proc.pid });
    return proc;
  }

  private async connect(proc: BridgeProcess, signal?: AbortSignal): Promise<void> {
    this.connected = false;
    let params: ConnectParams;
    try {
      params = ConnectParamsSchema.parse(await this.opts.connect(signal));
    } catch (e) {
      if (isExoError(e)) throw e;
      throw new ExoError({
        category: "InvalidParameter",
        cmdlet: "connect",
        message: "The connect parameters are invalid.",
        retryable: false,
      });
    }
    for (const name of SECRET_CONNECT_PARAMETERS) {
      const value = params[name];
      if (value !== undefined && !this.secrets.includes(value))
        this.secrets = [...this.secrets, value].slice(-8);
    }
    const response = await this.send(
      proc,
      { id: this.nextId(), op: "connect", params },
      this.opts.connectTimeoutMs ?? 120_000,
      signal,
    );
    if (!response.ok) throw fromBridgeError(response.error, "connect", this.secrets);
    this.connected = true;
    this.opts.logger?.debug("exo bridge connected", { organization: params.Organization });
  }
}
