/**
 * System rules are recognised by what they are, never by their name: a name is attacker-controlled text, and an
 * attacker who calls a forwarding rule "Junk E-mail Rule" must not be exempt. Exchange keeps its own rules hidden
 * (only `Get-InboxRule -IncludeHidden` lists them; Graph never does), and each does one narrow thing:
 *  - the Junk E-mail rule (provider `JunkEmailRule`, [MS-OXCSPAM]) moves junk to the Junk Email folder;
 *  - out-of-office rules (provider `MSFT:TDX OOF Rules`) only reply;
 *  - the delegate rule (provider `Schedule+ EMS Interface`, [MS-OXODLGT] 2.2.3.1.3) forwards meeting messages to
 *    the mailbox's delegates, who are inside the tenant.
 * So a system rule is hidden and does nothing beyond that: it never sends mail outside the tenant, never deletes,
 * never moves mail anywhere but the Junk Email folder, never marks mail read. Anything else is a user's (or an
 * attacker's) rule, whatever its name; carrying a system rule's name is then itself a reason to suspect it.
 */
import { detectionLists, isSystemRuleName } from "./lists.js";
import type { NormalRule } from "./normalize.js";

const JUNK_FOLDERS = new Set(detectionLists.junkFolders);

/** Whether the rule is one of Exchange's own (junk, out-of-office, delegate), judged by its properties. */
export function isSystemRule(r: NormalRule, o: { hidden: boolean }): boolean {
  if (!o.hidden || r.contentUnknown) return false;
  const recipients = [...r.forwardTo, ...r.redirectTo, ...r.forwardAsAttachmentTo];
  if (recipients.some((x) => x.kind !== "internal")) return false;
  if (r.deleteMessage || r.softDeleteMessage || r.permanentDelete || r.markAsRead) return false;
  if (r.copyToFolder) return false;
  if (r.moveToFolder && !JUNK_FOLDERS.has(r.moveToFolder)) return false;
  return true;
}

/** A rule that is not a system rule but carries a system rule's name: the name is a disguise. */
export function impersonatesSystemRule(r: NormalRule, o: { hidden: boolean }): boolean {
  return isSystemRuleName(r.name) && !isSystemRule(r, o);
}
