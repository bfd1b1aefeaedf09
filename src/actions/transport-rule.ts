/**
 * transportRule.disable / transportRule.enable — an org-wide mail-flow rule, addressed by its Guid (names are
 * chosen by whoever made the rule). Tenant scope: it changes mail flow for everyone, so it is never run
 * unattended; Exchange Online only (Graph cannot see transport rules).
 */
import type { TransportRuleTarget } from "../model/hit.js";
import {
  ActionError,
  defineAction,
  pollUntil,
  type ActionContext,
  type RunResult,
  signalOf,
} from "./types.js";

async function readState(ctx: ActionContext, guid: string): Promise<string> {
  if (!ctx.exchange?.getTransportRules)
    throw new ActionError(
      "transport rules can only be read through Exchange Online, which is not configured",
      "no-transport",
    );
  const rules = await ctx.exchange.getTransportRules(signalOf(ctx));
  const r = rules.find((x) => x.guid.toLowerCase() === guid.toLowerCase());
  if (!r) throw new ActionError(`transport rule ${guid} no longer exists`, "target-gone");
  return r.state;
}

function transportAction(id: "transportRule.disable" | "transportRule.enable", want: "Disabled" | "Enabled") {
  return defineAction<TransportRuleTarget>({
    id,
    scope: "tenant",
    description:
      want === "Disabled"
        ? "Disable an org-wide mail-flow (transport) rule, by Guid."
        : "Enable a mail-flow (transport) rule again, by Guid.",
    permissions: { graph: [], exchange: ["Exchange.ManageAsApp"] },
    reversibility: "reversible",
    attendedOnly: true,
    limits: [
      "Tenant scope: it changes mail flow for every mailbox. Never run unattended.",
      "Disabling keeps the rule as evidence; an admin account still under the attacker's control can enable it again.",
    ],
    inputFromHit: (hit) => (hit.target.kind === "transportRule" ? hit.target : undefined),
    targetId: (i) => `transportRule/${i.guid.toLowerCase()}`,
    async plan(ctx, input) {
      const state = await readState(ctx, input.guid);
      return {
        transport: "exchange",
        before: { state },
        after: { state: want },
        noop: state === want,
        reversibility: "reversible",
        warnings: ["tenant scope: changes mail flow for every mailbox"],
      };
    },
    async run(ctx, input): Promise<RunResult> {
      const state = await readState(ctx, input.guid);
      if (state === want) return { before: { state }, after: { state }, alreadyDone: true };
      const so = signalOf(ctx);
      if (want === "Disabled") await ctx.exchange!.disableTransportRule!(input.guid, so);
      else await ctx.exchange!.enableTransportRule!(input.guid, so);
      return { before: { state }, after: { state: want }, alreadyDone: false };
    },
    async verify(ctx, input) {
      const v = await pollUntil(
        ctx,
        () => readState(ctx, input.guid),
        (s) => s === want,
      );
      return { ok: v.ok, observed: { state: v.value } };
    },
    async compensate(ctx, input, before) {
      const b = before as { state?: string } | null;
      if (!b?.state || b.state === want) return;
      const so = signalOf(ctx);
      if (b.state === "Enabled") await ctx.exchange!.enableTransportRule!(input.guid, so);
      else await ctx.exchange!.disableTransportRule!(input.guid, so);
    },
  });
}

export const transportRuleDisable = transportAction("transportRule.disable", "Disabled");
export const transportRuleEnable = transportAction("transportRule.enable", "Enabled");
