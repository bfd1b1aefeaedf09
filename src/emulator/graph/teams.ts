/**
 * `POST /teams/{team-id}/channels/{channel-id}/messages` (Graph chatMessage-post / channel-post-messages [D]): a
 * signed-in user posts to a channel of a team they belong to; 201 with the chatMessage. The face has checked the
 * permission (delegated ChannelMessage.Send or Group.ReadWrite.All; application Teamwork.Migrate.All). An app-only
 * token is then refused here: application permission "is only supported for migration", and no emulated channel is
 * in migration mode (401 with the text the service sends [T learn.microsoft.com/answers 1154651]). Texts marked [I]
 * are inferred (not published).
 */
import { z } from "zod";
import type { ChannelMessageState } from "../state.js";
import { fail, readJsonBody, type GraphCall } from "./call.js";
import { GraphErrors, type GraphErrorSpec } from "./errors.js";
import { graphJson } from "./respond.js";

/** Teams' message size bound: about 28 KB [D Teams message limits; I that Graph applies it to body.content]. */
export const MAX_MESSAGE_CONTENT_BYTES = 28 * 1024;

const APP_ONLY: GraphErrorSpec = [
  401,
  "Unauthorized",
  "Message POST is allowed in application-only context only for import purposes. Refer to https://docs.microsoft.com/microsoftteams/platform/graph-api/import-messages/import-external-messages-to-teams for more details.",
];

const messageSchema = z.strictObject({
  body: z.strictObject({
    contentType: z.enum(["text", "html"]).default("text"),
    content: z.string(),
  }),
  subject: z.string().nullable().optional(),
  importance: z.enum(["normal", "high", "urgent"]).optional(),
  // Accepted and not modelled: mentions and attachments must be empty here (no card or mention rendering).
  mentions: z.array(z.never()).optional(),
  attachments: z.array(z.never()).optional(),
});

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    return `Property '${issue.keys[0] ?? ""}' is not supported by the emulated tenant on 'microsoft.graph.chatMessage'.`;
  }
  const where = issue?.path.join(".") ?? "";
  if (where === "body" || where === "body.content") return "Missing body content";
  return `Invalid value for property '${where}'.`;
}

/** Teams message ids are the creation time in epoch milliseconds, unique within the channel. */
function nextMessageId(existing: ChannelMessageState[], now: Date): string {
  const last = existing.reduce((m, x) => Math.max(m, Number(x.id)), 0);
  return String(Math.max(now.getTime(), last + 1));
}

export async function postChannelMessage(g: GraphCall): Promise<Response> {
  const { token } = g;
  if (token.scp === undefined) return fail(g, APP_ONLY);
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return fail(g, GraphErrors.unreadableBody());
  if (body.kind === "empty") return fail(g, [400, "BadRequest", "Empty Payload. JSON content expected."]);
  const teamRef = (g.params["team"] ?? "").toLowerCase();
  const team = (g.ctx.state.teams ?? []).find((t) => t.id === teamRef);
  if (!team) return fail(g, [404, "NotFound", `No team found with Group Id ${g.params["team"] ?? ""}`]); // [I]
  const channel = team.channels.find((ch) => ch.id === g.params["channel"]);
  if (!channel) return fail(g, [404, "NotFound", "Channel not found"]); // [I]
  const value = body.value;
  const stripped =
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith("@")))
      : value;
  const parsed = messageSchema.safeParse(stripped);
  if (!parsed.success) return fail(g, [400, "BadRequest", describe(parsed.error)]);
  const msg = parsed.data;
  if (msg.body.content.trim() === "") return fail(g, [400, "BadRequest", "Missing body content"]); // [I]
  if (Buffer.byteLength(msg.body.content, "utf8") > MAX_MESSAGE_CONTENT_BYTES) {
    return fail(g, [413, "RequestEntityTooLarge", "Message size exceeds the maximum allowed size."]); // [I]
  }
  // A user must be a member of the team to post [T microsoft-graph-docs#15095]; an archived team is read-only [I].
  const user = g.ctx.state.users.find((u) => u.id === token.oid);
  if (!user || !team.memberIds.includes(user.id)) return fail(g, [403, "Forbidden", "Forbidden"]);
  if (team.isArchived) return fail(g, [403, "Forbidden", "Team is archived and read-only."]);

  const now = g.ctx.clock.now();
  const stored: ChannelMessageState = {
    id: nextMessageId(channel.messages, now),
    createdDateTime: now.toISOString(),
    fromUserId: user.id,
    fromDisplayName: user.displayName,
    appId: token.appid,
    subject: msg.subject ?? null,
    importance: msg.importance ?? "normal",
    body: { contentType: msg.body.contentType, content: msg.body.content },
  };
  channel.messages.push(stored);
  g.c.set("write", true);
  const q = (s: string) => s.replaceAll("'", "''");
  return graphJson(g.c, 201, {
    "@odata.context": `${g.serviceRoot}/$metadata#teams('${q(team.id)}')/channels('${q(channel.id)}')/messages/$entity`,
    id: stored.id,
    replyToId: null,
    etag: stored.id,
    messageType: "message",
    createdDateTime: stored.createdDateTime,
    lastModifiedDateTime: stored.createdDateTime,
    lastEditedDateTime: null,
    deletedDateTime: null,
    subject: stored.subject,
    summary: null,
    chatId: null,
    importance: stored.importance,
    locale: "en-us",
    webUrl: `https://teams.microsoft.com/l/message/${encodeURIComponent(channel.id)}/${stored.id}?groupId=${team.id}&tenantId=${g.ctx.state.tenantId}&createdTime=${stored.id}&parentMessageId=${stored.id}`,
    policyViolation: null,
    eventDetail: null,
    from: {
      application: null,
      device: null,
      user: {
        "@odata.type": "#microsoft.graph.teamworkUserIdentity",
        id: user.id,
        displayName: user.displayName,
        userIdentityType: "aadUser",
        tenantId: g.ctx.state.tenantId,
      },
    },
    body: stored.body,
    channelIdentity: { teamId: team.id, channelId: channel.id },
    attachments: [],
    mentions: [],
    reactions: [],
  });
}
