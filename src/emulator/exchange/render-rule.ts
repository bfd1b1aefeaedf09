/**
 * The REST object Get-InboxRule returns for a rule (apis.md B2 [T]): sparse (false flags, empty lists and nulls are
 * omitted; Priority always present), RuleIdentity a raw JSON number, Identity `<ExternalDirectoryObjectId>\<RuleIdentity>`,
 * recipients rendered as Exchange does, folders as `<alias>:\<path>`. Hidden rules carry only what the live sample
 * of the hidden Junk E-mail Rule shows plus their conditions/actions. Description wording is [I] after the live sample.
 */
import type {
  InboxRuleState,
  MailboxState,
  RecipientRef,
  RuleActions,
  RuleConditions,
  TenantState,
} from "../state.js";
import { RawJsonNumber, type RestObject, type RestValue } from "./json.js";
import { recipientDisplayName, renderRecipient } from "./render-recipient.js";

/** `Inbox\Sales Leads`: the folder's path below the mailbox root. */
export function folderPath(mailbox: MailboxState, folderId: string): string {
  const names: string[] = [];
  let current = mailbox.folders.find((f) => f.id === folderId);
  const seen = new Set<string>();
  while (current && current.parentFolderId !== undefined && !seen.has(current.id)) {
    seen.add(current.id);
    names.unshift(current.displayName);
    const parentId = current.parentFolderId;
    current = mailbox.folders.find((f) => f.id === parentId);
  }
  return names.length > 0 ? names.join("\\") : folderId;
}

function folderRef(mailbox: MailboxState, folderId: string | undefined): string | null {
  return folderId === undefined ? null : `${mailbox.alias}:\\${folderPath(mailbox, folderId)}`;
}

const quoteList = (words: readonly string[]): string => words.map((w) => `'${w}'`).join(" or ");

function describeConditions(state: TenantState, c: RuleConditions, prefix: string): string[] {
  const out: string[] = [];
  const names = (refs: readonly RecipientRef[]) => quoteList(refs.map((r) => recipientDisplayName(state, r)));
  if (c.from?.length) out.push(`${prefix}the message was received from ${names(c.from)}`);
  if (c.sentTo?.length) out.push(`${prefix}the message was sent to ${names(c.sentTo)}`);
  if (c.subjectContainsWords?.length)
    out.push(
      `${prefix}the message includes specific words in the subject ${quoteList(c.subjectContainsWords)}`,
    );
  if (c.bodyContainsWords?.length)
    out.push(`${prefix}the message includes specific words in the body ${quoteList(c.bodyContainsWords)}`);
  if (c.subjectOrBodyContainsWords?.length)
    out.push(
      `${prefix}the message includes specific words in the subject or body ${quoteList(c.subjectOrBodyContainsWords)}`,
    );
  if (c.fromAddressContainsWords?.length)
    out.push(
      `${prefix}the message includes specific words in the sender's address ${quoteList(c.fromAddressContainsWords)}`,
    );
  if (c.hasAttachment) out.push(`${prefix}the message includes an attachment`);
  if (c.receivedAfterDate) out.push(`${prefix}the message was received after '${c.receivedAfterDate}'`);
  return out;
}

function describeActions(state: TenantState, mailbox: MailboxState, a: RuleActions): string[] {
  const out: string[] = [];
  const names = (refs: readonly RecipientRef[]) => quoteList(refs.map((r) => recipientDisplayName(state, r)));
  if (a.moveToFolder) out.push(`move the message to folder '${folderPath(mailbox, a.moveToFolder)}'`);
  if (a.copyToFolder) out.push(`copy the message to folder '${folderPath(mailbox, a.copyToFolder)}'`);
  if (a.forwardTo?.length) out.push(`forward the message to ${names(a.forwardTo)}`);
  if (a.forwardAsAttachmentTo?.length)
    out.push(`forward the message as an attachment to ${names(a.forwardAsAttachmentTo)}`);
  if (a.redirectTo?.length) out.push(`redirect the message to ${names(a.redirectTo)}`);
  if (a.assignCategories?.length)
    out.push(`assign the message to the category ${quoteList(a.assignCategories)}`);
  if (a.markImportance) out.push(`mark the message with '${capitalise(a.markImportance)}' importance`);
  if (a.markAsRead) out.push("mark the message as read");
  if (a.pinMessage) out.push("pin the message");
  if (a.deleteMessage) out.push("delete the message");
  if (a.softDeleteMessage) out.push("soft delete the message");
  if (a.permanentDelete) out.push("permanently delete the message");
  if (a.stopProcessingRules) out.push("stop processing more rules");
  return out;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function describeRule(state: TenantState, mailbox: MailboxState, rule: InboxRuleState): string {
  const conditions = describeConditions(state, rule.conditions, "");
  const exceptions = rule.exceptions ? describeConditions(state, rule.exceptions, "") : [];
  const parts = [
    ...(conditions.length ? [`If the message: ${conditions.join(" and ")}`] : []),
    `Take the following actions: ${describeActions(state, mailbox, rule.actions).join(" and ")}`,
    ...(exceptions.length ? [`Except if the message: ${exceptions.join(" or ")}`] : []),
  ];
  return parts.join(" ");
}

/** Adds `key: value` unless the value is a default (false, null, "", []); REST output is sparse. */
function put(obj: RestObject, key: string, value: RestValue | undefined): void {
  if (value === undefined || value === null || value === false || value === "") return;
  if (Array.isArray(value) && value.length === 0) return;
  obj[key] = value;
}

function putConditions(
  obj: RestObject,
  state: TenantState,
  c: RuleConditions,
  prefix: "" | "ExceptIf",
): void {
  const recipients = (refs: readonly RecipientRef[] | undefined) =>
    refs?.map((r) => renderRecipient(state, r));
  put(obj, `${prefix}BodyContainsWords`, c.bodyContainsWords);
  put(obj, `${prefix}FromAddressContainsWords`, c.fromAddressContainsWords);
  put(obj, `${prefix}From`, recipients(c.from));
  put(obj, `${prefix}HasAttachment`, c.hasAttachment);
  put(obj, `${prefix}ReceivedAfterDate`, c.receivedAfterDate);
  put(obj, `${prefix}SentTo`, recipients(c.sentTo));
  put(obj, `${prefix}SubjectContainsWords`, c.subjectContainsWords);
  put(obj, `${prefix}SubjectOrBodyContainsWords`, c.subjectOrBodyContainsWords);
}

export function renderInboxRule(state: TenantState, mailbox: MailboxState, rule: InboxRuleState): RestObject {
  const a = rule.actions;
  const recipients = (refs: readonly RecipientRef[] | undefined) =>
    refs?.map((r) => renderRecipient(state, r));
  const obj: RestObject = {};
  if (!rule.hidden) put(obj, "Description", describeRule(state, mailbox, rule));
  put(obj, "Enabled", rule.enabled);
  obj["Identity"] = `${mailbox.userId}\\${rule.ruleIdentity}`;
  put(obj, "InError", rule.inError);
  if (!rule.hidden) obj["ErrorType"] = rule.inError ? "Unknown" : "None";
  obj["Name"] = rule.name;
  obj["Priority"] = rule.priority;
  obj["RuleIdentity"] = new RawJsonNumber(rule.ruleIdentity);
  if (!rule.hidden) put(obj, "SupportedByTask", true);
  putConditions(obj, state, rule.conditions, "");
  if (rule.exceptions) putConditions(obj, state, rule.exceptions, "ExceptIf");
  put(obj, "ApplyCategory", a.assignCategories);
  put(obj, "CopyToFolder", folderRef(mailbox, a.copyToFolder));
  put(obj, "DeleteMessage", a.deleteMessage);
  put(obj, "ForwardAsAttachmentTo", recipients(a.forwardAsAttachmentTo));
  put(obj, "ForwardTo", recipients(a.forwardTo));
  put(obj, "MarkAsRead", a.markAsRead);
  put(obj, "MarkImportance", a.markImportance ? capitalise(a.markImportance) : undefined);
  put(obj, "MoveToFolder", folderRef(mailbox, a.moveToFolder));
  put(obj, "PermanentDelete", a.permanentDelete);
  put(obj, "PinMessage", a.pinMessage);
  put(obj, "RedirectTo", recipients(a.redirectTo));
  put(obj, "SoftDeleteMessage", a.softDeleteMessage);
  put(obj, "StopProcessingRules", a.stopProcessingRules);
  if (!rule.hidden) obj["MailboxOwnerId"] = mailbox.userId;
  obj["IsValid"] = true;
  obj["ObjectState"] = "Unchanged";
  return obj;
}
