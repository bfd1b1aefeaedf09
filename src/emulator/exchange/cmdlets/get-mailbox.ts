/**
 * Get-Mailbox [D]: one identity may name several mailboxes (all are listed); without Identity (or with a null/empty
 * one) every mailbox is listed, 1000 at most unless -ResultSize says otherwise.
 */
import { givenIdentity, type ServerCmdlet } from "../binding.js";
import { notFound } from "../errors.js";
import { renderMailbox } from "../render-mailbox.js";
import { matchMailboxes } from "../resolve.js";
import { pageResults } from "./paging.js";

export const getMailbox: ServerCmdlet = {
  name: "Get-Mailbox",
  parameters: { Identity: "Identity", ResultSize: "ResultSize" },
  run(ctx, params) {
    const identity = givenIdentity(params, "Identity");
    const mailboxes = identity === null ? ctx.state.mailboxes : matchMailboxes(ctx.state, identity);
    if (identity !== null && mailboxes.length === 0) return { ok: false, failure: notFound(identity) };
    return pageResults(
      mailboxes.map((m) => renderMailbox(ctx.state, m)),
      params,
      1000,
    );
  },
};
