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

export interface ExoErrorInit {
  category: ExoErrorCategory;
  message: string;
  /** The cmdlet (or protocol op such as `connect`) that failed. */
  cmdlet?: string;
  /** .NET exception type reported by the bridge, e.g. Microsoft.Exchange.…ManagementObjectNotFoundException. */
  type?: string;
  retryable?: boolean;
  cause?: unknown;
}

export class ExoError extends Error {
  override readonly name = "ExoError";
  readonly category: ExoErrorCategory;
  readonly retryable: boolean;
  readonly cmdlet: string | undefined;
  readonly type: string | undefined;

  constructor(init: ExoErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.category = init.category;
    this.retryable = init.retryable ?? RETRYABLE.has(init.category);
    this.cmdlet = init.cmdlet;
    this.type = init.type;
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
