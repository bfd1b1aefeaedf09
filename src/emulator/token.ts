/**
 * Token face: the slice of Entra ID (login.microsoftonline.com) that app-only clients use — OpenID discovery, JWKS
 * and the v2.0 token endpoint with the client-credentials grant (client secret or certificate assertion) — and the
 * password grant for a delegated Graph token (passwordGrant.ts: a notices account).
 * `{tenant}` is the tenant id or one of its verified domains.
 */
import type { Context, Hono } from "hono";
import type { EmulatorContext, EmulatorEnv } from "./context.js";
import { authenticateClient } from "./clientAuth.js";
import type { EntraError } from "./entraErrors.js";
import { entraErrorResponse, entraHeaders, missingParameter } from "./entraErrors.js";
import { bodyText, requestOrigin } from "./http.js";
import { resourceForIdentifier, type ResourceInfo } from "./resources.js";
import { passwordGrant } from "./passwordGrant.js";
import { matchesTenant } from "./tenantLookup.js";
import { TOKEN_LIFETIME_SECONDS, type TokenIssuer } from "./tokenIssuer.js";

function tenantNotFound(segment: string, error: string): EntraError {
  return {
    status: 400,
    error,
    code: 90002,
    message: `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  };
}

function openIdConfiguration(origin: string, tenantId: string) {
  const base = `${origin}/${tenantId}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    tenant_region_scope: "NA",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

/** Parses the `scope` of a client-credentials request: exactly one `<resource>/.default`. */
function parseScope(scope: string): { ok: true; resource: ResourceInfo } | { ok: false; error: EntraError } {
  const scopes = scope.split(/\s+/).filter(Boolean);
  const only = scopes.length === 1 ? scopes[0] : undefined;
  if (only !== undefined && !/\/\.default$/i.test(only)) {
    return {
      ok: false,
      error: {
        status: 400,
        error: "invalid_scope",
        code: 1002012,
        message: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      },
    };
  }
  const resource = only === undefined ? undefined : resourceForIdentifier(only.replace(/\/\.default$/i, ""));
  if (!resource) {
    return {
      ok: false,
      error: {
        status: 400,
        error: "invalid_scope",
        code: 70011,
        message: `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
      },
    };
  }
  return { ok: true, resource };
}

/** client_id / client_secret from an `Authorization: Basic` header (RFC 6749 §2.3.1), when present. */
function basicCredentials(header: string | undefined): { id?: string; secret?: string } {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m?.[1]) return {};
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return {};
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replaceAll("+", " "));
    } catch {
      return s;
    }
  };
  return { id: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
}

async function handleToken(
  c: Context<EmulatorEnv>,
  ctx: EmulatorContext,
  issuer: TokenIssuer,
): Promise<Response> {
  const segment = c.req.param("tenant") ?? "";
  const fail = (e: EntraError) => entraErrorResponse(c, ctx.clock.now(), e);
  if (!matchesTenant(ctx.state, segment)) return fail(tenantNotFound(segment, "invalid_request"));
  const form = /application\/x-www-form-urlencoded/i.test(c.req.header("content-type") ?? "")
    ? new URLSearchParams(await bodyText(c))
    : new URLSearchParams();
  const basic = basicCredentials(c.req.header("authorization"));
  const field = (name: string) => form.get(name) ?? undefined;

  const grantType = field("grant_type");
  if (grantType === undefined) return fail(missingParameter("grant_type"));
  if (grantType === "password") return passwordGrant(c, ctx, issuer, form, basic);
  if (grantType !== "client_credentials") {
    return fail({
      status: 400,
      error: "unsupported_grant_type",
      code: 70003,
      message: `The app requested an unsupported grant type '${grantType}'.`,
    });
  }
  const clientId = field("client_id") ?? basic.id;
  if (clientId === undefined) return fail(missingParameter("client_id"));
  const app = ctx.state.apps.find((a) => a.clientId === clientId.toLowerCase());
  if (!app) {
    return fail({
      status: 400,
      error: "unauthorized_client",
      code: 700016,
      message: `Application with identifier '${clientId}' was not found in the directory '${ctx.state.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    });
  }
  const scope = field("scope");
  if (scope === undefined) return fail(missingParameter("scope"));
  const parsed = parseScope(scope);
  if (!parsed.ok) return fail(parsed.error);

  const origin = requestOrigin(c);
  const segments = [ctx.state.tenantId, ...ctx.state.domains];
  const auth = await authenticateClient({
    app,
    clientSecret: field("client_secret") ?? basic.secret,
    clientAssertion: field("client_assertion"),
    clientAssertionType: field("client_assertion_type"),
    acceptedAudiences: segments.flatMap((s) => [
      `${origin}/${s}/oauth2/v2.0/token`,
      `${origin}/${s}/oauth2/token`,
    ]),
    now: new Date(),
  });
  if (!auth.ok) return fail(auth.error);

  const accessToken = await issuer.mint(app, parsed.resource.audience, auth.credential);
  return c.json(
    {
      token_type: "Bearer",
      expires_in: TOKEN_LIFETIME_SECONDS,
      ext_expires_in: TOKEN_LIFETIME_SECONDS,
      access_token: accessToken,
    },
    200,
    entraHeaders(c),
  );
}

export function registerTokenFace(app: Hono<EmulatorEnv>, ctx: EmulatorContext, issuer: TokenIssuer): void {
  app.get("/:tenant/v2.0/.well-known/openid-configuration", (c) => {
    const segment = c.req.param("tenant");
    if (!matchesTenant(ctx.state, segment))
      return entraErrorResponse(c, ctx.clock.now(), tenantNotFound(segment, "invalid_tenant"));
    return c.json(openIdConfiguration(requestOrigin(c), ctx.state.tenantId), 200, entraHeaders(c));
  });
  const keys = (c: Context<EmulatorEnv>) => {
    const segment = c.req.param("tenant") ?? "";
    if (!matchesTenant(ctx.state, segment))
      return entraErrorResponse(c, ctx.clock.now(), tenantNotFound(segment, "invalid_tenant"));
    return c.json(issuer.jwks(), 200, entraHeaders(c));
  };
  app.get("/:tenant/discovery/v2.0/keys", keys);
  app.get("/:tenant/discovery/keys", keys);
  app.post("/:tenant/oauth2/v2.0/token", (c) => handleToken(c, ctx, issuer));
}
