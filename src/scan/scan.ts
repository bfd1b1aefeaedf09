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
import { isSystemRuleName } from "../rules/lists.js";
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

export interface ScanResult {
  tenantId: string;
  scannedAt: string;
  mailboxes: MailboxScan[];
  hits: Hit[];
  errors: string[];
}

export interface ScanOptions {
  tenantId: string;
  tenantDomains: readonly string[];
  graph: GraphAdapter;
  exchange?: ExchangeReader;
  /** Restrict to these UPNs or object ids (default: every user). */
  users?: string[];
  /** Also read delegation (FullAccess, SendAs, SendOnBehalf, Inbox folder permissions) and transport rules. Default true. */
  delegation?: boolean;
  transportRules?: boolean;
  /** The tenant's *.onmicrosoft.com domain: tenant-scope hits (transport rules) name it as their user. */
  organization?: string;
  signal?: AbortSignal;
  now?: () => Date;
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function graphRules(
  graph: GraphAdapter,
  user: GraphUser,
  domains: readonly string[],
  signal: AbortSignal | undefined,
  errors: string[],
): Promise<{ rule: GraphMessageRule; normal: NormalRule }[] | undefined> {
  let rules: GraphMessageRule[];
  try {
    rules = await graph.listMessageRules(user.id, { ...(signal ? { signal } : {}) });
  } catch (e) {
    // A user without a mailbox answers 404 ErrorInvalidUser; that is not a failure of the scan.
    if (isNotFound(e)) return undefined;
    errors.push(`graph rules: ${msg(e)}`);
    return undefined;
  }
  const folderNames = await resolveRuleFolders(graph, user.id, rules, {
    ...(signal ? { signal } : {}),
    onError: (id, e) => errors.push(`graph folder ${id}: ${msg(e)}`),
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
      system: isSystemRuleName(e.rule.name),
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
      system: isSystemRuleName(x.rule.displayName),
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
  errors: string[],
): Promise<Delegation[]> {
  const out: Delegation[] = [];
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      errors.push(`delegation ${what}: ${msg(e)}`);
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
  const errors: string[] = [];
  let users: GraphUser[];
  if (opts.users?.length) {
    users = [];
    for (const u of opts.users) {
      try {
        users.push(await opts.graph.getUser(u, so));
      } catch (e) {
        errors.push(`user ${JSON.stringify(u)}: ${msg(e)}`);
      }
    }
  } else {
    users = await opts.graph.listUsers(so);
  }

  const mailboxes: MailboxScan[] = [];
  const hits: Hit[] = [];
  for (const user of users) {
    const mbErrors: string[] = [];
    const g = await graphRules(opts.graph, user, opts.tenantDomains, signal, mbErrors);
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
        else mbErrors.push(`exchange mailbox: ${msg(e)}`);
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
          mbErrors.push(`exchange rules: ${msg(e)}`);
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
    for (const e of mbErrors) errors.push(`${user.userPrincipalName}: ${e}`);

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
        mbErrors,
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
      for (const e of mbErrors.filter((x) => x.startsWith("delegation")))
        errors.push(`${user.userPrincipalName}: ${e}`);
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
  if (opts.exchange?.getTransportRules && opts.transportRules !== false && !opts.users?.length) {
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
      errors.push(`transport rules: ${msg(e)}`);
    }
  }
  hits.sort((a, b) => b.score - a.score || a.hitKey.localeCompare(b.hitKey));
  return { tenantId: opts.tenantId, scannedAt, mailboxes, hits, errors };
}
