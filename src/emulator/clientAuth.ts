/**
 * Client authentication at the token endpoint: a client secret (form field or HTTP Basic) or a client assertion
 * (a JWT signed with the private key of a certificate registered on the app; `x5t` or `x5t#S256` names it).
 */
import { X509Certificate, createHash, timingSafeEqual } from "node:crypto";
import { decodeProtectedHeader, importX509, jwtVerify, errors as joseErrors } from "jose";
import { certificateThumbprints } from "./ca.js";
import type { EntraError } from "./entraErrors.js";
import { missingParameter } from "./entraErrors.js";
import type { AppRegistrationState } from "./state.js";

export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Assertion algorithms accepted: RS256 (x5t) and PS256 (what MSAL uses with x5t#S256). */
const ASSERTION_ALGS = ["RS256", "PS256"];

export type ClientAuthResult =
  { ok: true; credential: "secret" | "certificate" } | { ok: false; error: EntraError };

export interface ClientAuthInput {
  app: AppRegistrationState;
  clientSecret: string | undefined;
  clientAssertion: string | undefined;
  clientAssertionType: string | undefined;
  /** Token endpoint URLs an assertion's `aud` may name (tenant id or domain forms). */
  acceptedAudiences: string[];
  /** Real wall-clock time (assertions are made by real libraries). */
  now: Date;
}

function secretMatches(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function invalidClient(code: number, message: string): ClientAuthResult {
  return { ok: false, error: { status: 401, error: "invalid_client", code, message } };
}

function findCertificate(app: AppRegistrationState, header: { x5t?: unknown; "x5t#S256"?: unknown }) {
  for (const pem of app.certificates) {
    const t = certificateThumbprints(pem);
    if (header["x5t#S256"] === t.sha256 || header.x5t === t.sha1) return pem;
  }
  return undefined;
}

function hexThumbprint(header: { x5t?: unknown; "x5t#S256"?: unknown }): string {
  const t = header["x5t#S256"] ?? header.x5t;
  return typeof t === "string" ? Buffer.from(t, "base64url").toString("hex").toUpperCase() : "";
}

async function checkAssertion(input: ClientAuthInput, assertion: string): Promise<ClientAuthResult> {
  const { app } = input;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return invalidClient(50027, "JWT token is invalid or malformed.");
  }
  const alg = typeof header.alg === "string" ? header.alg : "";
  const pem = findCertificate(app, header);
  if (!pem || !ASSERTION_ALGS.includes(alg)) {
    return invalidClient(
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${hexThumbprint(header)}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.]`,
    );
  }
  if (Date.parse(new X509Certificate(pem).validTo) < input.now.getTime()) {
    return invalidClient(700027, "Client assertion contains an expired certificate.");
  }
  let payload;
  try {
    const key = await importX509(pem, alg);
    ({ payload } = await jwtVerify(assertion, key, {
      algorithms: [alg],
      currentDate: input.now,
      clockTolerance: 300,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired || err instanceof joseErrors.JWTClaimValidationFailed) {
      return invalidClient(
        700024,
        `Client assertion is not within its valid time range. Current time: ${input.now.toISOString()}.`,
      );
    }
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
      return invalidClient(700027, "Client assertion failed signature validation.");
    }
    return invalidClient(50027, "JWT token is invalid or malformed.");
  }
  if (typeof payload.exp !== "number")
    return invalidClient(700024, "Client assertion has no expiry ('exp') claim.");
  if (payload.iss !== app.clientId || payload.sub !== app.clientId) {
    return invalidClient(
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter.",
    );
  }
  const auds = typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);
  const accepted = new Set(input.acceptedAudiences.map((a) => a.toLowerCase()));
  if (!auds.some((a) => accepted.has(a.toLowerCase()))) {
    return invalidClient(700023, "Client assertion audience claim does not match Realm issuer.");
  }
  return { ok: true, credential: "certificate" };
}

export async function authenticateClient(input: ClientAuthInput): Promise<ClientAuthResult> {
  const { app, clientSecret, clientAssertion, clientAssertionType } = input;
  if (clientAssertion !== undefined) {
    if (clientAssertionType === undefined)
      return { ok: false, error: missingParameter("client_assertion_type") };
    if (clientAssertionType !== JWT_BEARER_ASSERTION_TYPE) {
      return {
        ok: false,
        error: {
          status: 400,
          error: "invalid_request",
          code: 700025,
          message: `Client assertion type '${clientAssertionType}' is not supported; use '${JWT_BEARER_ASSERTION_TYPE}'.`,
        },
      };
    }
    return checkAssertion(input, clientAssertion);
  }
  if (clientSecret !== undefined) {
    if (app.secrets.some((s) => secretMatches(clientSecret, s))) return { ok: true, credential: "secret" };
    return invalidClient(
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    );
  }
  return invalidClient(
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  );
}
