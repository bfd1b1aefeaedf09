/** The cmdlets the Exchange face implements, by name (case-insensitive, like PowerShell command names). */
import type { ServerCmdlet } from "../binding.js";
import { getInboxRule } from "./get-inbox-rule.js";
import { getMailbox } from "./get-mailbox.js";
import { setMailbox } from "./set-mailbox.js";
import { disableInboxRule, enableInboxRule } from "./toggle-inbox-rule.js";

const CMDLETS: readonly ServerCmdlet[] = [
  getInboxRule,
  disableInboxRule,
  enableInboxRule,
  getMailbox,
  setMailbox,
];
const BY_NAME = new Map(CMDLETS.map((c) => [c.name.toLowerCase(), c]));

export function findCmdlet(name: string): ServerCmdlet | undefined {
  return BY_NAME.get(name.toLowerCase());
}
