/**
 * Builds the TokenCredential from config. Every adapter takes an injected credential; nothing else reads secrets.
 */
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from "@azure/identity";
import type { Config } from "../config/schema.js";
import { trustedHttpsAgent } from "./tls.js";

const PUBLIC_AUTHORITY = "https://login.microsoftonline.com";

export function createCredential(config: Config, env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const authorityHost = config.endpoints.authorityHost.replace(/\/+$/, "");
  // Instance discovery only makes sense against Microsoft's clouds; a private authority (the emulated tenant,
  // Azure Stack) has no discovery endpoint.
  const transport = extraCaTransport();
  const common = {
    authorityHost,
    disableInstanceDiscovery: authorityHost !== PUBLIC_AUTHORITY,
    ...transport,
  };
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
        ? new ManagedIdentityCredential({ clientId: c.clientId, ...transport })
        : new ManagedIdentityCredential(transport);
    case "default":
      return new DefaultAzureCredential({ tenantId: config.tenant.id, authorityHost, ...transport });
  }
}

/**
 * The extra CA (endpoints.caFile), when trustCaInProcess was given one: a pipeline policy that hands HTTPS requests an
 * https.Agent trusting it. Not the pipeline's `agent` option: that would also be used for the plain-HTTP managed
 * identity endpoints (IMDS), where an https.Agent fails.
 */
export function extraCaTransport(): Pick<TokenCredentialOptions, "additionalPolicies"> {
  const agent = trustedHttpsAgent();
  if (!agent) return {};
  return {
    additionalPolicies: [
      {
        position: "perCall",
        policy: {
          name: "mailwardenExtraCa",
          sendRequest: (request, next) => {
            if (request.url.startsWith("https:") && !request.agent) request.agent = agent;
            return next(request);
          },
        },
      },
    ],
  };
}

/** The client id the Exchange connection needs (Connect-ExchangeOnline -AppId). */
export function credentialClientId(config: Config): string | undefined {
  const c = config.credential;
  return "clientId" in c ? c.clientId : undefined;
}
