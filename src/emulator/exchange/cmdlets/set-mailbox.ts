/**
 * Set-Mailbox, forwarding parameters [D Set-Mailbox.md]. ForwardingSmtpAddress is a ProxyAddress: stored with the
 * lower-case `smtp:` prefix Exchange renders, null (or "") clears it, an address that does not parse is refused at
 * binding. ForwardingAddress must resolve to one recipient in the organisation (else not found) and is stored as
 * that recipient's identity; null clears it. GrantSendOnBehalfTo (a MultiValuedProperty): a list overwrites,
 * null clears, the `@{Add=…; Remove=…}` hashtable edits [D]; every entry must resolve to a recipient (else not
 * found, nothing changes); removing an absent entry or adding a present one changes nothing [I]. A call that
 * changes nothing is not a write. Forwarding changes honour the faults file's visibility delay for Set-Mailbox.
 */
import { givenIdentity, type BoundValue, type ServerCmdlet } from "../binding.js";
import { ambiguous, notFound, parameterInvalid, type CmdletFailure } from "../errors.js";
import { resolveMailbox } from "../resolve.js";
import { oneTrustee, sameName } from "./common.js";
import type { TenantState } from "../../state.js";
import { delayedWrite } from "./visibility.js";

function resolveAll(state: TenantState, ids: readonly string[]): string[] | CmdletFailure {
  const out: string[] = [];
  for (const id of ids) {
    const t = oneTrustee(state, id);
    if (!t.ok) return t.failure;
    if (!out.some((o) => sameName(o, t.value))) out.push(t.value);
  }
  return out;
}

/** The new GrantSendOnBehalfTo list, or a failure. */
function sendOnBehalf(
  state: TenantState,
  current: readonly string[],
  value: BoundValue,
): string[] | CmdletFailure {
  if (value === null) return [];
  if (Array.isArray(value)) return resolveAll(state, value);
  if (typeof value !== "object") return [...current];
  const add = resolveAll(state, value.add);
  if (!Array.isArray(add)) return add;
  const remove = resolveAll(state, value.remove);
  if (!Array.isArray(remove)) return remove;
  const next = current.filter((c) => !remove.some((r) => sameName(r, c)));
  for (const a of add) if (!next.some((n) => sameName(n, a))) next.push(a);
  return next;
}

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
    GrantSendOnBehalfTo: "MultiValued",
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
      const given = params["ForwardingSmtpAddress"];
      const raw = typeof given === "string" ? given : "";
      const value = typeof given === "string" ? forwardingSmtp(raw) : null;
      if (value === undefined) {
        return {
          ok: false,
          failure: parameterInvalid(
            "ForwardingSmtpAddress",
            `Cannot convert value "${raw}" to type "Microsoft.Exchange.Data.ProxyAddress". Error: "The address '${raw}' is invalid."`,
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
    let grants = mailbox.grantSendOnBehalfTo;
    const grantValue = params["GrantSendOnBehalfTo"];
    if (grantValue !== undefined) {
      const g = sendOnBehalf(ctx.state, mailbox.grantSendOnBehalfTo, grantValue);
      if (!Array.isArray(g)) return { ok: false, failure: g };
      grants = g;
    }
    const grantsChanged =
      grants.length !== mailbox.grantSendOnBehalfTo.length ||
      grants.some((g, i) => g !== mailbox.grantSendOnBehalfTo[i]);
    const forwardingChanged =
      next.forwardingSmtpAddress !== mailbox.forwardingSmtpAddress ||
      next.forwardingAddress !== mailbox.forwardingAddress ||
      next.deliverToMailboxAndForward !== mailbox.deliverToMailboxAndForward;
    if (grantsChanged) mailbox.grantSendOnBehalfTo = grants;
    if (forwardingChanged) {
      delayedWrite(ctx, "forwarding", `forwarding:${mailbox.userId}`, () => {
        Object.assign(mailbox, next);
      });
    }
    return { ok: true, value: [], write: grantsChanged || forwardingChanged, warnings: [] };
  },
};
