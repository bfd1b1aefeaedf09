/**
 * Get-InboxRule [D Get-InboxRule.md]: the rules of one mailbox, ordered by priority. Without Identity (or with a
 * null/empty one, which the docs warn returns all objects) every rule is listed; hidden rules only with
 * -IncludeHidden. An Identity naming several rules lists them all (a Get- cmdlet does not fail on ambiguity).
 * Without -Mailbox an app has no mailbox of its own, so only `<mailbox>\<rule>` identities resolve [I].
 */
import type { MailboxState } from "../../state.js";
import { givenIdentity, type ServerCmdlet } from "../binding.js";
import { ambiguous, notFound } from "../errors.js";
import { renderInboxRule } from "../render-rule.js";
import { resolveMailbox, resolveRule } from "../resolve.js";
import { pageResults } from "./paging.js";

export const getInboxRule: ServerCmdlet = {
  name: "Get-InboxRule",
  parameters: {
    Identity: "Identity",
    Mailbox: "Identity",
    IncludeHidden: "Switch",
    ResultSize: "ResultSize",
    SkipCount: "SkipCount",
    DescriptionTimeFormat: "Accepted",
    DescriptionTimeZone: "Accepted",
    BypassScopeCheck: "Switch",
    UseCustomRouting: "Switch",
  },
  run(ctx, params, caller) {
    const state = ctx.state;
    const includeHidden = params["IncludeHidden"] === true;
    const mailboxId = givenIdentity(params, "Mailbox");
    const identity = givenIdentity(params, "Identity");
    let mailbox: MailboxState | null = null;
    if (mailboxId !== null) {
      const m = resolveMailbox(state, mailboxId);
      if (!m.ok)
        return { ok: false, failure: m.reason === "ambiguous" ? ambiguous(mailboxId) : notFound(mailboxId) };
      mailbox = m.value;
    }
    if (identity === null) {
      if (!mailbox) return { ok: false, failure: notFound(caller.appId) };
      const owner = mailbox;
      const rules = owner.rules
        .filter((r) => includeHidden || !r.hidden)
        .sort((a, b) => a.priority - b.priority);
      return pageResults(
        rules.map((r) => renderInboxRule(state, owner, r)),
        params,
        1000,
      );
    }
    const found = resolveRule(state, mailbox, identity, {
      hiddenById: includeHidden,
      hiddenByName: includeHidden,
    });
    if (!found.ok)
      return { ok: false, failure: found.reason === "ambiguous" ? ambiguous(identity) : notFound(identity) };
    const { mailbox: owner, rules } = found.value;
    return pageResults(
      [...rules].sort((a, b) => a.priority - b.priority).map((r) => renderInboxRule(state, owner, r)),
      params,
      1000,
    );
  },
};
