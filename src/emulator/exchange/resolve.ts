/**
 * Identity resolution as Exchange's MailboxIdParameter / InboxRuleIdParameter do it, for the identities this
 * emulator holds. Mailbox: UPN, primary SMTP or any proxy address (with or without its `smtp:` prefix), alias,
 * ExternalDirectoryObjectId or ExchangeGuid, all case-insensitive [D identity syntax, I for the exact set].
 * Rule: RuleIdentity, `<mailbox>\<RuleIdentity or name>`, or name (names may match several rules).
 */
import type { InboxRuleState, MailboxState, TenantState, UserState } from "../state.js";

export type Resolved<T> = { ok: true; value: T } | { ok: false; reason: "notFound" | "ambiguous" };

const lower = (s: string): string => s.toLowerCase();

export function ownerOf(state: TenantState, mailbox: MailboxState): UserState | undefined {
  return state.users.find((u) => u.id === mailbox.userId);
}

/** Every string the mailbox answers to, lower-cased. */
function mailboxKeys(state: TenantState, mailbox: MailboxState): Set<string> {
  const keys = new Set<string>(
    [mailbox.alias, mailbox.primarySmtpAddress, mailbox.userId, mailbox.exchangeGuid].map(lower),
  );
  const upn = ownerOf(state, mailbox)?.userPrincipalName;
  if (upn) keys.add(lower(upn));
  for (const proxy of mailbox.emailAddresses) {
    keys.add(lower(proxy));
    const colon = proxy.indexOf(":");
    if (colon > 0) keys.add(lower(proxy.slice(colon + 1)));
  }
  return keys;
}

/** Every mailbox the identity names (a Get- cmdlet lists them all). */
export function matchMailboxes(state: TenantState, identity: string): MailboxState[] {
  const key = lower(identity.trim());
  return state.mailboxes.filter((m) => mailboxKeys(state, m).has(key));
}

/** The one mailbox the identity names (what a Set-/Disable- cmdlet or a -Mailbox parameter needs). */
export function resolveMailbox(state: TenantState, identity: string): Resolved<MailboxState> {
  const hits = matchMailboxes(state, identity);
  if (hits.length === 1 && hits[0]) return { ok: true, value: hits[0] };
  return { ok: false, reason: hits.length === 0 ? "notFound" : "ambiguous" };
}

/** The mailbox holding an SMTP address, if any (to render recipients inside the organisation). */
export function mailboxByAddress(state: TenantState, address: string): MailboxState | undefined {
  const key = lower(address);
  return state.mailboxes.find(
    (m) =>
      lower(m.primarySmtpAddress) === key ||
      m.emailAddresses.some((p) => lower(p.slice(p.indexOf(":") + 1)) === key),
  );
}

/**
 * Which hidden rules an Identity may reach. Get-InboxRule reaches them only with -IncludeHidden; Disable-/Enable-
 * reach a hidden rule by its exact RuleIdentity but not by name [I].
 */
export interface RuleLookup {
  hiddenById: boolean;
  hiddenByName: boolean;
}

function findRules(mailbox: MailboxState, ruleKey: string, lookup: RuleLookup): InboxRuleState[] {
  const byId = mailbox.rules.filter((r) => r.ruleIdentity === ruleKey && (lookup.hiddenById || !r.hidden));
  if (byId.length > 0) return byId;
  const name = lower(ruleKey);
  return mailbox.rules.filter((r) => lower(r.name) === name && (lookup.hiddenByName || !r.hidden));
}

/**
 * Resolves a rule Identity. With `mailboxIdentity` the Identity is looked up in that mailbox (and may also be
 * written `<that mailbox>\<rule>`); without it the Identity must be `<mailbox>\<rule>`.
 */
export function resolveRule(
  state: TenantState,
  mailbox: MailboxState | null,
  identity: string,
  lookup: RuleLookup,
): Resolved<{ mailbox: MailboxState; rules: InboxRuleState[] }> {
  if (mailbox) {
    const rules = findRules(mailbox, identity, lookup);
    if (rules.length > 0) return { ok: true, value: { mailbox, rules } };
  }
  const slash = identity.indexOf("\\");
  if (slash <= 0) return { ok: false, reason: "notFound" };
  const owner = resolveMailbox(state, identity.slice(0, slash));
  if (!owner.ok) return owner;
  if (mailbox && owner.value !== mailbox) return { ok: false, reason: "notFound" };
  const rules = findRules(owner.value, identity.slice(slash + 1), lookup);
  return rules.length > 0
    ? { ok: true, value: { mailbox: owner.value, rules } }
    : { ok: false, reason: "notFound" };
}
