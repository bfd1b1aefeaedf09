/**
 * user.confirmCompromised / user.dismissRisk — Identity Protection's verdict on the user (Entra ID P2).
 * Confirming sets the user's risk to high so risk-based Conditional Access acts on it; dismissing clears it. The
 * API cannot restore an earlier risk state, so neither is reversible to the exact before-image.
 */
import { isNotFound } from "../adapters/errors.js";
import type { Json } from "../engine/machine.js";
import type { Hit } from "../model/hit.js";
import { defineAction, pollUntil, type ActionContext, type RunResult, signalOf } from "./types.js";

interface Input {
  userId: string;
  upn: string;
}

async function readRisk(
  ctx: ActionContext,
  userId: string,
): Promise<{ riskState: string; riskLevel: string }> {
  try {
    const r = await ctx.graph.getRiskyUser(userId, signalOf(ctx));
    return { riskState: r.riskState ?? "none", riskLevel: r.riskLevel ?? "none" };
  } catch (e) {
    // A user Identity Protection never flagged has no riskyUser entry.
    if (isNotFound(e)) return { riskState: "none", riskLevel: "none" };
    throw e;
  }
}

/** The risk a plan's before-image holds. */
function riskOf(j: Json): { riskState: string; riskLevel: string } {
  const o = (j && typeof j === "object" && !Array.isArray(j) ? j : {}) as Record<string, Json>;
  return {
    riskState: typeof o.riskState === "string" ? o.riskState : "none",
    riskLevel: typeof o.riskLevel === "string" ? o.riskLevel : "none",
  };
}

function riskAction(
  id: "user.confirmCompromised" | "user.dismissRisk",
  op: "confirmCompromised" | "dismiss",
  target: string,
) {
  return defineAction<Input>({
    id,
    scope: "user",
    description:
      op === "confirmCompromised"
        ? "Confirm the user compromised in Identity Protection (risk high; risk-based Conditional Access applies)."
        : "Dismiss the user's risk in Identity Protection.",
    permissions: { graph: ["IdentityRiskyUser.ReadWrite.All"], exchange: [] },
    reversibility: "irreversible",
    limits: [
      "Needs Entra ID P2. The earlier risk state cannot be restored through the API.",
      "Identity Protection allows 1 request per second per tenant; calls are paced.",
    ],
    inputFromHit: (hit: Hit) => ({ userId: hit.user.id, upn: hit.user.upn }),
    targetId: (i) => `${i.userId}/risk`,
    async plan(ctx, input) {
      const r = await readRisk(ctx, input.userId);
      return {
        transport: "graph",
        before: { riskState: r.riskState, riskLevel: r.riskLevel },
        after: { riskState: target },
        noop: r.riskState === target,
        reversibility: "irreversible",
        warnings: [],
      };
    },
    async run(ctx, input, plan): Promise<RunResult> {
      // A fresh plan's before-image was read moments ago (RunPlan.fresh): Identity Protection allows 1 request/s
      // per tenant, so no second read before the write.
      const r = plan.fresh ? riskOf(plan.before) : await readRisk(ctx, input.userId);
      if (r.riskState === target)
        return { before: { riskState: target }, after: { riskState: target }, alreadyDone: true };
      await ctx.graph.riskyUsersAction(op, [input.userId], signalOf(ctx));
      return {
        before: { riskState: r.riskState, riskLevel: r.riskLevel },
        after: { riskState: target },
        alreadyDone: false,
      };
    },
    async verify(ctx, input) {
      const v = await pollUntil(
        ctx,
        () => readRisk(ctx, input.userId),
        (r) => r.riskState === target,
      );
      return { ok: v.ok, observed: { riskState: v.value.riskState, riskLevel: v.value.riskLevel } };
    },
  });
}

export const userConfirmCompromised = riskAction(
  "user.confirmCompromised",
  "confirmCompromised",
  "confirmedCompromised",
);
export const userDismissRisk = riskAction("user.dismissRisk", "dismiss", "dismissed");
