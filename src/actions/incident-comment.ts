/**
 * incident.comment — write back to the Defender alert or incident the hit came from: one comment summarising
 * the hit, carrying an idempotency marker so a repeat (by any run) finds it and does not comment twice.
 * The hit names the alert or incident in `links`/`reasons` later (hunting); for now the input is given by the
 * playbook through the hit's `alertId` / `incidentId` fields when present.
 */
import { createHash } from "node:crypto";
import type { Hit } from "../model/hit.js";
import { defineAction, pollUntil, type ActionContext, type RunResult, signalOf } from "./types.js";

interface Input {
  kind: "alert" | "incident";
  id: string;
  hitKey: string;
  text: string;
}

export function commentMarker(tenantId: string, input: Pick<Input, "kind" | "id" | "hitKey">): string {
  const h = createHash("sha256")
    .update(`${tenantId}:${input.kind}:${input.id}:${input.hitKey}`)
    .digest("hex")
    .slice(0, 16);
  return `[mailwarden:${h}]`;
}

async function hasMarker(ctx: ActionContext, input: Input): Promise<boolean> {
  const comments = await ctx.graph.listComments(input.kind, input.id, signalOf(ctx));
  const marker = commentMarker(ctx.tenantId, input);
  return comments.some((c) => c.comment.includes(marker));
}

export function summarise(hit: Hit): string {
  const what =
    hit.target.kind === "inboxRule"
      ? `inbox rule ${JSON.stringify(hit.target.ruleName)}`
      : "mailbox forwarding";
  return `mailwarden: ${hit.severity} (${hit.score}) ${what} of ${hit.user.upn}: ${hit.reasons.map((r) => r.code).join(", ")}`;
}

export const incidentComment = defineAction<Input>({
  id: "incident.comment",
  scope: "object",
  description:
    "Comment on the Defender alert or incident behind the hit, once (an idempotency marker is in the text).",
  permissions: { graph: ["SecurityAlert.ReadWrite.All", "SecurityIncident.ReadWrite.All"], exchange: [] },
  reversibility: "irreversible",
  limits: [
    "Comments cannot be edited or deleted through the API.",
    "Security API limit: 150 requests per minute per app.",
  ],
  inputFromHit: (hit) => {
    const h = hit;
    if (h.incidentId) return { kind: "incident", id: h.incidentId, hitKey: hit.hitKey, text: summarise(hit) };
    if (h.alertId) return { kind: "alert", id: h.alertId, hitKey: hit.hitKey, text: summarise(hit) };
    return undefined;
  },
  targetId: (i) => `${i.kind}/${i.id}/comment/${i.hitKey}`,
  async plan(ctx, input) {
    const done = await hasMarker(ctx, input);
    const text = `${input.text} ${commentMarker(ctx.tenantId, input)}`;
    return {
      transport: "graph",
      before: { commented: done },
      after: { commented: true, text },
      noop: done,
      reversibility: "irreversible",
      warnings: [],
    };
  },
  async run(ctx, input): Promise<RunResult> {
    if (await hasMarker(ctx, input))
      return { before: { commented: true }, after: { commented: true }, alreadyDone: true };
    const text = `${input.text} ${commentMarker(ctx.tenantId, input)}`;
    await ctx.graph.addComment(input.kind, input.id, text, signalOf(ctx));
    return { before: { commented: false }, after: { commented: true, text }, alreadyDone: false };
  },
  async verify(ctx, input) {
    const v = await pollUntil(
      ctx,
      () => hasMarker(ctx, input),
      (x) => x,
    );
    return { ok: v.ok, observed: { commented: v.value } };
  },
});
