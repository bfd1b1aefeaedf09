/**
 * Microsoft Graph adapter: the SDK client built from an injected TokenCredential (its default middleware chain,
 * RetryHandler included), typed calls for what mailwarden reads and writes, an abort signal on every call and
 * typed errors. Ids and UPNs are always URL-encoded: they are attacker-influenced.
 */
import { Client, PageIterator, type PageCollection } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import type { TokenCredential } from "@azure/identity";
import { toGraphApiError } from "./errors.js";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

const GRAPH_HOSTS = new Set([
  "graph.microsoft.com",
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "graph.microsoft.de",
  "microsoftgraph.chinacloudapi.cn",
  "canary.graph.microsoft.com",
]);

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName?: string | null;
  mail?: string | null;
  accountEnabled?: boolean;
  onPremisesSyncEnabled?: boolean | null;
  signInSessionsValidFromDateTime?: string | null;
  userType?: string | null;
}

export interface GraphRecipient {
  emailAddress: { name?: string; address?: string };
}

export interface GraphRulePredicates {
  bodyContains?: string[];
  bodyOrSubjectContains?: string[];
  senderContains?: string[];
  subjectContains?: string[];
  recipientContains?: string[];
  fromAddresses?: GraphRecipient[];
  sentToAddresses?: GraphRecipient[];
  hasAttachments?: boolean;
  [k: string]: unknown;
}

export interface GraphRuleActions {
  forwardTo?: GraphRecipient[];
  redirectTo?: GraphRecipient[];
  forwardAsAttachmentTo?: GraphRecipient[];
  delete?: boolean;
  permanentDelete?: boolean;
  moveToFolder?: string;
  copyToFolder?: string;
  markAsRead?: boolean;
  markImportance?: string;
  stopProcessingRules?: boolean;
  assignCategories?: string[];
}

export interface GraphMessageRule {
  id: string;
  displayName: string;
  sequence?: number;
  isEnabled: boolean;
  hasError?: boolean;
  isReadOnly?: boolean;
  conditions?: GraphRulePredicates;
  exceptions?: GraphRulePredicates;
  actions?: GraphRuleActions;
}

export interface GraphMailFolder {
  id: string;
  displayName: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface GraphAdapterOptions {
  credential: TokenCredential;
  /** e.g. https://graph.microsoft.com/ (the SDK appends the version). */
  baseUrl?: string;
}

const enc = encodeURIComponent;

export class GraphAdapter {
  readonly client: Client;

  constructor(opts: GraphAdapterOptions) {
    const baseUrl = (opts.baseUrl ?? "https://graph.microsoft.com/").replace(/\/?$/, "/");
    const host = new URL(baseUrl).hostname;
    this.client = Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(opts.credential, { scopes: [GRAPH_SCOPE] }),
      baseUrl,
      defaultVersion: "v1.0",
      // The SDK only attaches the token for Graph hosts or customHosts (bare host names).
      ...(GRAPH_HOSTS.has(host) ? {} : { customHosts: new Set([host]) }),
    });
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toGraphApiError(e, what);
    }
  }

  async listUsers(opts: CallOptions & { select?: string[]; pageSize?: number } = {}): Promise<GraphUser[]> {
    const select = opts.select ?? [
      "id",
      "userPrincipalName",
      "displayName",
      "mail",
      "accountEnabled",
      "onPremisesSyncEnabled",
      "userType",
    ];
    return this.call("GET /users", async () => {
      const first = (await this.client
        .api("/users")
        .select(select)
        .top(opts.pageSize ?? 100)
        .option("signal", opts.signal)
        .get()) as PageCollection;
      const users: GraphUser[] = [];
      const it = new PageIterator(
        this.client,
        first,
        (u) => {
          users.push(u as GraphUser);
          return true;
        },
        { options: { signal: opts.signal } },
      );
      await it.iterate();
      return users;
    });
  }

  getUser(idOrUpn: string, opts: CallOptions & { select?: string[] } = {}): Promise<GraphUser> {
    const select = opts.select ?? [
      "id",
      "userPrincipalName",
      "displayName",
      "mail",
      "accountEnabled",
      "onPremisesSyncEnabled",
      "signInSessionsValidFromDateTime",
    ];
    return this.call(
      `GET /users/{id}`,
      async () =>
        (await this.client
          .api(`/users/${enc(idOrUpn)}`)
          .select(select)
          .option("signal", opts.signal)
          .get()) as GraphUser,
    );
  }

  listMessageRules(userId: string, opts: CallOptions = {}): Promise<GraphMessageRule[]> {
    return this.call("GET messageRules", async () => {
      const r = (await this.client
        .api(`/users/${enc(userId)}/mailFolders/inbox/messageRules`)
        .option("signal", opts.signal)
        .get()) as { value?: GraphMessageRule[] };
      return r.value ?? [];
    });
  }

  getMessageRule(userId: string, ruleId: string, opts: CallOptions = {}): Promise<GraphMessageRule> {
    return this.call(
      "GET messageRule",
      async () =>
        (await this.client
          .api(`/users/${enc(userId)}/mailFolders/inbox/messageRules/${enc(ruleId)}`)
          .option("signal", opts.signal)
          .get()) as GraphMessageRule,
    );
  }

  updateMessageRule(
    userId: string,
    ruleId: string,
    patch: Partial<
      Pick<GraphMessageRule, "isEnabled" | "displayName" | "sequence" | "actions" | "conditions">
    >,
    opts: CallOptions = {},
  ): Promise<GraphMessageRule> {
    return this.call(
      "PATCH messageRule",
      async () =>
        (await this.client
          .api(`/users/${enc(userId)}/mailFolders/inbox/messageRules/${enc(ruleId)}`)
          .option("signal", opts.signal)
          .patch(patch)) as GraphMessageRule,
    );
  }

  getMailFolder(userId: string, folderId: string, opts: CallOptions = {}): Promise<GraphMailFolder> {
    return this.call(
      "GET mailFolder",
      async () =>
        (await this.client
          .api(`/users/${enc(userId)}/mailFolders/${enc(folderId)}`)
          .select(["id", "displayName"])
          .option("signal", opts.signal)
          .get()) as GraphMailFolder,
    );
  }

  /** Documented as 204, answered 200 `{value:true}` in practice: any 2xx is success (apis.md A3). */
  revokeSignInSessions(userId: string, opts: CallOptions = {}): Promise<void> {
    return this.call("POST revokeSignInSessions", async () => {
      await this.client
        .api(`/users/${enc(userId)}/revokeSignInSessions`)
        .option("signal", opts.signal)
        .post({});
    });
  }
}
