#!/usr/bin/env node
// PowerShell round trips per second through the Exchange bridge on the pwsh stand-in: one reused session (one
// process, connected once) against one process per call (start + connect + cmdlet + exit), with the stand-in's
// emulated costs stated. Run after `npm run build`:
//   NODE_EXTRA_CA_CERTS=.mailwarden/emulator-ca/ca.pem node bench/exo/roundtrips.mjs [calls] [connectMs] [cmdletMs]
// Writes bench/results/exo-roundtrips.json and prints a summary.
import { execSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const [calls = 40, connectMs = 0, cmdletMs = 0] = process.argv.slice(2).map(Number);
const caDir = path.resolve(".mailwarden/emulator-ca");
const { ensureCa } = await import("../../dist/emulator/ca.js");
const ca = await ensureCa(caDir);
if (path.resolve(process.env.NODE_EXTRA_CA_CERTS ?? "") !== ca.caFile) {
  console.error(`run with NODE_EXTRA_CA_CERTS=${ca.caFile}`);
  process.exit(2);
}
const { startEmulator } = await import("../../dist/emulator/server.js");
const { writePwshWrapper } = await import("../../dist/emulator/pwsh/wrapper.js");
const { createExchangeClient } = await import("../../dist/adapters/exo/client.js");
const { ClientSecretCredential } = await import("@azure/identity");

const stateDir = mkdtempSync(path.join(os.tmpdir(), "mw-bench-"));
const emu = await startEmulator({ caDir, stateDir });
const pwshPath = writePwshWrapper(stateDir, { caFile: emu.caFile });
const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
  authorityHost: emu.authorityHost,
  disableInstanceDiscovery: true,
});
const env = {
  MAILWARDEN_STANDIN_CONNECT_MS: String(connectMs),
  MAILWARDEN_STANDIN_CMDLET_MS: String(cmdletMs),
};
const mk = () =>
  createExchangeClient({
    credential,
    organization: emu.organization,
    appId: emu.clientId,
    connectionUri: emu.exchangeConnectionUri,
    pwshPath,
    env,
  });
const mailbox = emu.ctx.state.mailboxes[0].userId;
await credential.getToken("https://outlook.office365.com/.default");

// Reused session: one process for every call (first call starts and connects it).
const reused = mk();
await reused.getMailbox(mailbox);
let t0 = performance.now();
for (let i = 0; i < calls; i++) await reused.getMailbox(mailbox);
const reusedMs = performance.now() - t0;
await reused.close();

// One process per call.
const perCallN = Math.max(5, Math.floor(calls / 4));
t0 = performance.now();
for (let i = 0; i < perCallN; i++) {
  const c = mk();
  await c.getMailbox(mailbox);
  await c.close();
}
const perCallMs = performance.now() - t0;
await emu.close();

const commit = (() => {
  try {
    return execSync("git rev-parse --short HEAD").toString().trim();
  } catch {
    return "unknown";
  }
})();
const result = {
  date: new Date().toISOString(),
  commit,
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  standinCosts: { connectMs, cmdletMs },
  reusedSession: { calls, ms: Math.round(reusedMs), perSecond: +(calls / (reusedMs / 1000)).toFixed(1) },
  processPerCall: {
    calls: perCallN,
    ms: Math.round(perCallMs),
    perSecond: +(perCallN / (perCallMs / 1000)).toFixed(2),
  },
};
result.speedup = +(result.reusedSession.perSecond / result.processPerCall.perSecond).toFixed(1);
mkdirSync("bench/results", { recursive: true });
const file = `bench/results/exo-roundtrips-connect${connectMs}-cmdlet${cmdletMs}.json`;
writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
console.log(JSON.stringify(result));
