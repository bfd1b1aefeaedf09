/**
 * The REST object Get-Mailbox returns (apis.md B2 [T], forwarding-relevant subset). Sparse like every REST object.
 * `@mailwarden.outlookClientRules` is an emulator-only instance annotation [I] (present when the mailbox holds
 * Outlook client-side rules): clients ignore `@`-keys, and the pwsh stand-in reads it to reproduce the module's
 * confirmation prompt for Disable-/Enable-InboxRule without -Force. Real Exchange exposes no such count.
 */
import type { MailboxState, TenantState } from "../state.js";
import type { RestObject } from "./json.js";
import { ownerOf } from "./resolve.js";

export const OUTLOOK_CLIENT_RULES_ANNOTATION = "@mailwarden.outlookClientRules";

export function renderMailbox(state: TenantState, mailbox: MailboxState): RestObject {
  const owner = ownerOf(state, mailbox);
  const obj: RestObject = {
    Name: mailbox.userId,
    Alias: mailbox.alias,
    DisplayName: owner?.displayName ?? mailbox.alias,
    UserPrincipalName: owner?.userPrincipalName ?? mailbox.primarySmtpAddress,
    PrimarySmtpAddress: mailbox.primarySmtpAddress,
    RecipientTypeDetails: mailbox.recipientTypeDetails,
    ExchangeGuid: mailbox.exchangeGuid,
    ExternalDirectoryObjectId: mailbox.userId,
    EmailAddresses: [...mailbox.emailAddresses],
    IsMailboxEnabled: true,
    Identity: mailbox.userId,
  };
  if (mailbox.forwardingAddress !== null) obj["ForwardingAddress"] = mailbox.forwardingAddress;
  if (mailbox.forwardingSmtpAddress !== null) obj["ForwardingSmtpAddress"] = mailbox.forwardingSmtpAddress;
  if (mailbox.deliverToMailboxAndForward) obj["DeliverToMailboxAndForward"] = true;
  if (mailbox.grantSendOnBehalfTo.length > 0) obj["GrantSendOnBehalfTo"] = [...mailbox.grantSendOnBehalfTo];
  if (owner && !owner.accountEnabled) obj["AccountDisabled"] = true;
  if (mailbox.outlookClientRules > 0) obj[OUTLOOK_CLIENT_RULES_ANNOTATION] = mailbox.outlookClientRules;
  return obj;
}
