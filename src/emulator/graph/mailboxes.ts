/** Resolving the mailbox and folder a mail-workload path names (`/users/{id}/mailFolders/{id | wellKnownName}`). */
import type { MailFolderState, MailboxState, UserState } from "../state.js";
import { fail, type GraphCall } from "./call.js";
import { GraphErrors } from "./errors.js";
import { findMailbox, findUser } from "./lookup.js";

export type Resolved<T> = { ok: true; value: T } | { ok: false; response: Response };

/** An unknown user or a user without a mailbox is 404 ErrorInvalidUser for the mail workload (apis.md A0 [T]). */
export function resolveMailbox(g: GraphCall): Resolved<{ user: UserState; mailbox: MailboxState }> {
  const user = findUser(g.ctx.state, g.params["user"] ?? "");
  const mailbox = user ? findMailbox(g.ctx.state, user) : undefined;
  if (!user || !mailbox) return { ok: false, response: fail(g, GraphErrors.invalidUser()) };
  return { ok: true, value: { user, mailbox } };
}

/** By folder id (exact) or Graph well-known name (case-insensitive). */
export function findFolder(mailbox: MailboxState, ref: string): MailFolderState | undefined {
  const lower = ref.toLowerCase();
  return mailbox.folders.find((f) => f.id === ref) ?? mailbox.folders.find((f) => f.wellKnownName === lower);
}

export function resolveFolder(g: GraphCall, mailbox: MailboxState): Resolved<MailFolderState> {
  const folder = findFolder(mailbox, g.params["folder"] ?? "");
  if (!folder) return { ok: false, response: fail(g, GraphErrors.itemNotFound()) };
  return { ok: true, value: folder };
}
