/** Resolution helpers the cmdlets share: one mailbox, one rule, one trustee, as failures Exchange would report. */
import type { EmulatorContext } from "../../context.js";
import type { InboxRuleState, MailboxState, TenantState } from "../../state.js";
import { givenIdentity, type BoundParams, type Caller } from "../binding.js";
import { ambiguous, notFound, type CmdletFailure } from "../errors.js";
import { matchMailboxes, ownerOf, resolveMailbox, resolveRule, type Resolved } from "../resolve.js";

export type Found<T> = { ok: true; value: T } | { ok: false; failure: CmdletFailure };

export function failed(resolved: Resolved<unknown> & { ok: false }, identity: string): CmdletFailure {
  return resolved.reason === "ambiguous" ? ambiguous(identity) : notFound(identity);
}

export function oneMailbox(state: TenantState, identity: string): Found<MailboxState> {
  const m = resolveMailbox(state, identity);
  return m.ok ? m : { ok: false, failure: failed(m, identity) };
}

/**
 * The single rule a Disable-/Enable-/Remove-InboxRule call names (-Identity, optional -Mailbox). A hidden rule is
 * reachable by its exact RuleIdentity, not by name [I, switch hiddenRulesByName]; a name matching several rules is
 * ambiguous.
 */
export function oneRule(
  ctx: EmulatorContext,
  params: BoundParams,
  caller: Caller,
): Found<{ mailbox: MailboxState; rule: InboxRuleState }> {
  const identity = givenIdentity(params, "Identity") ?? "";
  const mailboxId = givenIdentity(params, "Mailbox");
  let mailbox: MailboxState | null = null;
  if (mailboxId !== null) {
    const m = oneMailbox(ctx.state, mailboxId);
    if (!m.ok) return m;
    mailbox = m.value;
  }
  const found = resolveRule(ctx.state, mailbox, identity, {
    hiddenById: true,
    hiddenByName: caller.options.hiddenRulesByName,
  });
  if (!found.ok) return { ok: false, failure: failed(found, identity) };
  const [rule, second] = found.value.rules;
  if (!rule || second) return { ok: false, failure: ambiguous(identity) };
  return { ok: true, value: { mailbox: found.value.mailbox, rule } };
}

/** Well-known principals Exchange shows in permission rows. */
export const SELF = "NT AUTHORITY\\SELF";

/**
 * A trustee (-User / -Trustee / a GrantSendOnBehalfTo entry): a recipient of the tenant, by any mailbox identity,
 * or a user by UPN or object id. Stored and rendered as the UPN [I: Exchange renders mailbox users by UPN in REST
 * permission rows, apis.md B2 "or UPN"].
 */
export function oneTrustee(state: TenantState, identity: string): Found<string> {
  const mailboxes = matchMailboxes(state, identity);
  if (mailboxes.length > 1) return { ok: false, failure: ambiguous(identity) };
  const mailbox = mailboxes[0];
  if (mailbox) {
    const upn = ownerOf(state, mailbox)?.userPrincipalName ?? mailbox.primarySmtpAddress;
    return { ok: true, value: upn };
  }
  const key = identity.trim().toLowerCase();
  const user = state.users.find(
    (u) => u.userPrincipalName.toLowerCase() === key || u.id.toLowerCase() === key,
  );
  return user ? { ok: true, value: user.userPrincipalName } : { ok: false, failure: notFound(identity) };
}

export const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
