/**
 * `GET /users/{id}/mailboxSettings` (apis.md A4 [D user-get-mailboxsettings]): the documented members, and no
 * forwarding (forwarding lives in Exchange, Get-Mailbox). Auto-replies (automaticRepliesSetting) are kept per
 * mailbox; time zones and working hours are not modelled: every mailbox renders Exchange's defaults [I].
 * `PATCH /users/{id}/mailboxSettings` [D user-update-mailboxsettings] changes automaticRepliesSetting (the members
 * given; the others keep their values) and answers 200 with the members updated; a PATCH of an unmodelled member
 * is refused (400) rather than pretended.
 */
import { fail, queryOption, readJsonBody, type GraphCall } from "./call.js";
import { resolveMailbox } from "./mailboxes.js";
import { project } from "./collection.js";
import { parseSelect } from "./odata.js";
import { graphJson } from "./respond.js";
import { GraphErrors } from "./errors.js";
import type { AutomaticRepliesState, MailboxState } from "../state.js";

/** A new mailbox's auto-reply configuration (Get-MailboxAutoReplyConfiguration defaults). */
export const DEFAULT_AUTOMATIC_REPLIES: AutomaticRepliesState = {
  status: "disabled",
  externalAudience: "all",
  internalReplyMessage: "",
  externalReplyMessage: "",
  scheduledStartDateTime: "2025-01-01T00:00:00.0000000",
  scheduledEndDateTime: "2025-01-02T00:00:00.0000000",
};

function renderReplies(a: AutomaticRepliesState): Record<string, unknown> {
  return {
    status: a.status,
    externalAudience: a.externalAudience,
    internalReplyMessage: a.internalReplyMessage,
    externalReplyMessage: a.externalReplyMessage,
    scheduledStartDateTime: { dateTime: a.scheduledStartDateTime, timeZone: "UTC" },
    scheduledEndDateTime: { dateTime: a.scheduledEndDateTime, timeZone: "UTC" },
  };
}

function render(mailbox: MailboxState): Record<string, unknown> {
  const archive = mailbox.folders.find((f) => f.wellKnownName === "archive");
  return {
    archiveFolder: archive?.id ?? null,
    timeZone: "UTC",
    delegateMeetingMessageDeliveryOptions: "sendToDelegateOnly",
    dateFormat: "M/d/yyyy",
    timeFormat: "h:mm tt",
    userPurpose: { value: mailbox.recipientTypeDetails === "SharedMailbox" ? "shared" : "user" },
    automaticRepliesSetting: renderReplies(mailbox.automaticReplies ?? DEFAULT_AUTOMATIC_REPLIES),
    language: { locale: "en-US", displayName: "English (United States)" },
    workingHours: {
      daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"],
      startTime: "08:00:00.0000000",
      endTime: "17:00:00.0000000",
      timeZone: { name: "UTC" },
    },
  };
}

const PROPERTIES = Object.keys(
  render({ folders: [], recipientTypeDetails: "UserMailbox" } as unknown as MailboxState),
);

export function getMailboxSettings(g: GraphCall): Response {
  const mb = resolveMailbox(g);
  if (!mb.ok) return mb.response;
  const canonical = (n: string) => PROPERTIES.find((p) => p.toLowerCase() === n.toLowerCase());
  const select = parseSelect(queryOption(g.query, "$select"), canonical, "microsoft.graph.mailboxSettings");
  if (!select.ok) return fail(g, select.error);
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#users('${mb.value.user.id}')/mailboxSettings`,
    ...project(render(mb.value.mailbox), select.value),
  });
}

const STATUS = ["disabled", "alwaysEnabled", "scheduled"] as const;
const AUDIENCE = ["none", "contactsOnly", "all"] as const;
const REPLY_MEMBERS = [
  "status",
  "externalAudience",
  "internalReplyMessage",
  "externalReplyMessage",
  "scheduledStartDateTime",
  "scheduledEndDateTime",
] as const;

const bodyRead = (message: string) => [400, "RequestBodyRead", message] as const;

/** dateTimeTimeZone in UTC → the stored `dateTime` (7-digit fraction, no zone), or an error message. */
function utcDateTime(
  v: unknown,
  member: string,
): { ok: true; value: string } | { ok: false; message: string } {
  const o = v as { dateTime?: unknown; timeZone?: unknown } | null;
  if (!o || typeof o !== "object" || typeof o.dateTime !== "string")
    return { ok: false, message: `The property '${member}' must be a dateTimeTimeZone.` };
  // [I] the emulated mailbox keeps UTC only.
  if (
    o.timeZone !== undefined &&
    (typeof o.timeZone !== "string" || !/^(UTC|Etc\/UTC|Coordinated Universal Time)$/i.test(o.timeZone))
  )
    return { ok: false, message: `The emulated mailbox keeps '${member}' in UTC only.` };
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(o.dateTime) ? o.dateTime : `${o.dateTime}Z`);
  if (Number.isNaN(ms)) return { ok: false, message: `Cannot convert '${o.dateTime}' to a DateTime.` };
  return { ok: true, value: new Date(ms).toISOString().replace(/Z$/, "0000") };
}

export async function patchMailboxSettings(g: GraphCall): Promise<Response> {
  const mb = resolveMailbox(g);
  if (!mb.ok) return mb.response;
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return fail(g, GraphErrors.unreadableBody());
  const b = body.kind === "json" ? body.value : undefined;
  if (!b || typeof b !== "object" || Array.isArray(b)) return fail(g, bodyRead("The request body is empty."));
  for (const k of Object.keys(b)) {
    if (k === "@odata.context" || k === "automaticRepliesSetting") continue;
    if (PROPERTIES.includes(k))
      return fail(g, [400, "ErrorInvalidRequest", `The emulated tenant does not model changes to '${k}'.`]);
    return fail(g, bodyRead(`The property '${k}' does not exist on type 'microsoft.graph.mailboxSettings'.`));
  }
  const patch = (b as { automaticRepliesSetting?: unknown }).automaticRepliesSetting;
  if (patch === undefined) return fail(g, bodyRead("Nothing to update."));
  if (!patch || typeof patch !== "object" || Array.isArray(patch))
    return fail(g, bodyRead("automaticRepliesSetting must be an object."));
  const p = patch as Record<string, unknown>;
  const next: AutomaticRepliesState = { ...(mb.value.mailbox.automaticReplies ?? DEFAULT_AUTOMATIC_REPLIES) };
  for (const [k, v] of Object.entries(p)) {
    if (k === "@odata.type") continue;
    if (!(REPLY_MEMBERS as readonly string[]).includes(k))
      return fail(
        g,
        bodyRead(`The property '${k}' does not exist on type 'microsoft.graph.automaticRepliesSetting'.`),
      );
    if (k === "status") {
      if (!STATUS.includes(v as never))
        return fail(
          g,
          bodyRead(
            `Cannot convert the literal '${String(v)}' to the expected type 'microsoft.graph.automaticRepliesStatus'.`,
          ),
        );
      next.status = v as AutomaticRepliesState["status"];
    } else if (k === "externalAudience") {
      if (!AUDIENCE.includes(v as never))
        return fail(
          g,
          bodyRead(
            `Cannot convert the literal '${String(v)}' to the expected type 'microsoft.graph.externalAudienceScope'.`,
          ),
        );
      next.externalAudience = v as AutomaticRepliesState["externalAudience"];
    } else if (k === "internalReplyMessage" || k === "externalReplyMessage") {
      if (typeof v !== "string") return fail(g, bodyRead(`The property '${k}' must be a string.`));
      next[k] = v;
    } else {
      const d = utcDateTime(v, k);
      if (!d.ok) return fail(g, bodyRead(d.message));
      next[k as "scheduledStartDateTime" | "scheduledEndDateTime"] = d.value;
    }
  }
  if (
    next.status === "scheduled" &&
    Date.parse(`${next.scheduledEndDateTime}Z`) <= Date.parse(`${next.scheduledStartDateTime}Z`)
  )
    // [I] wording: Exchange refuses an end time before the start time.
    return fail(g, [400, "ErrorInvalidParameter", "The end time must be later than the start time."]);
  mb.value.mailbox.automaticReplies = next;
  g.c.set("write", true);
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#Me/mailboxSettings`,
    automaticRepliesSetting: renderReplies(next),
  });
}
