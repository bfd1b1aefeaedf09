/**
 * The emulated tenant's token signing: one RSA key per emulator start (with a self-signed certificate, so the JWKS
 * carries `x5c` like Entra's), access token minting, and `verifyBearer` for the resource faces.
 */
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from "node:crypto";
import { SignJWT, exportJWK, jwtVerify, errors as joseErrors, type JWK, type JWTPayload } from "jose";
import { issueClientCertificate } from "./ca.js";
import type { Audience, BearerCheck, VerifiedToken } from "./context.js";
import { RESOURCES, roleTemplateIds } from "./resources.js";
import type { AppRegistrationState, TenantState, UserState } from "./state.js";

/** Lifetime of issued access tokens, seconds (Entra's `expires_in` for app tokens). */
export const TOKEN_LIFETIME_SECONDS = 3599;
/** Clock skew tolerated when validating `exp`/`nbf`, like Microsoft's resource servers (5 minutes). */
const CLOCK_SKEW_SECONDS = 300;

export interface TokenIssuer {
  jwks(): { keys: JWK[] };
  /** Mints an app-only access token. `credential`: how the client authenticated (appidacr 1 = secret, 2 = cert). */
  mint(app: AppRegistrationState, audience: Audience, credential: "secret" | "certificate"): Promise<string>;
  /**
   * Mints a delegated (user) access token for Graph with the consented `scp`, and the id token and client_info a
   * public client's password grant gets back.
   */
  mintDelegated(
    app: AppRegistrationState,
    user: UserState,
    scopes: string[],
    origin: string,
  ): Promise<{ accessToken: string; idToken: string; clientInfo: string }>;
  verifyBearer(authorization: string | undefined, audience: Audience): Promise<BearerCheck>;
}

export function issuerFor(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

export async function createTokenIssuer(state: TenantState): Promise<TokenIssuer> {
  const cert = issueClientCertificate("accounts.accesscontrol.windows.net");
  const privateKey: KeyObject = createPrivateKey(cert.keyPem);
  const publicKey: KeyObject = createPublicKey(cert.certPem);
  const kid = cert.thumbprintSha1Base64Url;
  const x5c = cert.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, "");
  const jwk: JWK = {
    ...(await exportJWK(publicKey)),
    kid,
    x5t: kid,
    use: "sig",
    x5c: [x5c],
  };

  async function mint(app: AppRegistrationState, audience: Audience, credential: "secret" | "certificate") {
    const resource = RESOURCES[audience];
    const roles =
      audience === "graph"
        ? app.graphRoles
        : audience === "exchange"
          ? app.exchangeRoles
          : (app.logAnalyticsRoles ?? []);
    const wids = roleTemplateIds(app.directoryRoles);
    const iss = issuerFor(state.tenantId);
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload & Record<string, unknown> = {
      aio: randomUUID().replaceAll("-", ""),
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr: credential === "secret" ? "1" : "2",
      azp: app.clientId,
      azpacr: credential === "secret" ? "1" : "2",
      idp: iss,
      idtyp: "app",
      oid: app.servicePrincipalId,
      // A token that grants nothing has no `roles` claim at all (apis.md A10 [T]).
      ...(roles.length > 0 ? { roles: [...roles] } : {}),
      ...(wids.length > 0 ? { wids } : {}),
      tid: state.tenantId,
      uti: randomUUID().replaceAll("-", "").slice(0, 22),
      ver: "1.0",
    };
    return new SignJWT(claims)
      .setProtectedHeader({ typ: "JWT", alg: "RS256", x5t: kid, kid })
      .setAudience(resource.uri)
      .setIssuer(iss)
      .setSubject(app.servicePrincipalId)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(privateKey);
  }

  async function mintDelegated(app: AppRegistrationState, user: UserState, scopes: string[], origin: string) {
    const resource = RESOURCES.graph;
    const iss = issuerFor(state.tenantId);
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: "JWT", alg: "RS256", x5t: kid, kid } as const;
    const claims: JWTPayload & Record<string, unknown> = {
      acct: 0,
      acr: "1",
      aio: randomUUID().replaceAll("-", ""),
      amr: ["pwd"],
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr: "0",
      idtyp: "user",
      name: user.displayName,
      oid: user.id,
      scp: scopes.join(" "),
      tid: state.tenantId,
      unique_name: user.userPrincipalName,
      upn: user.userPrincipalName,
      uti: randomUUID().replaceAll("-", "").slice(0, 22),
      ver: "1.0",
    };
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader(header)
      .setAudience(resource.uri)
      .setIssuer(iss)
      .setSubject(user.id)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(privateKey);
    // The v2.0 id token: audience the client, issuer the tenant's v2.0 authority.
    const idToken = await new SignJWT({
      name: user.displayName,
      oid: user.id,
      preferred_username: user.userPrincipalName,
      tid: state.tenantId,
      ver: "2.0",
    })
      .setProtectedHeader(header)
      .setAudience(app.clientId)
      .setIssuer(`${origin}/${state.tenantId}/v2.0`)
      .setSubject(user.id)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(privateKey);
    const clientInfo = Buffer.from(JSON.stringify({ uid: user.id, utid: state.tenantId })).toString(
      "base64url",
    );
    return { accessToken, idToken, clientInfo };
  }

  async function verifyBearer(authorization: string | undefined, audience: Audience): Promise<BearerCheck> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!authorization || authorization.trim() === "") return { ok: false, reason: "missing" };
    if (!match?.[1]) return { ok: false, reason: "malformed" };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], publicKey, {
        algorithms: ["RS256"],
        clockTolerance: CLOCK_SKEW_SECONDS,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: "expired" };
      if (err instanceof joseErrors.JWSSignatureVerificationFailed)
        return { ok: false, reason: "invalid_signature" };
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === "nbf")
        return { ok: false, reason: "expired" };
      return { ok: false, reason: "malformed" };
    }
    const resource = RESOURCES[audience];
    const aud = typeof payload.aud === "string" ? [payload.aud] : stringArray(payload.aud);
    if (!aud.some((a) => a.replace(/\/$/, "") === resource.uri || a === resource.appId)) {
      return { ok: false, reason: "wrong_audience" };
    }
    if (payload["tid"] !== state.tenantId || payload.iss !== issuerFor(state.tenantId)) {
      return { ok: false, reason: "wrong_tenant" };
    }
    const appid = payload["appid"];
    const app = state.apps.find((a) => a.clientId === appid);
    if (typeof appid !== "string" || !app) return { ok: false, reason: "invalid_signature" };
    const token: VerifiedToken = {
      tid: state.tenantId,
      appid,
      oid: typeof payload["oid"] === "string" ? payload["oid"] : "",
      aud: aud[0] ?? "",
      roles: stringArray(payload["roles"]),
      wids: stringArray(payload["wids"]),
      ...(typeof payload["scp"] === "string" ? { scp: payload["scp"].split(" ").filter(Boolean) } : {}),
      ...(typeof payload["upn"] === "string" ? { upn: payload["upn"] } : {}),
    };
    return { ok: true, token, app };
  }

  return { jwks: () => ({ keys: [{ ...jwk }] }), mint, mintDelegated, verifyBearer };
}
