/**
 * Admin face (`/_emulator`): the test host's own controls — request log, clock, state dump, health, faults
 * (`GET/PUT /faults`) and not-yet-visible writes (`GET /pending`). Not part of
 * Microsoft's contract; unauthenticated (the server listens on loopback). Admin requests are deliberately NOT
 * written to the request log, so tests that count tenant traffic only see token/Graph/Exchange requests.
 */
import type { Context, Hono } from "hono";
import type { EmulatorContext, EmulatorEnv } from "./context.js";
import { FaultsError } from "./faults/config.js";
import type { RequestLog } from "./requestLog.js";
import type { TenantState } from "./state.js";

const REDACTED = "***redacted***";

/** A deep copy of the tenant state with client secrets and password hashes replaced (certificates are public and kept). */
export function redactedState(state: TenantState): TenantState {
  const copy = structuredClone(state);
  for (const app of copy.apps) app.secrets = app.secrets.map(() => REDACTED);
  for (const user of copy.users) if (user.passwordHash !== undefined) user.passwordHash = REDACTED;
  return copy;
}

function badRequest(c: Context<EmulatorEnv>, message: string): Response {
  return c.json({ error: { code: "BadRequest", message } }, 400);
}

async function advance(c: Context<EmulatorEnv>, ctx: EmulatorContext): Promise<Response> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return badRequest(c, 'expected a JSON body {"ms": n} or {"seconds": n}');
  }
  const b = (body ?? {}) as { ms?: unknown; seconds?: unknown };
  const ms = typeof b.ms === "number" ? b.ms : typeof b.seconds === "number" ? b.seconds * 1000 : NaN;
  if (!Number.isFinite(ms) || ms < 0)
    return badRequest(c, "the clock advances by a non-negative number of ms or seconds");
  ctx.clock.advance(ms);
  return c.json({ now: ctx.clock.now().toISOString() });
}

/** Replaces the faults configuration; a bad one → 400 naming each dotted path (the old one stays). */
async function putFaults(c: Context<EmulatorEnv>, ctx: EmulatorContext): Promise<Response> {
  if (!ctx.faults) return badRequest(c, "this emulator runs without a fault engine");
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return badRequest(c, "expected a JSON faults configuration");
  }
  try {
    return c.json(ctx.faults.replace(body, "PUT /_emulator/faults"));
  } catch (err) {
    if (err instanceof FaultsError) {
      return c.json({ error: { code: "BadRequest", message: err.message, issues: err.issues } }, 400);
    }
    throw err;
  }
}

export function registerAdminFace(app: Hono<EmulatorEnv>, ctx: EmulatorContext, log: RequestLog): void {
  app.get("/_emulator/health", (c) => c.json({ status: "ok", tenantId: ctx.state.tenantId }));
  app.get("/_emulator/requests", (c) => {
    const since = c.req.query("since");
    if (since !== undefined && !/^\d+$/.test(since))
      return badRequest(c, "since must be a non-negative integer");
    return c.json(log.list(since === undefined ? 0 : Number(since)));
  });
  app.delete("/_emulator/requests", (c) => {
    log.clear();
    return c.body(null, 204);
  });
  app.get("/_emulator/clock", (c) => c.json({ now: ctx.clock.now().toISOString() }));
  app.post("/_emulator/clock/advance", (c) => advance(c, ctx));
  app.get("/_emulator/state", (c) => c.json(redactedState(ctx.state)));
  app.get("/_emulator/faults", (c) =>
    ctx.faults ? c.json(ctx.faults.config) : badRequest(c, "this emulator runs without a fault engine"),
  );
  app.put("/_emulator/faults", (c) => putFaults(c, ctx));
  app.get("/_emulator/pending", (c) => c.json(ctx.visibility?.pending() ?? []));
}
