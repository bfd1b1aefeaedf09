/**
 * Disable-InboxRule / Enable-InboxRule [D]: one rule, by RuleIdentity, `<mailbox>\<rule>` or name (a name matching
 * several rules is ambiguous). "When you create, modify, remove, enable, or disable an Inbox rule in Exchange
 * PowerShell, any client-side rules created by Microsoft Outlook are removed" [D]: the mailbox's Outlook client
 * rules are deleted whether or not the rule's state changes. The REST call itself never prompts; -Confirm and
 * -Force are the module's client-side business (see the pwsh stand-in). A hidden rule is reachable by its exact
 * RuleIdentity [I].
 */
import type { MailboxState } from "../../state.js";
import { givenIdentity, type ServerCmdlet } from "../binding.js";
import { ambiguous, notFound } from "../errors.js";
import { resolveMailbox, resolveRule } from "../resolve.js";

function toggle(name: string, enabled: boolean): ServerCmdlet {
  return {
    name,
    parameters: {
      Identity: "Identity",
      Mailbox: "Identity",
      AlwaysDeleteOutlookRulesBlob: "Switch",
      Force: "Switch",
      Confirm: "Bool",
    },
    mandatory: ["Identity"],
    run(ctx, params) {
      const identity = givenIdentity(params, "Identity") ?? "";
      const mailboxId = givenIdentity(params, "Mailbox");
      let mailbox: MailboxState | null = null;
      if (mailboxId !== null) {
        const m = resolveMailbox(ctx.state, mailboxId);
        if (!m.ok)
          return {
            ok: false,
            failure: m.reason === "ambiguous" ? ambiguous(mailboxId) : notFound(mailboxId),
          };
        mailbox = m.value;
      }
      const found = resolveRule(ctx.state, mailbox, identity, { hiddenById: true, hiddenByName: false });
      if (!found.ok)
        return {
          ok: false,
          failure: found.reason === "ambiguous" ? ambiguous(identity) : notFound(identity),
        };
      const [rule, second] = found.value.rules;
      if (!rule || second) return { ok: false, failure: ambiguous(identity) };
      const owner = found.value.mailbox;
      const write = rule.enabled !== enabled || owner.outlookClientRules > 0;
      rule.enabled = enabled;
      owner.outlookClientRules = 0;
      return { ok: true, value: [], write, warnings: [] };
    },
  };
}

export const disableInboxRule = toggle("Disable-InboxRule", false);
export const enableInboxRule = toggle("Enable-InboxRule", true);
