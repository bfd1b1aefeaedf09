/**
 * autoReply.read / autoReply.clear — the mailbox's automatic replies (Graph mailboxSettings.automaticRepliesSetting).
 * An attacker sets one to tell outside senders to use another address, or to learn who writes. Clearing sets the
 * status to disabled and keeps the messages, schedule and audience; the before-image is the whole setting, and
 * compensation restores it. The reply texts are attacker-controlled: they are data in the plan, never interpolated.
 */
import type { GraphAutomaticReplies } from "../adapters/graph/client.js";
import type { Json } from "../engine/machine.js";
import type { Hit } from "../model/hit.js";
import {
  ActionError,
  defineAction,
  pollUntil,
  type ActionContext,
  type RunResult,
  signalOf,
} from "./types.js";

interface Input {
  userId: string;
  upn: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checked(input: Input): string {
  if (!GUID.test(input.userId))
    throw new ActionError(
      `the hit's user id is not an Entra object id (GUID): ${JSON.stringify(input.userId)}`,
      "precondition",
    );
  return input.userId;
}

const read = (ctx: ActionContext, input: Input) =>
  ctx.graph.getAutomaticReplies(checked(input), signalOf(ctx));

function image(a: GraphAutomaticReplies): Json {
  return {
    status: a.status,
    externalAudience: a.externalAudience,
    internalReplyMessage: a.internalReplyMessage ?? "",
    externalReplyMessage: a.externalReplyMessage ?? "",
    scheduledStartDateTime: a.scheduledStartDateTime ? { ...a.scheduledStartDateTime } : null,
    scheduledEndDateTime: a.scheduledEndDateTime ? { ...a.scheduledEndDateTime } : null,
  };
}

/** Does the reply reach senders outside the organisation? */
const external = (a: Pick<GraphAutomaticReplies, "status" | "externalAudience">) =>
  a.status !== "disabled" && a.externalAudience !== "none";

const fromHit = (hit: Hit): Input => ({ userId: hit.user.id, upn: hit.user.upn });

export const autoReplyRead = defineAction<Input>({
  id: "autoReply.read",
  scope: "user",
  description: "Read the mailbox's automatic replies (status, audience, the reply texts as data).",
  permissions: { graph: ["MailboxSettings.Read"], exchange: [] },
  reversibility: "reversible",
  readOnly: true,
  limits: ["Read-only. The reply texts are attacker-controlled: shown as data, never interpreted."],
  inputFromHit: fromHit,
  targetId: (i) => `${i.userId}/automaticReplies`,
  async plan(ctx, input) {
    const a = await read(ctx, input);
    const j = image(a);
    return { transport: "graph", before: j, after: j, noop: true, reversibility: "reversible", warnings: [] };
  },
  async run(ctx, input): Promise<RunResult> {
    const j = image(await read(ctx, input));
    return { before: j, after: j, alreadyDone: true };
  },
  async verify(ctx, input) {
    return { ok: true, observed: image(await read(ctx, input)) };
  },
});

export const autoReplyClear = defineAction<Input>({
  id: "autoReply.clear",
  scope: "user",
  description: "Turn the mailbox's automatic replies off (status disabled); the before-image restores them.",
  permissions: { graph: ["MailboxSettings.ReadWrite"], exchange: [] },
  reversibility: "reversible",
  limits: [
    "Turns the reply off and keeps its texts, schedule and audience (compensation restores the status); it does not tell whether the user or the attacker set it — the plan shows the texts for a person to judge.",
    "Rules that reply or forward (inbox rules, transport rules) are separate actions.",
  ],
  inputFromHit: fromHit,
  targetId: (i) => `${i.userId}/automaticReplies`,

  async plan(ctx, input) {
    const a = await read(ctx, input);
    return {
      transport: "graph",
      before: image(a),
      after: { ...(image(a) as object), status: "disabled" },
      noop: a.status === "disabled",
      reversibility: "reversible",
      warnings:
        a.status === "disabled"
          ? []
          : [
              external(a)
                ? `the auto-reply goes to senders outside the organisation (audience: ${a.externalAudience}); its texts are in the before-image`
                : "the auto-reply goes to senders inside the organisation only; its text is in the before-image",
            ],
    };
  },

  async run(ctx, input): Promise<RunResult> {
    const a = await read(ctx, input);
    if (a.status === "disabled") return { before: image(a), after: image(a), alreadyDone: true };
    await ctx.graph.updateAutomaticReplies(input.userId, { status: "disabled" }, signalOf(ctx));
    return { before: image(a), after: { ...(image(a) as object), status: "disabled" }, alreadyDone: false };
  },

  async verify(ctx, input) {
    const r = await pollUntil(
      ctx,
      () => read(ctx, input),
      (a) => a.status === "disabled",
    );
    return { ok: r.ok, observed: image(r.value) };
  },

  async compensate(ctx, input, before) {
    if (!before || typeof before !== "object" || Array.isArray(before)) return;
    const b = before as unknown as GraphAutomaticReplies;
    if (b.status === "disabled") return;
    await ctx.graph.updateAutomaticReplies(
      checked(input),
      {
        status: b.status,
        externalAudience: b.externalAudience,
        internalReplyMessage: b.internalReplyMessage,
        externalReplyMessage: b.externalReplyMessage,
        ...(b.scheduledStartDateTime ? { scheduledStartDateTime: b.scheduledStartDateTime } : {}),
        ...(b.scheduledEndDateTime ? { scheduledEndDateTime: b.scheduledEndDateTime } : {}),
      },
      signalOf(ctx),
    );
  },
});
