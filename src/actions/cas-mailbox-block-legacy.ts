/**
 * casMailbox.blockLegacyProtocols — turn off POP3, IMAP4 and authenticated SMTP submission (SMTP AUTH) for the
 * user's mailbox: `Set-CASMailbox -Identity <id> -PopEnabled $false -ImapEnabled $false
 * -SmtpClientAuthenticationDisabled $true` [D Set-CASMailbox]. These are the protocols an attacker holding the
 * password uses to read and send mail outside conditional access and the browser session. ActiveSync, MAPI (Outlook),
 * EWS and Outlook on the web are left as they are.
 *
 * Before-image: the three values exactly, SmtpClientAuthenticationDisabled included as `null` when the mailbox
 * follows the organisation's setting (Set-TransportConfig) — compensation sets `$null` back, not `$false`, so the
 * mailbox follows the organisation again. Verify re-reads Get-CASMailbox.
 */
import type { ExoCasMailbox } from "../adapters/exo/shapes.js";
import type { Json } from "../engine/machine.js";
import { ActionError, defineAction, pollUntil, type ActionContext, signalOf } from "./types.js";

export interface LegacyInput {
  mailboxId: string;
  upn: string;
}

interface Legacy {
  popEnabled: boolean;
  imapEnabled: boolean;
  smtpClientAuthenticationDisabled: boolean | null;
}

const BLOCKED: Legacy = { popEnabled: false, imapEnabled: false, smtpClientAuthenticationDisabled: true };

const legacyOf = (c: ExoCasMailbox): Legacy => ({
  popEnabled: c.popEnabled,
  imapEnabled: c.imapEnabled,
  smtpClientAuthenticationDisabled: c.smtpClientAuthenticationDisabled,
});
const isBlocked = (l: Legacy) =>
  !l.popEnabled && !l.imapEnabled && l.smtpClientAuthenticationDisabled === true;
const asJson = (l: Legacy): Json => ({ ...l });

async function readCas(ctx: ActionContext, mailboxId: string): Promise<ExoCasMailbox> {
  if (!ctx.exchange?.getCasMailbox)
    throw new ActionError(
      "mailbox protocol settings can only be read through Exchange Online, which is not configured",
      "no-transport",
    );
  return ctx.exchange.getCasMailbox(mailboxId, signalOf(ctx));
}

/** A before-image as the three values, or undefined when it is not one. */
function parseBefore(before: Json): Legacy | undefined {
  const b = before as Partial<Record<keyof Legacy, unknown>> | null;
  if (!b || typeof b !== "object" || Array.isArray(b)) return undefined;
  const s = b.smtpClientAuthenticationDisabled;
  if (typeof b.popEnabled !== "boolean" || typeof b.imapEnabled !== "boolean") return undefined;
  if (s !== null && typeof s !== "boolean") return undefined;
  return { popEnabled: b.popEnabled, imapEnabled: b.imapEnabled, smtpClientAuthenticationDisabled: s };
}

export const casMailboxBlockLegacyProtocols = defineAction<LegacyInput>({
  id: "casMailbox.blockLegacyProtocols",
  scope: "user",
  description:
    "Turn off POP3, IMAP4 and SMTP AUTH for the user's mailbox (Set-CASMailbox); compensation restores the three values exactly.",
  permissions: { graph: [], exchange: ["Exchange.ManageAsApp"] },
  reversibility: "reversible",
  limits: [
    "ActiveSync, MAPI (Outlook), EWS and Outlook on the web stay as they are: remove the attacker's mobile devices (mobileDevice.removeSessionDevices) and revoke sessions for those.",
    "Legitimate POP/IMAP clients and devices that send through SMTP AUTH for this user (scanners, line-of-business apps) stop working until compensation.",
    "Connections already open (an IMAP session) may last until they end; the setting applies to new connections.",
    "A mailbox that follows the organisation's SMTP AUTH setting (SmtpClientAuthenticationDisabled $null) gets it back as $null on compensation, not $false.",
  ],
  inputFromHit: (hit) => {
    if (hit.target.kind === "transportRule") return undefined;
    const mailboxId = "mailboxId" in hit.target && hit.target.mailboxId ? hit.target.mailboxId : hit.user.id;
    return { mailboxId, upn: hit.user.upn };
  },
  targetId: (i) => `${i.mailboxId}/casMailbox/legacyProtocols`,

  async plan(ctx, input) {
    const before = legacyOf(await readCas(ctx, input.mailboxId));
    return {
      transport: "exchange",
      before: asJson(before),
      after: asJson(BLOCKED),
      noop: isBlocked(before),
      reversibility: "reversible",
      warnings: [
        "POP/IMAP clients and SMTP AUTH senders of this user stop working (ActiveSync, Outlook, EWS and Outlook on the web are left as they are)",
        ...(before.smtpClientAuthenticationDisabled === null
          ? ["SMTP AUTH follows the organisation's setting now ($null): compensation returns it to $null"]
          : []),
      ],
    };
  },

  async run(ctx, input) {
    const before = legacyOf(await readCas(ctx, input.mailboxId));
    if (isBlocked(before)) return { before: asJson(before), after: asJson(before), alreadyDone: true };
    await ctx.exchange!.setLegacyProtocols!(input.mailboxId, BLOCKED, signalOf(ctx));
    return { before: asJson(before), after: asJson(BLOCKED), alreadyDone: false };
  },

  async verify(ctx, input) {
    const r = await pollUntil(ctx, async () => legacyOf(await readCas(ctx, input.mailboxId)), isBlocked);
    return { ok: r.ok, observed: asJson(r.value) };
  },

  async compensate(ctx, input, before) {
    const b = parseBefore(before);
    if (!b) return;
    await ctx.exchange!.setLegacyProtocols!(input.mailboxId, b, signalOf(ctx));
  },
});
