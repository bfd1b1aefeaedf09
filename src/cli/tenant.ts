/**
 * Opens the configured tenant: one credential, the Graph adapter, and (when enabled) the Exchange client over
 * the PowerShell bridge, all from config.
 */
import type { TokenCredential } from "@azure/identity";
import { createCredential, credentialClientId } from "../adapters/credential.js";
import { GraphAdapter } from "../adapters/graph/client.js";
import { createExchangeClient, type ExchangeClient } from "../adapters/exo/client.js";
import type { Config } from "../config/schema.js";

export interface TenantHandles {
  credential: TokenCredential;
  graph: GraphAdapter;
  exchange?: ExchangeClient;
  close(): Promise<void>;
}

export function openTenant(config: Config): TenantHandles {
  const credential = createCredential(config);
  const graph = new GraphAdapter({ credential, baseUrl: config.endpoints.graphBaseUrl });
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
      ...(config.endpoints.exchangeConnectionUri ? { connectionUri: config.endpoints.exchangeConnectionUri } : {}),
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
