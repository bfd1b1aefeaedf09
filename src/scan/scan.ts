/**
 * `scan`: read each mailbox's live state — inbox rules through Graph and through Exchange (hidden included) and
 * mailbox forwarding through Exchange — join the two views of each rule without any inferred id mapping, and turn
 * what the rule analysis flags into hits.
 */
import type { GraphAdapter, GraphMessageRule, GraphUser } from "../adapters/graph/client.js";
import { isNotFound } from "../adapters/errors.js";
import {
  computeHitKey,
  HIT_SCHEMA_VERSION,
  severityFromScore,
  type Hit,
  type HitTarget,
} from "../model/hit.js";
import {
  analyzeDelegation,
  analyzeForwarding,
  analyzeRule,
  analyzeTransportRule,
  type RuleAnalysis,
} from "../rules/analyze.js";
import { isSystemRule } from "../rules/system.js";
import { resolveRuleFolders } from "../rules/graph-folders.js";
import {
  contentFingerprint,
  normalizeExoRule,
  normalizeGraphRule,
  type ExoRuleLike,
  type NormalRule,
} from "../rules/normalize.js";

export interface ExoRuleRecord extends ExoRuleLike {
  ruleIdentity: string;
}

export interface ExoMailboxRecord {
  userPrincipalName?: string | null;
  primarySmtpAddress?: string | null;
  externalDirectoryObjectId?: string | null;
  forwardingSmtpAddress?: string | null;
  forwardingAddress?: string | null;
  deliverToMailboxAndForward?: boolean | null;
  grantSendOnBehalfTo?: string[] | null;
}

export interface ExoPermissionRecord {
  user: string;
  accessRights: string[];
  isInherited: boolean;
  deny: boolean;
}
export interface ExoSendAsRecord {
  trustee: string;
  accessRights: string[];
  accessControlType: string | null;
  isInherited: boolean;
}
export interface ExoFolderPermissionRecord {
  identity: string;
  user: string;
  accessRights: string[];
}
export interface ExoTransportRuleRecord {
  name: string;
  guid: string;
  state: string;
  blindCopyTo: string[];
  redirectMessageTo: string[];
  copyTo: string[];
  addToRecipients: string[];
  deleteMessage: boolean;
}

/** What scan needs from Exchange (implemented by the ExchangeClient over the PowerShell bridge). */
export interface ExchangeReader {
  getInboxRules(
    mailbox: string,
    opts?: { includeHidden?: boolean; signal?: AbortSignal },
  ): Promise<ExoRuleRecord[]>;
  getMailbox(identity: string, opts?: { signal?: AbortSignal }): Promise<ExoMailboxRecord>;
  getMailboxPermissions?(identity: string, opts?: { signal?: AbortSignal }): Promise<ExoPermissionRecord[]>;
  getRecipientPermissions?(identity: string, opts?: { signal?: AbortSignal }): Promise<ExoSendAsRecord[]>;
  getFolderPermissions?(
    folderIdentity: string,
    opts?: { signal?: AbortSignal },
  ): Promise<ExoFolderPermissionRecord[]>;
  getTransportRules?(opts?: { signal?: AbortSignal }): Promise<ExoTransportRuleRecord[]>;
}

/** One rule as both transports see it. */
export interface JoinedRule {
  name: string;
  enabled: boolean;
  ruleIdentity?: string;
  graphRuleId?: string;
  hidden: boolean;
  graphReadOnly: boolean;
  system: boolean;
  fingerprint: string;
  normal: NormalRule;
  /** How the Graph and Exchange views were paired. */
  joinedBy: "fingerprint" | "name" | "graph-only" | "exchange-only";
}

export interface MailboxScan {
  userId: string;
  upn: string;
  rules: JoinedRule[];
  forwarding?: {
    forwardingSmtpAddress: string | null;
    forwardingAddress: string | null;
    deliverToMailboxAndForward: boolean;
  };
  errors: string[];
}

/**
 * Something the scan could not read, after the adapters' retries: one mailbox's surface, or a listing page. The
 * hits are true but incomplete: a caller must not treat the job as done (`scan` exits EXIT.incomplete).
 */
export interface NotScanned {
  /** The mailbox (its UPN, or the id or UPN asked for with --user) whose surface could not be read. */
  mailbox?: string;
  /** Its Entra object id, when known. */
  userId?: string;
  /** A listing that could not be read (page or whole list): `GET /users`, `Get-TransportRule`. */
  page?: string;
  /**
   * What could not be read: `graph users` (the user listing), `graph user` (a --user lookup), `graph rules`,
   * `graph rule folders`, `exchange mailbox` (forwarding and send-on-behalf; delegation is then not read either),
   * `exchange rules`, `exchange mailbox permissions`, `exchange recipient permissions`,
   * `exchange folder permissions`, `exchange transport rules`.
   */
  surface: string;
  /** The last error, after retries (typed adapter message). */
  reason: string;
}

export interface ScanResult {
  tenantId: string;
  scannedAt: string;
  mailboxes: MailboxScan[];
  hits: Hit[];
  /** One line per `notScanned` entry (`<mailbox or page>: <surface>: <reason>`). */
  errors: string[];
  /** Every mailbox surface or listing that could not be read; empty when the scan is complete. */
  notScanned: NotScanned[];
}

export interface ScanOptions {
  tenantId: string;
  tenantDomains: readonly string[];
  graph: GraphAdapter;
  exchange?: ExchangeReader;
  /** Restrict to these UPNs or object ids (default: every user). */
  users?: string[];
  /**
   * Also read delegation (FullAccess, SendAs, SendOnBehalf, Inbox folder permissions) and transport rules. Default
   * true; transport rules (tenant-wide) only when no `users` are given, unless this is `true` explicitly.
   */
  delegation?: boolean;
  transportRules?: boolean;
  /** The tenant's *.onmicrosoft.com domain: tenant-scope hits (transport rules) name it as their user. */
  organization?: string;
  signal?: AbortSignal;
  now?: () => Date;
  /**
   * Graph reads that failed on the connection (a dropped connection: the SDK's RetryHandler covers 429/503/504,
   * not that) are read again up to `retries` times (default 2) after `delayMs`·2ⁿ (default 1 s) on `sleep`.
   * Exchange reads are retried inside the ExchangeClient.
   */
  retry?: { retries?: number; delayMs?: number; sleep?: (ms: number) => Promise<void> };
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A Graph failure on the connection itself (no HTTP response): worth reading again. */
const isNetworkFailure = (e: unknown): boolean => (e as { kind?: string } | null)?.kind === "network";

function graphReader(opts: ScanOptions): <T>(read: () => Promise<T>) => Promise<T> {
  const retries = Math.max(0, opts.retry?.retries ?? 2);
  const delayMs = opts.retry?.delayMs ?? 1_000;
  const sleep = opts.retry?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return async <T>(read: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await read();
      } catch (e) {
        if (!isNetworkFailure(e) || attempt >= retries || opts.signal?.aborted) throw e;
        await sleep(delayMs * 2 ** attempt);
      }
    }
  };
}

type GraphRead = ReturnType<typeof graphReader>;

const CREDENTIAL_FAILURES = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AuthenticationRequiredError",
  "AggregateAuthenticationError",
  "WrongTenantError",
]);

/**
 * The tenant refused the app itself (authentication, another tenant's token, Exchange refusing the connection):
 * no mailbox can be read, so the scan stops with that error (exit 3) instead of listing every mailbox as not scanned.
 */
function isTenantRefusal(e: unknown): boolean {
  const x = (e ?? {}) as { name?: string; kind?: string; category?: string; cmdlet?: string };
  if (x.name !== undefined && CREDENTIAL_FAILURES.has(x.name)) return true;
  if (x.name === "GraphApiError") return x.kind === "unauthenticated";
  if (x.name === "ExoError")
    return x.category === "NotConnected" || (x.category === "AccessDenied" && x.cmdlet === "connect");
  return false;
}

/** A failure that retrying did not cure (or that no retry could): transient ones carry `retryable`. */
const isRetryable = (e: unknown): boolean => (e as { retryable?: boolean } | null)?.retryable === true;

/** A failed read of one surface: recorded in the mailbox's errors and as not scanned. */
type Miss = (surface: string, e: unknown, what?: string) => void;

async function graphRules(
  graph: GraphAdapter,
  read: GraphRead,
  user: GraphUser,
  domains: readonly string[],
  signal: AbortSignal | undefined,
  miss: Miss,
): Promise<{ rule: GraphMessageRule; normal: NormalRule }[] | undefined> {
  let rules: GraphMessageRule[];
  try {
    rules = await read(() => graph.listMessageRules(user.id, { ...(signal ? { signal } : {}) }));
  } catch (e) {
    // A user without a mailbox answers 404 ErrorInvalidUser; that is not a failure of the scan.
    if (isNotFound(e)) return undefined;
    miss("graph rules", e);
    return undefined;
  }
  const folderNames = await resolveRuleFolders(graph, user.id, rules, {
    ...(signal ? { signal } : {}),
    // A folder that no longer exists is a fact about the rule, not a failed read.
    onError: (id, e) => {
      if (!isNotFound(e)) miss("graph rule folders", e, `folder ${id}`);
    },
  });
  return rules.map((rule) => ({
    rule,
    normal: normalizeGraphRule(rule, domains, (id) => folderNames.get(id)),
  }));
}

/**
 * Pairs Graph and Exchange views of the same rules: first by name + content fingerprint (unique on both sides),
 * then, for Graph's read-only rules whose content Graph does not show, by a name unique on both sides.
 */
export function joinRules(
  graph: { rule: GraphMessageRule; normal: NormalRule }[] | undefined,
  exo: { rule: ExoRuleRecord; normal: NormalRule; hidden: boolean }[] | undefined,
): JoinedRule[] {
  const out: JoinedRule[] = [];
  const usedGraph = new Set<number>();
  const g = graph ?? [];
  const fp = (n: NormalRule) => contentFingerprint(n);
  const count = <T>(xs: T[], pred: (x: T) => boolean) => xs.filter(pred).length;

  for (const e of exo ?? []) {
    const efp = fp(e.normal);
    const key = (n: NormalRule) => n.name === e.normal.name && !n.contentUnknown && fp(n) === efp;
    let idx = -1;
    let by: JoinedRule["joinedBy"] = "exchange-only";
    if (
      !e.hidden &&
      count(g, (x) => key(x.normal)) === 1 &&
      count(exo ?? [], (x) => x.normal.name === e.normal.name && fp(x.normal) === efp) === 1
    ) {
      idx = g.findIndex((x) => key(x.normal));
      by = "fingerprint";
    } else if (
      !e.hidden &&
      count(g, (x) => x.normal.name === e.normal.name) === 1 &&
      count(exo ?? [], (x) => !x.hidden && x.normal.name === e.normal.name) === 1
    ) {
      const cand = g.findIndex((x) => x.normal.name === e.normal.name);
      if (g[cand]!.normal.contentUnknown) {
        idx = cand;
        by = "name";
      }
    }
    if (idx >= 0) usedGraph.add(idx);
    const gr = idx >= 0 ? g[idx] : undefined;
    out.push({
      name: e.rule.name,
      enabled: e.rule.enabled,
      ruleIdentity: e.rule.ruleIdentity,
      ...(gr ? { graphRuleId: gr.rule.id } : {}),
      hidden: e.hidden,
      graphReadOnly: gr?.rule.isReadOnly === true,
      system: isSystemRule(e.normal, { hidden: e.hidden }),
      fingerprint: efp,
      normal: e.normal,
      joinedBy: by,
    });
  }
  g.forEach((x, i) => {
    if (usedGraph.has(i)) return;
    out.push({
      name: x.rule.displayName,
      enabled: x.rule.isEnabled,
      graphRuleId: x.rule.id,
      hidden: false,
      graphReadOnly: x.rule.isReadOnly === true,
      system: isSystemRule(x.normal, { hidden: false }),
      fingerprint: fp(x.normal),
      normal: x.normal,
      joinedBy: "graph-only",
    });
  });
  return out;
}

type Delegation = {
  delegationType: "FullAccess" | "SendAs" | "SendOnBehalf" | "FolderPermission";
  trustee: string;
  accessRights: string[];
  folder?: string;
};

const SELF = /^(NT AUTHORITY\\SELF|S-1-5-10)$/i;

/** Explicit (not inherited, not SELF, not deny) delegations of one mailbox. Failures are recorded, not thrown. */
async function readDelegations(
  x: ExchangeReader,
  mailbox: string,
  address: string,
  sendOnBehalf: string[],
  so: { signal?: AbortSignal },
  miss: Miss,
): Promise<Delegation[]> {
  const out: Delegation[] = [];
  const SURFACE: Record<string, string> = {
    "Get-MailboxPermission": "exchange mailbox permissions",
    "Get-RecipientPermission": "exchange recipient permissions",
    "Get-MailboxFolderPermission": "exchange folder permissions",
  };
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      miss(SURFACE[what] ?? what, e, `delegation ${what}`);
    }
  };
  if (x.getMailboxPermissions)
    await attempt("Get-MailboxPermission", async () => {
      for (const p of await x.getMailboxPermissions!(mailbox, so))
        if (
          !p.isInherited &&
          !p.deny &&
          !SELF.test(p.user) &&
          p.accessRights.some((r) => /fullaccess/i.test(r))
        )
          out.push({ delegationType: "FullAccess", trustee: p.user, accessRights: p.accessRights });
    });
  if (x.getRecipientPermissions)
    await attempt("Get-RecipientPermission", async () => {
      for (const p of await x.getRecipientPermissions!(mailbox, so))
        if (
          !p.isInherited &&
          !SELF.test(p.trustee) &&
          (p.accessControlType ?? "Allow") === "Allow" &&
          p.accessRights.some((r) => /sendas/i.test(r))
        )
          out.push({ delegationType: "SendAs", trustee: p.trustee, accessRights: p.accessRights });
    });
  for (const t of sendOnBehalf)
    out.push({ delegationType: "SendOnBehalf", trustee: t, accessRights: ["SendOnBehalf"] });
  if (x.getFolderPermissions) {
    const folder = `${address}:\\Inbox`;
    await attempt("Get-MailboxFolderPermission", async () => {
      for (const p of await x.getFolderPermissions!(folder, so))
        out.push({
          delegationType: "FolderPermission",
          trustee: p.user,
          accessRights: p.accessRights,
          folder,
        });
    });
  }
  return out;
}

function makeHit(
  opts: ScanOptions,
  user: { id: string; userPrincipalName: string },
  target: HitTarget,
  analysis: RuleAnalysis,
  detectedAt: string,
): Hit {
  return {
    schemaVersion: HIT_SCHEMA_VERSION,
    hitKey: computeHitKey(opts.tenantId, target),
    tenantId: opts.tenantId,
    user: { id: user.id, upn: user.userPrincipalName },
    target,
    action: { operation: "observed" },
    links: [],
    severity: severityFromScore(analysis.score),
    score: analysis.score,
    reasons: analysis.reasons,
    detectedBy: "scan",
    detectedAt,
  };
}

export async function scanMailboxes(opts: ScanOptions): Promise<ScanResult> {
  const signal = opts.signal;
  const so = signal ? { signal } : {};
  const scannedAt = (opts.now?.() ?? new Date()).toISOString();
  const read = graphReader(opts);
  const notScanned: NotScanned[] = [];
  const errors: string[] = [];
  const record = (n: NotScanned, e: unknown) => {
    if (isTenantRefusal(e)) throw e;
    notScanned.push(n);
    errors.push(`${n.mailbox ?? n.page ?? "tenant"}: ${n.surface}: ${n.reason}`);
  };
  let users: GraphUser[];
  if (opts.users?.length) {
    users = [];
    for (const u of opts.users) {
      try {
        users.push(await read(() => opts.graph.getUser(u, so)));
      } catch (e) {
        record({ mailbox: u, surface: "graph user", reason: msg(e) }, e);
      }
    }
  } else {
    try {
      users = await read(() => opts.graph.listUsers(so));
    } catch (e) {
      // A page that still failed after the retries loses the listing: no mailbox can be said to be complete. A
      // refusal (no permission to list users, a bad request) is not a missing page: it stops the scan.
      if (!isRetryable(e)) throw e;
      users = [];
      record(
        { page: "GET /users", surface: "graph users", reason: `the user listing is incomplete: ${msg(e)}` },
        e,
      );
    }
  }

  const mailboxes: MailboxScan[] = [];
  const hits: Hit[] = [];
  for (const user of users) {
    const mbErrors: string[] = [];
    const miss: Miss = (surface, e, what) => {
      const reason = `${what ? `${what}: ` : ""}${msg(e)}`;
      mbErrors.push(`${surface}: ${reason}`);
      record({ mailbox: user.userPrincipalName, userId: user.id, surface, reason }, e);
    };
    const g = await graphRules(opts.graph, read, user, opts.tenantDomains, signal, miss);
    let exo: { rule: ExoRuleRecord; normal: NormalRule; hidden: boolean }[] | undefined;
    let forwarding: MailboxScan["forwarding"];
    let sendOnBehalf: string[] = [];
    let primarySmtp: string | undefined;
    if (opts.exchange) {
      let hasMailbox = true;
      try {
        const mb = await opts.exchange.getMailbox(user.id, so);
        forwarding = {
          forwardingSmtpAddress: mb.forwardingSmtpAddress ?? null,
          forwardingAddress: mb.forwardingAddress ?? null,
          deliverToMailboxAndForward: mb.deliverToMailboxAndForward === true,
        };
        sendOnBehalf = mb.grantSendOnBehalfTo ?? [];
        primarySmtp = mb.primarySmtpAddress ?? undefined;
      } catch (e) {
        // A user without a mailbox (an admin or break-glass account, say) is not a scan failure.
        if (isNotFound(e)) hasMailbox = false;
        else
          miss(
            "exchange mailbox",
            e,
            opts.delegation !== false ? "forwarding and delegation not read" : "forwarding not read",
          );
      }
      if (hasMailbox) {
        try {
          const all = await opts.exchange.getInboxRules(user.id, { includeHidden: true, ...so });
          const visible = new Set(
            (await opts.exchange.getInboxRules(user.id, { includeHidden: false, ...so })).map(
              (r) => r.ruleIdentity,
            ),
          );
          exo = all.map((rule) => ({
            rule,
            normal: normalizeExoRule(rule, opts.tenantDomains),
            hidden: !visible.has(rule.ruleIdentity),
          }));
        } catch (e) {
          miss("exchange rules", e);
        }
      }
    }
    if (g === undefined && exo === undefined && mbErrors.length === 0) continue; // no mailbox
    const rules = joinRules(g, exo);
    mailboxes.push({
      userId: user.id,
      upn: user.userPrincipalName,
      rules,
      ...(forwarding ? { forwarding } : {}),
      errors: mbErrors,
    });

    for (const r of rules) {
      if (r.system || r.normal.contentUnknown) continue;
      const a = analyzeRule(r.normal, { hidden: r.hidden });
      if (!a.suspect) continue;
      const target: HitTarget = {
        kind: "inboxRule",
        mailboxId: user.id,
        upn: user.userPrincipalName,
        ruleName: r.name,
        ...(r.ruleIdentity ? { ruleIdentity: r.ruleIdentity } : {}),
        ...(r.graphRuleId ? { graphRuleId: r.graphRuleId } : {}),
        contentFingerprint: r.fingerprint,
        hidden: r.hidden,
        graphReadOnly: r.graphReadOnly,
      };
      hits.push(makeHit(opts, user, target, a, scannedAt));
    }
    if (opts.exchange && forwarding && opts.delegation !== false) {
      for (const d of await readDelegations(
        opts.exchange,
        user.id,
        primarySmtp ?? user.userPrincipalName,
        sendOnBehalf,
        so,
        miss,
      )) {
        const a = analyzeDelegation(d, opts.tenantDomains);
        if (!a.suspect) continue;
        const target: HitTarget = {
          kind: "delegation",
          mailboxId: user.id,
          upn: user.userPrincipalName,
          ...d,
        };
        hits.push(makeHit(opts, user, target, a, scannedAt));
      }
    }
    if (forwarding) {
      const a = analyzeForwarding(forwarding, opts.tenantDomains);
      if (a.suspect) {
        const target: HitTarget = {
          kind: "mailboxForwarding",
          mailboxId: user.id,
          upn: user.userPrincipalName,
          ...forwarding,
        };
        hits.push(makeHit(opts, user, target, a, scannedAt));
      }
    }
  }
  // Tenant-wide, so read when every mailbox is scanned, or when asked for explicitly (the main job's hunt).
  const readTransport =
    opts.transportRules === true || (opts.transportRules !== false && !opts.users?.length);
  if (opts.exchange?.getTransportRules && readTransport) {
    try {
      const org = {
        id: opts.tenantId,
        userPrincipalName: opts.organization ?? opts.tenantDomains[0] ?? opts.tenantId,
      };
      for (const r of await opts.exchange.getTransportRules(so)) {
        const a = analyzeTransportRule(r, opts.tenantDomains);
        if (!a.suspect) continue;
        hits.push(
          makeHit(
            opts,
            org,
            { kind: "transportRule", guid: r.guid, name: r.name, state: r.state },
            a,
            scannedAt,
          ),
        );
      }
    } catch (e) {
      record({ page: "Get-TransportRule", surface: "exchange transport rules", reason: msg(e) }, e);
    }
  }
  hits.sort((a, b) => b.score - a.score || a.hitKey.localeCompare(b.hitKey));
  return { tenantId: opts.tenantId, scannedAt, mailboxes, hits, errors, notScanned };
}
