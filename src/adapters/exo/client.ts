/**
 * ExchangeClient: typed Exchange Online operations over the PowerShell bridge. Rules are addressed by
 * `-Mailbox <id> -Identity <RuleIdentity>`, never by name (names are attacker-chosen and not unique).
 * Outputs are validated against the projection shapes (shapes.ts). Transient failures (throttling, 429/503, 502/504,
 * dropped connections, a bridge process that died) are retried inside each call with backoff on an injectable sleep;
 * writes only where repeating them is safe (`EXO_WRITE_RETRY`). Permanent failures are never retried.
 */
import type { TokenCredential } from "@azure/identity";
import type { z } from "zod";
import { ExoError, isExoError } from "./errors.js";
import { defaultBridgeScriptPath } from "./paths.js";
import type { ConnectParams, InvokeParams, ListEdit } from "./protocol.js";
import { PowerShellRunner, type RunnerLogger } from "./runner.js";
import {
  ExoCasMailboxSchema,
  ExoFolderPermissionSchema,
  ExoInboxRuleSchema,
  ExoMailboxPermissionSchema,
  ExoMailboxSchema,
  ExoMobileDeviceSchema,
  ExoRecipientPermissionSchema,
  ExoTransportRuleSchema,
  type ExoCasMailbox,
  type ExoFolderPermission,
  type ExoInboxRule,
  type ExoMailbox,
  type ExoMailboxPermission,
  type ExoMobileDevice,
  type ExoRecipientPermission,
  type ExoTransportRule,
} from "./shapes.js";

/** The scope Exchange Online PowerShell uses (apis.md B0). */
export const EXCHANGE_SCOPE = "https://outlook.office365.com/.default";

const RULE_IDENTITY = /^\d{1,20}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Set-Mailbox -GrantSendOnBehalfTo: a list replaces, `null` clears, `{add, remove}` edits. */
export type SendOnBehalfChange = readonly string[] | null | ListEdit;

export interface CallOptions {
  signal?: AbortSignal;
}

/** The legacy-protocol settings of a CAS mailbox (Set-CASMailbox); `null` SMTP AUTH = follow the organisation. */
export interface LegacyProtocolSettings {
  popEnabled: boolean;
  imapEnabled: boolean;
  smtpClientAuthenticationDisabled: boolean | null;
}

export interface ForwardingSettings {
  forwardingSmtpAddress: string | null;
  forwardingAddress: string | null;
  deliverToMailboxAndForward: boolean;
}

/** The runner surface the client needs (a PowerShellRunner, or anything speaking the same calls). */
export interface CmdletInvoker {
  invoke<T = unknown>(cmdlet: string, params?: InvokeParams, opts?: { signal?: AbortSignal }): Promise<T>;
  close(): Promise<void>;
}

function so(opts: CallOptions | undefined): { signal?: AbortSignal } {
  return opts?.signal ? { signal: opts.signal } : {};
}

/**
 * How transient failures are retried inside one ExchangeClient call (see `EXO_WRITE_RETRY` for which writes may be
 * repeated when an attempt's outcome is unknown).
 */
export interface ExoRetryOptions {
  /** Attempts after the first (default 4; 0 = never retry). */
  maxRetries?: number;
  /** Backoff before retry n (0-based): min(maxDelayMs, baseDelayMs · 2ⁿ) × a jitter of 50–100 %. Default 2 s. */
  baseDelayMs?: number;
  /** Default 30 s. */
  maxDelayMs?: number;
  /** A delay the service names (Retry-After, "Suggested Backoff Time") is honoured up to this. Default 5 min. */
  maxServerDelayMs?: number;
  /** Also retry a cmdlet that timed out. Default false: a timeout already cost `commandTimeoutMs`. */
  retryTimeouts?: boolean;
  /** The wait between attempts (tests inject a fake clock). Rejects when `signal` fires. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source, in [0, 1). */
  random?: () => number;
  logger?: Pick<RunnerLogger, "warn">;
}

export const EXO_RETRY_DEFAULTS = {
  maxRetries: 4,
  baseDelayMs: 2_000,
  maxDelayMs: 30_000,
  maxServerDelayMs: 5 * 60_000,
} as const;

/** Backoff before retry `attempt` (0-based): exponential, capped, with 50–100 % jitter (like the Graph adapter's). */
export function exoBackoffMs(
  attempt: number,
  opts: { baseDelayMs?: number; maxDelayMs?: number } = {},
  random: () => number = Math.random,
): number {
  const base = opts.baseDelayMs ?? EXO_RETRY_DEFAULTS.baseDelayMs;
  const cap = opts.maxDelayMs ?? EXO_RETRY_DEFAULTS.maxDelayMs;
  return Math.round(Math.min(cap, base * 2 ** attempt) * (0.5 + random() / 2));
}

/**
 * Whether a write may be sent again after an attempt whose outcome is unknown (a dropped connection, a gateway
 * timeout, the bridge dying mid-request: the first attempt may have run). A failure that says the service refused
 * the request (throttling, 429/503) is retried for every cmdlet; reads (Get-*) are always retried.
 * - `idempotent`: running it again sets the same state and answers the same way.
 * - `done-if`: running it again after it succeeded answers with an error that means "already so"; that error, on a
 *   retry after an unknown outcome, counts as success.
 * A cmdlet missing here is retried only when refused.
 */
export type ExoWriteRetry =
  { kind: "idempotent"; why: string } | { kind: "done-if"; why: string; done: (e: ExoError) => boolean };

const NOT_FOUND = (e: ExoError): boolean => e.category === "NotFound";
const typeIs = (name: string) => (e: ExoError) => (e.type ?? "").endsWith(name);

export const EXO_WRITE_RETRY: Readonly<Record<string, ExoWriteRetry>> = {
  "Set-Mailbox": {
    kind: "idempotent",
    why: "forwarding values and a replaced or cleared GrantSendOnBehalfTo are absolute; an {add, remove} edit adds a present entry or removes an absent one without change",
  },
  "Disable-InboxRule": { kind: "idempotent", why: "disabling a disabled rule changes nothing" },
  "Enable-InboxRule": { kind: "idempotent", why: "enabling an enabled rule changes nothing" },
  "Disable-TransportRule": { kind: "idempotent", why: "a rule already in that state is not written" },
  "Enable-TransportRule": { kind: "idempotent", why: "a rule already in that state is not written" },
  "Add-MailboxPermission": {
    kind: "idempotent",
    why: "rights merge into the trustee's entry; adding held rights is not a write",
  },
  "Remove-MailboxPermission": {
    kind: "idempotent",
    why: "removing rights no longer held only warns (a tenant that answers an error instead fails the retry: the action re-reads on its next run)",
  },
  "Add-RecipientPermission": { kind: "idempotent", why: "adding a held SendAs grant is not a write" },
  "Remove-RecipientPermission": { kind: "idempotent", why: "removing an absent SendAs grant only warns" },
  "Set-MailboxFolderPermission": { kind: "idempotent", why: "sets the entry's rights to the same value" },
  "Remove-InboxRule": {
    kind: "done-if",
    why: "a second Remove finds no rule (NotFound): the rule is gone, which is what was asked",
    done: NOT_FOUND,
  },
  "Remove-MailboxFolderPermission": {
    kind: "done-if",
    why: "a second Remove finds no entry (UserNotFoundInPermissionEntryException): the entry is gone",
    done: (e) => NOT_FOUND(e) || typeIs("UserNotFoundInPermissionEntryException")(e),
  },
  "Set-CASMailbox": { kind: "idempotent", why: "the protocol settings are absolute values" },
  "Remove-MobileDevice": {
    kind: "done-if",
    why: "a second Remove finds no partnership (NotFound): the partnership is gone, which is what was asked",
    done: NOT_FOUND,
  },
  "Add-MailboxFolderPermission": {
    kind: "done-if",
    why: "a second Add finds the entry the first one made (UserAlreadyExistsInPermissionEntryException); the action verifies its rights by re-reading",
    done: typeIs("UserAlreadyExistsInPermissionEntryException"),
  },
};

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function parseRows<S extends z.ZodType>(schema: S, cmdlet: string, result: unknown): z.output<S>[] {
  const rows = Array.isArray(result) ? (result as unknown[]) : [];
  return rows.map((row) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      throw new ExoError({
        category: "Failed",
        cmdlet,
        message: `${cmdlet} returned an object of an unexpected shape.`,
        retryable: false,
      });
    }
    return parsed.data;
  });
}

function isListEdit(change: readonly string[] | ListEdit): change is ListEdit {
  return !Array.isArray(change);
}

function checkRuleIdentity(ruleIdentity: string, cmdlet: string): void {
  if (!RULE_IDENTITY.test(ruleIdentity)) {
    throw new ExoError({
      category: "InvalidParameter",
      cmdlet,
      message: "A RuleIdentity is a decimal unsigned 64-bit integer.",
      retryable: false,
    });
  }
}

export class ExchangeClient {
  private readonly retry: ExoRetryOptions;

  constructor(
    private readonly runner: CmdletInvoker,
    retry: ExoRetryOptions = {},
  ) {
    this.retry = retry;
  }

  /**
   * One cmdlet, with transient failures retried (backoff, or the delay the service named) up to `maxRetries`
   * times. Permanent failures are thrown at once; the last transient one is thrown with the attempt count.
   */
  private async invoke<T = unknown>(cmdlet: string, params: InvokeParams, opts?: CallOptions): Promise<T> {
    const r = this.retry;
    const maxRetries = Math.max(0, r.maxRetries ?? EXO_RETRY_DEFAULTS.maxRetries);
    const read = cmdlet.startsWith("Get-");
    const write = read ? undefined : EXO_WRITE_RETRY[cmdlet];
    let outcomeUnknown = false;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.runner.invoke<T>(cmdlet, params, so(opts));
      } catch (e) {
        if (!isExoError(e)) throw e;
        if (outcomeUnknown && write?.kind === "done-if" && write.done(e)) {
          r.logger?.warn("exo retry found the change already made", { cmdlet, category: e.category });
          return [] as T;
        }
        const t = e.transience;
        const retry =
          t === "refused" ||
          (t === "unknown" &&
            (e.category !== "Timeout" || r.retryTimeouts === true) &&
            (read || write !== undefined));
        if (!retry || opts?.signal?.aborted) throw e;
        if (attempt >= maxRetries) {
          if (attempt === 0) throw e;
          throw new ExoError({
            category: e.category,
            ...(e.cmdlet !== undefined ? { cmdlet: e.cmdlet } : {}),
            ...(e.type !== undefined ? { type: e.type } : {}),
            message: `${e.message} (gave up after ${attempt + 1} attempts)`,
            retryable: true,
            ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
            cause: e,
          });
        }
        if (t === "unknown") outcomeUnknown = true;
        const delayMs =
          e.retryAfterMs !== undefined
            ? Math.min(e.retryAfterMs, r.maxServerDelayMs ?? EXO_RETRY_DEFAULTS.maxServerDelayMs)
            : exoBackoffMs(attempt, r, r.random);
        r.logger?.warn("exo transient failure, retrying", {
          cmdlet,
          category: e.category,
          transience: t,
          attempt: attempt + 1,
          delayMs,
        });
        try {
          await (r.sleep ?? defaultSleep)(delayMs, opts?.signal);
        } catch {
          throw new ExoError({ category: "Aborted", cmdlet, message: `${cmdlet} was aborted.` });
        }
      }
    }
  }

  async getInboxRules(
    mailbox: string,
    opts: CallOptions & { includeHidden?: boolean } = {},
  ): Promise<ExoInboxRule[]> {
    const params: InvokeParams = { Mailbox: mailbox, ...(opts.includeHidden ? { IncludeHidden: true } : {}) };
    return parseRows(
      ExoInboxRuleSchema,
      "Get-InboxRule",
      await this.invoke("Get-InboxRule", params, so(opts)),
    );
  }

  /** One rule by RuleIdentity, hidden or not. Throws ExoError NotFound when it does not exist. */
  async getInboxRule(mailbox: string, ruleIdentity: string, opts: CallOptions = {}): Promise<ExoInboxRule> {
    checkRuleIdentity(ruleIdentity, "Get-InboxRule");
    const params: InvokeParams = { Mailbox: mailbox, Identity: ruleIdentity, IncludeHidden: true };
    const rows = parseRows(
      ExoInboxRuleSchema,
      "Get-InboxRule",
      await this.invoke("Get-InboxRule", params, so(opts)),
    );
    const rule = rows.find((r) => r.ruleIdentity === ruleIdentity);
    if (!rule)
      throw new ExoError({
        category: "NotFound",
        cmdlet: "Get-InboxRule",
        message: "The inbox rule was not found.",
        retryable: false,
      });
    return rule;
  }

  /**
   * Disable-InboxRule. Exchange deletes the mailbox's Outlook client-side rules whenever PowerShell changes a rule;
   * with `deleteOutlookClientRules: false` the call fails (a NonInteractive prompt refusal, category Failed) if the
   * mailbox has any, and nothing changes.
   */
  async disableInboxRule(
    mailbox: string,
    ruleIdentity: string,
    opts: CallOptions & { deleteOutlookClientRules: boolean },
  ): Promise<void> {
    await this.toggleRule("Disable-InboxRule", mailbox, ruleIdentity, opts);
  }

  async enableInboxRule(
    mailbox: string,
    ruleIdentity: string,
    opts: CallOptions & { deleteOutlookClientRules: boolean },
  ): Promise<void> {
    await this.toggleRule("Enable-InboxRule", mailbox, ruleIdentity, opts);
  }

  async getMailbox(identity: string, opts: CallOptions = {}): Promise<ExoMailbox> {
    const rows = parseRows(
      ExoMailboxSchema,
      "Get-Mailbox",
      await this.invoke("Get-Mailbox", { Identity: identity }, so(opts)),
    );
    const mailbox = rows[0];
    if (!mailbox || rows.length > 1) {
      throw new ExoError({
        category: mailbox ? "Ambiguous" : "NotFound",
        cmdlet: "Get-Mailbox",
        message: mailbox ? "The identity matched several mailboxes." : "The mailbox was not found.",
        retryable: false,
      });
    }
    return mailbox;
  }

  /** Set-Mailbox forwarding. `null` clears a value; clearing both and `false` removes forwarding. */
  async setMailboxForwarding(
    identity: string,
    value: ForwardingSettings,
    opts: CallOptions = {},
  ): Promise<void> {
    await this.invoke(
      "Set-Mailbox",
      {
        Identity: identity,
        ForwardingSmtpAddress: value.forwardingSmtpAddress,
        ForwardingAddress: value.forwardingAddress,
        DeliverToMailboxAndForward: value.deliverToMailboxAndForward,
        Confirm: false,
      },
      so(opts),
    );
  }

  /**
   * Remove-InboxRule. Like every rule change through Exchange PowerShell it deletes the mailbox's Outlook client-side
   * rules; with `deleteOutlookClientRules: false` a mailbox that has some makes the call fail and nothing changes.
   */
  async removeInboxRule(
    mailbox: string,
    ruleIdentity: string,
    opts: CallOptions & { deleteOutlookClientRules: boolean },
  ): Promise<void> {
    await this.toggleRule("Remove-InboxRule", mailbox, ruleIdentity, opts);
  }

  /** Set-Mailbox -GrantSendOnBehalfTo. */
  async setGrantSendOnBehalfTo(
    identity: string,
    change: SendOnBehalfChange,
    opts: CallOptions = {},
  ): Promise<void> {
    const value = change === null ? null : isListEdit(change) ? { ...change } : [...change];
    await this.invoke(
      "Set-Mailbox",
      { Identity: identity, GrantSendOnBehalfTo: value, Confirm: false },
      so(opts),
    );
  }

  /** Get-MailboxPermission: the implicit `NT AUTHORITY\SELF` row included (callers skip it). */
  async getMailboxPermissions(
    identity: string,
    opts: CallOptions & { user?: string } = {},
  ): Promise<ExoMailboxPermission[]> {
    const params: InvokeParams = { Identity: identity, ...(opts.user ? { User: opts.user } : {}) };
    return parseRows(
      ExoMailboxPermissionSchema,
      "Get-MailboxPermission",
      await this.invoke("Get-MailboxPermission", params, so(opts)),
    );
  }

  async addMailboxPermission(
    identity: string,
    user: string,
    accessRights: readonly string[],
    opts: CallOptions & { inheritanceType?: string; autoMapping?: boolean } = {},
  ): Promise<void> {
    await this.invoke(
      "Add-MailboxPermission",
      {
        Identity: identity,
        User: user,
        AccessRights: [...accessRights],
        InheritanceType: opts.inheritanceType ?? "All",
        ...(opts.autoMapping !== undefined ? { AutoMapping: opts.autoMapping } : {}),
        Confirm: false,
      },
      so(opts),
    );
  }

  /** Remove-MailboxPermission with `-InheritanceType All` (the documented example) unless told otherwise. */
  async removeMailboxPermission(
    identity: string,
    user: string,
    accessRights: readonly string[],
    opts: CallOptions & { inheritanceType?: string } = {},
  ): Promise<void> {
    await this.invoke(
      "Remove-MailboxPermission",
      {
        Identity: identity,
        User: user,
        AccessRights: [...accessRights],
        InheritanceType: opts.inheritanceType ?? "All",
        Confirm: false,
      },
      so(opts),
    );
  }

  /** Get-RecipientPermission (SendAs) of one recipient; the implicit SELF row included. */
  async getRecipientPermissions(
    identity: string,
    opts: CallOptions & { trustee?: string } = {},
  ): Promise<ExoRecipientPermission[]> {
    const params: InvokeParams = { Identity: identity, ...(opts.trustee ? { Trustee: opts.trustee } : {}) };
    return parseRows(
      ExoRecipientPermissionSchema,
      "Get-RecipientPermission",
      await this.invoke("Get-RecipientPermission", params, so(opts)),
    );
  }

  async addSendAs(identity: string, trustee: string, opts: CallOptions = {}): Promise<void> {
    await this.sendAs("Add-RecipientPermission", identity, trustee, opts);
  }

  async removeSendAs(identity: string, trustee: string, opts: CallOptions = {}): Promise<void> {
    await this.sendAs("Remove-RecipientPermission", identity, trustee, opts);
  }

  /** Get-MailboxFolderPermission for `<mailbox>:\<folder path>` (localized folder names). */
  async getFolderPermissions(
    folderIdentity: string,
    opts: CallOptions & { user?: string } = {},
  ): Promise<ExoFolderPermission[]> {
    const params: InvokeParams = { Identity: folderIdentity, ...(opts.user ? { User: opts.user } : {}) };
    return parseRows(
      ExoFolderPermissionSchema,
      "Get-MailboxFolderPermission",
      await this.invoke("Get-MailboxFolderPermission", params, so(opts)),
    );
  }

  async addFolderPermission(
    folderIdentity: string,
    user: string,
    accessRights: readonly string[],
    opts: CallOptions = {},
  ): Promise<void> {
    await this.invoke(
      "Add-MailboxFolderPermission",
      { Identity: folderIdentity, User: user, AccessRights: [...accessRights], Confirm: false },
      so(opts),
    );
  }

  async setFolderPermission(
    folderIdentity: string,
    user: string,
    accessRights: readonly string[],
    opts: CallOptions = {},
  ): Promise<void> {
    await this.invoke(
      "Set-MailboxFolderPermission",
      { Identity: folderIdentity, User: user, AccessRights: [...accessRights], Confirm: false },
      so(opts),
    );
  }

  async removeFolderPermission(folderIdentity: string, user: string, opts: CallOptions = {}): Promise<void> {
    await this.invoke(
      "Remove-MailboxFolderPermission",
      { Identity: folderIdentity, User: user, Confirm: false },
      so(opts),
    );
  }

  /** Get-TransportRule: every rule (optionally only Enabled or Disabled ones). */
  async getTransportRules(
    opts: CallOptions & { state?: "Enabled" | "Disabled" } = {},
  ): Promise<ExoTransportRule[]> {
    const params: InvokeParams = opts.state ? { State: opts.state } : {};
    return parseRows(
      ExoTransportRuleSchema,
      "Get-TransportRule",
      await this.invoke("Get-TransportRule", params, so(opts)),
    );
  }

  /** Disable-TransportRule, by the rule's Guid (names are chosen by whoever made the rule). */
  async disableTransportRule(guid: string, opts: CallOptions = {}): Promise<void> {
    await this.transportRule("Disable-TransportRule", guid, opts);
  }

  async enableTransportRule(guid: string, opts: CallOptions = {}): Promise<void> {
    await this.transportRule("Enable-TransportRule", guid, opts);
  }

  /** Get-MobileDevice -Mailbox: every mobile device partnership of the mailbox. */
  async getMobileDevices(mailbox: string, opts: CallOptions = {}): Promise<ExoMobileDevice[]> {
    return parseRows(
      ExoMobileDeviceSchema,
      "Get-MobileDevice",
      await this.invoke("Get-MobileDevice", { Mailbox: mailbox }, so(opts)),
    );
  }

  /**
   * Remove-MobileDevice, by the partnership's Guid only: the device id and user agent are reported by the device
   * (attacker-controlled) and never become an identity.
   */
  async removeMobileDevice(guid: string, opts: CallOptions = {}): Promise<void> {
    if (!GUID.test(guid)) {
      throw new ExoError({
        category: "InvalidParameter",
        cmdlet: "Remove-MobileDevice",
        message: "A mobile device partnership is addressed by its Guid.",
        retryable: false,
      });
    }
    await this.invoke("Remove-MobileDevice", { Identity: guid, Confirm: false }, so(opts));
  }

  /** Get-CASMailbox of one mailbox (NotFound / Ambiguous like getMailbox). */
  async getCasMailbox(identity: string, opts: CallOptions = {}): Promise<ExoCasMailbox> {
    const rows = parseRows(
      ExoCasMailboxSchema,
      "Get-CASMailbox",
      await this.invoke("Get-CASMailbox", { Identity: identity }, so(opts)),
    );
    const cas = rows[0];
    if (!cas || rows.length > 1) {
      throw new ExoError({
        category: cas ? "Ambiguous" : "NotFound",
        cmdlet: "Get-CASMailbox",
        message: cas ? "The identity matched several mailboxes." : "The mailbox was not found.",
        retryable: false,
      });
    }
    return cas;
  }

  /** Set-CASMailbox -PopEnabled -ImapEnabled -SmtpClientAuthenticationDisabled (null: follow the organisation). */
  async setLegacyProtocols(
    identity: string,
    value: LegacyProtocolSettings,
    opts: CallOptions = {},
  ): Promise<void> {
    await this.invoke(
      "Set-CASMailbox",
      {
        Identity: identity,
        PopEnabled: value.popEnabled,
        ImapEnabled: value.imapEnabled,
        SmtpClientAuthenticationDisabled: value.smtpClientAuthenticationDisabled,
        Confirm: false,
      },
      so(opts),
    );
  }

  close(): Promise<void> {
    return this.runner.close();
  }

  private async sendAs(
    cmdlet: "Add-RecipientPermission" | "Remove-RecipientPermission",
    identity: string,
    trustee: string,
    opts: CallOptions,
  ): Promise<void> {
    await this.invoke(
      cmdlet,
      { Identity: identity, Trustee: trustee, AccessRights: ["SendAs"], Confirm: false },
      so(opts),
    );
  }

  private async transportRule(
    cmdlet: "Disable-TransportRule" | "Enable-TransportRule",
    guid: string,
    opts: CallOptions,
  ): Promise<void> {
    if (!GUID.test(guid)) {
      throw new ExoError({
        category: "InvalidParameter",
        cmdlet,
        message: "A transport rule is addressed by its Guid.",
        retryable: false,
      });
    }
    await this.invoke(cmdlet, { Identity: guid, Confirm: false }, so(opts));
  }

  private async toggleRule(
    cmdlet: "Disable-InboxRule" | "Enable-InboxRule" | "Remove-InboxRule",
    mailbox: string,
    ruleIdentity: string,
    opts: CallOptions & { deleteOutlookClientRules: boolean },
  ): Promise<void> {
    checkRuleIdentity(ruleIdentity, cmdlet);
    const params: InvokeParams = {
      Mailbox: mailbox,
      Identity: ruleIdentity,
      Confirm: false,
      ...(opts.deleteOutlookClientRules ? { Force: true, AlwaysDeleteOutlookRulesBlob: true } : {}),
    };
    await this.invoke(cmdlet, params, so(opts));
  }
}

export interface CreateExchangeClientOptions {
  credential: TokenCredential;
  /** The tenant's *.onmicrosoft.com domain. */
  organization: string;
  /** The app (client) id the token belongs to. */
  appId: string;
  /** Connect-ExchangeOnline -ConnectionUri (the emulated tenant's); unset means Exchange Online. */
  connectionUri?: string;
  /** Connect-ExchangeOnline -AzureADAuthorizationEndpointUri, for sovereign clouds. */
  authorizationEndpointUri?: string;
  pwshPath: string;
  /** Default: the packaged scripts/exo-bridge.ps1. */
  scriptPath?: string;
  commandTimeoutMs?: number;
  /** Reconnect with a fresh token when the current one expires within this margin. Default 5 min. */
  refreshMarginMs?: number;
  /** Clock for token expiry (tests). */
  now?: () => number;
  env?: Readonly<Record<string, string>>;
  logger?: RunnerLogger;
  /** Retries of transient failures (default: 4 retries, 2 s doubling to 30 s, with jitter). */
  retry?: ExoRetryOptions;
}

/**
 * An ExchangeClient whose bridge connects with `-AccessToken`, a token for https://outlook.office365.com/.default
 * from the injected credential, and reconnects with a fresh one when the current token is close to expiry.
 */
export function createExchangeClient(opts: CreateExchangeClientOptions): ExchangeClient {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshMarginMs ?? 5 * 60_000;
  let expiresAt = 0;
  const connect = async (signal?: AbortSignal): Promise<ConnectParams> => {
    let token;
    try {
      token = await opts.credential.getToken(EXCHANGE_SCOPE, signal ? { abortSignal: signal } : {});
    } catch (e) {
      throw new ExoError({
        category: "AccessDenied",
        cmdlet: "connect",
        message: `Could not get an Exchange Online token: ${e instanceof Error ? e.name : "error"}.`,
        retryable: false,
        cause: e,
      });
    }
    if (!token)
      throw new ExoError({
        category: "AccessDenied",
        cmdlet: "connect",
        message: "The credential returned no Exchange Online token.",
        retryable: false,
      });
    expiresAt = token.expiresOnTimestamp;
    return {
      AppId: opts.appId,
      Organization: opts.organization,
      AccessToken: token.token,
      ...(opts.connectionUri ? { ConnectionUri: opts.connectionUri } : {}),
      ...(opts.authorizationEndpointUri
        ? { AzureADAuthorizationEndpointUri: opts.authorizationEndpointUri }
        : {}),
    };
  };
  const runner = new PowerShellRunner({
    pwshPath: opts.pwshPath,
    scriptPath: opts.scriptPath ?? defaultBridgeScriptPath(),
    connect,
    shouldReconnect: () => expiresAt - now() < margin,
    ...(opts.commandTimeoutMs !== undefined ? { commandTimeoutMs: opts.commandTimeoutMs } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  return new ExchangeClient(runner, {
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...opts.retry,
  });
}
