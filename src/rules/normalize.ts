/**
 * One transport-neutral view of an inbox rule, built from Graph's messageRule or Exchange's Get-InboxRule
 * projection, so that analysis and the content fingerprint are the same whichever side read the rule.
 */
import { createHash } from "node:crypto";
import type { GraphMessageRule, GraphRecipient } from "../adapters/graph/client.js";

export interface NormalRecipient {
  /** external: an SMTP address outside the tenant's domains; internal: a tenant recipient (EX or own domain). */
  kind: "external" | "internal";
  /** Lower-cased SMTP address when known (EX-type Exchange recipients carry none). */
  address?: string;
  display?: string;
}

export interface NormalRule {
  name: string;
  enabled: boolean;
  priority?: number;
  /** Graph listed it as isReadOnly without conditions/actions: its content is unknown on this side. */
  contentUnknown: boolean;
  words: { subject: string[]; body: string[]; subjectOrBody: string[]; sender: string[] };
  fromAddresses: NormalRecipient[];
  forwardTo: NormalRecipient[];
  redirectTo: NormalRecipient[];
  forwardAsAttachmentTo: NormalRecipient[];
  deleteMessage: boolean;
  softDeleteMessage: boolean;
  permanentDelete: boolean;
  /** Leaf folder name, lower-cased, or `id:<folder id>` when the name could not be resolved. */
  moveToFolder?: string;
  copyToFolder?: string;
  markAsRead: boolean;
  stopProcessingRules: boolean;
}

/** Shape of the bridge's Get-InboxRule projection (only what normalisation reads). */
export interface ExoRuleLike {
  name: string;
  enabled: boolean;
  priority?: number;
  forwardTo?: string[] | null;
  redirectTo?: string[] | null;
  forwardAsAttachmentTo?: string[] | null;
  from?: string[] | null;
  deleteMessage?: boolean;
  softDeleteMessage?: boolean;
  permanentDelete?: boolean;
  moveToFolder?: string | null;
  copyToFolder?: string | null;
  markAsRead?: boolean;
  stopProcessingRules?: boolean;
  subjectContainsWords?: string[] | null;
  bodyContainsWords?: string[] | null;
  subjectOrBodyContainsWords?: string[] | null;
  fromAddressContainsWords?: string[] | null;
}

const words = (v: string[] | null | undefined): string[] =>
  [...new Set((v ?? []).map((w) => w.normalize("NFKC").trim().toLowerCase()).filter(Boolean))].sort();

export function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? "" : address.slice(at + 1).toLowerCase();
}

export function isInternalDomain(address: string, tenantDomains: readonly string[]): boolean {
  const d = domainOf(address);
  return tenantDomains.some((t) => d === t || d.endsWith(`.${t}`));
}

function recipient(
  address: string | undefined,
  display: string | undefined,
  domains: readonly string[],
): NormalRecipient {
  const a = address?.trim().toLowerCase();
  if (!a) return { kind: "internal", ...(display ? { display } : {}) };
  return {
    kind: isInternalDomain(a, domains) ? "internal" : "external",
    address: a,
    ...(display ? { display } : {}),
  };
}

/**
 * Exchange renders recipients as `"Display Name" [SMTP:addr@domain]` or `"Name" [EX:/o=…]` (no SMTP address for
 * internal EX recipients); some outputs carry a bare address.
 */
export function parseExoRecipient(s: string, domains: readonly string[]): NormalRecipient {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"\s*)?\[(SMTP|EX|X500):([^\]]*)\]\s*$/i.exec(s);
  if (m) {
    const display = m[1];
    if (m[2]!.toUpperCase() === "SMTP") return recipient(m[3], display, domains);
    return { kind: "internal", ...(display ? { display } : {}) };
  }
  if (/^[^\s@]+@[^\s@]+$/.test(s.trim())) return recipient(s, undefined, domains);
  return { kind: "internal", display: s };
}

const graphRecipients = (v: GraphRecipient[] | undefined, domains: readonly string[]): NormalRecipient[] =>
  (v ?? []).map((r) => recipient(r.emailAddress?.address, r.emailAddress?.name, domains));

/** Exchange folder paths look like `alias:\Parent\Child`; the fingerprint uses the lower-cased leaf. */
export function exoFolderLeaf(path: string | null | undefined): string | undefined {
  if (!path) return undefined;
  const afterMailbox = path.includes(":\\") ? path.slice(path.indexOf(":\\") + 2) : path;
  const parts = afterMailbox.split("\\").filter(Boolean);
  return parts.length ? parts[parts.length - 1]!.trim().toLowerCase() : undefined;
}

export function normalizeExoRule(r: ExoRuleLike, domains: readonly string[]): NormalRule {
  const recips = (v: string[] | null | undefined) => (v ?? []).map((s) => parseExoRecipient(s, domains));
  const move = exoFolderLeaf(r.moveToFolder);
  const copy = exoFolderLeaf(r.copyToFolder);
  return {
    name: r.name,
    enabled: r.enabled,
    ...(r.priority !== undefined ? { priority: r.priority } : {}),
    contentUnknown: false,
    words: {
      subject: words(r.subjectContainsWords),
      body: words(r.bodyContainsWords),
      subjectOrBody: words(r.subjectOrBodyContainsWords),
      sender: words(r.fromAddressContainsWords),
    },
    fromAddresses: recips(r.from),
    forwardTo: recips(r.forwardTo),
    redirectTo: recips(r.redirectTo),
    forwardAsAttachmentTo: recips(r.forwardAsAttachmentTo),
    deleteMessage: r.deleteMessage === true,
    softDeleteMessage: r.softDeleteMessage === true,
    permanentDelete: r.permanentDelete === true,
    ...(move ? { moveToFolder: move } : {}),
    ...(copy ? { copyToFolder: copy } : {}),
    markAsRead: r.markAsRead === true,
    stopProcessingRules: r.stopProcessingRules === true,
  };
}

/** `folderName` resolves a Graph folder id to its display name (undefined when it cannot). */
export function normalizeGraphRule(
  r: GraphMessageRule,
  domains: readonly string[],
  folderName: (id: string) => string | undefined,
): NormalRule {
  const c = r.conditions ?? {};
  const a = r.actions ?? {};
  const folder = (id: string | undefined) => {
    if (!id) return undefined;
    const n = folderName(id);
    return n ? n.trim().toLowerCase() : `id:${id}`;
  };
  const move = folder(a.moveToFolder);
  const copy = folder(a.copyToFolder);
  return {
    name: r.displayName,
    enabled: r.isEnabled,
    ...(r.sequence !== undefined ? { priority: r.sequence } : {}),
    contentUnknown: r.isReadOnly === true && r.conditions === undefined && r.actions === undefined,
    words: {
      subject: words(c.subjectContains),
      body: words(c.bodyContains),
      subjectOrBody: words(c.bodyOrSubjectContains),
      sender: words(c.senderContains),
    },
    fromAddresses: graphRecipients(c.fromAddresses, domains),
    forwardTo: graphRecipients(a.forwardTo, domains),
    redirectTo: graphRecipients(a.redirectTo, domains),
    forwardAsAttachmentTo: graphRecipients(a.forwardAsAttachmentTo, domains),
    deleteMessage: a.delete === true,
    softDeleteMessage: false,
    permanentDelete: a.permanentDelete === true,
    ...(move ? { moveToFolder: move } : {}),
    ...(copy ? { copyToFolder: copy } : {}),
    markAsRead: a.markAsRead === true,
    stopProcessingRules: a.stopProcessingRules === true,
  };
}

/**
 * sha256 of the rule's content: conditions and actions, not its name, state or order (disabling a rule must not
 * change its fingerprint). Internal recipients collapse to "internal" because Exchange shows no SMTP address for
 * them while Graph does.
 */
export function contentFingerprint(r: NormalRule): string {
  const rec = (v: NormalRecipient[]) =>
    v.map((x) => (x.kind === "external" ? `smtp:${x.address ?? ""}` : "internal")).sort();
  const canonical = {
    w: r.words,
    from: rec(r.fromAddresses),
    fwd: rec(r.forwardTo),
    redir: rec(r.redirectTo),
    att: rec(r.forwardAsAttachmentTo),
    del: r.deleteMessage || r.softDeleteMessage,
    pdel: r.permanentDelete,
    move: r.moveToFolder ?? null,
    copy: r.copyToFolder ?? null,
    read: r.markAsRead,
    stop: r.stopProcessingRules,
  };
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}
