/** `GET /users/{id}/mailFolders/{id | wellKnownName}`. */
import type { MailFolderState, MailboxState } from "../state.js";
import type { GraphCall } from "./call.js";
import { resolveFolder, resolveMailbox } from "./mailboxes.js";
import { graphJson } from "./respond.js";

export function renderFolder(mailbox: MailboxState, f: MailFolderState): Record<string, unknown> {
  return {
    id: f.id,
    displayName: f.displayName,
    // [I] the root's parent (a hidden store folder) is not modelled: null.
    parentFolderId: f.parentFolderId ?? null,
    childFolderCount: mailbox.folders.filter((x) => x.parentFolderId === f.id).length,
    unreadItemCount: f.unreadItemCount ?? 0,
    totalItemCount: f.totalItemCount ?? 0,
    isHidden: f.isHidden ?? false,
  };
}

export function getMailFolder(g: GraphCall): Response {
  const mb = resolveMailbox(g);
  if (!mb.ok) return mb.response;
  const folder = resolveFolder(g, mb.value.mailbox);
  if (!folder.ok) return folder.response;
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#users('${mb.value.user.id}')/mailFolders/$entity`,
    ...renderFolder(mb.value.mailbox, folder.value),
  });
}
