/** Resolving the `{id | userPrincipalName}` path segment and a user's mailbox. */
import type { MailboxState, TenantState, UserState } from "../state.js";

/** By object id or UPN, both case-insensitive (the segment arrives percent-decoded). */
export function findUser(state: TenantState, ref: string): UserState | undefined {
  const lower = ref.toLowerCase();
  return state.users.find((u) => u.id.toLowerCase() === lower || u.userPrincipalName.toLowerCase() === lower);
}

export function findMailbox(state: TenantState, user: UserState): MailboxState | undefined {
  return state.mailboxes.find((m) => m.userId === user.id);
}
