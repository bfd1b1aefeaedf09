/**
 * Entra ID (login.microsoftonline.com) error responses, as the token endpoint sends them: `error`, an
 * `error_description` starting with the AADSTS code and ending with trace/correlation ids and a timestamp
 * (CRLF-separated), `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { EmulatorEnv } from "./context.js";
import { requestOrigin } from "./http.js";

export interface EntraError {
  status: ContentfulStatusCode;
  /** OAuth error: invalid_client, invalid_request, invalid_scope, unauthorized_client, invalid_tenant… */
  error: string;
  /** AADSTS number. */
  code: number;
  /** Text after `AADSTS<code>: `. */
  message: string;
}

/** `2025-06-02 09:00:00Z`: Entra's timestamp format. */
export function entraTimestamp(d: Date): string {
  return d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

/** Headers every token-face response carries. */
export function entraHeaders(c: Context<EmulatorEnv>): Record<string, string> {
  const clientRequestId = c.req.header("client-request-id");
  return {
    "Cache-Control": "no-store, no-cache",
    Pragma: "no-cache",
    "x-ms-request-id": c.get("requestId"),
    ...(clientRequestId ? { "client-request-id": clientRequestId } : {}),
  };
}

export function entraErrorResponse(c: Context<EmulatorEnv>, now: Date, e: EntraError): Response {
  const traceId = c.get("requestId");
  // Entra reports the caller's client-request-id as the correlation id.
  const correlationId = c.req.header("client-request-id") ?? randomUUID();
  const timestamp = entraTimestamp(now);
  const body = {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [e.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${requestOrigin(c)}/error?code=${e.code}`,
  };
  return c.json(body, e.status, entraHeaders(c));
}

/** AADSTS900144: a required form field is missing. */
export function missingParameter(name: string): EntraError {
  return {
    status: 400,
    error: "invalid_request",
    code: 900144,
    message: `The request body must contain the following parameter: '${name}'.`,
  };
}
