/**
 * Switches for the Exchange face's inferred behaviours (apis.md tag [I]: Microsoft documents nothing, no capture
 * shows it). Defaults are the emulator's best guess; a test or a demo that needs the other reading passes
 * `exchangeFace({ … })` in `startEmulator({ registerFaces })`.
 */
export interface ExchangeFaceOptions {
  /**
   * Exchange Recipient Administrator reaches Get-/Disable-/Enable-TransportRule. Default false: the Recipient
   * Management role group holds no Transport Rules role [I].
   */
  recipientAdminTransportRules: boolean;
  /**
   * Read-only roles other than Global Reader (Security Reader/Administrator, Compliance Administrator, Helpdesk
   * Administrator) may run Get-InboxRule. Default false: the documented Global Reader exclusion is assumed for all
   * read-only roles [I]. Global Reader never may [D].
   */
  readOnlyRolesGetInboxRule: boolean;
  /** Disable-/Enable-/Remove-InboxRule reach a hidden rule by its name too. Default false (by RuleIdentity only) [I]. */
  hiddenRulesByName: boolean;
  /**
   * Remove-MailboxPermission / Remove-RecipientPermission of a grant that does not exist: "warning" (200, a text in
   * `@adminapi.warnings`, no write; default) or "error" (400 InvalidOperationException) [I].
   */
  absentPermissionRemoval: "warning" | "error";
}

export const DEFAULT_EXCHANGE_OPTIONS: Readonly<ExchangeFaceOptions> = {
  recipientAdminTransportRules: false,
  readOnlyRolesGetInboxRule: false,
  hiddenRulesByName: false,
  absentPermissionRemoval: "warning",
};
