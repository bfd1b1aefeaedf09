/**
 * Opens the configured tenant: one credential, the Graph adapter, and (when enabled) the Exchange client over
 * the PowerShell bridge, all from config.
 */
import type { TokenCredential } from "@azure/identity";
import type { GraphAdapter } from "../adapters/graph/client.js";
import type { ExchangeClient } from "../adapters/exo/client.js";
import { trustCaInProcess } from "../adapters/tls.js";
import type { ActionContext } from "../actions/types.js";
import type { Config } from "../config/schema.js";

export interface TenantHandles {
  credential: TokenCredential;
  graph: GraphAdapter;
  exchange?: ExchangeClient;
  close(): Promise<void>;
}

/** The SDKs are loaded here, on first use, so that `--help` and offline commands start fast. */
export async function openTenant(config: Config): Promise<TenantHandles> {
  // Before any client is built: the credential's agent, Graph's fetch and the bridge's environment trust it.
  trustCaInProcess(config.endpoints.caFile);
  const { createCredential, credentialClientId } = await import("../adapters/credential.js");
  const { GraphAdapter } = await import("../adapters/graph/client.js");
  const { createExchangeClient } = await import("../adapters/exo/client.js");
  const { tenantCheckedCredential } = await import("../adapters/token-claims.js");
  const credential = tenantCheckedCredential(createCredential(config), config.tenant.id);
  const graph = new GraphAdapter({
    credential,
    baseUrl: config.endpoints.graphBaseUrl,
    timeoutMs: config.endpoints.graphTimeoutMs,
  });
  let exchange: ExchangeClient | undefined;
  if (config.exchange.enabled) {
    const appId = credentialClientId(config);
    if (!appId) throw new Error("Exchange Online needs the app's client id (credential.clientId)");
    exchange = createExchangeClient({
      credential,
      organization: config.tenant.organization!,
      appId,
      pwshPath: config.exchange.pwshPath,
      commandTimeoutMs: config.exchange.commandTimeoutMs,
      retry: config.exchange.retry,
      ...(config.endpoints.exchangeConnectionUri
        ? { connectionUri: config.endpoints.exchangeConnectionUri }
        : {}),
      ...(config.exchange.scriptPath ? { scriptPath: config.exchange.scriptPath } : {}),
    });
  }
  return {
    credential,
    graph,
    ...(exchange ? { exchange } : {}),
    close: async () => {
      await exchange?.close();
    },
  };
}

/** What actions run with: the tenant's handles, the wall clock and verify's default polling (6 reads, 5 s apart). */
export function actionContext(config: Config, t: TenantHandles): ActionContext {
  return {
    tenantId: config.tenant.id,
    tenantDomains: config.tenant.domains,
    graph: t.graph,
    ...(t.exchange ? { exchange: t.exchange } : {}),
    now: () => new Date(),
    poll: { attempts: 6, delayMs: 5_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  };
}
