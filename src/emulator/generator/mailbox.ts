/** Changes the generated activity makes to mailboxes, and the audit parameters that describe them. */
import type {
  IdSource,
  InboxRuleState,
  MailboxState,
  RuleActions,
  RuleConditions,
  UserState,
} from "../state.js";

const SERVER = "NAMPR11A003.PROD.OUTLOOK.COM";

/** A folder id by display name (or well-known name); created under the Inbox when absent. */
export function folderId(ids: IdSource, mb: MailboxState, name: string): string {
  const lower = name.toLowerCase();
  const found = mb.folders.find((f) => f.displayName.toLowerCase() === lower || f.wellKnownName === lower);
  if (found) return found.id;
  const inbox = mb.folders.find((f) => f.wellKnownName === "inbox");
  const id = ids.folderId();
  mb.folders.push({
    id,
    displayName: name,
    ...(inbox ? { parentFolderId: inbox.id } : {}),
    unreadItemCount: 0,
    totalItemCount: 0,
    isHidden: false,
  });
  return id;
}

export interface NewRule {
  name: string;
  conditions: RuleConditions;
  /** moveToFolder / copyToFolder as folder display names. */
  actions: RuleActions;
  hidden?: boolean;
  enabled?: boolean;
  createdBy: NonNullable<InboxRuleState["createdBy"]>;
}

export function addRule(ids: IdSource, mb: MailboxState, r: NewRule): InboxRuleState {
  const actions: RuleActions = { ...r.actions };
  if (actions.moveToFolder) actions.moveToFolder = folderId(ids, mb, actions.moveToFolder);
  if (actions.copyToFolder) actions.copyToFolder = folderId(ids, mb, actions.copyToFolder);
  const rule: InboxRuleState = {
    ruleIdentity: ids.ruleIdentity(),
    graphId: ids.graphRuleId(),
    name: r.name,
    priority: mb.rules.filter((x) => !x.system).length + 1,
    enabled: r.enabled ?? true,
    hidden: r.hidden ?? false,
    inError: false,
    conditions: r.conditions,
    actions,
    createdBy: r.createdBy,
  };
  mb.rules.push(rule);
  return rule;
}

/** Audit `ObjectId` of a mailbox-scoped object: `<org path>/<owner object id>\<name>` (formats.md §2.5.1). */
export function auditObjectId(org: string, owner: UserState, name: string): string {
  return `${SERVER}/Microsoft Exchange Hosted Organizations/${org}/${owner.id}\\${name}`;
}

/** The `Parameters` New-InboxRule logs for a rule (every bound parameter as a string; lists `;`-joined). */
export function newInboxRuleParameters(
  r: NewRule,
  folderName: (id: string) => string = (x) => x,
): { Name: string; Value: string }[] {
  const p: { Name: string; Value: string }[] = [
    { Name: "AlwaysDeleteOutlookRulesBlob", Value: "False" },
    { Name: "Force", Value: "False" },
    { Name: "Name", Value: r.name },
  ];
  const c = r.conditions;
  if (c.subjectContainsWords)
    p.push({ Name: "SubjectContainsWords", Value: c.subjectContainsWords.join(";") });
  if (c.subjectOrBodyContainsWords)
    p.push({ Name: "SubjectOrBodyContainsWords", Value: c.subjectOrBodyContainsWords.join(";") });
  if (c.fromAddressContainsWords)
    p.push({ Name: "FromAddressContainsWords", Value: c.fromAddressContainsWords.join(";") });
  if (c.from) p.push({ Name: "From", Value: c.from.map((x) => x.address).join(";") });
  const a = r.actions;
  if (a.forwardTo) p.push({ Name: "ForwardTo", Value: a.forwardTo.map((x) => x.address).join(";") });
  if (a.redirectTo) p.push({ Name: "RedirectTo", Value: a.redirectTo.map((x) => x.address).join(";") });
  if (a.moveToFolder) p.push({ Name: "MoveToFolder", Value: folderName(a.moveToFolder) });
  if (a.deleteMessage) p.push({ Name: "DeleteMessage", Value: "True" });
  if (a.markAsRead) p.push({ Name: "MarkAsRead", Value: "True" });
  if (a.stopProcessingRules) p.push({ Name: "StopProcessingRules", Value: "True" });
  return p;
}
