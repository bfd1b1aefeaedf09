/**
 * Typed Graph failures. The SDK throws `GraphError` (check `name`, not `instanceof`, across package copies);
 * we map it to one error type that says whether a retry can help and keeps Microsoft's request ids.
 */
export type GraphErrorKind =
  | "unauthenticated"
  | "forbidden"
  | "notFound"
  | "throttled"
  | "unavailable"
  | "badRequest"
  | "conflict"
  | "network"
  | "aborted"
  | "timeout"
  | "other";

export class GraphApiError extends Error {
  override readonly name = "GraphApiError";
  constructor(
    message: string,
    readonly kind: GraphErrorKind,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly requestId: string | undefined,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

interface GraphErrorLike {
  name?: string;
  statusCode?: number;
  code?: string | null;
  message?: string;
  requestId?: string | null;
  headers?: { get(name: string): string | null };
}

function kindOf(status: number | undefined): GraphErrorKind {
  if (status === undefined || status <= 0) return "network";
  if (status === 401) return "unauthenticated";
  if (status === 403) return "forbidden";
  if (status === 404) return "notFound";
  if (status === 409 || status === 412) return "conflict";
  if (status === 429) return "throttled";
  if (status === 503 || status === 504) return "unavailable";
  if (status >= 400 && status < 500) return "badRequest";
  return "other";
}

const CREDENTIAL_ERRORS = new Set([
  "AuthenticationError",
  "AuthenticationRequiredError",
  "CredentialUnavailableError",
  "AggregateAuthenticationError",
]);

export function toGraphApiError(e: unknown, what: string): GraphApiError {
  if (e instanceof GraphApiError) return e;
  const g = (e ?? {}) as GraphErrorLike;
  // The SDK wraps a fetch abort into a GraphError whose code is the original error's name.
  const names = [g.name, g.code];
  if (names.includes("AbortError"))
    return new GraphApiError(`${what}: aborted`, "aborted", undefined, undefined, undefined, false);
  // AbortSignal.timeout (the adapter's per-call bound, or a caller's) raises TimeoutError. Whether a write landed is
  // unknown: retrying is safe only because every action re-reads before it writes.
  if (names.includes("TimeoutError"))
    return new GraphApiError(`${what}: timed out`, "timeout", undefined, undefined, undefined, true);
  const status = typeof g.statusCode === "number" && g.statusCode > 0 ? g.statusCode : undefined;
  // The SDK wraps a failing credential into a GraphError with statusCode -1 and the credential error's name as code.
  const authFailure = [g.code, g.name].some((n) => n !== null && n !== undefined && CREDENTIAL_ERRORS.has(n));
  const kind = authFailure
    ? "unauthenticated"
    : g.name === "GraphError" || status !== undefined
      ? kindOf(status)
      : "network";
  const retryAfter = g.headers?.get?.("retry-after");
  const retryAfterMs =
    retryAfter && !Number.isNaN(Number(retryAfter)) ? Number(retryAfter) * 1000 : undefined;
  const retryable = kind === "throttled" || kind === "unavailable" || kind === "network";
  const code = g.code ?? undefined;
  const head = authFailure ? "authentication failed" : `${status ?? "no response"}${code ? ` ${code}` : ""}`;
  const msg = `${what}: ${head}${g.message ? ` — ${g.message}` : ""}`;
  return new GraphApiError(msg, kind, status, code, g.requestId ?? undefined, retryable, retryAfterMs);
}
