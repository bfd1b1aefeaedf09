/**
 * What the ExchangeOnlineManagement v3 module does for a cmdlet: POST the CmdletInput to
 * `{ConnectionUri origin}/adminapi/beta/{Organization}/InvokeCommand` with the bearer token (apis.md B5 [T]), then
 * turn the response into output objects or an error as the module surfaces it. RuleIdentity and any other integer
 * beyond 2^53 is kept exact (quoted before JSON.parse). The module's exact error types for HTTP 401/403/429 are [I];
 * so are the texts for 429/503 (Throttled, naming Retry-After when the service sent one) and 502/504
 * (HttpRequestException with the status, as HttpClient's EnsureSuccessStatusCode words it).
 */
import { randomUUID } from "node:crypto";
import { categorizeError, splitExchangeErrorText } from "../../adapters/exo/categories.js";
import type { BridgeError } from "../../adapters/exo/protocol.js";
import { quoteLargeIntegers } from "../exchange/json.js";

export interface Connection {
  accessToken: string;
  organization: string;
  /** Where the module sends REST calls: the origin of -ConnectionUri (default Exchange Online). */
  connectionUri: string;
}

export type RestOutcome = { ok: true; value: unknown[] } | { ok: false; error: BridgeError };

const SYSTEM_MAILBOX = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

function httpError(status: number): BridgeError {
  return {
    category: "Failed",
    type: "System.Net.Http.HttpRequestException",
    message: `Response status code does not indicate success: ${status}.`,
  };
}

function errorFromBody(status: number, text: string): BridgeError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return httpError(status);
  }
  const error = (body as { error?: { message?: unknown; details?: Array<{ message?: unknown }> } } | null)
    ?.error;
  const detail = error?.details?.[0]?.message;
  const raw = typeof detail === "string" ? detail : typeof error?.message === "string" ? error.message : null;
  if (raw === null) return httpError(status);
  const split = splitExchangeErrorText(raw);
  const type = split?.type ?? "System.Exception";
  const message = split?.message ?? raw;
  return { category: categorizeError(type, message), type, message };
}

export async function invokeCommand(
  conn: Connection,
  cmdlet: string,
  parameters: Readonly<Record<string, unknown>>,
): Promise<RestOutcome> {
  const url = new URL(
    `/adminapi/beta/${encodeURIComponent(conn.organization)}/InvokeCommand`,
    conn.connectionUri,
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${conn.accessToken}`,
        "Content-Type": "application/json; charset=utf-8",
        Accept: "application/json",
        "X-CmdletName": cmdlet,
        "X-AnchorMailbox": `APP:${SYSTEM_MAILBOX}@${conn.organization}`,
        "client-request-id": randomUUID(),
      },
      body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
    });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
    return {
      ok: false,
      error: {
        category: "Failed",
        type: "System.Net.Http.HttpRequestException",
        message: `An error occurred while sending the request${cause}.`,
      },
    };
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    // The connection dropped mid-body: HttpClient reports it like a failed send [I].
    return {
      ok: false,
      error: {
        category: "Failed",
        type: "System.Net.Http.HttpRequestException",
        message: "An error occurred while sending the request: the response ended prematurely.",
      },
    };
  }
  if (response.status === 200) {
    let body: unknown;
    try {
      body = JSON.parse(quoteLargeIntegers(text));
    } catch {
      return {
        ok: false,
        error: {
          category: "Failed",
          type: "System.Text.Json.JsonException",
          message: "The response is not valid JSON.",
        },
      };
    }
    const value = (body as { value?: unknown } | null)?.value;
    return { ok: true, value: Array.isArray(value) ? value : [] };
  }
  if (response.status === 401) {
    return {
      ok: false,
      error: {
        category: "AccessDenied",
        type: "System.UnauthorizedAccessException",
        message: "UnAuthorized",
      },
    };
  }
  if (response.status === 403) {
    return {
      ok: false,
      error: {
        category: "AccessDenied",
        type: "System.UnauthorizedAccessException",
        message: "Forbidden: the app's Exchange role assignment does not allow this cmdlet.",
      },
    };
  }
  if (response.status === 429 || response.status === 503) {
    const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
    return {
      ok: false,
      error: {
        category: "Throttled",
        type: "System.Net.Http.HttpRequestException",
        message: `The server is busy (HTTP ${response.status}); try again later.${
          Number.isFinite(retryAfter) ? ` Retry after ${retryAfter} seconds.` : ""
        }`,
      },
    };
  }
  if (response.status === 502 || response.status === 504) {
    // A gateway answered instead of Exchange: EnsureSuccessStatusCode's wording [I].
    return {
      ok: false,
      error: {
        category: "Failed",
        type: "System.Net.Http.HttpRequestException",
        message: `Response status code does not indicate success: ${response.status} (${
          response.status === 502 ? "Bad Gateway" : "Gateway Timeout"
        }).`,
      },
    };
  }
  return { ok: false, error: errorFromBody(response.status, text) };
}
