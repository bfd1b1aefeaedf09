/**
 * Typed failures of the Exchange path. Messages never contain secrets: the runner redacts the access token and
 * certificate password from anything that came from the bridge process before building one of these.
 * Check `error.name === "ExoError"` (or `isExoError`) rather than `instanceof` across package copies.
 */
import type { ErrorCategory } from "./categories.js";

/**
 * Protocol categories (from the bridge) plus the runner's own:
 * - `Timeout`: the cmdlet did not answer in time; the process was killed (the cmdlet may still have run).
 * - `Aborted`: the caller's signal fired.
 * - `BridgeFailed`: the process could not start, speak the protocol, or it died mid-request.
 */
export type ExoErrorCategory = ErrorCategory | "Timeout" | "Aborted" | "BridgeFailed";

const RETRYABLE: ReadonlySet<ExoErrorCategory> = new Set<ExoErrorCategory>([
  "Throttled",
  "Timeout",
  "BridgeFailed",
]);

/**
 * How a failure is transient:
 * - `refused`: the service turned the request away without running it (throttling, server busy: HTTP 429/503) —
 *   repeating it is safe for any cmdlet;
 * - `unknown`: the request may or may not have run (a dropped connection, a gateway timeout 502/504, the bridge
 *   process died mid-request, the cmdlet timed out) — repeating it is safe for reads and for writes that are
 *   idempotent in effect (see `EXO_WRITE_RETRY` in client.ts).
 * Anything else (NotFound, AccessDenied, InvalidParameter, Ambiguous, Unsupported, NotConnected, a refused
 * connect, another HTTP status…) is permanent.
 */
export type ExoTransience = "refused" | "unknown";

/** .NET exception types (last segment) of a failed HTTP exchange: the connection, not the cmdlet, failed. */
const TRANSPORT_TYPES = new Set([
  "HttpRequestException",
  "HttpIOException",
  "IOException",
  "SocketException",
  "WebException",
  "TaskCanceledException",
  "TimeoutException",
]);

/** HTTP status codes worth another attempt, and whether the request was refused or may have run. */
const TRANSIENT_STATUS: Readonly<Record<number, ExoTransience>> = {
  429: "refused",
  503: "refused",
  408: "unknown",
  502: "unknown",
  504: "unknown",
};

/** The HTTP status a message names (`…status code does not indicate success: 503 (Service Unavailable)`, `HTTP 503`). */
function statusIn(message: string): number | undefined {
  const m = /status code[^0-9]{0,40}(\d{3})\b|\bHTTP\s*\/?\s*(?:\d(?:\.\d)?\s+)?(\d{3})\b/i.exec(message);
  const code = m?.[1] ?? m?.[2];
  return code ? Number(code) : undefined;
}

/**
 * Classifies a failure as transient (`refused` / `unknown`) or permanent (`undefined`), from its category, .NET
 * type and message. `Timeout` counts as `unknown`: whether to spend another commandTimeoutMs is the caller's choice.
 */
export function exoTransience(
  category: ExoErrorCategory,
  type: string | undefined,
  message: string,
  retryable?: boolean,
): ExoTransience | undefined {
  if (category === "Throttled") return "refused";
  if (category === "Timeout") return "unknown";
  if (category === "BridgeFailed") return retryable === false ? undefined : "unknown";
  if (category !== "Failed") return undefined;
  const shortType = (type ?? "").slice((type ?? "").lastIndexOf(".") + 1);
  const status = statusIn(message);
  if (status !== undefined && (TRANSPORT_TYPES.has(shortType) || /does not indicate success/i.test(message)))
    return TRANSIENT_STATUS[status];
  if (TRANSPORT_TYPES.has(shortType)) return "unknown";
  if (/server is busy|temporarily unavailable|service unavailable/i.test(message)) return "refused";
  return undefined;
}

/**
 * A delay the service asked for, read from the error text (`Retry after 10 seconds`, `Retry-After: 10`,
 * `Suggested Backoff Time: 30000 milliseconds`, `BackOffMilliseconds 500`), in ms.
 */
export function retryAfterFromMessage(message: string): number | undefined {
  const ms =
    /(?:backoff\s*time|backoffmilliseconds)\D{0,12}(\d+(?:\.\d+)?)\s*(?:ms|msecs?|milliseconds)?\b/i.exec(
      message,
    );
  if (ms?.[1]) return Math.round(Number(ms[1]));
  const s = /retry[-\s]?after\s*:?\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds|s|sec|secs|seconds?)?\b/i.exec(
    message,
  );
  if (!s?.[1]) return undefined;
  const n = Number(s[1]);
  return Math.round(/^(ms|milliseconds)$/i.test(s[2] ?? "") ? n : n * 1000);
}

export interface ExoErrorInit {
  category: ExoErrorCategory;
  message: string;
  /** The cmdlet (or protocol op such as `connect`) that failed. */
  cmdlet?: string;
  /** .NET exception type reported by the bridge, e.g. Microsoft.Exchange.…ManagementObjectNotFoundException. */
  type?: string;
  retryable?: boolean;
  /** A delay the service asked for before another attempt, ms (default: read from the message, if it names one). */
  retryAfterMs?: number;
  cause?: unknown;
}

export class ExoError extends Error {
  override readonly name = "ExoError";
  readonly category: ExoErrorCategory;
  readonly retryable: boolean;
  readonly cmdlet: string | undefined;
  readonly type: string | undefined;
  /** Transient (`refused`: not run; `unknown`: may have run) or permanent (undefined). See `exoTransience`. */
  readonly transience: ExoTransience | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: ExoErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.category = init.category;
    this.transience = exoTransience(init.category, init.type, init.message, init.retryable);
    this.retryable = init.retryable ?? (RETRYABLE.has(init.category) || this.transience !== undefined);
    if (!this.retryable) this.transience = undefined;
    this.cmdlet = init.cmdlet;
    this.type = init.type;
    this.retryAfterMs = init.retryAfterMs ?? retryAfterFromMessage(init.message);
  }
}

export function isExoError(value: unknown): value is ExoError {
  return value instanceof Error && value.name === "ExoError" && "category" in value;
}

/** Replaces every occurrence of each secret (length ≥ 4) with `[redacted]`. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
