/**
 * The token endpoint's resource owner password credentials grant (`grant_type=password`): a delegated Graph token
 * for a user of the tenant, the way MSAL's acquireTokenByUsernamePassword (and @azure/identity's
 * UsernamePasswordCredential) asks for one. Modelled for what mailwarden needs (a notices account posting to a
 * Teams channel): Graph as the only resource, consented scopes only (no consent prompt), no refresh token [I].
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { authenticateClient } from "./clientAuth.js";
import type { EmulatorContext, EmulatorEnv } from "./context.js";
import { entraErrorResponse, entraHeaders, missingParameter, type EntraError } from "./entraErrors.js";
import { requestOrigin } from "./http.js";
import { RESOURCES } from "./resources.js";
import type { AppRegistrationState } from "./state.js";
import { TOKEN_LIFETIME_SECONDS, type TokenIssuer } from "./tokenIssuer.js";

const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);
const GRAPH = RESOURCES.graph;

function invalidGrant(code: number, message: string): EntraError {
  return { status: 400, error: "invalid_grant", code, message };
}

function hashMatches(password: string, stored: string | undefined): boolean {
  if (stored === undefined) return false;
  const given = Buffer.from(`sha256:${createHash("sha256").update(password, "utf8").digest("hex")}`);
  const want = Buffer.from(stored);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The delegated scopes a `scope` parameter asks for: Graph's `.default` (every consented scope) or named Graph
 * scopes (`ChannelMessage.Send` or `https://graph.microsoft.com/ChannelMessage.Send`), OIDC scopes aside.
 */
function requestedScopes(
  scope: string,
  app: AppRegistrationState,
): { ok: true; scopes: string[] } | { ok: false; error: EntraError } {
  const consented = app.delegatedGraphScopes ?? [];
  const asked = scope.split(/\s+/).filter((s) => s !== "" && !OIDC_SCOPES.has(s.toLowerCase()));
  const names: string[] = [];
  let all = asked.length === 0;
  for (const s of asked) {
    const m = /^(https?:\/\/[^/]+|[0-9a-f-]{36})\/(.+)$/i.exec(s);
    const resource = m?.[1]?.toLowerCase();
    if (m && resource !== GRAPH.uri && resource !== GRAPH.appId) {
      return {
        ok: false,
        error: {
          status: 400,
          error: "invalid_scope",
          code: 70011,
          message: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid (the emulated tenant issues delegated tokens for Microsoft Graph only).`,
        },
      };
    }
    const name = m?.[2] ?? s;
    if (name === ".default") all = true;
    else names.push(name);
  }
  const wanted = all ? [...consented, ...names] : names;
  const missing = wanted.filter((n) => !consented.some((c) => c.toLowerCase() === n.toLowerCase()));
  if (wanted.length === 0 || missing.length > 0) {
    return {
      ok: false,
      error: invalidGrant(
        65001,
        `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
      ),
    };
  }
  return { ok: true, scopes: [...new Set(wanted)] };
}

export async function passwordGrant(
  c: Context<EmulatorEnv>,
  ctx: EmulatorContext,
  issuer: TokenIssuer,
  form: URLSearchParams,
  basic: { id?: string; secret?: string },
): Promise<Response> {
  const fail = (e: EntraError) => entraErrorResponse(c, ctx.clock.now(), e);
  const field = (name: string) => form.get(name) ?? undefined;
  const clientId = field("client_id") ?? basic.id;
  if (clientId === undefined) return fail(missingParameter("client_id"));
  const app = ctx.state.apps.find((a) => a.clientId === clientId.toLowerCase());
  if (!app) {
    return fail({
      status: 400,
      error: "unauthorized_client",
      code: 700016,
      message: `Application with identifier '${clientId}' was not found in the directory '${ctx.state.displayName}'.`,
    });
  }
  const username = field("username");
  if (username === undefined) return fail(missingParameter("username"));
  const password = field("password");
  if (password === undefined) return fail(missingParameter("password"));
  const scope = field("scope");
  if (scope === undefined) return fail(missingParameter("scope"));

  const clientSecret = field("client_secret") ?? basic.secret;
  const clientAssertion = field("client_assertion");
  if (app.publicClient) {
    if (clientSecret !== undefined || clientAssertion !== undefined) {
      return fail({
        status: 400,
        error: "invalid_request",
        code: 700025,
        message: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
      });
    }
  } else {
    if (clientSecret === undefined && clientAssertion === undefined) {
      return fail({
        status: 401,
        error: "invalid_client",
        code: 7000218,
        message:
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      });
    }
    const origin = requestOrigin(c);
    const auth = await authenticateClient({
      app,
      clientSecret,
      clientAssertion,
      clientAssertionType: field("client_assertion_type"),
      acceptedAudiences: [ctx.state.tenantId, ...ctx.state.domains].flatMap((s) => [
        `${origin}/${s}/oauth2/v2.0/token`,
        `${origin}/${s}/oauth2/token`,
      ]),
      now: new Date(),
    });
    if (!auth.ok) return fail(auth.error);
  }

  const user = ctx.state.users.find((u) => u.userPrincipalName.toLowerCase() === username.toLowerCase());
  if (!user) {
    return fail(
      invalidGrant(
        50034,
        `The user account {EUII Hidden} does not exist in the ${ctx.state.tenantId} directory. To sign into this application, the account must be added to the directory.`,
      ),
    );
  }
  if (!hashMatches(password, user.passwordHash)) {
    return fail(invalidGrant(50126, "Error validating credentials due to invalid username or password."));
  }
  if (!user.accountEnabled) return fail(invalidGrant(50057, "The user account is disabled."));
  const scopes = requestedScopes(scope, app);
  if (!scopes.ok) return fail(scopes.error);

  const origin = requestOrigin(c);
  const t = await issuer.mintDelegated(app, user, scopes.scopes, origin);
  const wantsClientInfo = field("client_info") === "1";
  return c.json(
    {
      token_type: "Bearer",
      scope: [...scopes.scopes.map((s) => `${GRAPH.uri}/${s}`), "openid", "profile"].join(" "),
      expires_in: TOKEN_LIFETIME_SECONDS,
      ext_expires_in: TOKEN_LIFETIME_SECONDS,
      access_token: t.accessToken,
      id_token: t.idToken,
      ...(wantsClientInfo ? { client_info: t.clientInfo } : {}),
    },
    200,
    entraHeaders(c),
  );
}
