/**
 * The emulated tenant's Hono application: per-request id, face and write flag; the request log; the faces; and a
 * Graph-shaped 500 for any unexpected exception (the server never crashes on a request).
 */
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { registerAdminFace } from "./admin.js";
import type { EmulatorContext, EmulatorEnv } from "./context.js";
import { GraphErrors, graphError } from "./graph/errors.js";
import { faultsMiddleware } from "./faults/middleware.js";
import { registerGraphFace } from "./graph/face.js";
import { registerLogAnalyticsFace } from "./loganalytics/face.js";
import { RequestLog, faceOfPath } from "./requestLog.js";
import { registerTokenFace } from "./token.js";
import type { TokenIssuer } from "./tokenIssuer.js";

export type FaceRegistrar = (app: Hono<EmulatorEnv>, ctx: EmulatorContext) => void;

export interface EmulatorApp {
  app: Hono<EmulatorEnv>;
  log: RequestLog;
}

export function createEmulatorApp(
  ctx: EmulatorContext,
  issuer: TokenIssuer,
  extraFaces: readonly FaceRegistrar[],
): EmulatorApp {
  const app = new Hono<EmulatorEnv>();
  const log = new RequestLog();

  app.use("*", async (c, next) => {
    const url = new URL(c.req.url);
    const face = faceOfPath(url.pathname);
    const time = ctx.clock.now().toISOString();
    const receivedMs = Date.now();
    c.set("requestId", randomUUID());
    c.set("write", false);
    if (face) c.set("face", face);
    await next();
    // Admin requests are not tenant traffic: never logged (tests count token/Graph/Exchange requests).
    if (face && face !== "admin") {
      const retryAfter = c.res.headers.get("retry-after");
      log.append({
        time,
        face,
        method: c.req.method,
        path: url.pathname + url.search,
        status: c.res.status,
        write: c.get("write"),
        ...(c.get("operation") ? { operation: c.get("operation") } : {}),
        ...(c.res.headers.get("request-id") ? { requestId: c.res.headers.get("request-id")! } : {}),
        receivedMs,
        answeredMs: Date.now(),
        ...(retryAfter !== null ? { retryAfter } : {}),
      });
    }
  });

  app.use("*", faultsMiddleware(ctx));

  registerTokenFace(app, ctx, issuer);
  registerGraphFace(app, ctx);
  registerLogAnalyticsFace(app, ctx);
  registerAdminFace(app, ctx, log);
  for (const register of extraFaces) register(app, ctx);

  app.notFound((c) =>
    graphError(
      c,
      ctx.clock,
      404,
      "NotFound",
      `No emulated endpoint serves ${c.req.method} ${new URL(c.req.url).pathname}.`,
    ),
  );
  app.onError((err, c) => {
    process.stderr.write(
      `mailwarden emulator: unhandled error on ${c.req.method} ${new URL(c.req.url).pathname}: ${err.stack ?? err.message}\n`,
    );
    if (!c.get("requestId")) c.set("requestId", randomUUID());
    const [status, code, message] = GraphErrors.internal();
    return graphError(c, ctx.clock, status, code, message);
  });
  return { app, log };
}
