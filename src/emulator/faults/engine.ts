/**
 * The fault engine: injected faults from the faults file (latency, 429 with or without Retry-After, 503/504,
 * timeouts, dropped connections; after N calls / every Nth call / with a seeded probability), the service limits,
 * and eventual consistency. Replaceable at run time through the admin face (`PUT /_emulator/faults`).
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import type { Clock, EmulatorEnv } from "../context.js";
import { MAX_WAIT_MS, parseFaults, type Fault, type ParsedFaults } from "./config.js";
import { Limits } from "./limits.js";
import { ruleMatches, type RequestDescriptor } from "./match.js";
import { createPrng } from "./prng.js";
import { throttled, unavailable } from "./responses.js";
import { createVisibility, type Visibility } from "./visibility.js";

/** Status recorded in the request log for a dropped connection (no HTTP response was sent; nginx's 444). */
export const DROPPED_STATUS = 444;

function incomingOf(c: Context<EmulatorEnv>): IncomingMessage | undefined {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming;
}

/** Resolves after `ms` real milliseconds, or earlier when the client closes the connection. */
function hold(c: Context<EmulatorEnv>, ms: number): Promise<"elapsed" | "closed"> {
  const socket = incomingOf(c)?.socket;
  return new Promise((resolve) => {
    if (socket?.destroyed) return resolve("closed");
    const onClose = () => {
      clearTimeout(timer);
      resolve("closed");
    };
    const timer = setTimeout(
      () => {
        socket?.off("close", onClose);
        resolve("elapsed");
      },
      Math.min(ms, MAX_WAIT_MS),
    );
    socket?.once("close", onClose);
  });
}

export class FaultEngine {
  #config: ParsedFaults;
  #counts: number[] = [];
  #applied: number[] = [];
  #random: () => number;
  readonly limits: Limits;
  readonly visibility: Visibility;
  readonly #startedAt = performance.now();

  constructor(
    config: ParsedFaults,
    private readonly clock: Clock,
  ) {
    this.#config = config;
    this.#random = createPrng(config.seed);
    this.limits = new Limits(() => this.#config.limits);
    this.visibility = createVisibility(clock, () => this.#config.consistency);
  }

  /**
   * The time limit windows are measured on: the emulator clock plus the real time elapsed since start. Tests
   * advance the emulator clock to leave a window (no sleeping); a long-running emulator (the CLI's `emulator
   * start`, whose clock never moves by itself) still frees its windows as real time passes.
   */
  limitTime(): number {
    return this.clock.now().getTime() + Math.floor(performance.now() - this.#startedAt);
  }

  /** The switchable inferred behaviours (live object; read per request). */
  get behaviour(): ParsedFaults["behaviour"] {
    return this.#config.behaviour;
  }

  get config(): ParsedFaults {
    return structuredClone(this.#config);
  }

  /** Replaces the configuration (validated); counters, PRNG and limit windows start afresh. */
  replace(input: unknown, source = "faults object"): ParsedFaults {
    this.#config = parseFaults(input, source);
    this.#counts = [];
    this.#applied = [];
    this.#random = createPrng(this.#config.seed);
    this.limits.reset();
    return this.config;
  }

  /** The faults due for this request (counters advance for every matching rule). */
  #due(req: RequestDescriptor): Fault[] {
    const out: Fault[] = [];
    this.#config.rules.forEach((rule, i) => {
      if (!ruleMatches(rule, req)) return;
      const n = (this.#counts[i] ?? 0) + 1;
      this.#counts[i] = n;
      if (rule.after !== undefined && n <= rule.after) return;
      if (rule.every !== undefined && n % rule.every !== 0) return;
      if (rule.probability !== undefined && this.#random() >= rule.probability) return;
      if (rule.times !== undefined && (this.#applied[i] ?? 0) >= rule.times) return;
      this.#applied[i] = (this.#applied[i] ?? 0) + 1;
      out.push(rule.fault);
    });
    return out;
  }

  /**
   * Applies the faults due for a request: latencies are waited out, then the first refusing fault answers.
   * Undefined = let the request through.
   */
  async inject(c: Context<EmulatorEnv>, req: RequestDescriptor): Promise<Response | undefined> {
    const faults = this.#due(req);
    for (const f of faults) if (f.type === "latency") await hold(c, f.ms);
    const refusal = faults.find((f) => f.type !== "latency");
    if (!refusal) return undefined;
    switch (refusal.type) {
      case "throttle":
        return throttled(c, this.clock, refusal.retryAfter ?? null);
      case "unavailable":
        return unavailable(c, this.clock, refusal.status, refusal.retryAfter ?? null);
      case "timeout":
        await hold(c, refusal.ms);
        return unavailable(c, this.clock, 504, null);
      case "drop":
        incomingOf(c)?.socket.destroy();
        return new Response(null, { status: DROPPED_STATUS });
    }
  }
}
