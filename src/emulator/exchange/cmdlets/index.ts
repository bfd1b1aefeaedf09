/** The cmdlets the Exchange face implements, by name (case-insensitive, like PowerShell command names). */
import type { ServerCmdlet } from "../binding.js";
import { getCasMailbox, setCasMailbox } from "./cas-mailbox.js";
import {
  addMailboxFolderPermission,
  getMailboxFolderPermission,
  removeMailboxFolderPermission,
  setMailboxFolderPermission,
} from "./folder-permission.js";
import { getInboxRule } from "./get-inbox-rule.js";
import { getMailbox } from "./get-mailbox.js";
import { addMailboxPermission, getMailboxPermission, removeMailboxPermission } from "./mailbox-permission.js";
import {
  addRecipientPermission,
  getRecipientPermission,
  removeRecipientPermission,
} from "./recipient-permission.js";
import { getMobileDevice, removeMobileDevice } from "./mobile-device.js";
import { removeInboxRule } from "./remove-inbox-rule.js";
import { setMailbox } from "./set-mailbox.js";
import { disableInboxRule, enableInboxRule } from "./toggle-inbox-rule.js";
import { disableTransportRule, enableTransportRule, getTransportRule } from "./transport-rule.js";

export const CMDLETS: readonly ServerCmdlet[] = [
  getInboxRule,
  disableInboxRule,
  enableInboxRule,
  removeInboxRule,
  getMailbox,
  setMailbox,
  getMailboxPermission,
  addMailboxPermission,
  removeMailboxPermission,
  getRecipientPermission,
  addRecipientPermission,
  removeRecipientPermission,
  getMailboxFolderPermission,
  addMailboxFolderPermission,
  setMailboxFolderPermission,
  removeMailboxFolderPermission,
  getTransportRule,
  disableTransportRule,
  enableTransportRule,
  getMobileDevice,
  removeMobileDevice,
  getCasMailbox,
  setCasMailbox,
];
const BY_NAME = new Map(CMDLETS.map((c) => [c.name.toLowerCase(), c]));

export function findCmdlet(name: string): ServerCmdlet | undefined {
  return BY_NAME.get(name.toLowerCase());
}
