/** The action catalogue, sorted by id. */
import { casMailboxBlockLegacyProtocols } from "./cas-mailbox-block-legacy.js";
import { caseLinkedSignIns, caseSessionPeers, delegationList, userReadRisk } from "./context-read.js";
import { appRoleAssignmentRemoveSessionAssignments } from "./app-role-assignment-remove.js";
import { authMethodRemoveSessionMethods } from "./auth-method-remove.js";
import { autoReplyClear, autoReplyRead } from "./auto-reply.js";
import { delegationRemove } from "./delegation-remove.js";
import { incidentComment } from "./incident-comment.js";
import { inboxRuleDisable } from "./inbox-rule-disable.js";
import { inboxRuleEnable } from "./inbox-rule-enable.js";
import { inboxRuleGet, inboxRuleList } from "./inbox-rule-read.js";
import { inboxRuleRemove } from "./inbox-rule-remove.js";
import { inboxRuleResolve } from "./inbox-rule-resolve.js";
import { mailboxForwardingClear } from "./mailbox-forwarding-clear.js";
import { mailboxForwardingRead, mailboxForwardingRestore } from "./mailbox-forwarding-restore.js";
import { mobileDeviceRemoveSessionDevices } from "./mobile-device-remove-session.js";
import { oauthGrantRemoveSessionGrants } from "./oauth-grant-remove.js";
import type { ActionDefinition } from "./types.js";
import { transportRuleDisable, transportRuleEnable } from "./transport-rule.js";
import { userDisable, userEnable } from "./user-account.js";
import { userRequirePasswordChange } from "./user-require-password-change.js";
import { userRevokeSessions } from "./user-revoke-sessions.js";
import { userConfirmCompromised, userDismissRisk } from "./user-risk.js";

// Each definition is typed by its own input; the registry erases that for lookup by id.
type AnyAction = ActionDefinition<never>;

export const actions: readonly AnyAction[] = (
  [
    casMailboxBlockLegacyProtocols,
    caseLinkedSignIns,
    caseSessionPeers,
    delegationList,
    appRoleAssignmentRemoveSessionAssignments,
    authMethodRemoveSessionMethods,
    autoReplyClear,
    autoReplyRead,
    delegationRemove,
    inboxRuleDisable,
    inboxRuleEnable,
    inboxRuleGet,
    inboxRuleList,
    inboxRuleRemove,
    inboxRuleResolve,
    incidentComment,
    mailboxForwardingClear,
    mailboxForwardingRead,
    mailboxForwardingRestore,
    mobileDeviceRemoveSessionDevices,
    oauthGrantRemoveSessionGrants,
    transportRuleDisable,
    transportRuleEnable,
    userConfirmCompromised,
    userDisable,
    userDismissRisk,
    userEnable,
    userReadRisk,
    userRequirePasswordChange,
    userRevokeSessions,
  ] as unknown as AnyAction[]
).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

export function getAction(id: string): ActionDefinition<unknown> | undefined {
  return actions.find((a) => a.id === id);
}
