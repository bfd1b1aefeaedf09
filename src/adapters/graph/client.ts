/**
 * Microsoft Graph adapter: the SDK client built from an injected TokenCredential (its default middleware chain,
 * RetryHandler included), typed calls for what mailwarden reads and writes, an abort signal on every call and
 * typed errors. Ids and UPNs are always URL-encoded: they are attacker-influenced.
 */
import {
  Client,
  HTTPMessageHandler,
  MiddlewareFactory,
  PageIterator,
  RetryHandlerOptions,
  type Context,
  type Middleware,
  type PageCollection,
} from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import type { TokenCredential } from "@azure/identity";
import pLimit, { type LimitFunction } from "p-limit";
import pThrottle from "p-throttle";
import { trustingFetch, type FetchLike } from "../tls.js";
import { recordRequestId } from "../request-ids.js";
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

export interface GraphRiskyUser {
  id: string;
  userPrincipalName?: string;
  riskLevel?: string;
  riskState?: string;
  riskDetail?: string;
}

export interface GraphComment {
  comment: string;
  createdByDisplayName?: string;
  createdDateTime?: string;
}

export interface GraphMailFolder {
  id: string;
  displayName: string;
}

/** A delegated permission grant (oauth2PermissionGrant). It carries no creation time. */
export interface GraphOAuth2Grant {
  id: string;
  clientId: string;
  consentType: "AllPrincipals" | "Principal";
  principalId: string | null;
  resourceId: string;
  scope: string;
}

export interface GraphAppRoleAssignment {
  id: string;
  appRoleId: string;
  createdDateTime?: string | null;
  principalId: string;
  principalDisplayName?: string | null;
  resourceId: string;
  resourceDisplayName?: string | null;
}

/** An authentication method; `@odata.type` names the type, and only some types carry createdDateTime. */
export interface GraphAuthMethod {
  "@odata.type": string;
  id: string;
  createdDateTime?: string | null;
  displayName?: string | null;
  phoneNumber?: string | null;
  phoneType?: string | null;
  emailAddress?: string | null;
  [k: string]: unknown;
}

export interface GraphDirectoryAudit {
  id: string;
  activityDisplayName: string;
  activityDateTime: string;
  category?: string;
  result?: string;
  resultReason?: string | null;
  loggedByService?: string;
  initiatedBy?: {
    user?: { id?: string | null; userPrincipalName?: string | null; ipAddress?: string | null } | null;
    app?: { appId?: string | null; displayName?: string | null } | null;
  };
  targetResources?: { id?: string | null; displayName?: string | null; type?: string | null }[];
  additionalDetails?: { key?: string | null; value?: string | null }[];
}

export interface GraphAutomaticReplies {
  status: "disabled" | "alwaysEnabled" | "scheduled";
  externalAudience: "none" | "contactsOnly" | "all";
  internalReplyMessage: string;
  externalReplyMessage: string;
  scheduledStartDateTime?: { dateTime: string; timeZone: string } | null;
  scheduledEndDateTime?: { dateTime: string; timeZone: string } | null;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface GraphAdapterOptions {
  credential: TokenCredential;
  /** e.g. https://graph.microsoft.com/ (the SDK appends the version). */
  baseUrl?: string;
  /** Bound on each call, retries included (default 120 s): a held response never hangs a step. */
  timeoutMs?: number;
  /** Own retries of a 429 that carries no Retry-After (default 4), and the sleep between them (tests inject it). */
  throttleRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The fetch the SDK's last middleware calls. Default: {@link trustingFetch} — Node's fetch, or undici's with the
   * extra CA when trustCaInProcess was given one (the SDK itself always calls the global fetch).
   */
  fetch?: FetchLike;
}

/** The SDK's HTTPMessageHandler, with the fetch given instead of the global one. */
class FetchHandler implements Middleware {
  constructor(private readonly fetchImpl: FetchLike) {}
  async execute(context: Context): Promise<void> {
    // GraphRequest always sends a URL string; its method, headers, body and signal are in `options`.
    const request = context.request as unknown;
    const url = typeof request === "string" ? request : (request as { url: string }).url;
    context.response = await this.fetchImpl(url, context.options);
    recordRequestId(context.options?.method, context.response.headers);
  }
}

/** The SDK's default middleware chain (auth, retry, redirect, telemetry) ending in `fetchImpl`. */
function middlewareChain(authProvider: TokenCredentialAuthenticationProvider, fetchImpl: FetchLike) {
  return MiddlewareFactory.getDefaultMiddlewareChain(authProvider).map((m) =>
    m instanceof HTTPMessageHandler ? new FetchHandler(fetchImpl) : m,
  );
}

/**
 * The SDK's RetryHandler keeps what it does well — 429 with Retry-After, 503, 504 — and leaves a 429 without
 * Retry-After (Identity Protection, some Outlook throttling) to mailwarden's own policy below: exponential backoff
 * with jitter on an injectable sleep, after the SDK's fixed delays would only have made the throttling worse.
 */
const sdkRetry = new RetryHandlerOptions(
  3,
  3,
  (_delay, _attempt, _request, _options, response) =>
    response.status !== 429 || response.headers.has("retry-after"),
);

export function throttleBackoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 2_000 * 2 ** attempt);
  return Math.round(base * (0.5 + random() / 2));
}

const enc = encodeURIComponent;

/** An OData string literal: quoted, with quotes doubled (the value stays data). */
export const odataString = (v: string) => `'${v.replaceAll("'", "''")}'`;

/** A dropped connection is not a rate limit: retried quickly, twice (callers such as scan retry further). */
const NETWORK_RETRIES = 2;
export function networkBackoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(500 * 2 ** attempt * (0.5 + random() / 2));
}

export class GraphAdapter {
  readonly client: Client;

  private readonly timeoutMs: number;
  private readonly throttleRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: GraphAdapterOptions) {
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.throttleRetries = opts.throttleRetries ?? 4;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const baseUrl = (opts.baseUrl ?? "https://graph.microsoft.com/").replace(/\/?$/, "/");
    const host = new URL(baseUrl).hostname;
    const authProvider = new TokenCredentialAuthenticationProvider(opts.credential, {
      scopes: [GRAPH_SCOPE],
    });
    this.client = Client.initWithMiddleware({
      middleware: middlewareChain(authProvider, opts.fetch ?? trustingFetch),
      baseUrl,
      defaultVersion: "v1.0",
      // The SDK only attaches the token for Graph hosts or customHosts (bare host names).
      ...(GRAPH_HOSTS.has(host) ? {} : { customHosts: new Set([host]) }),
    });
  }

  /**
   * Identity Protection allows 1 request per second per tenant and throttles without Retry-After (apis.md A5/A8):
   * its calls are paced (1.25 s apart: a margin for network and event-loop jitter) instead of retried into the limit.
   */
  private readonly identityProtection = pThrottle({ limit: 1, interval: 1_250 })(<T>(fn: () => Promise<T>) =>
    fn(),
  );
  /** Outlook-backed calls: at most 4 concurrent requests per app per mailbox (MailboxConcurrency, apis.md A8). */
  private readonly mailboxLanes = new Map<string, LimitFunction>();

  /** A request with the adapter's retry options. */
  private req(path: string) {
    return this.client.api(path).middlewareOptions([sdkRetry]);
  }

  /** The caller's signal, bounded by the adapter's per-call timeout. */
  private bounded(signal: AbortSignal | undefined): AbortSignal {
    const t = AbortSignal.timeout(this.timeoutMs);
    return signal ? AbortSignal.any([signal, t]) : t;
  }

  private async call<T>(
    what: string,
    fn: () => Promise<T>,
    lane?: { mailbox: string } | "identityProtection",
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(fn, lane);
      } catch (e) {
        const err = toGraphApiError(e, what);
        // 429 without Retry-After: the request was not processed, so a retry is safe for writes too.
        if (err.kind === "throttled" && err.retryAfterMs === undefined && attempt < this.throttleRetries) {
          await this.sleep(throttleBackoffMs(attempt));
          continue;
        }
        // A dropped connection: the outcome is unknown, so only requests that may be repeated are retried — reads,
        // and PATCH (setting the same values again). POST (revoke, create) and DELETE are not: the action's
        // re-read on the next attempt decides.
        if (err.kind === "network" && /^(GET|PATCH) /.test(what) && attempt < NETWORK_RETRIES) {
          await this.sleep(networkBackoffMs(attempt));
          continue;
        }
        throw err;
      }
    }
  }

  private async once<T>(fn: () => Promise<T>, lane?: { mailbox: string } | "identityProtection"): Promise<T> {
    if (lane === "identityProtection") return await this.identityProtection<T>(fn);
    if (lane) {
      const key = lane.mailbox.toLowerCase();
      let limit = this.mailboxLanes.get(key);
      if (!limit) this.mailboxLanes.set(key, (limit = pLimit(4)));
      return await limit(fn);
    }
    return await fn();
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
      const first = (await this.req("/users")
        .select(select)
        .top(opts.pageSize ?? 100)
        .option("signal", this.bounded(opts.signal))
        .get()) as PageCollection;
      const users: GraphUser[] = [];
      const it = new PageIterator(
        this.client,
        first,
        (u) => {
          users.push(u as GraphUser);
          return true;
        },
        { options: { signal: this.bounded(opts.signal) }, middlewareOptions: [sdkRetry] },
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
        (await this.req(`/users/${enc(idOrUpn)}`)
          .select(select)
          .option("signal", this.bounded(opts.signal))
          .get()) as GraphUser,
    );
  }

  listMessageRules(userId: string, opts: CallOptions = {}): Promise<GraphMessageRule[]> {
    return this.call(
      "GET messageRules",
      async () => {
        const r = (await this.req(`/users/${enc(userId)}/mailFolders/inbox/messageRules`)
          .option("signal", this.bounded(opts.signal))
          .get()) as { value?: GraphMessageRule[] };
        return r.value ?? [];
      },
      { mailbox: userId },
    );
  }

  getMessageRule(userId: string, ruleId: string, opts: CallOptions = {}): Promise<GraphMessageRule> {
    return this.call(
      "GET messageRule",
      async () =>
        (await this.req(`/users/${enc(userId)}/mailFolders/inbox/messageRules/${enc(ruleId)}`)
          .option("signal", this.bounded(opts.signal))
          .get()) as GraphMessageRule,
      { mailbox: userId },
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
        (await this.req(`/users/${enc(userId)}/mailFolders/inbox/messageRules/${enc(ruleId)}`)
          .option("signal", this.bounded(opts.signal))
          .patch(patch)) as GraphMessageRule,
      { mailbox: userId },
    );
  }

  /** POST …/messageRules → 201 with the new rule (a new id: a re-created rule is never the old one). */
  createMessageRule(
    userId: string,
    rule: Pick<GraphMessageRule, "displayName" | "sequence" | "isEnabled" | "actions"> &
      Partial<Pick<GraphMessageRule, "conditions" | "exceptions">>,
    opts: CallOptions = {},
  ): Promise<GraphMessageRule> {
    return this.call(
      "POST messageRule",
      async () =>
        (await this.req(`/users/${enc(userId)}/mailFolders/inbox/messageRules`)
          .option("signal", this.bounded(opts.signal))
          .post(rule)) as GraphMessageRule,
      { mailbox: userId },
    );
  }

  /** DELETE …/messageRules/{id} → 204. */
  deleteMessageRule(userId: string, ruleId: string, opts: CallOptions = {}): Promise<void> {
    return this.call(
      "DELETE messageRule",
      async () => {
        await this.req(`/users/${enc(userId)}/mailFolders/inbox/messageRules/${enc(ruleId)}`)
          .option("signal", this.bounded(opts.signal))
          .delete();
      },
      { mailbox: userId },
    );
  }

  getMailFolder(userId: string, folderId: string, opts: CallOptions = {}): Promise<GraphMailFolder> {
    return this.call(
      "GET mailFolder",
      async () =>
        (await this.req(`/users/${enc(userId)}/mailFolders/${enc(folderId)}`)
          .select(["id", "displayName"])
          .option("signal", this.bounded(opts.signal))
          .get()) as GraphMailFolder,
      { mailbox: userId },
    );
  }

  /** Documented as 204, answered 200 `{value:true}` in practice: any 2xx is success (apis.md A3). */
  revokeSignInSessions(userId: string, opts: CallOptions = {}): Promise<void> {
    return this.call("POST revokeSignInSessions", async () => {
      await this.req(`/users/${enc(userId)}/revokeSignInSessions`)
        .option("signal", this.bounded(opts.signal))
        .post({});
    });
  }

  /** PATCH /users/{id}: 204 (accountEnabled, passwordProfile…). */
  updateUser(
    userId: string,
    patch: { accountEnabled?: boolean; passwordProfile?: { forceChangePasswordNextSignIn: boolean } },
    opts: CallOptions = {},
  ): Promise<void> {
    return this.call("PATCH /users/{id}", async () => {
      await this.req(`/users/${enc(userId)}`)
        .option("signal", this.bounded(opts.signal))
        .patch(patch);
    });
  }

  getRiskyUser(userId: string, opts: CallOptions = {}): Promise<GraphRiskyUser> {
    return this.call(
      "GET riskyUser",
      async () =>
        (await this.req(`/identityProtection/riskyUsers/${enc(userId)}`)
          .option("signal", this.bounded(opts.signal))
          .get()) as GraphRiskyUser,
      "identityProtection",
    );
  }

  /** POST …/riskyUsers/confirmCompromised or /dismiss with `{userIds}`: 204. */
  riskyUsersAction(
    action: "confirmCompromised" | "dismiss",
    userIds: string[],
    opts: CallOptions = {},
  ): Promise<void> {
    return this.call(
      `POST riskyUsers/${action}`,
      async () => {
        await this.req(`/identityProtection/riskyUsers/${action}`)
          .option("signal", this.bounded(opts.signal))
          .post({ userIds });
      },
      "identityProtection",
    );
  }

  /**
   * Defender XDR alerts or incidents (incidents with their alerts) created at or after `since` (Graph
   * `GET /security/alerts_v2` or `/security/incidents?$expand=alerts`, `$filter=createdDateTime ge …`;
   * SecurityAlert.Read.All / SecurityIncident.Read.All), every page.
   */
  async listSecurity(
    kind: "alerts" | "incidents",
    o: CallOptions & { since?: string; pageSize?: number } = {},
  ): Promise<Record<string, unknown>[]> {
    const path = kind === "alerts" ? "/security/alerts_v2" : "/security/incidents";
    return this.call(`GET ${path}`, async () => {
      let r = this.req(path)
        .top(o.pageSize ?? 100)
        .option("signal", this.bounded(o.signal));
      if (kind === "incidents") r = r.expand("alerts");
      if (o.since) r = r.filter(`createdDateTime ge ${o.since}`);
      const first = (await r.get()) as PageCollection;
      const out: Record<string, unknown>[] = [];
      const it = new PageIterator(
        this.client,
        first,
        (x) => {
          out.push(x as Record<string, unknown>);
          return true;
        },
        { options: { signal: this.bounded(o.signal) }, middlewareOptions: [sdkRetry] },
      );
      await it.iterate();
      return out;
    });
  }

  /** Comments of a Defender alert (alerts_v2) or incident. */
  /**
   * Advanced hunting (apis.md A1 [D]): `POST /security/runHuntingQuery` `{Query, Timespan}` → `{schema, results}`.
   * The service stops a query after 3 minutes and returns at most 100,000 rows; throttling (45 calls per minute)
   * comes back as 429 and is handled like every other Graph call. `timeoutMs` bounds this call (default: the
   * adapter's bound, at least 200 s so the service's own 3-minute limit is what a responder sees).
   */
  runHuntingQuery(
    query: string,
    opts: CallOptions & { timespan?: string; timeoutMs?: number } = {},
  ): Promise<{ schema: { name: string; type: string }[]; results: Record<string, unknown>[] }> {
    return this.call("POST /security/runHuntingQuery", async () => {
      const bound = AbortSignal.timeout(opts.timeoutMs ?? Math.max(this.timeoutMs, 200_000));
      const signal = opts.signal ? AbortSignal.any([opts.signal, bound]) : bound;
      const r = (await this.req("/security/runHuntingQuery")
        .option("signal", signal)
        .post({ Query: query, ...(opts.timespan ? { Timespan: opts.timespan } : {}) })) as {
        schema?: { name?: string; Name?: string; type?: string; Type?: string }[];
        results?: Record<string, unknown>[];
      };
      return {
        schema: (r.schema ?? []).map((c) => ({ name: c.name ?? c.Name ?? "", type: c.type ?? c.Type ?? "" })),
        results: r.results ?? [],
      };
    });
  }

  /**
   * `POST /teams/{team-id}/channels/{channel-id}/messages` → 201 with the chatMessage. Needs a *delegated* token
   * (ChannelMessage.Send): Graph refuses app-only tokens outside migration. Not retried on a dropped connection (a
   * second message would be a duplicate); 429/503/504 are retried by the SDK like every call.
   */
  postChannelMessage(
    teamId: string,
    channelId: string,
    message: {
      body: { contentType: "html" | "text"; content: string };
      subject?: string;
      importance?: string;
    },
    opts: CallOptions = {},
  ): Promise<{ id: string; webUrl?: string }> {
    return this.call(
      "POST channel message",
      async () =>
        (await this.req(`/teams/${enc(teamId)}/channels/${enc(channelId)}/messages`)
          .option("signal", this.bounded(opts.signal))
          .post(message)) as { id: string; webUrl?: string },
    );
  }

  async listComments(
    kind: "alert" | "incident",
    id: string,
    opts: CallOptions = {},
  ): Promise<GraphComment[]> {
    const path = kind === "alert" ? `/security/alerts_v2/${enc(id)}` : `/security/incidents/${enc(id)}`;
    return this.call(`GET ${kind}`, async () => {
      const e = (await this.req(path).option("signal", this.bounded(opts.signal)).get()) as {
        comments?: GraphComment[];
      };
      return e.comments ?? [];
    });
  }

  addComment(
    kind: "alert" | "incident",
    id: string,
    comment: string,
    opts: CallOptions = {},
  ): Promise<GraphComment[]> {
    const path =
      kind === "alert"
        ? `/security/alerts_v2/${enc(id)}/comments`
        : `/security/incidents/${enc(id)}/comments`;
    return this.call(`POST ${kind} comment`, async () => {
      const r = (await this.req(path)
        .option("signal", this.bounded(opts.signal))
        .post({ "@odata.type": "microsoft.graph.security.alertComment", comment })) as {
        value?: GraphComment[];
      };
      return r.value ?? [];
    });
  }

  /** Every page of a collection (the SDK's PageIterator follows @odata.nextLink on the same host). */
  private listAll<T>(
    what: string,
    path: string,
    opts: CallOptions & { filter?: string; select?: string[]; top?: number },
    lane?: { mailbox: string },
  ): Promise<T[]> {
    return this.call(
      what,
      async () => {
        let r = this.req(path).option("signal", this.bounded(opts.signal));
        if (opts.filter) r = r.filter(opts.filter);
        if (opts.select) r = r.select(opts.select);
        if (opts.top) r = r.top(opts.top);
        const first = (await r.get()) as PageCollection;
        const out: T[] = [];
        const it = new PageIterator(
          this.client,
          first,
          (x) => {
            out.push(x as T);
            return true;
          },
          { options: { signal: this.bounded(opts.signal) }, middlewareOptions: [sdkRetry] },
        );
        await it.iterate();
        return out;
      },
      lane,
    );
  }

  /** `GET /oauth2PermissionGrants?$filter=principalId eq '…'`: the user's own delegated consents. */
  listUserOAuth2Grants(userId: string, opts: CallOptions = {}): Promise<GraphOAuth2Grant[]> {
    return this.listAll("GET /oauth2PermissionGrants", "/oauth2PermissionGrants", {
      ...opts,
      filter: `principalId eq ${odataString(userId)}`,
    });
  }

  /** `DELETE /oauth2PermissionGrants/{id}` → 204. */
  deleteOAuth2Grant(id: string, opts: CallOptions = {}): Promise<void> {
    return this.call("DELETE /oauth2PermissionGrants/{id}", async () => {
      await this.req(`/oauth2PermissionGrants/${enc(id)}`)
        .option("signal", this.bounded(opts.signal))
        .delete();
    });
  }

  /** `POST /oauth2PermissionGrants` → 201 with the grant (a new id). */
  createOAuth2Grant(grant: Omit<GraphOAuth2Grant, "id">, opts: CallOptions = {}): Promise<GraphOAuth2Grant> {
    return this.call(
      "POST /oauth2PermissionGrants",
      async () =>
        (await this.req("/oauth2PermissionGrants")
          .option("signal", this.bounded(opts.signal))
          .post(grant)) as GraphOAuth2Grant,
    );
  }

  listAppRoleAssignments(userId: string, opts: CallOptions = {}): Promise<GraphAppRoleAssignment[]> {
    return this.listAll("GET appRoleAssignments", `/users/${enc(userId)}/appRoleAssignments`, opts);
  }

  deleteAppRoleAssignment(userId: string, id: string, opts: CallOptions = {}): Promise<void> {
    return this.call("DELETE appRoleAssignment", async () => {
      await this.req(`/users/${enc(userId)}/appRoleAssignments/${enc(id)}`)
        .option("signal", this.bounded(opts.signal))
        .delete();
    });
  }

  createAppRoleAssignment(
    userId: string,
    a: { principalId: string; resourceId: string; appRoleId: string },
    opts: CallOptions = {},
  ): Promise<GraphAppRoleAssignment> {
    return this.call(
      "POST appRoleAssignment",
      async () =>
        (await this.req(`/users/${enc(userId)}/appRoleAssignments`)
          .option("signal", this.bounded(opts.signal))
          .post(a)) as GraphAppRoleAssignment,
    );
  }

  listAuthMethods(userId: string, opts: CallOptions = {}): Promise<GraphAuthMethod[]> {
    return this.listAll("GET authentication/methods", `/users/${enc(userId)}/authentication/methods`, opts);
  }

  /** `DELETE /users/{id}/authentication/{segment}/{id}`; `segment` is one of mailwarden's own constants. */
  deleteAuthMethod(userId: string, segment: string, id: string, opts: CallOptions = {}): Promise<void> {
    if (!/^[a-zA-Z0-9]+Methods$/.test(segment))
      throw new Error(`not an authentication method segment: ${segment}`);
    return this.call(`DELETE authentication/${segment}`, async () => {
      await this.req(`/users/${enc(userId)}/authentication/${segment}/${enc(id)}`)
        .option("signal", this.bounded(opts.signal))
        .delete();
    });
  }

  /**
   * `GET /auditLogs/directoryAudits` for one activity initiated by one user since a time (newest first). The
   * values are OData literals (quoted, quotes doubled; the time re-serialised), never raw text in the query.
   */
  listUserDirectoryAudits(
    q: { activity: string; userId: string; since: string },
    opts: CallOptions = {},
  ): Promise<GraphDirectoryAudit[]> {
    const since = new Date(q.since);
    if (Number.isNaN(since.getTime())) throw new Error(`not a time: ${q.since}`);
    const filter = [
      `activityDisplayName eq ${odataString(q.activity)}`,
      `initiatedBy/user/id eq ${odataString(q.userId)}`,
      `activityDateTime ge ${since.toISOString()}`,
    ].join(" and ");
    return this.listAll("GET /auditLogs/directoryAudits", "/auditLogs/directoryAudits", { ...opts, filter });
  }

  /** `GET /users/{id}/mailboxSettings?$select=automaticRepliesSetting` (Outlook lane). */
  getAutomaticReplies(userId: string, opts: CallOptions = {}): Promise<GraphAutomaticReplies> {
    return this.call(
      "GET mailboxSettings",
      async () => {
        const r = (await this.req(`/users/${enc(userId)}/mailboxSettings`)
          .select(["automaticRepliesSetting"])
          .option("signal", this.bounded(opts.signal))
          .get()) as { automaticRepliesSetting: GraphAutomaticReplies };
        return r.automaticRepliesSetting;
      },
      { mailbox: userId },
    );
  }

  /** `PATCH /users/{id}/mailboxSettings` `{automaticRepliesSetting}` → 200. */
  updateAutomaticReplies(
    userId: string,
    setting: Partial<GraphAutomaticReplies>,
    opts: CallOptions = {},
  ): Promise<void> {
    return this.call(
      "PATCH mailboxSettings",
      async () => {
        await this.req(`/users/${enc(userId)}/mailboxSettings`)
          .option("signal", this.bounded(opts.signal))
          .patch({ automaticRepliesSetting: setting });
      },
      { mailbox: userId },
    );
  }
}
