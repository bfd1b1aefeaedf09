/**
 * mailboxForwarding.clear — remove mailbox-level forwarding: ForwardingSmtpAddress, ForwardingAddress and
 * DeliverToMailboxAndForward together (clearing only the SMTP address leaves ForwardingAddress forwarding).
 * Graph can neither read nor change these: Exchange Online only.
 */
import type { Json } from "../engine/machine.js";
import type { ForwardingTarget } from "../model/hit.js";
import { ActionError, defineAction, pollUntil, type ActionContext, signalOf } from "./types.js";

interface Forwarding {
  forwardingSmtpAddress: string | null;
  forwardingAddress: string | null;
  deliverToMailboxAndForward: boolean;
}

const CLEARED: Forwarding = {
  forwardingSmtpAddress: null,
  forwardingAddress: null,
  deliverToMailboxAndForward: false,
};

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

/** The forwarding a plan's before-image holds. */
function forwardingOf(j: Json): Forwarding {
  const o = (j && typeof j === "object" && !Array.isArray(j) ? j : {}) as Record<string, Json>;
  const str = (v: Json | undefined) => (typeof v === "string" ? v : null);
  return {
    forwardingSmtpAddress: str(o.forwardingSmtpAddress),
    forwardingAddress: str(o.forwardingAddress),
    deliverToMailboxAndForward: o.deliverToMailboxAndForward === true,
  };
}

const isCleared = (f: Forwarding) =>
  !f.forwardingSmtpAddress && !f.forwardingAddress && !f.deliverToMailboxAndForward;
const asJson = (f: Forwarding): Json => ({ ...f });

export const mailboxForwardingClear = defineAction<ForwardingTarget>({
  id: "mailboxForwarding.clear",
  scope: "object",
  description:
    "Clear mailbox forwarding (ForwardingSmtpAddress, ForwardingAddress, DeliverToMailboxAndForward).",
  permissions: { graph: [], exchange: ["Exchange.ManageAsApp"] },
  reversibility: "reversible",
  limits: ["Does not touch inbox rules, transport rules or delegates that also move mail out."],
  inputFromHit: (hit) => (hit.target.kind === "mailboxForwarding" ? hit.target : undefined),
  targetId: (i) => `${i.mailboxId}/forwarding`,

  async plan(ctx, input) {
    const before = await readForwarding(ctx, input.mailboxId);
    return {
      transport: "exchange",
      before: asJson(before),
      after: asJson(CLEARED),
      noop: isCleared(before),
      reversibility: "reversible",
      warnings: [],
    };
  },

  async run(ctx, input, plan) {
    // A fresh plan's before-image was read moments ago (RunPlan.fresh): no second Get-Mailbox.
    const before = plan.fresh ? forwardingOf(plan.before) : await readForwarding(ctx, input.mailboxId);
    if (isCleared(before)) return { before: asJson(before), after: asJson(before), alreadyDone: true };
    await ctx.exchange!.setMailboxForwarding(input.mailboxId, CLEARED, signalOf(ctx));
    return { before: asJson(before), after: asJson(CLEARED), alreadyDone: false };
  },

  async verify(ctx, input) {
    const r = await pollUntil(ctx, () => readForwarding(ctx, input.mailboxId), isCleared);
    return { ok: r.ok, observed: asJson(r.value) };
  },

  async compensate(ctx, input, before) {
    if (!before || typeof before !== "object" || Array.isArray(before)) return;
    const b = before as unknown as Forwarding;
    await ctx.exchange!.setMailboxForwarding(
      input.mailboxId,
      {
        forwardingSmtpAddress: b.forwardingSmtpAddress,
        forwardingAddress: b.forwardingAddress,
        deliverToMailboxAndForward: b.deliverToMailboxAndForward,
      },
      signalOf(ctx),
    );
  },
});
