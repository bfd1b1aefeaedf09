/**
 * trustCaInProcess gives the emulated tenant's CA to every HTTPS client mailwarden uses — the @azure/identity
 * credential, the Graph SDK client, the Log Analytics client and the Exchange bridge process — in a Node process
 * started WITHOUT NODE_EXTRA_CA_CERTS (the test runner itself has it set, so the check runs in a child process of the
 * built code). Without the call, the same child fails on the certificate: the CA is not trusted by accident.
 */
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRAPH_SCOPE } from "../../src/adapters/graph/client.js";
import { EXCHANGE_SCOPE } from "../../src/adapters/exo/client.js";
import { shQuote, standinEntryPath } from "../../src/emulator/pwsh/wrapper.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const dist = (rel: string) => pathToFileURL(path.resolve("dist", rel)).href;

/** Runs in the child: each client against the emulated tenant, reporting what reached it. */
const CHILD = `
const [{ configSchema }, tls, { createCredential }, { GraphAdapter }, { runSentinel }, { createExchangeClient }] =
  await Promise.all([
    import(${JSON.stringify(dist("config/schema.js"))}),
    import(${JSON.stringify(dist("adapters/tls.js"))}),
    import(${JSON.stringify(dist("adapters/credential.js"))}),
    import(${JSON.stringify(dist("adapters/graph/client.js"))}),
    import(${JSON.stringify(dist("hunt/live.js"))}),
    import(${JSON.stringify(dist("adapters/exo/client.js"))}),
  ]);
const input = JSON.parse(process.env.TRUST_TEST_INPUT);
const config = configSchema.parse(input.config);
if (input.trust) tls.trustCaInProcess(config.endpoints.caFile);
const fixed = (token) => ({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) });
const why = (e) => [e?.message, e?.cause?.message, e?.cause?.code].filter(Boolean).join(" | ");
const out = { extraCa: process.env.NODE_EXTRA_CA_CERTS ?? null };
const started = Date.now();
try {
  const t = await createCredential(config).getToken(${JSON.stringify(GRAPH_SCOPE)});
  out.credential = typeof t?.token === "string" && t.token.length > 0 ? "ok" : "no token";
} catch (e) { out.credential = "error: " + why(e); }
try {
  const g = new GraphAdapter({ credential: fixed(input.tokens.graph), baseUrl: config.endpoints.graphBaseUrl, timeoutMs: 15_000, throttleRetries: 0 });
  out.graph = "ok: " + (await g.listUsers()).length + " users";
} catch (e) { out.graph = "error: " + e.kind + " " + why(e); }
try {
  const r = await runSentinel(
    { credential: fixed(input.tokens.la), baseUrl: config.endpoints.logAnalyticsBaseUrl, workspaceId: input.workspaceId, timeoutMs: 15_000, throttleRetries: 0 },
    "print x = 1",
  );
  out.logAnalytics = "ok: " + r.rows.length + " rows";
} catch (e) { out.logAnalytics = e.status ? "answered: HTTP " + e.status : "error: " + why(e); }
const exo = input.exchange && createExchangeClient({
  credential: fixed(input.tokens.exchange),
  organization: config.tenant.organization,
  appId: config.credential.clientId,
  pwshPath: input.pwshPath,
  connectionUri: config.endpoints.exchangeConnectionUri,
  commandTimeoutMs: 15_000,
});
if (exo) {
  try {
    const m = await exo.getMailbox("AdeleV@contoso.com");
    out.exchange = "ok: " + m.userPrincipalName;
  } catch (e) { out.exchange = "error: " + why(e); }
  await exo.close();
}
out.ms = Date.now() - started;
process.stdout.write(JSON.stringify(out));
process.exit(0);
`;

let t: TestTenant;
let bareWrapper: string;
let tokens: { graph: string; la: string; exchange: string };

beforeAll(async () => {
  t = await startTestTenant();
  // The stand-in with nothing but this Node: unlike the emulator's own wrapper, it sets no NODE_EXTRA_CA_CERTS.
  bareWrapper = path.join(t.stateDir, "pwsh-bare");
  writeFileSync(
    bareWrapper,
    `#!/bin/sh\nexec ${shQuote(process.execPath)} ${shQuote(standinEntryPath())} "$@"\n`,
  );
  chmodSync(bareWrapper, 0o755);
  const token = async (scope: string) => (await t.handles.credential.getToken(scope))!.token;
  tokens = {
    graph: await token(GRAPH_SCOPE),
    la: await token("https://api.loganalytics.io/.default"),
    exchange: await token(EXCHANGE_SCOPE),
  };
});
afterAll(async () => {
  await t?.close();
});

async function child(trust: boolean, exchange: boolean): Promise<Record<string, string | null>> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    TRUST_TEST_INPUT: JSON.stringify({
      trust,
      exchange,
      config: t.config,
      tokens,
      pwshPath: bareWrapper,
      workspaceId: t.emulator.sentinelWorkspaceId,
    }),
  };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = await execa(process.execPath, ["--input-type=module", "-e", CHILD], {
    env,
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  if (r.exitCode !== 0) throw new Error(`child failed (${r.exitCode}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string | null>;
}

describe("in-process trust of endpoints.caFile (no NODE_EXTRA_CA_CERTS in the process)", () => {
  it("the credential, Graph, Log Analytics and the Exchange bridge reach the emulated tenant", async () => {
    const out = await child(true, true);
    expect(out.extraCa).toBeNull();
    expect(out.credential).toBe("ok");
    expect(out.graph).toMatch(/^ok: [1-9]\d* users$/);
    // The query itself may be refused by the emulated workspace; an HTTP answer is what proves TLS.
    expect(out.logAnalytics).toMatch(/^(ok|answered)/);
    expect(out.exchange).toBe("ok: AdeleV@contoso.com");
  });

  // The Exchange bridge is left out here: it fails the same way, but only after its restarts (tens of seconds).
  it("without trustCaInProcess the same clients cannot connect", async () => {
    const out = await child(false, false);
    expect(out.extraCa).toBeNull();
    expect(out.credential).toMatch(/^error: /);
    expect(out.graph).toMatch(/^error: network .*fetch failed/);
    expect(out.logAnalytics).toMatch(/^error: the Log Analytics API did not answer/);
  }, 60_000);
});
