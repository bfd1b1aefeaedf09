/**
 * ExchangeClient: typed Exchange Online operations over the PowerShell bridge. Rules are addressed by
 * `-Mailbox <id> -Identity <RuleIdentity>`, never by name (names are attacker-chosen and not unique).
 * Outputs are validated against the projection shapes (shapes.ts).
 */
import type { TokenCredential } from "@azure/identity";
import type { z } from "zod";
import { ExoError } from "./errors.js";
import { defaultBridgeScriptPath } from "./paths.js";
import type { ConnectParams, InvokeParams, ListEdit } from "./protocol.js";
import { PowerShellRunner, type RunnerLogger } from "./runner.js";
import {
  ExoFolderPermissionSchema,
  ExoInboxRuleSchema,
  ExoMailboxPermissionSchema,
  ExoMailboxSchema,
  ExoRecipientPermissionSchema,
  ExoTransportRuleSchema,
  type ExoFolderPermission,
  type ExoInboxRule,
  type ExoMailbox,
  type ExoMailboxPermission,
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
  constructor(private readonly runner: CmdletInvoker) {}

  async getInboxRules(
    mailbox: string,
    opts: CallOptions & { includeHidden?: boolean } = {},
  ): Promise<ExoInboxRule[]> {
    const params: InvokeParams = { Mailbox: mailbox, ...(opts.includeHidden ? { IncludeHidden: true } : {}) };
    return parseRows(
      ExoInboxRuleSchema,
      "Get-InboxRule",
      await this.runner.invoke("Get-InboxRule", params, so(opts)),
    );
  }

  /** One rule by RuleIdentity, hidden or not. Throws ExoError NotFound when it does not exist. */
  async getInboxRule(mailbox: string, ruleIdentity: string, opts: CallOptions = {}): Promise<ExoInboxRule> {
    checkRuleIdentity(ruleIdentity, "Get-InboxRule");
    const params: InvokeParams = { Mailbox: mailbox, Identity: ruleIdentity, IncludeHidden: true };
    const rows = parseRows(
      ExoInboxRuleSchema,
      "Get-InboxRule",
      await this.runner.invoke("Get-InboxRule", params, so(opts)),
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
      await this.runner.invoke("Get-Mailbox", { Identity: identity }, so(opts)),
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
    await this.runner.invoke(
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
    await this.runner.invoke(
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
      await this.runner.invoke("Get-MailboxPermission", params, so(opts)),
    );
  }

  async addMailboxPermission(
    identity: string,
    user: string,
    accessRights: readonly string[],
    opts: CallOptions & { inheritanceType?: string; autoMapping?: boolean } = {},
  ): Promise<void> {
    await this.runner.invoke(
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
    await this.runner.invoke(
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
      await this.runner.invoke("Get-RecipientPermission", params, so(opts)),
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
      await this.runner.invoke("Get-MailboxFolderPermission", params, so(opts)),
    );
  }

  async addFolderPermission(
    folderIdentity: string,
    user: string,
    accessRights: readonly string[],
    opts: CallOptions = {},
  ): Promise<void> {
    await this.runner.invoke(
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
    await this.runner.invoke(
      "Set-MailboxFolderPermission",
      { Identity: folderIdentity, User: user, AccessRights: [...accessRights], Confirm: false },
      so(opts),
    );
  }

  async removeFolderPermission(folderIdentity: string, user: string, opts: CallOptions = {}): Promise<void> {
    await this.runner.invoke(
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
      await this.runner.invoke("Get-TransportRule", params, so(opts)),
    );
  }

  /** Disable-TransportRule, by the rule's Guid (names are chosen by whoever made the rule). */
  async disableTransportRule(guid: string, opts: CallOptions = {}): Promise<void> {
    await this.transportRule("Disable-TransportRule", guid, opts);
  }

  async enableTransportRule(guid: string, opts: CallOptions = {}): Promise<void> {
    await this.transportRule("Enable-TransportRule", guid, opts);
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
    await this.runner.invoke(
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
    await this.runner.invoke(cmdlet, { Identity: guid, Confirm: false }, so(opts));
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
    await this.runner.invoke(cmdlet, params, so(opts));
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
  return new ExchangeClient(runner);
}
