/**
 * Disable-InboxRule / Enable-InboxRule [D]: one rule, by RuleIdentity, `<mailbox>\<rule>` or name (a name matching
 * several rules is ambiguous). "When you create, modify, remove, enable, or disable an Inbox rule in Exchange
 * PowerShell, any client-side rules created by Microsoft Outlook are removed" [D]: the mailbox's Outlook client
 * rules are deleted whether or not the rule's state changes. The REST call itself never prompts; -Confirm and
 * -Force are the module's client-side business (see the pwsh stand-in). A hidden rule is reachable by its exact
 * RuleIdentity [I].
 */
import type { ServerCmdlet } from "../binding.js";
import { oneRule } from "./common.js";
import { delayedWrite } from "./visibility.js";

export const RULE_CHANGE_PARAMETERS = {
  Identity: "Identity",
  Mailbox: "Identity",
  AlwaysDeleteOutlookRulesBlob: "Switch",
  Force: "Switch",
  Confirm: "Bool",
} as const;

function toggle(name: string, enabled: boolean): ServerCmdlet {
  return {
    name,
    parameters: RULE_CHANGE_PARAMETERS,
    mandatory: ["Identity"],
    run(ctx, params, caller) {
      const found = oneRule(ctx, params, caller);
      if (!found.ok) return found;
      const { mailbox: owner, rule } = found.value;
      const write = rule.enabled !== enabled || owner.outlookClientRules > 0;
      if (rule.enabled !== enabled) {
        delayedWrite(ctx, "rule", `rule:${owner.userId}:${rule.ruleIdentity}`, () => {
          rule.enabled = enabled;
        });
      }
      owner.outlookClientRules = 0;
      return { ok: true, value: [], write, warnings: [] };
    },
  };
}

export const disableInboxRule = toggle("Disable-InboxRule", false);
export const enableInboxRule = toggle("Enable-InboxRule", true);
