/**
 * First detection (v1): what makes an inbox rule or a forwarding setting suspect, with weighted reasons.
 * A rule is a hit only when it moves mail out of the user's sight or out of the tenant; the other signals raise
 * its score. The word and folder lists are data (lists.json), shared with hunting.
 */
import type { HitReason } from "../model/hit.js";
import { detectionLists } from "./lists.js";
import { impersonatesSystemRule } from "./system.js";
import { isInternalDomain, type NormalRecipient, type NormalRule } from "./normalize.js";

export interface RuleAnalysis {
  suspect: boolean;
  score: number;
  reasons: HitReason[];
}

const PRIMARY = new Set(["forwards-external", "deletes-mail", "moves-to-hiding-folder"]);

function termMatch(text: string, term: string): boolean {
  // Whole-term match: the term bounded by non-alphanumerics (so "ach" does not match "reach").
  const esc = term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}])${esc}($|[^\\p{L}\\p{N}])`, "u").test(text);
}

function matchedKeywords(r: NormalRule): { finance: string[]; security: string[] } {
  const all = [...r.words.subject, ...r.words.body, ...r.words.subjectOrBody];
  const pick = (list: string[]) => list.filter((k) => all.some((w) => termMatch(w, k)));
  return { finance: pick(detectionLists.keywords.finance), security: pick(detectionLists.keywords.security) };
}

const externalOf = (v: NormalRecipient[]) =>
  v.filter((x) => x.kind === "external").map((x) => x.address ?? "?");

export function analyzeRule(r: NormalRule, opts: { hidden?: boolean } = {}): RuleAnalysis {
  // A disabled rule is still reported (evidence; a live token can enable it again) but never above low.
  const disabled = !r.enabled;
  const reasons: HitReason[] = [];
  const add = (code: string, detail: string, weight: number) => reasons.push({ code, detail, weight });

  const ext = [
    ...externalOf(r.forwardTo),
    ...externalOf(r.redirectTo),
    ...externalOf(r.forwardAsAttachmentTo),
  ];
  if (ext.length)
    add("forwards-external", `sends mail outside the tenant to ${[...new Set(ext)].join(", ")}`, 60);

  if (r.permanentDelete) add("deletes-mail", "permanently deletes mail", 50);
  else if (r.deleteMessage || r.softDeleteMessage) add("deletes-mail", "deletes mail (to Deleted Items)", 40);

  const folder = r.moveToFolder;
  if (folder && detectionLists.hidingFolders.includes(folder)) {
    const strong = detectionLists.strongHidingFolders.includes(folder);
    add("moves-to-hiding-folder", `moves mail to "${folder}"`, strong ? 45 : folder === "archive" ? 25 : 40);
  }
  const primary = reasons.some((x) => PRIMARY.has(x.code));

  if (primary && r.markAsRead) add("marks-read", "marks the mail read so the user does not notice it", 15);
  const kw = matchedKeywords(r);
  if (primary && kw.security.length)
    add("security-keywords", `acts on security-notice words: ${kw.security.join(", ")}`, 20);
  if (primary && kw.finance.length)
    add("finance-keywords", `acts on payment words: ${kw.finance.join(", ")}`, 15);
  const senders = detectionLists.securitySenders.filter((k) =>
    [...r.words.sender, ...r.fromAddresses.map((x) => x.address ?? "")].some((w) => termMatch(w, k)),
  );
  if (primary && senders.length)
    add("security-senders", `acts on mail from security and IT senders: ${senders.join(", ")}`, 25);
  const bare = r.name.replace(/[\p{P}\p{S}\s]/gu, "");
  if (primary && bare.length <= 2)
    add("obscure-name", `rule name ${JSON.stringify(r.name)} says nothing`, 15);
  if (primary && opts.hidden) add("hidden-rule", "hidden: only Get-InboxRule -IncludeHidden shows it", 20);
  if (primary && impersonatesSystemRule(r, { hidden: opts.hidden === true }))
    add(
      "impersonates-system-rule",
      `named like one of Exchange's own rules (${JSON.stringify(r.name)}), which never send mail outside, delete or hide it`,
      25,
    );
  if (primary && r.stopProcessingRules) add("stops-processing", "stops processing further rules", 5);

  if (primary && disabled) add("rule-disabled", "the rule is disabled", 0);
  let score = Math.min(
    100,
    reasons.reduce((s, x) => s + x.weight, 0),
  );
  if (disabled) score = Math.min(score, 20);
  return { suspect: primary, score: primary ? score : 0, reasons };
}

export interface ForwardingState {
  forwardingSmtpAddress: string | null;
  forwardingAddress: string | null;
  deliverToMailboxAndForward: boolean;
}

/** ForwardingSmtpAddress arrives as `smtp:addr` (lower-case prefix); ForwardingAddress names a recipient object. */
export function analyzeForwarding(f: ForwardingState, tenantDomains: readonly string[]): RuleAnalysis {
  const reasons: HitReason[] = [];
  const smtp = f.forwardingSmtpAddress?.replace(/^smtp:/i, "").trim();
  if (f.forwardingAddress) {
    // ForwardingAddress wins over ForwardingSmtpAddress when both are set (Set-Mailbox docs).
    reasons.push({
      code: "mailbox-forwarding-recipient",
      detail: `mailbox forwards to the recipient object ${JSON.stringify(f.forwardingAddress)} (may be a mail contact outside the tenant)`,
      weight: 50,
    });
  }
  if (smtp && !isInternalDomain(smtp, tenantDomains)) {
    reasons.push({
      code: "mailbox-forwarding-external",
      detail: `mailbox forwards all mail to ${smtp}${f.forwardingAddress ? " (ignored while ForwardingAddress is set)" : ""}`,
      weight: f.forwardingAddress ? 30 : 75,
    });
  }
  if (reasons.length && f.deliverToMailboxAndForward)
    reasons.push({
      code: "keeps-copy",
      detail: "keeps a copy in the mailbox, so the user notices nothing",
      weight: 10,
    });
  const score = Math.min(
    100,
    reasons.reduce((s, x) => s + x.weight, 0),
  );
  return { suspect: reasons.length > 0, score, reasons };
}

export interface TransportRuleState {
  name: string;
  state: string;
  blindCopyTo: string[];
  redirectMessageTo: string[];
  copyTo: string[];
  addToRecipients: string[];
  deleteMessage: boolean;
}

const looksExternal = (addr: string, domains: readonly string[]) =>
  addr.includes("@") && !isInternalDomain(addr.trim(), domains);

/** A mail-flow rule that copies, redirects or adds recipients outside the tenant exfiltrates everyone's mail. */
export function analyzeTransportRule(r: TransportRuleState, tenantDomains: readonly string[]): RuleAnalysis {
  const reasons: HitReason[] = [];
  const ext = [...r.blindCopyTo, ...r.redirectMessageTo, ...r.copyTo, ...r.addToRecipients].filter((a) =>
    looksExternal(a, tenantDomains),
  );
  if (ext.length)
    reasons.push({
      code: "transport-rule-external",
      detail: `copies or redirects mail outside the tenant to ${[...new Set(ext)].join(", ")}`,
      weight: 80,
    });
  if (r.blindCopyTo.some((a) => looksExternal(a, tenantDomains)))
    reasons.push({ code: "blind-copy", detail: "blind copy: recipients do not see it", weight: 10 });
  if (r.deleteMessage)
    reasons.push({ code: "transport-rule-deletes", detail: "deletes messages", weight: 40 });
  const disabled = r.state.toLowerCase() === "disabled";
  if (reasons.length && disabled)
    reasons.push({ code: "rule-disabled", detail: "the rule is disabled", weight: 0 });
  let score = Math.min(
    100,
    reasons.reduce((s, x) => s + x.weight, 0),
  );
  if (disabled) score = Math.min(score, 20);
  return { suspect: reasons.length > 0, score, reasons };
}

export interface DelegationState {
  delegationType: "FullAccess" | "SendAs" | "SendOnBehalf" | "FolderPermission";
  trustee: string;
  accessRights: string[];
}

/**
 * Delegation is common and mostly legitimate (assistants, shared work): live state alone makes it a low hit
 * that no default playbook contains; a guest or external trustee, or a folder opened to everyone, is medium.
 * Hunting raises it when the grant was made from a risky sign-in.
 */
export function analyzeDelegation(d: DelegationState, tenantDomains: readonly string[]): RuleAnalysis {
  const reasons: HitReason[] = [];
  const guest = /#EXT#/i.test(d.trustee) || looksExternal(d.trustee, tenantDomains);
  if (d.delegationType === "FolderPermission") {
    const everyone = /^(default|anonymous)$/i.test(d.trustee);
    const reads = d.accessRights.some((r) => !/^(none|availabilityonly|limiteddetails)$/i.test(r));
    if (!reads) return { suspect: false, score: 0, reasons };
    reasons.push({
      code: everyone ? "folder-open-to-everyone" : "folder-delegation",
      detail: `${d.trustee} may read the folder (${d.accessRights.join(", ")})`,
      weight: everyone ? 50 : 20,
    });
  } else {
    reasons.push({
      code: "mailbox-delegation",
      detail: `${d.trustee} holds ${d.delegationType} on the mailbox`,
      weight: d.delegationType === "FullAccess" ? 25 : 20,
    });
  }
  if (guest)
    reasons.push({
      code: "external-trustee",
      detail: `${d.trustee} is a guest or outside the tenant`,
      weight: 30,
    });
  const score = Math.min(
    100,
    reasons.reduce((s, x) => s + x.weight, 0),
  );
  return { suspect: true, score, reasons };
}
