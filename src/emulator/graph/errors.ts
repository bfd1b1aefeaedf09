/**
 * The one Graph error helper: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`
 * (apis.md A0 [D]), with the codes each workload uses — directory (users) vs Outlook (mail folders, rules).
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Clock, EmulatorEnv } from "../context.js";
import { clientRequestId, graphJson } from "./respond.js";

export type Workload = "directory" | "outlook" | "security" | "teams";

export type GraphErrorSpec = readonly [status: ContentfulStatusCode, code: string, message: string];

/** `2025-06-02T09:00:00`: innerError.date has no fraction and no zone. */
function innerDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "");
}

export function graphError(
  c: Context<EmulatorEnv>,
  clock: Clock,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  extraHeaders: Record<string, string> = {},
): Response {
  const res = graphJson(c, status, {
    error: {
      code,
      message,
      innerError: {
        date: innerDate(clock.now()),
        "request-id": c.get("requestId"),
        "client-request-id": clientRequestId(c),
      },
    },
  });
  for (const [k, v] of Object.entries(extraHeaders)) res.headers.set(k, v);
  return res;
}

/** Canonical errors by situation; messages follow observed Graph text where it is known (apis.md A0). */
export const GraphErrors = {
  userNotFound: (id: string) =>
    [
      404,
      "Request_ResourceNotFound",
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ] as const,
  invalidUser: () => [404, "ErrorInvalidUser", "The requested user is invalid."] as const,
  itemNotFound: () => [404, "ErrorItemNotFound", "The specified object was not found in the store."] as const,
  accessDenied: (workload: Exclude<Workload, "teams">): GraphErrorSpec =>
    workload === "directory"
      ? ([403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."] as const)
      : workload === "outlook"
        ? ([403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."] as const)
        : // [I] the security API's 403 text is not documented.
          ([403, "Forbidden", "Missing application roles for this operation."] as const),
  segmentNotFound: (segment: string) =>
    [400, "BadRequest", `Resource not found for the segment '${segment}'.`] as const,
  methodNotAllowed: () =>
    [405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."] as const,
  unreadableBody: () =>
    [
      400,
      "BadRequest",
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    ] as const,
  internal: () => [500, "InternalServerError", "An internal server error occurred."] as const,
} satisfies Record<string, (...args: never[]) => GraphErrorSpec>;
