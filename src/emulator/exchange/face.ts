/**
 * The Exchange face of the emulated tenant: `POST /adminapi/beta/{tenantIdOrOrganization}/InvokeCommand`, the REST
 * endpoint behind the ExchangeOnlineManagement v3 module (apis.md B5 [T], undocumented by Microsoft).
 *
 * Order of checks: bearer token for the Exchange audience (401 when missing/invalid or without Exchange.ManageAsApp),
 * an Exchange-capable Entra role on the app (403), the tenant segment (401, the token is not for it [I]), a readable
 * body (400 "Invalid Operation"), a cmdlet that exists and the app's roles reach (403 with NUL bytes, as observed),
 * parameter binding (400), then the cmdlet. Success: 200 `{"@odata.context","adminapi.warnings@odata.type",
 * "@adminapi.warnings","value"}` with sparse objects and RuleIdentity as raw digits.
 */
import type { Context, Hono } from "hono";
import type { EmulatorContext, EmulatorEnv } from "../context.js";
import { bodyText, requestOrigin } from "../http.js";
import { matchesTenant } from "../tenantLookup.js";
import { bindParameters } from "./binding.js";
import { findCmdlet } from "./cmdlets/index.js";
import { failureBody, internalError, invalidOperationBody, NUL_BODY, type CmdletFailure } from "./errors.js";
import { quoteLargeIntegers, stringifyRest, type RestObject } from "./json.js";
import { DEFAULT_EXCHANGE_OPTIONS, type ExchangeFaceOptions } from "./options.js";
import { EXCHANGE_APP_ROLE, hasExchangeRole, mayRun } from "./rbac.js";

export const INVOKE_COMMAND_PATH = "/adminapi/beta/:tenant/InvokeCommand";

const JSON_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/** Exchange's challenge for app tokens it does not accept [I: the header EWS/EXO send with 401]. */
const CHALLENGE =
  'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", ' +
  'token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"';

interface CmdletInput {
  name: string;
  parameters: Record<string, unknown>;
}

function readCmdletInput(text: string): CmdletInput | null {
  let body: unknown;
  try {
    body = JSON.parse(quoteLargeIntegers(text));
  } catch {
    return null;
  }
  if (typeof body !== "object" || body === null) return null;
  const input = (body as Record<string, unknown>)["CmdletInput"];
  if (typeof input !== "object" || input === null) return null;
  const name = (input as Record<string, unknown>)["CmdletName"];
  const parameters = (input as Record<string, unknown>)["Parameters"] ?? {};
  if (
    typeof name !== "string" ||
    typeof parameters !== "object" ||
    parameters === null ||
    Array.isArray(parameters)
  )
    return null;
  return { name, parameters: parameters as Record<string, unknown> };
}

function headers(c: Context<EmulatorEnv>, contentType?: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (contentType) out["Content-Type"] = contentType;
  const requestId = c.get("requestId");
  if (requestId) out["request-id"] = requestId;
  const clientRequestId = c.req.header("client-request-id");
  if (clientRequestId) out["client-request-id"] = clientRequestId;
  return out;
}

function failure(c: Context<EmulatorEnv>, f: CmdletFailure): Response {
  return c.body(failureBody(f), f.status, headers(c, JSON_TYPE));
}

function success(c: Context<EmulatorEnv>, tenant: string, value: RestObject[], warnings: string[]): Response {
  const body = stringifyRest({
    "@odata.context": `${requestOrigin(c)}/adminapi/beta/${encodeURIComponent(tenant)}/$metadata#Collection(Exchange.GenericHashTable)`,
    "adminapi.warnings@odata.type": "#Collection(String)",
    "@adminapi.warnings": warnings,
    value,
  });
  return c.body(body, 200, headers(c, JSON_TYPE));
}

/** The Exchange face with non-default switches for its inferred behaviours (options.ts). */
export function exchangeFace(
  options: Partial<ExchangeFaceOptions>,
): (app: Hono<EmulatorEnv>, ctx: EmulatorContext) => void {
  return (app, ctx) => registerExchangeFace(app, ctx, options);
}

export function registerExchangeFace(
  app: Hono<EmulatorEnv>,
  ctx: EmulatorContext,
  overrides: Partial<ExchangeFaceOptions> = {},
): void {
  const options: Readonly<ExchangeFaceOptions> = { ...DEFAULT_EXCHANGE_OPTIONS, ...overrides };
  app.post(INVOKE_COMMAND_PATH, async (c) => {
    c.set("face", "exchange");
    const auth = await ctx.verifyBearer(c.req.header("authorization"), "exchange");
    if (!auth.ok || !auth.token.roles.includes(EXCHANGE_APP_ROLE)) {
      return c.body(null, 401, { ...headers(c), "WWW-Authenticate": CHALLENGE });
    }
    if (!hasExchangeRole(auth.app.directoryRoles)) return c.body(null, 403, headers(c));
    const tenant = c.req.param("tenant");
    if (!matchesTenant(ctx.state, tenant))
      return c.body(null, 401, { ...headers(c), "WWW-Authenticate": CHALLENGE });

    const input = readCmdletInput(await bodyText(c));
    if (!input) return c.body(invalidOperationBody(), 400, headers(c, JSON_TYPE));

    const cmdlet = findCmdlet(input.name);
    if (!cmdlet || !mayRun(auth.app.directoryRoles, cmdlet.name, options))
      return c.body(NUL_BODY, 403, headers(c));

    const bound = bindParameters(cmdlet, input.parameters);
    if (!bound.ok) return failure(c, bound.failure);
    // The request log names the cmdlet and the object, so tests can count writes per object.
    const p = bound.params as Record<string, unknown>;
    const named = p["Identity"] ?? p["Mailbox"];
    const shown = typeof named === "string" ? named : named === undefined ? "" : JSON.stringify(named);
    c.set("operation", `${cmdlet.name}${shown ? ` ${shown}` : ""}`);
    let result;
    try {
      result = cmdlet.run(ctx, bound.params, { appId: auth.app.clientId, options });
    } catch {
      // A bug in the emulator must not take the server down: answer like the service's own 500 (B5 variant).
      return failure(c, internalError());
    }
    if (!result.ok) return failure(c, result.failure);
    if (result.write) c.set("write", true);
    return success(c, tenant, result.value, result.warnings);
  });
}
