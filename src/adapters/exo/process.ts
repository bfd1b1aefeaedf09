/**
 * One running bridge process: `pwsh -NoLogo -NoProfile -NonInteractive -File <script>` with a constant argv (no data,
 * no secrets). Writes request lines to stdin, correlates response lines by id, and turns every way a request can end
 * without a response (timeout, abort, process exit) into a typed ExoError. The runner (runner.ts) owns restarts.
 */
import { createInterface } from "node:readline";
import { execa, type ResultPromise } from "execa";
import { trustedChildEnv } from "../tls.js";
import { DiagnosticsBuffer, type BridgeDiagnostics } from "./diagnostics.js";
import { ExoError } from "./errors.js";
import { parseBridgeLine, PROTOCOL_VERSION, type Request, type Response } from "./protocol.js";

export interface BridgeProcessOptions {
  pwshPath: string;
  scriptPath: string;
  startTimeoutMs: number;
  /** Extra environment for the process (never secrets). */
  env?: Readonly<Record<string, string>>;
  /** Current secrets to redact from anything read back from the process. */
  secrets: () => Iterable<string>;
  onNoise?: (line: string) => void;
}

interface Pending {
  resolve: (response: Response) => void;
  reject: (error: ExoError) => void;
}

type BridgeSubprocess = ResultPromise<{
  stdin: "pipe";
  stdout: "pipe";
  stderr: "pipe";
  buffer: false;
  reject: false;
}>;

export const BRIDGE_ARGS = (scriptPath: string): string[] => [
  "-NoLogo",
  "-NoProfile",
  "-NonInteractive",
  "-File",
  scriptPath,
];

export class BridgeProcess {
  private readonly diagnostics = new DiagnosticsBuffer();
  private readonly pending = new Map<string, Pending>();
  private exited = false;
  private exitDescription = "";
  private readyWaiter: { resolve: () => void; reject: (e: ExoError) => void } | null = null;

  private constructor(
    private readonly child: BridgeSubprocess,
    private readonly opts: BridgeProcessOptions,
  ) {}

  /** Spawns the process and waits for its ready line. */
  static async start(opts: BridgeProcessOptions, signal?: AbortSignal): Promise<BridgeProcess> {
    const child = execa(opts.pwshPath, BRIDGE_ARGS(opts.scriptPath), {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      buffer: false,
      reject: false,
      cleanup: true,
      windowsHide: true,
      extendEnv: true,
      // The extra CA (endpoints.caFile) for a Node stand-in of pwsh, which reads NODE_EXTRA_CA_CERTS at start.
      env: {
        POWERSHELL_TELEMETRY_OPTOUT: "1",
        POWERSHELL_UPDATECHECK: "Off",
        ...trustedChildEnv(),
        ...opts.env,
      },
    });
    const bridge = new BridgeProcess(child, opts);
    bridge.wire();
    await bridge.waitReady(signal);
    return bridge;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  snapshot(): BridgeDiagnostics {
    return this.diagnostics.snapshot(this.opts.secrets());
  }

  private wire(): void {
    this.child.stdin.on("error", () => {
      // EPIPE after the process died; the exit handler reports it.
    });
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (chunk: string) => this.diagnostics.addStderr(chunk));
    const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    lines.on("line", (line) => this.onLine(line));
    void this.child.then((result) => {
      if (result.signal) this.onExit(`signal ${result.signal}`, true);
      else if (result.exitCode !== undefined) this.onExit(`exit code ${result.exitCode}`, true);
      else {
        // Never started (e.g. ENOENT: no pwsh at that path): trying again will not help.
        const code = "code" in result && typeof result.code === "string" ? result.code : "spawn error";
        this.onExit(`could not start ${this.opts.pwshPath} (${code})`, false);
      }
    });
  }

  private onLine(line: string): void {
    if (line.trim() === "") return;
    const parsed = parseBridgeLine(line);
    if (parsed?.kind === "ready" && this.readyWaiter) {
      const waiter = this.readyWaiter;
      this.readyWaiter = null;
      if (parsed.ready.protocol === PROTOCOL_VERSION) waiter.resolve();
      else {
        waiter.reject(
          new ExoError({
            category: "BridgeFailed",
            message: `The bridge speaks protocol ${parsed.ready.protocol}; this runner needs ${PROTOCOL_VERSION}.`,
            retryable: false,
          }),
        );
        this.kill();
      }
      return;
    }
    if (parsed?.kind === "response" && parsed.response.id !== null) {
      const waiter = this.pending.get(parsed.response.id);
      if (waiter) {
        this.pending.delete(parsed.response.id);
        waiter.resolve(parsed.response);
        return;
      }
    }
    this.diagnostics.addNoise(line);
    this.opts.onNoise?.(line);
  }

  private onExit(how: string, retryable: boolean): void {
    this.exited = true;
    const stderr = this.diagnostics.lastStderrLine(this.opts.secrets());
    this.exitDescription = stderr ? `${how}: ${stderr}` : how;
    const error = (): ExoError =>
      new ExoError({
        category: "BridgeFailed",
        retryable,
        message: `The Exchange bridge process ended (${this.exitDescription}).`,
      });
    if (this.readyWaiter) {
      this.readyWaiter.reject(error());
      this.readyWaiter = null;
    }
    for (const waiter of this.pending.values()) waiter.reject(error());
    this.pending.clear();
  }

  private waitReady(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(
          new ExoError({
            category: "BridgeFailed",
            message: `The Exchange bridge did not become ready within ${this.opts.startTimeoutMs} ms.`,
          }),
        );
      }, this.opts.startTimeoutMs);
      const onAbort = (): void =>
        fail(new ExoError({ category: "Aborted", message: "Aborted while starting the Exchange bridge." }));
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const fail = (e: ExoError): void => {
        done();
        this.readyWaiter = null;
        this.kill();
        reject(e);
      };
      this.readyWaiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Sends one request and waits for its response. On timeout or abort the process is killed (a cmdlet cannot be
   * cancelled inside pwsh; killing keeps the one-in-flight invariant) and the promise rejects.
   */
  request(request: Request, timeoutMs: number, signal?: AbortSignal): Promise<Response> {
    const what = request.op === "invoke" ? request.cmdlet : request.op;
    if (this.exited) {
      return Promise.reject(
        new ExoError({
          category: "BridgeFailed",
          cmdlet: what,
          message: "The Exchange bridge process is not running.",
        }),
      );
    }
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        settle();
        this.kill();
        reject(
          new ExoError({
            category: "Timeout",
            cmdlet: what,
            message: `${what} did not complete within ${timeoutMs} ms; the bridge process was stopped.`,
          }),
        );
      }, timeoutMs);
      const onAbort = (): void => {
        settle();
        this.kill();
        reject(
          new ExoError({
            category: "Aborted",
            cmdlet: what,
            message: `${what} was aborted; the bridge process was stopped.`,
          }),
        );
      };
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.pending.delete(request.id);
      };
      this.pending.set(request.id, {
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(
            new ExoError({ category: e.category, cmdlet: what, message: e.message, retryable: e.retryable }),
          );
        },
      });
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
  }

  /** Ends stdin (the script disconnects and exits at EOF); kills the process if it has not exited in time. */
  async shutdown(graceMs: number): Promise<void> {
    if (this.exited) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      await this.child;
    } finally {
      clearTimeout(timer);
    }
  }
}
