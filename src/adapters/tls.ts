/**
 * Trusting an extra CA (`endpoints.caFile`: the emulated tenant's, or a TLS-inspecting proxy's) in this process, on
 * top of the roots Node trusts by default.
 *
 * NODE_EXTRA_CA_CERTS is read only when a Node process starts. mailwarden used to re-execute itself with the
 * variable set; that child could outlive the process the user started (a SIGKILL of the parent left it writing to
 * the tenant). Now the process the user starts does the work, and each HTTPS client is handed the CA explicitly:
 *
 * - `@azure/identity` credentials (`createCredential`): a pipeline policy gives each HTTPS request an `https.Agent`
 *   whose `ca` holds the default roots and the extra CA ({@link trustedHttpsAgent}).
 * - the Microsoft Graph SDK client and the Log Analytics calls: {@link trustingFetch}, undici's own `fetch` with an
 *   undici `Agent` whose `connect.ca` holds the same list (the SDK's last middleware is replaced to call it).
 * - the Exchange bridge process (`pwsh`): `NODE_EXTRA_CA_CERTS` in its environment ({@link trustedChildEnv}); real
 *   PowerShell ignores it, the Node stand-in of the emulated tenant reads it at start.
 *
 * undici's `fetch` and `Agent` come from the same package on purpose: a dispatcher of one undici major handed to
 * Node's built-in `fetch` (another major on Node 20, 22, 24) is not reliably compatible.
 *
 * Nothing here changes process-wide defaults (https.globalAgent, undici's global dispatcher, tls defaults): only
 * mailwarden's own clients, built after {@link trustCaInProcess}, trust the extra CA.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import tls from "node:tls";
import type { Agent as UndiciAgent, RequestInit as UndiciRequestInit } from "undici";

/** A `fetch`-shaped function (what the Graph middleware and the Log Analytics client call). */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

interface TrustState {
  /** Resolved paths of the trusted CA files, in the order they were given. */
  files: string[];
  /** Their certificates (PEM), deduplicated. */
  extra: string[];
  /** Node's default roots (+ NODE_EXTRA_CA_CERTS of this process, when set) followed by `extra`. */
  ca: string[];
  httpsAgent?: https.Agent;
  dispatcher?: Promise<UndiciAgent>;
}

let state: TrustState | undefined;

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificates in a file; throws with the file's name when it has none or one does not parse. */
export function readCaFile(caFile: string): string[] {
  let text: string;
  try {
    text = readFileSync(caFile, "utf8");
  } catch (e) {
    throw new Error(`cannot read the CA file ${caFile}: ${(e as Error).message}`);
  }
  const certs = text.match(PEM_CERT) ?? [];
  if (certs.length === 0) throw new Error(`the CA file ${caFile} holds no PEM certificate`);
  for (const pem of certs) {
    try {
      new X509Certificate(pem);
    } catch (e) {
      throw new Error(
        `the CA file ${caFile} holds a certificate that does not parse: ${(e as Error).message}`,
      );
    }
  }
  return certs;
}

/**
 * The roots a TLS client of this process trusts without a `ca` option. Passing `ca` replaces them, so they are
 * listed explicitly: Node's bundled roots plus, when this process started with NODE_EXTRA_CA_CERTS, that file's
 * certificates (Node ≥ 22.15 tells them itself through tls.getCACertificates).
 */
function defaultRoots(): string[] {
  const get = (tls as { getCACertificates?: (type?: string) => string[] }).getCACertificates;
  if (typeof get === "function") return get("default");
  const roots = [...tls.rootCertificates];
  const env = process.env.NODE_EXTRA_CA_CERTS;
  if (env) {
    try {
      roots.push(...(readFileSync(env, "utf8").match(PEM_CERT) ?? []));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so does not trusting it here.
    }
  }
  return roots;
}

/**
 * Makes mailwarden's HTTPS clients in this process trust the certificates in `caFile` besides the default roots.
 * A no-op without a file; idempotent; several files accumulate. Call it before building the credential, the Graph
 * adapter and the Exchange client (openTenant does). Throws when the file cannot be read or holds no certificate.
 */
export function trustCaInProcess(caFile: string | undefined): void {
  if (!caFile) return;
  const file = path.resolve(caFile);
  if (state?.files.includes(file)) return;
  const certs = readCaFile(file);
  const extra = [...(state?.extra ?? [])];
  for (const c of certs) if (!extra.includes(c)) extra.push(c);
  const files = [...(state?.files ?? []), file];
  // Clients built earlier keep the agents they were given; later ones get agents that trust every file so far.
  state = { files, extra, ca: [...defaultRoots(), ...extra] };
}

/** An https.Agent trusting the extra CA, or undefined when none was given (clients then use their defaults). */
export function trustedHttpsAgent(): https.Agent | undefined {
  if (!state) return undefined;
  state.httpsAgent ??= new https.Agent({ keepAlive: true, ca: state.ca });
  return state.httpsAgent;
}

async function trustedDispatcher(s: TrustState): Promise<UndiciAgent> {
  s.dispatcher ??= import("undici").then(({ Agent }) => new Agent({ connect: { ca: s.ca } }));
  return await s.dispatcher;
}

/**
 * `fetch`, trusting the extra CA when one was given (undici's fetch with a dispatcher whose `connect.ca` is set),
 * else Node's built-in fetch. Decided at each call, so a client built before {@link trustCaInProcess} follows it.
 */
export const trustingFetch: FetchLike = async (input, init) => {
  const s = state;
  if (!s) return await fetch(input, init);
  const undici = await import("undici");
  const dispatcher = await trustedDispatcher(s);
  // undici's types are a newer copy of the ones @types/node bundles for the global fetch; the shapes agree.
  const options = { ...init, dispatcher } as unknown as UndiciRequestInit;
  return await undici.fetch(input, options);
};

/**
 * Environment for a child process that must trust the extra CA itself (the Exchange bridge): NODE_EXTRA_CA_CERTS
 * naming the CA file. Empty when no CA was given. Node reads one file only: with several, the last one given.
 */
export function trustedChildEnv(): Record<string, string> {
  const file = state?.files.at(-1);
  return file ? { NODE_EXTRA_CA_CERTS: file } : {};
}
