/**
 * Reads the claims of our own access tokens: the tenant they were issued for (every write checks it against the
 * configured tenant) and the granted application permissions (`roles`) — or delegated ones (`scp`) — for `doctor`.
 * The token is never logged.
 */
import type { TokenCredential } from "@azure/identity";

export interface TokenClaims {
  tid?: string;
  appid?: string;
  aud?: string;
  roles: string[];
  /** Delegated permissions of a user token (`scp`, space-separated in the token); absent for app-only tokens. */
  scp?: string[];
  /** `app` or `user` (Entra's optional `idtyp` claim). */
  idtyp?: string;
  upn?: string;
}

export function decodeClaims(jwt: string): TokenClaims {
  const part = jwt.split(".")[1];
  if (!part) throw new Error("not a JWT");
  const payload = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = payload[k];
    return typeof v === "string" ? v : undefined;
  };
  const roles = Array.isArray(payload.roles)
    ? payload.roles.filter((r): r is string => typeof r === "string")
    : [];
  const out: TokenClaims = { roles };
  for (const k of ["tid", "appid", "aud", "idtyp", "upn"] as const) {
    const v = str(k);
    if (v !== undefined) out[k] = v;
  }
  const scp = str("scp");
  if (scp !== undefined) out.scp = scp.split(" ").filter(Boolean);
  return out;
}

export async function tokenClaims(
  credential: TokenCredential,
  scope: string,
  signal?: AbortSignal,
): Promise<TokenClaims> {
  const t = await credential.getToken(scope, signal ? { abortSignal: signal } : {});
  if (!t) throw new Error(`the credential returned no token for ${scope}`);
  return decodeClaims(t.token);
}

export class WrongTenantError extends Error {
  override readonly name = "WrongTenantError";
}

/** Refuses to go on when the token for `scope` was issued by another tenant than the configured one. */
export async function assertTokenTenant(
  credential: TokenCredential,
  scope: string,
  tenantId: string,
  signal?: AbortSignal,
): Promise<void> {
  const c = await tokenClaims(credential, scope, signal);
  if (!c.tid || c.tid.toLowerCase() !== tenantId.toLowerCase())
    throw new WrongTenantError(
      `refusing to write: the token for ${scope} belongs to tenant ${c.tid ?? "(none)"}, the configuration names ${tenantId}`,
    );
}

/**
 * A credential that checks every token it hands out: a token issued by another tenant than the configured one
 * (a mix-up of configs, a multi-tenant app pointed at the wrong tenant) is refused before any call is made.
 */
export function tenantCheckedCredential(inner: TokenCredential, tenantId: string): TokenCredential {
  return {
    async getToken(scopes, options) {
      const t = await inner.getToken(scopes, options);
      if (!t) return t;
      const { tid } = decodeClaims(t.token);
      if (!tid || tid.toLowerCase() !== tenantId.toLowerCase())
        throw new WrongTenantError(
          `refusing to call the tenant: the token was issued by tenant ${tid ?? "(none)"}, the configuration names ${tenantId}`,
        );
      return t;
    },
  };
}
