/**
 * The Graph service limits the emulator enforces by default, each with its source (apis.md A1, A5, A6, A7, A8) and
 * each switchable in the faults file (`limits.<name>: false`). Windows are measured on the emulator clock.
 */
import type { ParsedFaults } from "./config.js";
import { SlidingWindow } from "./window.js";

export type LimitName = keyof ParsedFaults["limits"];

/** Which limit family a Graph route belongs to (by its path template), if any. */
export type LimitFamily = "outlook" | "identityProtection" | "signIns" | "hunting" | "security";

export function limitFamily(routePath: string): LimitFamily | undefined {
  const p = routePath.toLowerCase();
  if (/^\/users\/:user\/(mailfolders|mailboxsettings)/.test(p)) return "outlook";
  if (p.startsWith("/identityprotection/")) return "identityProtection";
  if (p.startsWith("/auditlogs/signins")) return "signIns";
  if (p === "/security/runhuntingquery") return "hunting";
  if (p.startsWith("/security/")) return "security";
  return undefined;
}

export type LimitVerdict =
  | { ok: true }
  | {
      ok: false;
      limit: LimitName;
      /** Seconds for Retry-After, or null when the service sends none. */
      retryAfter: number | null;
      /** Outlook limits answer with their own body. */
      outlook?: "MailboxConcurrency" | "MailboxRate";
    };

const OUTLOOK_MAX_CONCURRENT = 4;

const outlookKey = (app: string, mailbox: string | undefined) => `${app}|${(mailbox ?? "").toLowerCase()}`;

export class Limits {
  readonly #outlookMailbox = new SlidingWindow(10_000, 10 * 60_000);
  readonly #identityProtection = new SlidingWindow(1, 1_000);
  readonly #signIns = new SlidingWindow(5, 10_000);
  readonly #hunting = new SlidingWindow(45, 60_000);
  readonly #security = new SlidingWindow(150, 60_000);
  readonly #inFlight = new Map<string, number>();

  constructor(private readonly enabled: () => ParsedFaults["limits"]) {}

  /**
   * Admits or refuses one request. `mailbox`: the `{user}` segment of an Outlook path (per app+mailbox window).
   * An admitted Outlook request holds one of the app's concurrency slots on that mailbox until `release` is called.
   */
  admit(
    family: LimitFamily,
    app: string,
    tenant: string,
    mailbox: string | undefined,
    nowMs: number,
  ): LimitVerdict {
    const on = this.enabled();
    const secs = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
    switch (family) {
      case "outlook": {
        // Outlook's limits are evaluated per app ID and mailbox combination [D throttling-limits].
        const key = outlookKey(app, mailbox);
        if (on.outlookConcurrency && (this.#inFlight.get(key) ?? 0) >= OUTLOOK_MAX_CONCURRENT) {
          return { ok: false, limit: "outlookConcurrency", retryAfter: 1, outlook: "MailboxConcurrency" };
        }
        if (on.outlookMailbox) {
          const wait = this.#outlookMailbox.take(key, nowMs);
          if (wait > 0)
            return { ok: false, limit: "outlookMailbox", retryAfter: secs(wait), outlook: "MailboxRate" };
        }
        this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
        return { ok: true };
      }
      case "identityProtection":
        // Per tenant for all apps; no Retry-After [D A5].
        if (on.identityProtection && this.#identityProtection.take(tenant, nowMs) > 0)
          return { ok: false, limit: "identityProtection", retryAfter: null };
        return { ok: true };
      case "signIns": {
        const wait = on.signIns ? this.#signIns.take(`${app}|${tenant}`, nowMs) : 0;
        return wait > 0 ? { ok: false, limit: "signIns", retryAfter: secs(wait) } : { ok: true };
      }
      case "hunting": {
        // Retry-After not guaranteed for hunting [T citing D A1]: none sent.
        const wait = on.hunting ? this.#hunting.take(tenant, nowMs) : 0;
        return wait > 0 ? { ok: false, limit: "hunting", retryAfter: null } : { ok: true };
      }
      case "security": {
        const wait = on.securityAlerts ? this.#security.take(`${app}|${tenant}`, nowMs) : 0;
        return wait > 0 ? { ok: false, limit: "securityAlerts", retryAfter: secs(wait) } : { ok: true };
      }
    }
  }

  /** Frees the concurrency slot an admitted Outlook request held (the same app and mailbox as `admit`). */
  release(family: LimitFamily, app: string, mailbox?: string): void {
    if (family !== "outlook") return;
    const key = outlookKey(app, mailbox);
    const n = (this.#inFlight.get(key) ?? 1) - 1;
    if (n <= 0) this.#inFlight.delete(key);
    else this.#inFlight.set(key, n);
  }

  reset(): void {
    for (const w of [
      this.#outlookMailbox,
      this.#identityProtection,
      this.#signIns,
      this.#hunting,
      this.#security,
    ])
      w.reset();
  }
}
