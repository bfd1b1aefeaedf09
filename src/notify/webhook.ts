/**
 * The generic webhook: POST the notice as JSON, signed with HMAC-SHA256 over `<timestamp>.<raw body>`
 * (`X-Mailwarden-Signature: sha256=<hex>`, `X-Mailwarden-Timestamp: <unix seconds>`), retried with exponential
 * backoff and jitter on network errors, 408, 429 and 5xx (a Retry-After is honoured), within bounded attempts and
 * total time. Redirects are not followed (a signed notice goes to the configured URL or nowhere). Reasons name the
 * URL's origin only: a webhook URL's path or query often holds a token.
 */
import { createHmac } from "node:crypto";
import type { FetchLike } from "../adapters/tls.js";

export const SIGNATURE_HEADER = "X-Mailwarden-Signature";
export const TIMESTAMP_HEADER = "X-Mailwarden-Timestamp";
export const DELIVERY_HEADER = "X-Mailwarden-Delivery";

export interface WebhookOptions {
  url: string;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  maxTotalMs: number;
}

export interface WebhookDeps {
  fetch: FetchLike;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
  random: () => number;
  userAgent: string;
}

export type WebhookOutcome =
  { ok: true; attempts: number; status: number } | { ok: false; attempts: number; reason: string };

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): what a receiver recomputes. */
export function signNotice(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Delay before retry `attempt` (0-based): baseDelayMs·2ⁿ, capped, 50–100 % of it. */
export function backoffMs(
  attempt: number,
  o: Pick<WebhookOptions, "baseDelayMs" | "maxDelayMs">,
  random: () => number,
): number {
  const base = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
  return Math.round(base * (0.5 + random() / 2));
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const h = header.trim();
  if (/^\d+$/.test(h)) return Number(h) * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A failure's cause without the URL (undici puts the code on `cause`). */
function networkReason(e: unknown): string {
  const err = e as { name?: string; cause?: { code?: string; name?: string } };
  if (err.name === "TimeoutError" || err.name === "AbortError") return "timed out";
  return err.cause?.code ?? err.cause?.name ?? err.name ?? "network error";
}

export async function deliverWebhook(
  opts: WebhookOptions,
  secret: string,
  body: string,
  deliveryId: string,
  deps: WebhookDeps,
): Promise<WebhookOutcome> {
  const origin = new URL(opts.url).origin;
  const started = deps.now().getTime();
  let last = "";
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    const elapsed = deps.now().getTime() - started;
    const left = opts.maxTotalMs - elapsed;
    const timestamp = String(Math.floor(deps.now().getTime() / 1000));
    let retryAfter: number | undefined;
    try {
      const res = await deps.fetch(opts.url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(Math.max(1, Math.min(opts.timeoutMs, left))),
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": deps.userAgent,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signNotice(secret, timestamp, body),
          [DELIVERY_HEADER]: deliveryId,
        },
        body,
      });
      // The receiver's body is not needed (and not read: it could be large): discarding it frees the connection.
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, attempts: attempt, status: res.status };
      last = `${origin} answered ${res.status}`;
      if (res.status >= 300 && res.status < 400) {
        return { ok: false, attempts: attempt, reason: `${last} (a redirect: not followed)` };
      }
      if (!retryableStatus(res.status)) return { ok: false, attempts: attempt, reason: last };
      retryAfter = retryAfterMs(res.headers.get("retry-after"), deps.now());
    } catch (e) {
      last = `${origin}: ${networkReason(e)}`;
    }
    if (attempt === opts.maxAttempts) break;
    const delay = retryAfter ?? backoffMs(attempt - 1, opts, deps.random);
    const spent = deps.now().getTime() - started;
    if (spent + delay >= opts.maxTotalMs) {
      return {
        ok: false,
        attempts: attempt,
        reason: `${last}; gave up: the next retry (in ${delay} ms) would pass maxTotalMs (${opts.maxTotalMs} ms)`,
      };
    }
    await deps.sleep(delay);
  }
  return {
    ok: false,
    attempts: opts.maxAttempts,
    reason: `${last}; gave up after ${opts.maxAttempts} attempts`,
  };
}
