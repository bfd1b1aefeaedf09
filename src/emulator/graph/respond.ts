/** Graph response conventions: the OData JSON content type, `request-id` and an echoed `client-request-id`. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { EmulatorEnv } from "../context.js";

export const GRAPH_CONTENT_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/** The caller's client-request-id, or (as Graph does when none is sent) the request id. */
export function clientRequestId(c: Context<EmulatorEnv>): string {
  return c.req.header("client-request-id") ?? c.get("requestId");
}

export function graphHeaders(c: Context<EmulatorEnv>): Record<string, string> {
  return {
    "Content-Type": GRAPH_CONTENT_TYPE,
    "request-id": c.get("requestId"),
    "client-request-id": clientRequestId(c),
    "Cache-Control": "no-cache",
  };
}

export function graphJson(c: Context<EmulatorEnv>, status: ContentfulStatusCode, body: unknown): Response {
  return c.body(JSON.stringify(body), status, graphHeaders(c));
}

export function graphNoContent(c: Context<EmulatorEnv>): Response {
  const { "Content-Type": _ignored, ...headers } = graphHeaders(c);
  return c.body(null, 204, headers);
}
