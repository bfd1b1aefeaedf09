/**
 * A generated tenant served by the emulator: the real ClientSecretCredential and Graph SDK list its users and rules,
 * and the Exchange bridge (pwsh stand-in) shows the hidden rule only with -IncludeHidden.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExchangeClient, type ExchangeClient } from "../../../src/adapters/exo/client.js";
import { generateTenant, type Generated } from "../../../src/emulator/generator/index.js";
import { writePwshWrapper } from "../../../src/emulator/pwsh/wrapper.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/server.js";
import { graphClient, testCaDir } from "../helpers.js";

let g: Generated;
let emu: RunningEmulator;
let stateDir: string;
let exchange: ExchangeClient;

beforeAll(async () => {
  g = generateTenant({ scenarios: ["hidden-rule", "aitm-rss-hide"], users: 6, days: 2, seed: 99 });
  stateDir = await mkdtemp(path.join(tmpdir(), "mw-gen-emu-"));
  emu = await startEmulator({
    port: 0,
    caDir: testCaDir(),
    stateDir,
    tenant: { state: g.state, startTime: g.startTime, seed: g.seed },
  });
  const pwshPath = writePwshWrapper(stateDir, { caFile: emu.caFile });
  exchange = createExchangeClient({
    credential: new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
    }),
    organization: emu.organization,
    appId: emu.clientId,
    connectionUri: emu.exchangeConnectionUri,
    pwshPath,
    commandTimeoutMs: 20_000,
  });
}, 60_000);

afterAll(async () => {
  await exchange?.close().catch(() => undefined);
  await emu?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe("a generated tenant in the emulator", () => {
  it("serves its users and visible rules to the Graph SDK, and never the hidden rule", async () => {
    const graph = graphClient(emu);
    const users = (await graph.api("/users").select(["id", "userPrincipalName"]).top(999).get()) as {
      value: { id: string; userPrincipalName: string }[];
    };
    expect(users.value.map((u) => u.userPrincipalName).sort()).toEqual(
      g.state.users.map((u) => u.userPrincipalName).sort(),
    );
    const hidden = g.truth.scenarios.find((s) => s.name === "hidden-rule")!.containment.rules[0]!;
    const aitm = g.truth.scenarios.find((s) => s.name === "aitm-rss-hide")!.containment.rules[0]!;
    const hiddenRules = (await graph.api(`/users/${hidden.userId}/mailFolders/inbox/messageRules`).get()) as {
      value: { id: string }[];
    };
    expect(hiddenRules.value.map((r) => r.id)).not.toContain(hidden.graphId);
    const aitmRules = (await graph.api(`/users/${aitm.userId}/mailFolders/inbox/messageRules`).get()) as {
      value: { id: string; displayName: string }[];
    };
    expect(aitmRules.value).toContainEqual(expect.objectContaining({ id: aitm.graphId, displayName: "." }));
  });

  it("serves the generated sign-ins, risky users and alerts to the Graph SDK", async () => {
    const graph = graphClient(emu);
    const aitm = g.truth.scenarios.find((s) => s.name === "aitm-rss-hide")!;
    const root = aitm.attackerSignIns.find((s) => s.interactive)!;
    const signIns = (await graph.api("/auditLogs/signIns").version("beta").top(1000).get()) as {
      value: { id: string; sessionId: string; uniqueTokenIdentifier: string }[];
    };
    expect(signIns.value.find((s) => s.id === root.requestId)).toMatchObject({
      sessionId: root.sessionId,
      uniqueTokenIdentifier: root.uniqueTokenId,
    });
    const risky = (await graph.api("/identityProtection/riskyUsers").get()) as {
      value: { id: string; riskLevel: string }[];
    };
    expect(risky.value).toContainEqual(
      expect.objectContaining({ id: aitm.victims[0]!.userId, riskLevel: "high" }),
    );
    const alerts = (await graph.api("/security/alerts_v2").get()) as { value: { id: string }[] };
    expect(alerts.value.map((a) => a.id)).toEqual(expect.arrayContaining(aitm.alertIds));
  });

  it("shows the hidden rule through the Exchange bridge only with -IncludeHidden", async () => {
    const hidden = g.truth.scenarios.find((s) => s.name === "hidden-rule")!.containment.rules[0]!;
    const visible = await exchange.getInboxRules(hidden.userPrincipalName);
    const all = await exchange.getInboxRules(hidden.userPrincipalName, { includeHidden: true });
    expect(visible.map((r) => r.ruleIdentity)).not.toContain(hidden.ruleIdentity);
    expect(all.map((r) => r.ruleIdentity)).toContain(hidden.ruleIdentity);
  }, 60_000);
});
