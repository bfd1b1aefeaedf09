/**
 * Starts the emulated tenant: one loopback HTTPS server (certificate issued by the local test CA) serving the
 * token, Graph, Exchange and admin faces over one shared tenant state.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve } from "@hono/node-server";
import { createEmulatorApp, type FaceRegistrar } from "./app.js";
import { buildTenant } from "./buildTenant.js";
import { ensureCa, issueClientCertificate, issueServerCert } from "./ca.js";
import { createClock } from "./clock.js";
import type { EmulatorContext, RequestLogEntry } from "./context.js";
import { registerExchangeFace } from "./exchange/face.js";
import { resolveFaults, type FaultsConfig } from "./faults/config.js";
import { FaultEngine } from "./faults/engine.js";
import { registerHuntingEngine } from "./hunting.js";
import { kqlHuntingEngine } from "./hunting-engine.js";
import { createIdSource } from "./ids.js";
import { loadScenarioFile, parseScenario, type ParsedScenario, type Scenario } from "./scenario.js";
import { defaultScenario } from "./scenarios/default.js";
import type { IdSource, TenantState } from "./state.js";
import { initialDomain } from "./tenantLookup.js";
import { createTokenIssuer } from "./tokenIssuer.js";

/** Faces registered besides the built-in token, Graph and admin faces, unless `registerFaces` replaces them. */
const DEFAULT_FACES: readonly FaceRegistrar[] = [registerExchangeFace];

export interface StartEmulatorOptions {
  /** 0 (default) = a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** "default", a scenario file path (JSON/YAML), or a scenario object. Default "default". */
  scenario?: string | Scenario;
  /** Where the test CA lives (created if absent). */
  caDir: string;
  /** Where the app's client certificate PEM (cert + key, 0600) is written. */
  stateDir: string;
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Faces registered after the built-in ones. When given, replaces the default extra faces (Exchange). */
  registerFaces?: FaceRegistrar[];
  /**
   * A tenant built elsewhere (the scenario generator), used instead of `scenario`: its state (with at least one
   * app registration) and the clock's start.
   */
  tenant?: { state: TenantState; startTime: string; seed?: number };
  /**
   * Injected faults, limits and eventual consistency: a faults file path (JSON/YAML) or an object
   * (`src/emulator/faults/config.ts`). Default: no injected faults, every documented limit on, consistency off.
   */
  faults?: FaultsConfig | string;
}

export interface RunningEmulator {
  /** https://127.0.0.1:PORT */
  baseUrl: string;
  /** https://127.0.0.1:PORT/ — the Graph client's baseUrl (it appends the version). */
  graphBaseUrl: string;
  /** https://127.0.0.1:PORT — @azure/identity's authorityHost. */
  authorityHost: string;
  /** https://127.0.0.1:PORT — where the Exchange face (adminapi) listens. */
  exchangeConnectionUri: string;
  tenantId: string;
  /** The initial domain (contoso.onmicrosoft.com), Connect-ExchangeOnline's -Organization. */
  organization: string;
  domains: string[];
  clientId: string;
  /** Fresh at every start. */
  clientSecret: string;
  /** PEM with the app's certificate and private key, written 0600 in stateDir. */
  certificatePath: string;
  caFile: string;
  /** https://127.0.0.1:PORT/ — the Log Analytics query API (Sentinel tables). */
  logAnalyticsBaseUrl: string;
  /** The Sentinel workspace id to query (the scenario's, else one derived from the tenant id). */
  sentinelWorkspaceId: string;
  /** https://127.0.0.1:PORT/_emulator */
  adminUrl: string;
  ctx: EmulatorContext;
  requests(): RequestLogEntry[];
  close(): Promise<void>;
}

const DEFAULT_SEED = 1;
const SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~";

/** An Entra-looking client secret (40 chars, `xxx8Q~…`), from node:crypto. */
function newClientSecret(): string {
  const pick = (n: number) =>
    [...randomBytes(n)].map((b) => SECRET_CHARS[b % SECRET_CHARS.length] ?? "A").join("");
  return `${pick(3)}8Q~${pick(34)}`;
}

async function resolveScenario(input: StartEmulatorOptions["scenario"]): Promise<ParsedScenario> {
  if (input === undefined || input === "default") return parseScenario(defaultScenario, "default");
  if (typeof input === "string") return loadScenarioFile(input);
  return parseScenario(input, "scenario object");
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

export async function startEmulator(opts: StartEmulatorOptions): Promise<RunningEmulator> {
  registerHuntingEngine(kqlHuntingEngine);
  const host = opts.host ?? "127.0.0.1";
  let state: TenantState;
  let ids: IdSource;
  let startTime: string;
  if (opts.tenant) {
    ids = createIdSource(opts.seed ?? opts.tenant.seed ?? DEFAULT_SEED);
    state = opts.tenant.state;
    startTime = opts.tenant.startTime;
  } else {
    const scenario = await resolveScenario(opts.scenario);
    ids = createIdSource(opts.seed ?? scenario.seed ?? DEFAULT_SEED);
    state = buildTenant(scenario, ids);
    startTime = scenario.startTime;
  }
  const faultsConfig = await resolveFaults(opts.faults);
  const primary = state.apps[0];
  if (!primary) throw new Error("the scenario has no app registration");

  const clientSecret = newClientSecret();
  primary.secrets.push(clientSecret);
  const clientCert = issueClientCertificate(primary.displayName);
  primary.certificates.push(clientCert.certPem);
  await mkdir(opts.stateDir, { recursive: true, mode: 0o700 });
  const certificatePath = path.join(opts.stateDir, "app-certificate.pem");
  await writeFile(certificatePath, clientCert.pemBundle, { mode: 0o600 });
  await chmod(certificatePath, 0o600);

  const ca = await ensureCa(opts.caDir);
  const serverCert = issueServerCert(ca, ["localhost", "127.0.0.1", "::1"]);
  const clock = createClock(new Date(startTime));
  const issuer = await createTokenIssuer(state);
  const faults = new FaultEngine(faultsConfig, clock);
  const ctx: EmulatorContext = {
    state,
    clock,
    ids,
    verifyBearer: (auth, audience) => issuer.verifyBearer(auth, audience),
    faults,
    visibility: faults.visibility,
  };
  const { app, log } = createEmulatorApp(ctx, issuer, opts.registerFaces ?? DEFAULT_FACES);

  const server = serve({
    fetch: app.fetch,
    port: opts.port ?? 0,
    hostname: host,
    createServer,
    serverOptions: { key: serverCert.keyPem, cert: serverCert.certPem },
  });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `https://${urlHost(host)}:${port}`;

  return {
    baseUrl,
    graphBaseUrl: `${baseUrl}/`,
    authorityHost: baseUrl,
    exchangeConnectionUri: baseUrl,
    tenantId: state.tenantId,
    organization: initialDomain(state),
    domains: [...state.domains],
    clientId: primary.clientId,
    clientSecret,
    certificatePath,
    caFile: ca.caFile,
    logAnalyticsBaseUrl: `${baseUrl}/`,
    sentinelWorkspaceId: state.sentinelWorkspaceId ?? derivedWorkspaceId(state.tenantId),
    adminUrl: `${baseUrl}/_emulator`,
    ctx,
    requests: () => log.list(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}

/** A stable GUID for the tenant's workspace when the scenario names none (the face accepts any GUID then). */
function derivedWorkspaceId(tenantId: string): string {
  const h = createHash("sha256").update(`sentinel-workspace:${tenantId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
