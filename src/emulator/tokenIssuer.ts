/**
 * The emulated tenant's token signing: one RSA key per emulator start (with a self-signed certificate, so the JWKS
 * carries `x5c` like Entra's), access token minting, and `verifyBearer` for the resource faces.
 */
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from "node:crypto";
import { SignJWT, exportJWK, jwtVerify, errors as joseErrors, type JWK, type JWTPayload } from "jose";
import { issueClientCertificate } from "./ca.js";
import type { Audience, BearerCheck, VerifiedToken } from "./context.js";
import { RESOURCES, roleTemplateIds } from "./resources.js";
import type { AppRegistrationState, TenantState } from "./state.js";

/** Lifetime of issued access tokens, seconds (Entra's `expires_in` for app tokens). */
export const TOKEN_LIFETIME_SECONDS = 3599;
/** Clock skew tolerated when validating `exp`/`nbf`, like Microsoft's resource servers (5 minutes). */
const CLOCK_SKEW_SECONDS = 300;

export interface TokenIssuer {
  jwks(): { keys: JWK[] };
  /** Mints an app-only access token. `credential`: how the client authenticated (appidacr 1 = secret, 2 = cert). */
  mint(app: AppRegistrationState, audience: Audience, credential: "secret" | "certificate"): Promise<string>;
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
    };
    return { ok: true, token, app };
  }

  return { jwks: () => ({ keys: [{ ...jwk }] }), mint, verifyBearer };
}
