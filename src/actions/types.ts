/**
 * The action contract. An action is defined once: its logical id, what it needs, and plan / run / verify /
 * compensate. `plan` reads live state and writes nothing (dry runs are plans); `run` is idempotent (it re-reads
 * first — or, handed a fresh plan, may act on its before-image — and reports a repeat as already done); `verify`
 * re-reads; the before-image returned by `run` is what `compensate` restores.
 */
import type { GraphAdapter } from "../adapters/graph/client.js";
import type { LegacyProtocolSettings } from "../adapters/exo/client.js";
import type { ExoCasMailbox, ExoMobileDevice } from "../adapters/exo/shapes.js";
import type { Hit } from "../model/hit.js";
import type { Json, Reversibility, StepPlan } from "../engine/machine.js";
import type {
  ExoFolderPermissionRecord,
  ExoMailboxRecord,
  ExoPermissionRecord,
  ExoRuleRecord,
  ExoSendAsRecord,
  ExoTransportRuleRecord,
} from "../scan/scan.js";

/** What actions need from Exchange (implemented by the ExchangeClient over the PowerShell bridge). */
export interface ExchangeWriter {
  getInboxRules(
    mailbox: string,
    opts?: { includeHidden?: boolean; signal?: AbortSignal },
  ): Promise<ExoRuleRecord[]>;
  getInboxRule(
    mailbox: string,
    ruleIdentity: string,
    opts?: { signal?: AbortSignal },
  ): Promise<ExoRuleRecord>;
  disableInboxRule(
    mailbox: string,
    ruleIdentity: string,
    opts: { deleteOutlookClientRules: boolean; signal?: AbortSignal },
  ): Promise<unknown>;
  enableInboxRule(
    mailbox: string,
    ruleIdentity: string,
    opts: { deleteOutlookClientRules: boolean; signal?: AbortSignal },
  ): Promise<unknown>;
  getMailbox(identity: string, opts?: { signal?: AbortSignal }): Promise<ExoMailboxRecord>;
  removeInboxRule?(
    mailbox: string,
    ruleIdentity: string,
    opts: { deleteOutlookClientRules: boolean; signal?: AbortSignal },
  ): Promise<unknown>;
  getMailboxPermissions?(identity: string, opts?: { signal?: AbortSignal }): Promise<ExoPermissionRecord[]>;
  addMailboxPermission?(
    identity: string,
    user: string,
    rights: readonly string[],
    opts?: { signal?: AbortSignal },
  ): Promise<unknown>;
  removeMailboxPermission?(
    identity: string,
    user: string,
    rights: readonly string[],
    opts?: { signal?: AbortSignal },
  ): Promise<unknown>;
  getRecipientPermissions?(identity: string, opts?: { signal?: AbortSignal }): Promise<ExoSendAsRecord[]>;
  addSendAs?(identity: string, trustee: string, opts?: { signal?: AbortSignal }): Promise<unknown>;
  removeSendAs?(identity: string, trustee: string, opts?: { signal?: AbortSignal }): Promise<unknown>;
  setGrantSendOnBehalfTo?(
    identity: string,
    change: { add?: string[]; remove?: string[] },
    opts?: { signal?: AbortSignal },
  ): Promise<unknown>;
  getFolderPermissions?(
    folderIdentity: string,
    opts?: { signal?: AbortSignal },
  ): Promise<ExoFolderPermissionRecord[]>;
  addFolderPermission?(
    folderIdentity: string,
    user: string,
    rights: readonly string[],
    opts?: { signal?: AbortSignal },
  ): Promise<unknown>;
  removeFolderPermission?(
    folderIdentity: string,
    user: string,
    opts?: { signal?: AbortSignal },
  ): Promise<unknown>;
  getTransportRules?(opts?: { signal?: AbortSignal }): Promise<ExoTransportRuleRecord[]>;
  disableTransportRule?(guid: string, opts?: { signal?: AbortSignal }): Promise<unknown>;
  enableTransportRule?(guid: string, opts?: { signal?: AbortSignal }): Promise<unknown>;
  /** Get-MobileDevice -Mailbox. */
  getMobileDevices?(mailbox: string, opts?: { signal?: AbortSignal }): Promise<ExoMobileDevice[]>;
  /** Remove-MobileDevice by the partnership's Guid. */
  removeMobileDevice?(guid: string, opts?: { signal?: AbortSignal }): Promise<unknown>;
  getCasMailbox?(identity: string, opts?: { signal?: AbortSignal }): Promise<ExoCasMailbox>;
  setLegacyProtocols?(
    identity: string,
    value: LegacyProtocolSettings,
    opts?: { signal?: AbortSignal },
  ): Promise<unknown>;
  setMailboxForwarding(
    identity: string,
    value: {
      forwardingSmtpAddress: string | null;
      forwardingAddress: string | null;
      deliverToMailboxAndForward: boolean;
    },
    opts?: { signal?: AbortSignal },
  ): Promise<unknown>;
}

/** The case a gather step reads (case.* actions): its hits, and the tenant's other cases from the store. */
export interface CaseView {
  caseId: string;
  hits: readonly Hit[];
  otherCases(): { caseId: string; status: string; user: { id: string; upn: string }; hits: Hit[] }[];
}

export interface ActionContext {
  tenantId: string;
  tenantDomains: readonly string[];
  graph: GraphAdapter;
  exchange?: ExchangeWriter;
  signal?: AbortSignal;
  now(): Date;
  /** Bounded polling for verify: attempts and the delay between them (an injectable sleep keeps tests fast). */
  poll: { attempts: number; delayMs: number; sleep(ms: number): Promise<void> };
  /** Set by the runner's gather only: the case being gathered for. */
  caseView?: CaseView;
}

/**
 * The plan run() acts on. `fresh`: its before-image was read live by this process moments ago in this run (no
 * wait, restart or resume since, no earlier step of the run wrote to this object, and no earlier effect of the
 * case holds another before-image), so run() may write without reading the object again; the write is still
 * verified by verify()'s re-read. Never persisted.
 */
export type RunPlan = StepPlan & { fresh?: boolean };

export interface RunResult {
  before: Json;
  after: Json;
  alreadyDone: boolean;
}

export interface VerifyResult {
  ok: boolean;
  observed: Json;
}

export interface ActionDefinition<I> {
  id: string;
  scope: "object" | "user" | "tenant";
  description: string;
  /** Least-privilege grants, per surface. */
  permissions: { graph: string[]; exchange: string[] };
  reversibility: Reversibility;
  /**
   * The action never writes: plan, run and verify only read, so a step of it is a no-op with nothing to undo.
   * `actions list` and docs/actions.md show it as `read-only` instead of its (nominal) reversibility.
   */
  readOnly?: true;
  /** Never runs unattended (tenant-wide blast radius, or a side effect a human must accept). */
  attendedOnly?: boolean;
  /** What the action does not cover: said in docs and plans. */
  limits: string[];
  /** Builds the input from a hit; undefined when the action does not apply to it. */
  inputFromHit(hit: Hit): I | undefined;
  /**
   * User scope only: the step's one input from every applicable hit of the case (e.g. a window that starts at the
   * earliest attacker sign-in of any of them). Without it the newest hit's `inputFromHit` is used.
   */
  inputFromCase?(hits: readonly Hit[]): I | undefined;
  /** The object this action changes (for the idempotency key). */
  targetId(input: I): string;
  plan(ctx: ActionContext, input: I): Promise<Omit<StepPlan, "idempotencyKey">>;
  run(ctx: ActionContext, input: I, plan: RunPlan): Promise<RunResult>;
  /** `result` is what run() returned (or what the journal recorded when the effect was applied earlier). */
  verify(
    ctx: ActionContext,
    input: I,
    plan: StepPlan,
    result?: { before: Json; after: Json; applied?: boolean | null },
  ): Promise<VerifyResult>;
  /** Restores `before`; `target` is the object the step acted on (the plan's resolved target). */
  compensate?(ctx: ActionContext, input: I, before: Json, target?: Json): Promise<void>;
}

export function defineAction<I>(def: ActionDefinition<I>): ActionDefinition<I> {
  return def;
}

/** What `actions list` and the catalogue show: `read-only` for an action that never writes, else its reversibility. */
export function reversibilityLabel(a: {
  readOnly?: true;
  reversibility: Reversibility;
}): Reversibility | "read-only" {
  return a.readOnly ? "read-only" : a.reversibility;
}

/** The call options that carry the action's abort signal to an adapter. */
export function signalOf(ctx: ActionContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}

export function idempotencyKey(tenantId: string, actionId: string, targetId: string): string {
  return `${tenantId}:${actionId}:${targetId}`;
}

/** Re-read until `check` holds or the attempts run out. */
export async function pollUntil<T>(
  ctx: ActionContext,
  read: () => Promise<T>,
  check: (v: T) => boolean,
): Promise<{ ok: boolean; value: T }> {
  let value = await read();
  for (let i = 1; i < ctx.poll.attempts && !check(value); i++) {
    await ctx.poll.sleep(ctx.poll.delayMs);
    value = await read();
  }
  return { ok: check(value), value };
}

export class ActionError extends Error {
  override readonly name = "ActionError";
  constructor(
    message: string,
    readonly code: "target-gone" | "target-changed" | "no-transport" | "ambiguous" | "precondition",
  ) {
    super(message);
  }
}
