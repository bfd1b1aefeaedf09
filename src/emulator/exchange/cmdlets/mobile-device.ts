/**
 * Get-MobileDevice / Remove-MobileDevice [D]: the mobile device partnerships of mailboxes.
 * Get-: `-Mailbox` lists that mailbox's partnerships (none: `[]`; an unknown mailbox: not found); `-Identity` names
 * one partnership (its Guid or its Identity); neither lists every partnership in the organisation (1000 at most
 * unless -ResultSize says otherwise). `-Mailbox` and `-Identity` are different parameter sets [D syntax].
 * Remove-: `-Identity` (Guid or Identity, mandatory) deletes the partnership; nothing else changes [D "removes the
 * mobile device partnership"]. Objects: Identity `<mailbox>\ExchangeActiveSyncDevices\<type>§<DeviceId>` (the
 * documented example's form; `REST§Outlook§<DeviceId>` for Outlook mobile [D example]), Guid, DeviceId,
 * DeviceType, DeviceModel, DeviceOS, DeviceUserAgent, FriendlyName, ClientType, FirstSyncTime (ISO 8601),
 * DeviceAccessState, DeviceAccessStateReason, UserDisplayName; sparse. Property set [D Get-MobileDevice output
 * examples], exact Identity rendering in Exchange Online [I].
 */
import type { MailboxState, MobileDeviceState, TenantState } from "../../state.js";
import { givenIdentity, type ServerCmdlet } from "../binding.js";
import { ambiguous, notFound, parameterInvalid } from "../errors.js";
import type { RestObject } from "../json.js";
import { ownerOf } from "../resolve.js";
import { sparse } from "../sparse.js";
import { oneMailbox } from "./common.js";
import { pageResults } from "./paging.js";

export function mobileDeviceIdentity(mailbox: MailboxState, d: MobileDeviceState): string {
  const kind = d.clientType === "Outlook" ? "REST§Outlook" : d.deviceType;
  return `${mailbox.userId}\\ExchangeActiveSyncDevices\\${kind}§${d.deviceId}`;
}

function render(state: TenantState, mailbox: MailboxState, d: MobileDeviceState): RestObject {
  return sparse({
    Identity: mobileDeviceIdentity(mailbox, d),
    Guid: d.guid,
    DeviceId: d.deviceId,
    DeviceType: d.deviceType,
    DeviceModel: d.deviceModel,
    DeviceOS: d.deviceOS,
    DeviceUserAgent: d.deviceUserAgent,
    FriendlyName: d.friendlyName,
    ClientType: d.clientType,
    FirstSyncTime: d.firstSyncTime,
    DeviceAccessState: d.deviceAccessState,
    DeviceAccessStateReason: d.deviceAccessStateReason,
    UserDisplayName: ownerOf(state, mailbox)?.displayName ?? mailbox.alias,
  });
}

/** Every partnership the identity names: by Guid or Identity, case-insensitive. */
function matches(state: TenantState, identity: string): Array<[MailboxState, MobileDeviceState]> {
  const key = identity.trim().toLowerCase();
  return state.mailboxes.flatMap((m) =>
    (m.mobileDevices ?? [])
      .filter((d) => d.guid.toLowerCase() === key || mobileDeviceIdentity(m, d).toLowerCase() === key)
      .map((d): [MailboxState, MobileDeviceState] => [m, d]),
  );
}

export const getMobileDevice: ServerCmdlet = {
  name: "Get-MobileDevice",
  parameters: {
    Identity: "Identity",
    Mailbox: "Identity",
    ResultSize: "ResultSize",
    ActiveSync: "Switch",
    RestApi: "Switch",
    DomainController: "Accepted",
  },
  run(ctx, params) {
    const identity = givenIdentity(params, "Identity");
    const mailboxId = givenIdentity(params, "Mailbox");
    if (identity !== null && mailboxId !== null)
      return {
        ok: false,
        failure: parameterInvalid(
          "Mailbox",
          "Parameter set cannot be resolved using the specified named parameters.",
        ),
      };
    let rows: Array<[MailboxState, MobileDeviceState]>;
    if (mailboxId !== null) {
      const m = oneMailbox(ctx.state, mailboxId);
      if (!m.ok) return m;
      rows = (m.value.mobileDevices ?? []).map((d): [MailboxState, MobileDeviceState] => [m.value, d]);
    } else if (identity !== null) {
      rows = matches(ctx.state, identity);
      if (rows.length === 0) return { ok: false, failure: notFound(identity) };
    } else {
      rows = ctx.state.mailboxes.flatMap((m) =>
        (m.mobileDevices ?? []).map((d): [MailboxState, MobileDeviceState] => [m, d]),
      );
    }
    if (params["ActiveSync"] === true) rows = rows.filter(([, d]) => d.clientType === "EAS");
    if (params["RestApi"] === true) rows = rows.filter(([, d]) => d.clientType === "Outlook");
    return pageResults(
      rows.map(([m, d]) => render(ctx.state, m, d)),
      params,
      1000,
    );
  },
};

export const removeMobileDevice: ServerCmdlet = {
  name: "Remove-MobileDevice",
  parameters: { Identity: "Identity", Confirm: "Bool", DomainController: "Accepted" },
  mandatory: ["Identity"],
  run(ctx, params) {
    const identity = givenIdentity(params, "Identity") ?? "";
    const [hit, second] = matches(ctx.state, identity);
    if (!hit) return { ok: false, failure: notFound(identity) };
    if (second) return { ok: false, failure: ambiguous(identity) };
    const [mailbox, device] = hit;
    mailbox.mobileDevices = (mailbox.mobileDevices ?? []).filter((d) => d !== device);
    return { ok: true, value: [], write: true, warnings: [] };
  },
};
