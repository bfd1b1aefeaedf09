/**
 * Set-Mailbox, forwarding parameters [D Set-Mailbox.md]. ForwardingSmtpAddress is a ProxyAddress: stored with the
 * lower-case `smtp:` prefix Exchange renders, null (or "") clears it, an address that does not parse is refused at
 * binding. ForwardingAddress must resolve to one recipient in the organisation (else not found) and is stored as
 * that recipient's identity; null clears it. A call that changes nothing is not a write.
 */
import { givenIdentity, type ServerCmdlet } from "../binding.js";
import { ambiguous, notFound, parameterInvalid } from "../errors.js";
import { resolveMailbox } from "../resolve.js";

/** RFC 5322 dot-atom local part (ASCII) @ a dotted domain; the `smtp:` prefix is optional [I: Exchange's exact rules]. */
const SMTP = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

function forwardingSmtp(value: string): string | null | undefined {
  const bare = /^smtp:/i.test(value) ? value.slice(5) : value;
  if (bare === "") return null;
  return SMTP.test(bare) ? `smtp:${bare}` : undefined;
}

export const setMailbox: ServerCmdlet = {
  name: "Set-Mailbox",
  parameters: {
    Identity: "Identity",
    ForwardingSmtpAddress: "StringOrNull",
    ForwardingAddress: "Identity",
    DeliverToMailboxAndForward: "Bool",
    Confirm: "Bool",
  },
  mandatory: ["Identity"],
  run(ctx, params) {
    const identity = givenIdentity(params, "Identity") ?? "";
    const target = resolveMailbox(ctx.state, identity);
    if (!target.ok)
      return { ok: false, failure: target.reason === "ambiguous" ? ambiguous(identity) : notFound(identity) };
    const mailbox = target.value;
    const next = {
      forwardingSmtpAddress: mailbox.forwardingSmtpAddress,
      forwardingAddress: mailbox.forwardingAddress,
      deliverToMailboxAndForward: mailbox.deliverToMailboxAndForward,
    };
    if ("ForwardingSmtpAddress" in params) {
      const raw = params["ForwardingSmtpAddress"];
      const value = typeof raw === "string" ? forwardingSmtp(raw) : null;
      if (value === undefined) {
        return {
          ok: false,
          failure: parameterInvalid(
            "ForwardingSmtpAddress",
            `Cannot convert value "${String(raw)}" to type "Microsoft.Exchange.Data.ProxyAddress". Error: "The address '${String(raw)}' is invalid."`,
          ),
        };
      }
      next.forwardingSmtpAddress = value;
    }
    if ("ForwardingAddress" in params) {
      const raw = givenIdentity(params, "ForwardingAddress");
      if (raw === null) next.forwardingAddress = null;
      else {
        const recipient = resolveMailbox(ctx.state, raw);
        if (!recipient.ok)
          return { ok: false, failure: recipient.reason === "ambiguous" ? ambiguous(raw) : notFound(raw) };
        next.forwardingAddress = recipient.value.userId;
      }
    }
    if (typeof params["DeliverToMailboxAndForward"] === "boolean")
      next.deliverToMailboxAndForward = params["DeliverToMailboxAndForward"];
    const write =
      next.forwardingSmtpAddress !== mailbox.forwardingSmtpAddress ||
      next.forwardingAddress !== mailbox.forwardingAddress ||
      next.deliverToMailboxAndForward !== mailbox.deliverToMailboxAndForward;
    Object.assign(mailbox, next);
    return { ok: true, value: [], write, warnings: [] };
  },
};
