/**
 * The resources the emulated tenant issues tokens for, and the directory role template ids it knows (for the
 * `wids` claim). Role template ids are Microsoft's published built-in role ids.
 */
import type { Audience } from "./context.js";

export interface ResourceInfo {
  audience: Audience;
  /** Application ID URI, the `aud` of issued tokens. */
  uri: string;
  /** First-party application id, also accepted as a scope prefix and an `aud`. */
  appId: string;
}

export const RESOURCES: Record<Audience, ResourceInfo> = {
  graph: {
    audience: "graph",
    uri: "https://graph.microsoft.com",
    appId: "00000003-0000-0000-c000-000000000000",
  },
  exchange: {
    audience: "exchange",
    uri: "https://outlook.office365.com",
    appId: "00000002-0000-0ff1-ce00-000000000000",
  },
  // Log Analytics API (Sentinel workspaces): scope https://api.loganalytics.io/.default [D Log Analytics API].
  loganalytics: {
    audience: "loganalytics",
    uri: "https://api.loganalytics.io",
    appId: "ca7f3f0b-7d91-482c-8e09-c5d840d0eac5",
  },
};

/** The resource a scope prefix (the part before `/.default`) names, if any. Case-insensitive, trailing `/` ignored. */
export function resourceForIdentifier(identifier: string): ResourceInfo | undefined {
  const id = identifier.toLowerCase().replace(/\/+$/, "");
  return Object.values(RESOURCES).find((r) => r.uri === id || r.appId === id);
}

const ROLE_TEMPLATE_IDS: Record<string, string> = {
  "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
  "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
  "Exchange Recipient Administrator": "31392ffb-586c-42d1-9346-e59415a2cc4e",
  "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
  "Security Operator": "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f",
  "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
  "Privileged Authentication Administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
  "Global Reader": "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
};

/** Role template ids for the given role display names (unknown names are skipped). */
export function roleTemplateIds(roles: readonly string[]): string[] {
  return roles.flatMap((r) => {
    const id = ROLE_TEMPLATE_IDS[r];
    return id ? [id] : [];
  });
}
