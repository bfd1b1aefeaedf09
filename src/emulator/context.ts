/**
 * What every face of the emulated tenant shares: the tenant state, the injectable clock, id generation and
 * token verification. Faces are Hono route groups registered on one HTTPS server (see server.ts).
 */
import type { FaultEngine } from "./faults/engine.js";
import type { Visibility } from "./faults/visibility.js";
import type { AppRegistrationState, IdSource, TenantState } from "./state.js";

/** The emulator's clock for tenant state (sign-in session validity, audit times). Advanced through the admin face. */
export interface Clock {
  now(): Date;
  advance(ms: number): void;
}

export type Face = "token" | "graph" | "exchange" | "loganalytics" | "admin";

export interface RequestLogEntry {
  /** Emulator clock time, ISO 8601. */
  time: string;
  face: Face;
  method: string;
  /** Path and query as received. */
  path: string;
  status: number;
  /** Whether the request changed tenant state. */
  write: boolean;
  /** Exchange: the cmdlet and the object it named (`Set-Mailbox <identity>`), so tests can count writes per object. */
  operation?: string;
  /** The `request-id` the response carried (Graph): what a client records to name the request. */
  requestId?: string;
  /** Real time (epoch ms) the request arrived and its answer was ready: benchmarks check pacing against these. */
  receivedMs?: number;
  answeredMs?: number;
  /** The Retry-After header the answer carried (seconds), when it had one. */
  retryAfter?: string;
}

/** The claims of a verified access token that the faces act on. */
export interface VerifiedToken {
  tid: string;
  appid: string;
  oid: string;
  aud: string;
  /** Granted application permissions; empty when the token has no `roles` claim. */
  roles: string[];
  /** Directory role template ids of the service principal (`wids` claim); empty when absent. */
  wids?: string[];
  /** Delegated permissions (`scp` claim) of a user token; undefined for an app-only token. */
  scp?: string[];
  /** A user token's user principal name (`upn`). */
  upn?: string;
}

export type BearerCheck =
  | { ok: true; token: VerifiedToken; app: AppRegistrationState }
  | {
      ok: false;
      reason: "missing" | "malformed" | "invalid_signature" | "expired" | "wrong_audience" | "wrong_tenant";
    };

export type Audience = "graph" | "exchange" | "loganalytics";

export interface EmulatorContext {
  state: TenantState;
  clock: Clock;
  ids: IdSource;
  /** Verifies `Authorization: Bearer …` against the emulator's signing key, audience and tenant. */
  verifyBearer(authorization: string | undefined, audience: Audience): Promise<BearerCheck>;
  /** Injected faults and service limits (faults/engine.ts); absent in unit fixtures = no faults, no limits. */
  faults?: FaultEngine;
  /**
   * Eventual consistency (faults/visibility.ts): `visibility.defer(key, apply, visibility.delayFor(kind))`. Absent =
   * apply writes at once.
   */
  visibility?: Visibility;
}

/**
 * Hono context variables the request-log middleware reads. A handler that changes tenant state calls
 * `c.set("write", true)`; the face is set by the route group.
 */
export interface EmulatorVariables {
  write: boolean;
  face: Face;
  requestId: string;
  operation?: string;
}

export type EmulatorEnv = { Variables: EmulatorVariables };
