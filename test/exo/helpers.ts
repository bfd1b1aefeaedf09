/**
 * End-to-end setup for the Exchange path: the emulated tenant with the Exchange face, the pwsh stand-in wrapper,
 * a real ClientSecretCredential, and runners/clients wired like production (createExchangeClient).
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ClientSecretCredential } from "@azure/identity";
import ts from "typescript";
import {
  createExchangeClient,
  type ExchangeClient,
  type ExoRetryOptions,
} from "../../src/adapters/exo/client.js";
import { PowerShellRunner, type PowerShellRunnerOptions } from "../../src/adapters/exo/runner.js";
import { registerExchangeFace } from "../../src/emulator/exchange/face.js";
import type { FaultsConfig } from "../../src/emulator/faults/config.js";
import { writePwshWrapper, shQuote } from "../../src/emulator/pwsh/wrapper.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import type { MailboxState } from "../../src/emulator/state.js";
import { SCRIPT_PATH } from "./script-ast.js";

export const EXO_SCOPE = "https://outlook.office365.com/.default";

export function testCaDir(): string {
  const dir = process.env["MAILWARDEN_TEST_CA_DIR"];
  if (!dir) throw new Error("MAILWARDEN_TEST_CA_DIR is not set: run tests through `node scripts/test.mjs`");
  return dir;
}

export interface ExoTestEnv {
  emu: RunningEmulator;
  pwshPath: string;
  stateDir: string;
  credential(): ClientSecretCredential;
  runner(overrides?: Partial<PowerShellRunnerOptions>): PowerShellRunner;
  /** An ExchangeClient wired like production; retries sleep on a fake clock (no real wait) unless `retry.sleep` is given. */
  client(retry?: ExoRetryOptions): ExchangeClient;
  mailbox(upn: string): MailboxState;
  stop(): Promise<void>;
}

export async function startExoEnv(opts: { faults?: FaultsConfig } = {}): Promise<ExoTestEnv> {
  const stateDir = await mkdtemp(path.join(tmpdir(), "mw-exo-"));
  const emu = await startEmulator({
    port: 0,
    caDir: testCaDir(),
    stateDir,
    registerFaces: [registerExchangeFace],
    ...(opts.faults ? { faults: opts.faults } : {}),
  });
  const pwshPath = writePwshWrapper(stateDir, { caFile: emu.caFile });
  const started: Array<{ close(): Promise<void> }> = [];
  const credential = () =>
    new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
    });
  return {
    emu,
    pwshPath,
    stateDir,
    credential,
    runner(overrides = {}) {
      const cred = credential();
      const runner = new PowerShellRunner({
        pwshPath,
        scriptPath: SCRIPT_PATH,
        connect: async () => ({
          AppId: emu.clientId,
          Organization: emu.organization,
          AccessToken: (await cred.getToken(EXO_SCOPE)).token,
          ConnectionUri: emu.exchangeConnectionUri,
        }),
        commandTimeoutMs: 20_000,
        restartBackoffMs: 1,
        ...overrides,
      });
      started.push(runner);
      return runner;
    },
    client(retry = {}) {
      const client = createExchangeClient({
        retry: { sleep: () => Promise.resolve(), ...retry },
        credential: credential(),
        organization: emu.organization,
        appId: emu.clientId,
        connectionUri: emu.exchangeConnectionUri,
        pwshPath,
        commandTimeoutMs: 20_000,
      });
      started.push(client);
      return client;
    },
    mailbox(upn) {
      const user = emu.ctx.state.users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase());
      const mb = emu.ctx.state.mailboxes.find((m) => m.userId === user?.id);
      if (!mb) throw new Error(`no mailbox ${upn}`);
      return mb;
    },
    async stop() {
      await Promise.all(started.map((s) => s.close().catch(() => undefined)));
      await emu.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Transpiles a TypeScript test fixture to `<dir>/<name>.mjs` (type-checked with the rest of test/, run by plain Node). */
export async function compileFixture(tsFile: string, dir: string): Promise<string> {
  const out = ts.transpileModule(readFileSync(tsFile, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: tsFile,
  });
  const file = path.join(dir, `${path.basename(tsFile, ".ts")}.mjs`);
  await writeFile(file, out.outputText);
  return file;
}

/** A `pwsh` executable in `dir` that runs a Node program (test fixtures speaking the bridge protocol). */
export async function writeNodeExecutable(dir: string, name: string, program: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\nexec ${shQuote(process.execPath)} ${shQuote(program)} "$@"\n`);
  await chmod(file, 0o755);
  return file;
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
