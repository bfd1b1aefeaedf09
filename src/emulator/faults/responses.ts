/**
 * Responses a fault or a limit answers with: Graph's documented throttling body (apis.md A8 [D]), 503/504 in the
 * standard error shape, and Outlook's MailboxConcurrency body.
 */
import type { Context } from "hono";
import type { Clock, EmulatorEnv } from "../context.js";
import { graphError } from "../graph/errors.js";
import { graphJson } from "../graph/respond.js";

function innerDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "");
}

/** `Retry-After` value: whole seconds unless fractional (the docs show both `10` and `2.128`). */
function retryAfterHeader(seconds: number): string {
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(3);
}

/** 429 TooManyRequests with the A8 sample body; `retryAfter` null = no Retry-After header. */
export function throttled(c: Context<EmulatorEnv>, clock: Clock, retryAfter: number | null): Response {
  const res = graphJson(c, 429, {
    error: {
      code: "TooManyRequests",
      innerError: {
        code: "429",
        date: innerDate(clock.now()),
        message: "Please retry after",
        "request-id": c.get("requestId"),
        status: "429",
      },
      message: "Please retry again later.",
    },
  });
  if (retryAfter !== null) res.headers.set("Retry-After", retryAfterHeader(retryAfter));
  return res;
}

/** Outlook's per-app concurrency / per-mailbox rate limit: 429 ApplicationThrottled [D throttling-limits / T]. */
export function mailboxThrottled(
  c: Context<EmulatorEnv>,
  clock: Clock,
  limit: "MailboxConcurrency" | "MailboxRate",
  retryAfter: number,
): Response {
  const message =
    limit === "MailboxConcurrency"
      ? "Application is over its MailboxConcurrency limit."
      : "Application is over its IncomingBytes or RequestRate limit.";
  return graphError(c, clock, 429, "ApplicationThrottled", message, {
    "Retry-After": retryAfterHeader(retryAfter),
  });
}

export function unavailable(
  c: Context<EmulatorEnv>,
  clock: Clock,
  status: 503 | 504,
  retryAfter: number | null,
): Response {
  const [code, message] =
    status === 503
      ? ["serviceNotAvailable", "The service is temporarily unavailable. Please retry later."]
      : ["GatewayTimeout", "The gateway did not receive a response in time."];
  return graphError(
    c,
    clock,
    status,
    code,
    message,
    retryAfter === null ? {} : { "Retry-After": retryAfterHeader(retryAfter) },
  );
}
