/**
 * Graph face: `/v1.0/*` and `/beta/*`. Order per request: bearer token (401 InvalidAuthenticationToken), route
 * (400 unknown segment / 405 method), permission from the token's roles (403 in the workload's shape), service
 * limits (429), injected faults (faults/), handler.
 */
import type { Context, Hono } from "hono";
import type { BearerCheck, EmulatorContext, EmulatorEnv } from "../context.js";
import { requestOrigin } from "../http.js";
import { fail, type GraphCall } from "./call.js";
import { GraphErrors, graphError } from "./errors.js";
import { accessDeniedFor, isPermitted } from "./permissions.js";
import { limitFamily } from "../faults/limits.js";
import { mailboxThrottled, throttled } from "../faults/responses.js";
import { matchRoute, splitGraphPath, type GraphRoute } from "./router.js";
import { GRAPH_ROUTES } from "./routes.js";

const UNAUTHENTICATED: Record<Exclude<BearerCheck, { ok: true }>["reason"], string> = {
  missing: "Access token is empty.",
  malformed: "IDX14100: JWT is not well formed, there are no dots (.).",
  invalid_signature: "Access token validation failure.",
  expired: "Lifetime validation failed, the token is expired.",
  wrong_audience: "Access token validation failure. Invalid audience.",
  wrong_tenant: "Access token validation failure. Invalid issuer.",
};

async function handle(
  c: Context<EmulatorEnv>,
  ctx: EmulatorContext,
  version: "v1.0" | "beta",
): Promise<Response> {
  const check = await ctx.verifyBearer(c.req.header("authorization"), "graph");
  if (!check.ok) {
    const origin = requestOrigin(c);
    return graphError(c, ctx.clock, 401, "InvalidAuthenticationToken", UNAUTHENTICATED[check.reason], {
      "WWW-Authenticate": `Bearer realm="", authorization_uri="${origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
    });
  }
  const url = new URL(c.req.url);
  const segments = splitGraphPath(url.pathname).slice(1); // drop the version segment
  const match = matchRoute(GRAPH_ROUTES, c.req.method, segments);
  if (match.kind === "segment") return fail({ c, ctx }, GraphErrors.segmentNotFound(match.segment));
  if (match.kind === "method") return fail({ c, ctx }, GraphErrors.methodNotAllowed());
  const { route, params } = match;
  if (!isPermitted(route.operation, check.token)) {
    return fail({ c, ctx }, accessDeniedFor(route.operation, check.token));
  }
  const call: GraphCall = {
    c,
    ctx,
    version,
    serviceRoot: `${requestOrigin(c)}/${version}`,
    params,
    query: url.searchParams,
    token: check.token,
    app: check.app,
  };
  return guarded(call, route, segments);
}

/**
 * Service limits, then injected faults, then the handler. An admitted Outlook request holds one of the app's
 * concurrency slots on its mailbox while injected latency and the handler run.
 */
async function guarded(call: GraphCall, route: GraphRoute, segments: string[]): Promise<Response> {
  const { c, ctx } = call;
  const faults = ctx.faults;
  if (!faults) return route.handler(call);
  const family = limitFamily(route.path);
  if (family) {
    const verdict = faults.limits.admit(
      family,
      call.token.appid,
      call.token.tid,
      call.params["user"],
      faults.limitTime(),
    );
    if (!verdict.ok) {
      return verdict.outlook
        ? mailboxThrottled(c, ctx.clock, verdict.outlook, verdict.retryAfter ?? 1)
        : throttled(c, ctx.clock, verdict.retryAfter);
    }
  }
  try {
    const refused = await faults.inject(c, { face: "graph", method: c.req.method, segments });
    if (refused) return refused;
    return await route.handler(call);
  } finally {
    if (family) faults.limits.release(family, call.token.appid, call.params["user"]);
  }
}

export function registerGraphFace(app: Hono<EmulatorEnv>, ctx: EmulatorContext): void {
  for (const version of ["v1.0", "beta"] as const) {
    app.all(`/${version}`, (c) => handle(c, ctx, version));
    app.all(`/${version}/*`, (c) => handle(c, ctx, version));
  }
}
