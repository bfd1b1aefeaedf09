/**
 * Who may use the console, and proof that a request comes from the console's own pages.
 *
 * - Tokens: a per-start operator token (random, printed once) and the named approvers' tokens, kept in the config
 *   only as sha256 hashes. A token is compared by its hash in constant time.
 * - Sessions: a signed-in browser holds a random session id in an HttpOnly, SameSite=Strict cookie; the session
 *   (in memory: a restart signs everyone out) carries the approver's name and its CSRF token.
 * - Requests: the Host header must name the console (DNS rebinding); a state-changing request must come from the
 *   console's origin (Origin / Sec-Fetch-Site) and carry the session's CSRF token. A request with
 *   `Authorization: Bearer <token>` is not sent by a browser on its own, so it needs no CSRF token.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh token: 32 random bytes, base64url, with a prefix that makes it recognisable in a leak scanner. */
export function newToken(): string {
  return `mwc_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export interface TokenHolder {
  /** The approver's name, as journalled (`by`). */
  name: string;
  sha256: string;
  /** The per-start token: the person names themselves at sign-in. */
  operator?: boolean;
}

/** The holder of this token, or undefined. Every hash is compared (constant time, no early exit). */
export function findHolder(holders: TokenHolder[], token: string): TokenHolder | undefined {
  const given = Buffer.from(hashToken(token), "hex");
  let found: TokenHolder | undefined;
  for (const h of holders) {
    const want = Buffer.from(h.sha256, "hex");
    if (want.length === given.length && timingSafeEqual(want, given) && !found) found = h;
  }
  return found;
}

export interface Session {
  id: string;
  name: string;
  csrf: string;
  expires: number;
}

export class Sessions {
  private readonly byId = new Map<string, Session>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  create(name: string): Session {
    const s: Session = {
      id: randomBytes(32).toString("base64url"),
      name,
      csrf: randomBytes(32).toString("base64url"),
      expires: this.now() + this.ttlMs,
    };
    this.byId.set(s.id, s);
    return s;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expires <= this.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  end(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }
}

/** Constant-time equality of two strings (false when either is missing). */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The Host header values the console answers to: loopback names with its port, and the configured ones. */
export function allowedHostValues(port: number, configured: string[]): Set<string> {
  const out = new Set<string>();
  for (const h of ["127.0.0.1", "localhost", "[::1]"]) out.add(`${h}:${port}`);
  for (const h of configured) out.add(h.toLowerCase());
  return out;
}

/**
 * Whether a state-changing browser request comes from the console's own origin: the Origin header (sent by
 * every current browser on POST) must be this origin; without one, Sec-Fetch-Site must say same-origin.
 */
export function sameOrigin(
  headers: { origin?: string | undefined; secFetchSite?: string | undefined },
  origin: string,
): boolean {
  if (headers.origin !== undefined) return headers.origin === origin;
  return headers.secFetchSite === "same-origin";
}

/** Counts failed sign-ins: more than `max` within `windowMs` blocks sign-in until the window moves on. */
export class FailureLimiter {
  private failures: number[] = [];
  constructor(
    private readonly max = 20,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}
  blocked(): boolean {
    const t = this.now();
    this.failures = this.failures.filter((f) => t - f < this.windowMs);
    return this.failures.length >= this.max;
  }
  fail(): void {
    this.failures.push(this.now());
  }
}
