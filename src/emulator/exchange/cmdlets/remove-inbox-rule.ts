/**
 * Remove-InboxRule [D Remove-InboxRule.md]: deletes one rule (same Identity/Mailbox resolution as Disable-InboxRule)
 * and, like any rule change through Exchange PowerShell, the mailbox's Outlook client-side rules [D]. The REST call
 * never prompts (-Confirm/-Force are client-side, see the pwsh stand-in). A system rule (Junk E-mail Rule…) is not
 * removable [I]: `InvalidOperationException`.
 */
import type { ServerCmdlet } from "../binding.js";
import { taskError } from "../errors.js";
import { oneRule } from "./common.js";
import { RULE_CHANGE_PARAMETERS } from "./toggle-inbox-rule.js";
import { delayedWrite } from "./visibility.js";

export const removeInboxRule: ServerCmdlet = {
  name: "Remove-InboxRule",
  parameters: RULE_CHANGE_PARAMETERS,
  mandatory: ["Identity"],
  run(ctx, params, caller) {
    const found = oneRule(ctx, params, caller);
    if (!found.ok) return found;
    const { mailbox, rule } = found.value;
    if (rule.system) {
      return {
        ok: false,
        failure: taskError(
          "System.InvalidOperationException",
          `The Inbox rule "${rule.name}" is a system rule and can't be removed.`,
        ),
      };
    }
    delayedWrite(ctx, "rule", `rule:${mailbox.userId}:${rule.ruleIdentity}`, () => {
      const index = mailbox.rules.indexOf(rule);
      if (index >= 0) mailbox.rules.splice(index, 1);
    });
    mailbox.outlookClientRules = 0;
    return { ok: true, value: [], write: true, warnings: [] };
  },
};
