/**
 * Builds the TokenCredential from config. Every adapter takes an injected credential; nothing else reads secrets.
 */
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from "@azure/identity";
import type { Config } from "../config/schema.js";

const PUBLIC_AUTHORITY = "https://login.microsoftonline.com";

export function createCredential(config: Config, env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const authorityHost = config.endpoints.authorityHost.replace(/\/+$/, "");
  // Instance discovery only makes sense against Microsoft's clouds; a private authority (the emulated tenant,
  // Azure Stack) has no discovery endpoint.
  const common = { authorityHost, disableInstanceDiscovery: authorityHost !== PUBLIC_AUTHORITY };
  const c = config.credential;
  switch (c.type) {
    case "clientSecret":
      if (!c.clientSecret) throw new Error("credential.clientSecret is not set");
      return new ClientSecretCredential(config.tenant.id, c.clientId, c.clientSecret, common);
    case "certificate":
      return new ClientCertificateCredential(
        config.tenant.id,
        c.clientId,
        {
          certificatePath: c.certificatePath,
          ...(c.certificatePasswordEnv && env[c.certificatePasswordEnv]
            ? { certificatePassword: env[c.certificatePasswordEnv] }
            : {}),
        },
        common,
      );
    case "managedIdentity":
      return c.clientId
        ? new ManagedIdentityCredential({ clientId: c.clientId })
        : new ManagedIdentityCredential();
    case "default":
      return new DefaultAzureCredential({ tenantId: config.tenant.id, authorityHost });
  }
}

/** The client id the Exchange connection needs (Connect-ExchangeOnline -AppId). */
export function credentialClientId(config: Config): string | undefined {
  const c = config.credential;
  return "clientId" in c ? c.clientId : undefined;
}
