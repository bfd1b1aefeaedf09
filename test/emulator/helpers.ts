/** Shared setup for emulator tests: start the emulated tenant on a random port and build real SDK clients. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from "../../src/emulator/server.js";

export function testCaDir(): string {
  const dir = process.env["MAILWARDEN_TEST_CA_DIR"];
  if (!dir) throw new Error("MAILWARDEN_TEST_CA_DIR is not set: run tests through `node scripts/test.mjs`");
  return dir;
}

export interface TestEmulator {
  emu: RunningEmulator;
  stop(): Promise<void>;
}

export async function startTestEmulator(opts: Partial<StartEmulatorOptions> = {}): Promise<TestEmulator> {
  const stateDir = await mkdtemp(path.join(tmpdir(), "mw-emu-"));
  const emu = await startEmulator({ port: 0, caDir: testCaDir(), stateDir, ...opts });
  return {
    emu,
    stop: async () => {
      await emu.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export function secretCredential(
  emu: RunningEmulator,
  secret = emu.clientSecret,
  clientId = emu.clientId,
): ClientSecretCredential {
  return new ClientSecretCredential(emu.tenantId, clientId, secret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
}

export function certificateCredential(emu: RunningEmulator): ClientCertificateCredential {
  return new ClientCertificateCredential(
    emu.tenantId,
    emu.clientId,
    { certificatePath: emu.certificatePath },
    { authorityHost: emu.authorityHost, disableInstanceDiscovery: true },
  );
}

export function graphClient(
  emu: RunningEmulator,
  credential: TokenCredential = secretCredential(emu),
): Client {
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, {
      scopes: ["https://graph.microsoft.com/.default"],
    }),
    baseUrl: emu.graphBaseUrl,
    customHosts: new Set(["127.0.0.1"]),
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error("expected the call to fail");
}

export async function adminJson(
  emu: RunningEmulator,
  pathAndQuery: string,
  init?: RequestInit,
): Promise<unknown> {
  const res = await fetch(`${emu.adminUrl}${pathAndQuery}`, init);
  return res.status === 204 ? undefined : res.json();
}
