/** What a Graph handler receives: the request, the tenant, the caller's verified token and the matched route. */
import type { Context } from "hono";
import type { EmulatorContext, EmulatorEnv, VerifiedToken } from "../context.js";
import type { AppRegistrationState } from "../state.js";
import { graphError, type GraphErrorSpec } from "./errors.js";

export interface GraphCall {
  c: Context<EmulatorEnv>;
  ctx: EmulatorContext;
  version: "v1.0" | "beta";
  /** `https://host:port/v1.0`: the root of absolute URLs in responses (@odata.context, nextLink). */
  serviceRoot: string;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  token: VerifiedToken;
  app: AppRegistrationState;
}

export function fail(g: Pick<GraphCall, "c" | "ctx">, [status, code, message]: GraphErrorSpec): Response {
  return graphError(g.c, g.ctx.clock, status, code, message);
}

/** Case-insensitive lookup of an OData system query option (`$select`, `$top`…). */
export function queryOption(query: URLSearchParams, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of query) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Parses a JSON request body. Empty → `empty`; not JSON → `invalid` (answered with 400, never a crash). */
export async function readJsonBody(
  c: Context<EmulatorEnv>,
): Promise<{ kind: "empty" } | { kind: "invalid" } | { kind: "json"; value: unknown }> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    return { kind: "invalid" };
  }
  if (text.trim() === "") return { kind: "empty" };
  try {
    return { kind: "json", value: JSON.parse(text) as unknown };
  } catch {
    return { kind: "invalid" };
  }
}
