/**
 * How Exchange renders a recipient inside an inbox rule (apis.md B2 [T]): `"Name" [SMTP:addr]` for an address
 * outside the organisation, `"Name" [EX:/o=ExchangeLabs/…/cn=Recipients/cn=…]` (no SMTP address) for a recipient
 * in it. The legacy DN's last `cn` is `<ExchangeGuid hex>-<alias prefix>` [I, shape of the live sample].
 */
import type { MailboxState, RecipientRef, TenantState } from "../state.js";
import { mailboxByAddress, ownerOf } from "./resolve.js";

const LEGACY_DN_PREFIX =
  "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=";

export function legacyExchangeDn(mailbox: MailboxState): string {
  return `${LEGACY_DN_PREFIX}${mailbox.exchangeGuid.replaceAll("-", "")}-${mailbox.alias.slice(0, 8)}`;
}

export function renderRecipient(state: TenantState, ref: RecipientRef): string {
  const internal = mailboxByAddress(state, ref.address);
  if (internal) {
    const name = ownerOf(state, internal)?.displayName ?? ref.name ?? internal.alias;
    return `"${name}" [EX:${legacyExchangeDn(internal)}]`;
  }
  return `"${ref.name ?? ref.address}" [SMTP:${ref.address}]`;
}

/** The display name Exchange uses for a recipient in rule descriptions. */
export function recipientDisplayName(state: TenantState, ref: RecipientRef): string {
  const internal = mailboxByAddress(state, ref.address);
  if (internal) return ownerOf(state, internal)?.displayName ?? ref.name ?? internal.alias;
  return ref.name ?? ref.address;
}
