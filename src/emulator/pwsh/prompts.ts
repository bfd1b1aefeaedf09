/**
 * The module's client-side confirmations, as they end under `pwsh -NonInteractive` ("Any attempts to use interactive
 * features, like Read-Host or confirmation prompts, result in statement terminating errors" [D about_Pwsh]):
 * - the cmdlets in CONFIRMING ask for confirmation unless `-Confirm:$false`: Disable-/Enable-/Remove-InboxRule and
 *   Disable-TransportRule [D "built-in pause"]; Remove-*Permission [D "destructive … built-in pause" for the
 *   removal cmdlets, apis.md B1]; Remove-MobileDevice [D: its examples pass -Confirm:$false]; Set-Mailbox,
 *   Set-CASMailbox, Add-RecipientPermission, Enable-TransportRule [I];
 * - Disable-/Enable-/Remove-InboxRule warn when the mailbox has rules created by Outlook (they would be deleted)
 *   unless `-Force` or `-AlwaysDeleteOutlookRulesBlob` [D]. The stand-in learns whether there are any from the emulator's
 *   `@mailwarden.outlookClientRules` annotation on Get-Mailbox [I: an emulator-only hint, no real Exchange field].
 */
import type { BridgeError, InvokeParams } from "../../adapters/exo/protocol.js";
import { OUTLOOK_CLIENT_RULES_ANNOTATION } from "../exchange/render-mailbox.js";
import { invokeCommand, type Connection } from "./rest-client.js";

export const NON_INTERACTIVE_ERROR: BridgeError = {
  category: "Failed",
  type: "System.Management.Automation.PSInvalidOperationException",
  message: "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
};

export const CONFIRMING: ReadonlySet<string> = new Set([
  "Disable-InboxRule",
  "Enable-InboxRule",
  "Remove-InboxRule",
  "Set-Mailbox",
  "Remove-MailboxPermission",
  "Add-RecipientPermission",
  "Remove-RecipientPermission",
  "Remove-MailboxFolderPermission",
  "Disable-TransportRule",
  "Enable-TransportRule",
  "Remove-MobileDevice",
  "Set-CASMailbox",
]);
const OUTLOOK_RULES_WARNING = new Set(["Disable-InboxRule", "Enable-InboxRule", "Remove-InboxRule"]);

/** The mailbox a rule cmdlet targets: -Mailbox, else the `<mailbox>\` part of -Identity. */
function targetMailbox(params: InvokeParams): string | null {
  if (typeof params["Mailbox"] === "string") return params["Mailbox"];
  const identity = params["Identity"];
  if (typeof identity !== "string") return null;
  const slash = identity.indexOf("\\");
  return slash > 0 ? identity.slice(0, slash) : null;
}

/** Returns the prompt error the call would end with, or null when it would run without asking. */
export async function promptRefusal(
  conn: Connection,
  cmdlet: string,
  params: InvokeParams,
): Promise<BridgeError | null> {
  if (CONFIRMING.has(cmdlet) && params["Confirm"] !== false) return NON_INTERACTIVE_ERROR;
  if (
    !OUTLOOK_RULES_WARNING.has(cmdlet) ||
    params["Force"] === true ||
    params["AlwaysDeleteOutlookRulesBlob"] === true
  )
    return null;
  const mailbox = targetMailbox(params);
  if (mailbox === null) return null;
  const lookup = await invokeCommand(conn, "Get-Mailbox", { Identity: mailbox });
  if (!lookup.ok) return null; // the cmdlet itself will report the problem
  const first: unknown = lookup.value[0];
  const count =
    typeof first === "object" && first !== null
      ? (first as Record<string, unknown>)[OUTLOOK_CLIENT_RULES_ANNOTATION]
      : undefined;
  return typeof count === "number" && count > 0 ? NON_INTERACTIVE_ERROR : null;
}
