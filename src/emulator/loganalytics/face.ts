/**
 * Log Analytics query face (Sentinel tables): `POST /v1/workspaces/{workspaceId}/query` with `{query, timespan}`
 * → `{tables:[{name:"PrimaryResult", columns:[{name,type}], rows:[[…]]}]}` [D Log Analytics API "Request format" /
 * "Response format"]. Bearer token for `https://api.loganalytics.io` carrying `Data.Read`. Queries run through the
 * hunting engine hook (hunting.ts) on `state.logs.sentinel`; without an engine every query is a 400.
 */
import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { EmulatorContext, EmulatorEnv } from "../context.js";
import { isIsoTimespan, runHunting } from "../hunting.js";
import { laTypeOf } from "./types.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Log Analytics error body: `{error:{message, code, correlationId, innererror?}}` [D Log Analytics API errors]. */
function laError(
  c: Context<EmulatorEnv>,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  inner?: { code: string; message: string },
): Response {
  return c.json(
    {
      error: {
        message,
        code,
        correlationId: c.get("requestId"),
        ...(inner ? { innererror: inner } : {}),
      },
    },
    status,
  );
}

async function query(c: Context<EmulatorEnv>, ctx: EmulatorContext): Promise<Response> {
  const check = await ctx.verifyBearer(c.req.header("authorization"), "loganalytics");
  if (!check.ok) {
    const res = laError(c, 401, "AuthorizationRequiredError", "Valid authentication was not provided");
    res.headers.set(
      "WWW-Authenticate",
      'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
    );
    return res;
  }
  if (!check.token.roles.includes("Data.Read")) {
    return laError(
      c,
      403,
      "InsufficientAccessError",
      "The provided credentials have insufficient access to perform the requested operation",
    );
  }
  const workspace = c.req.param("workspaceId") ?? "";
  const expected = ctx.state.sentinelWorkspaceId;
  if (
    !GUID.test(workspace) ||
    (expected !== undefined && workspace.toLowerCase() !== expected.toLowerCase())
  ) {
    return laError(c, 404, "WorkspaceNotFoundError", `The workspace could not be found`, {
      code: "WorkspaceNotFoundError",
      message: `Workspace '${workspace}' not found.`,
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    return laError(c, 400, "BadArgumentError", "The request had some invalid properties", {
      code: "InvalidJsonBody",
      message: "The request body is not valid JSON.",
    });
  }
  const b = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  if (typeof b["query"] !== "string" || b["query"].trim() === "") {
    return laError(c, 400, "BadArgumentError", "The request had some invalid properties", {
      code: "QueryMissing",
      message: "The 'query' property is required.",
    });
  }
  const timespan = b["timespan"];
  if (timespan !== undefined && (typeof timespan !== "string" || !isIsoTimespan(timespan))) {
    return laError(c, 400, "BadArgumentError", "The request had some invalid properties", {
      code: "InvalidTimespan",
      message: "The 'timespan' property is not a valid ISO 8601 timespan.",
    });
  }
  const outcome = await runHunting(b["query"], ctx.state.logs.sentinel, ctx.clock.now(), {
    ...(typeof timespan === "string" ? { timespan } : {}),
  });
  if (!outcome.ok) {
    return laError(c, 400, "BadArgumentError", "The request had some invalid properties", {
      code: "SemanticError",
      message: outcome.message,
    });
  }
  const columns = outcome.result.schema.map((col) => ({ name: col.name, type: laTypeOf(col.type) }));
  return c.json({
    tables: [
      {
        name: "PrimaryResult",
        columns,
        rows: outcome.result.results.map((row) => columns.map((col) => row[col.name] ?? null)),
      },
    ],
  });
}

export function registerLogAnalyticsFace(app: Hono<EmulatorEnv>, ctx: EmulatorContext): void {
  app.post("/v1/workspaces/:workspaceId/query", (c) => query(c, ctx));
}
