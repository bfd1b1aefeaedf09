/**
 * `GET /users/{id}/mailboxSettings` (apis.md A4 [D user-get-mailboxsettings]): the documented members, and no
 * forwarding (forwarding lives in Exchange, Get-Mailbox). The emulated tenant does not model time zones, working
 * hours or auto-replies per mailbox: every mailbox renders Exchange's defaults for a new mailbox [I].
 */
import { fail, queryOption, type GraphCall } from "./call.js";
import { resolveMailbox } from "./mailboxes.js";
import { project } from "./collection.js";
import { parseSelect } from "./odata.js";
import { graphJson } from "./respond.js";
import type { MailboxState } from "../state.js";

function render(mailbox: MailboxState): Record<string, unknown> {
  const archive = mailbox.folders.find((f) => f.wellKnownName === "archive");
  return {
    archiveFolder: archive?.id ?? null,
    timeZone: "UTC",
    delegateMeetingMessageDeliveryOptions: "sendToDelegateOnly",
    dateFormat: "M/d/yyyy",
    timeFormat: "h:mm tt",
    userPurpose: { value: mailbox.recipientTypeDetails === "SharedMailbox" ? "shared" : "user" },
    automaticRepliesSetting: {
      status: "disabled",
      externalAudience: "all",
      internalReplyMessage: "",
      externalReplyMessage: "",
      scheduledStartDateTime: { dateTime: "2025-01-01T00:00:00.0000000", timeZone: "UTC" },
      scheduledEndDateTime: { dateTime: "2025-01-02T00:00:00.0000000", timeZone: "UTC" },
    },
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
