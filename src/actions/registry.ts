/** The action catalogue, sorted by id. */
import { inboxRuleDisable } from "./inbox-rule-disable.js";
import { inboxRuleResolve } from "./inbox-rule-resolve.js";
import { mailboxForwardingClear } from "./mailbox-forwarding-clear.js";
import type { ActionDefinition } from "./types.js";
import { userRevokeSessions } from "./user-revoke-sessions.js";

// Each definition is typed by its own input; the registry erases that for lookup by id.
type AnyAction = ActionDefinition<never>;

export const actions: readonly AnyAction[] = (
  [inboxRuleDisable, inboxRuleResolve, mailboxForwardingClear, userRevokeSessions] as unknown as AnyAction[]
).sort((a, b) => a.id.localeCompare(b.id));

export function getAction(id: string): ActionDefinition<unknown> | undefined {
  return actions.find((a) => a.id === id);
}
