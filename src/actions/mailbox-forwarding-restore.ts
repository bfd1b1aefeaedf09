/**
 * mailboxForwarding.read (read-only) and mailboxForwarding.restore — set ForwardingSmtpAddress, ForwardingAddress
 * and DeliverToMailboxAndForward to a given before-image (the compensation of mailboxForwarding.clear, as its own
 * action). Exchange Online only: Graph can neither read nor change mailbox forwarding.
 */
import type { Json } from "../engine/machine.js";
import type { Hit } from "../model/hit.js";
import { signalOf } from "./inbox-rule-common.js";
import { ActionError, defineAction, pollUntil, type ActionContext } from "./types.js";

export interface Forwarding {
  forwardingSmtpAddress: string | null;
  forwardingAddress: string | null;
  deliverToMailboxAndForward: boolean;
}
export interface MailboxRef {
  mailboxId: string;
  upn: string;
}
export type RestoreInput = MailboxRef & Forwarding;

async function readForwarding(ctx: ActionContext, mailboxId: string): Promise<Forwarding> {
  if (!ctx.exchange)
    throw new ActionError(
      "mailbox forwarding can only be read through Exchange Online, which is not configured",
      "no-transport",
    );
  const mb = await ctx.exchange.getMailbox(mailboxId, signalOf(ctx));
  return {
    forwardingSmtpAddress: mb.forwardingSmtpAddress ?? null,
    forwardingAddress: mb.forwardingAddress ?? null,
    deliverToMailboxAndForward: mb.deliverToMailboxAndForward === true,
  };
}

/** Exchange echoes `smtp:` prefixes and its own casing: compare what the values mean. */
const addr = (v: string | null) =>
  v
    ? v
        .replace(/^smtp:/i, "")
        .trim()
        .toLowerCase()
    : null;
const same = (a: Forwarding, b: Forwarding) =>
  addr(a.forwardingSmtpAddress) === addr(b.forwardingSmtpAddress) &&
  addr(a.forwardingAddress) === addr(b.forwardingAddress) &&
  a.deliverToMailboxAndForward === b.deliverToMailboxAndForward;
const asJson = (f: Forwarding): Json => ({
  forwardingSmtpAddress: f.forwardingSmtpAddress,
  forwardingAddress: f.forwardingAddress,
  deliverToMailboxAndForward: f.deliverToMailboxAndForward,
});
const desired = (i: RestoreInput): Forwarding => ({
  forwardingSmtpAddress: i.forwardingSmtpAddress ?? null,
  forwardingAddress: i.forwardingAddress ?? null,
  deliverToMailboxAndForward: i.deliverToMailboxAndForward === true,
});

export const mailboxForwardingRead = defineAction<MailboxRef>({
  id: "mailboxForwarding.read",
  scope: "object",
  description:
    "Read mailbox forwarding (ForwardingSmtpAddress, ForwardingAddress, DeliverToMailboxAndForward).",
  permissions: { graph: [], exchange: ["Exchange.ManageAsApp"] },
  readOnly: true,
  reversibility: "reversible",
  limits: ["Read-only. Inbox rules, transport rules and delegates that also move mail out are not read."],
  inputFromHit: (hit: Hit) => ({ mailboxId: hit.user.id, upn: hit.user.upn }),
  targetId: (i) => `${i.mailboxId}/forwarding`,
  async plan(ctx, input) {
    const f = asJson(await readForwarding(ctx, input.mailboxId));
    return {
      transport: "exchange",
      before: f,
      after: f,
      noop: true,
      reversibility: "reversible",
      warnings: [],
    };
  },
  async run(ctx, input) {
    const f = asJson(await readForwarding(ctx, input.mailboxId));
    return { before: f, after: f, alreadyDone: true };
  },
  async verify(ctx, input) {
    return { ok: true, observed: asJson(await readForwarding(ctx, input.mailboxId)) };
  },
});

export const mailboxForwardingRestore = defineAction<RestoreInput>({
  id: "mailboxForwarding.restore",
  scope: "object",
  description:
    "Set mailbox forwarding back to a stored before-image: the compensation of mailboxForwarding.clear.",
  permissions: { graph: [], exchange: ["Exchange.ManageAsApp"] },
  reversibility: "reversible",
  attendedOnly: true,
  limits: [
    "Restoring a before-image that forwarded mail to an attacker re-opens the exfiltration: it is a deliberate undo, never built from a hit.",
    "Sets exactly the three forwarding properties; other mailbox settings are not touched.",
  ],
  // A hit's forwarding is the suspect state: restoring it from a hit would re-enable it.
  inputFromHit: () => undefined,
  targetId: (i) => `${i.mailboxId}/forwarding`,

  async plan(ctx, input) {
    const before = await readForwarding(ctx, input.mailboxId);
    const after = desired(input);
    const external = after.forwardingSmtpAddress !== null;
    return {
      transport: "exchange",
      before: asJson(before),
      after: asJson(after),
      noop: same(before, after),
      reversibility: "reversible",
      warnings: external ? [`forwarding to ${JSON.stringify(after.forwardingSmtpAddress)} is set again`] : [],
    };
  },

  async run(ctx, input) {
    const before = await readForwarding(ctx, input.mailboxId);
    const after = desired(input);
    if (same(before, after)) return { before: asJson(before), after: asJson(before), alreadyDone: true };
    await ctx.exchange!.setMailboxForwarding(input.mailboxId, after, signalOf(ctx));
    return { before: asJson(before), after: asJson(after), alreadyDone: false };
  },

  async verify(ctx, input) {
    const want = desired(input);
    const r = await pollUntil(
      ctx,
      () => readForwarding(ctx, input.mailboxId),
      (f) => same(f, want),
    );
    return { ok: r.ok, observed: asJson(r.value) };
  },

  async compensate(ctx, input, before) {
    if (!before || typeof before !== "object" || Array.isArray(before)) return;
    const b = before as unknown as Forwarding;
    await ctx.exchange!.setMailboxForwarding(
      input.mailboxId,
      {
        forwardingSmtpAddress: b.forwardingSmtpAddress ?? null,
        forwardingAddress: b.forwardingAddress ?? null,
        deliverToMailboxAndForward: b.deliverToMailboxAndForward === true,
      },
      signalOf(ctx),
    );
  },
});
