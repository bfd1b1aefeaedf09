/**
 * Get-CASMailbox / Set-CASMailbox [D]: a mailbox's client protocols. Get-: one identity (any mailbox identity) or
 * every mailbox without one (1000 at most unless -ResultSize). Set-: PopEnabled, ImapEnabled, ActiveSyncEnabled,
 * MAPIEnabled, EwsEnabled, OWAEnabled ([bool]); SmtpClientAuthenticationDisabled ([Nullable[bool]]: `$null` = follow
 * the organisation's Set-TransportConfig setting [D]); ActiveSyncBlockedDeviceIDs (a multi-valued list: a list
 * overwrites, null clears, `@{Add=…; Remove=…}` edits [D]). Only the parameters given change; a call that changes
 * nothing is not a write. Objects: Identity, Name, PrimarySmtpAddress, ExternalDirectoryObjectId, the protocol flags
 * and ActiveSyncBlockedDeviceIDs, sparse — except SmtpClientAuthenticationDisabled, rendered whenever it is not null:
 * for a nullable bool `false` is not the default value, and leaving it out would read back as "follow the
 * organisation" [I].
 */
import { CAS_DEFAULTS, type CasMailboxState, type MailboxState, type TenantState } from "../../state.js";
import { givenIdentity, type ServerCmdlet } from "../binding.js";
import { notFound } from "../errors.js";
import type { RestObject } from "../json.js";
import { matchMailboxes, ownerOf } from "../resolve.js";
import { sparse } from "../sparse.js";
import { oneMailbox } from "./common.js";
import { pageResults } from "./paging.js";

export function casOf(mailbox: MailboxState): CasMailboxState {
  return mailbox.cas ?? { ...CAS_DEFAULTS, activeSyncBlockedDeviceIds: [] };
}

function render(state: TenantState, mailbox: MailboxState): RestObject {
  const cas = casOf(mailbox);
  const obj = sparse({
    Identity: mailbox.userId,
    Name: mailbox.userId,
    DisplayName: ownerOf(state, mailbox)?.displayName ?? mailbox.alias,
    PrimarySmtpAddress: mailbox.primarySmtpAddress,
    ExternalDirectoryObjectId: mailbox.userId,
    ActiveSyncEnabled: cas.activeSyncEnabled,
    OWAEnabled: cas.owaEnabled,
    PopEnabled: cas.popEnabled,
    ImapEnabled: cas.imapEnabled,
    MAPIEnabled: cas.mapiEnabled,
    EwsEnabled: cas.ewsEnabled,
    ActiveSyncBlockedDeviceIDs: [...cas.activeSyncBlockedDeviceIds],
  });
  if (cas.smtpClientAuthenticationDisabled !== null)
    obj["SmtpClientAuthenticationDisabled"] = cas.smtpClientAuthenticationDisabled;
  return obj;
}

export const getCasMailbox: ServerCmdlet = {
  name: "Get-CASMailbox",
  parameters: { Identity: "Identity", ResultSize: "ResultSize", DomainController: "Accepted" },
  run(ctx, params) {
    const identity = givenIdentity(params, "Identity");
    const mailboxes = identity === null ? ctx.state.mailboxes : matchMailboxes(ctx.state, identity);
    if (identity !== null && mailboxes.length === 0) return { ok: false, failure: notFound(identity) };
    return pageResults(
      mailboxes.map((m) => render(ctx.state, m)),
      params,
      1000,
    );
  },
};

const FLAGS = {
  PopEnabled: "popEnabled",
  ImapEnabled: "imapEnabled",
  ActiveSyncEnabled: "activeSyncEnabled",
  MAPIEnabled: "mapiEnabled",
  EwsEnabled: "ewsEnabled",
  OWAEnabled: "owaEnabled",
} as const;

export const setCasMailbox: ServerCmdlet = {
  name: "Set-CASMailbox",
  parameters: {
    Identity: "Identity",
    PopEnabled: "Bool",
    ImapEnabled: "Bool",
    ActiveSyncEnabled: "Bool",
    MAPIEnabled: "Bool",
    EwsEnabled: "Bool",
    OWAEnabled: "Bool",
    SmtpClientAuthenticationDisabled: "NullableBool",
    ActiveSyncBlockedDeviceIDs: "MultiValued",
    Confirm: "Bool",
    DomainController: "Accepted",
  },
  mandatory: ["Identity"],
  run(ctx, params) {
    const found = oneMailbox(ctx.state, givenIdentity(params, "Identity") ?? "");
    if (!found.ok) return found;
    const mailbox = found.value;
    const current = casOf(mailbox);
    const next: CasMailboxState = {
      ...current,
      activeSyncBlockedDeviceIds: [...current.activeSyncBlockedDeviceIds],
    };
    for (const [param, key] of Object.entries(FLAGS)) {
      const v = params[param];
      if (typeof v === "boolean") next[key] = v;
    }
    if ("SmtpClientAuthenticationDisabled" in params) {
      const v = params["SmtpClientAuthenticationDisabled"];
      next.smtpClientAuthenticationDisabled = typeof v === "boolean" ? v : null;
    }
    const blocked = params["ActiveSyncBlockedDeviceIDs"];
    if (blocked !== undefined) {
      if (blocked === null) next.activeSyncBlockedDeviceIds = [];
      else if (Array.isArray(blocked)) next.activeSyncBlockedDeviceIds = [...new Set(blocked)];
      else if (typeof blocked === "object") {
        const kept = next.activeSyncBlockedDeviceIds.filter((d) => !blocked.remove.includes(d));
        for (const a of blocked.add) if (!kept.includes(a)) kept.push(a);
        next.activeSyncBlockedDeviceIds = kept;
      }
    }
    const changed = JSON.stringify(next) !== JSON.stringify(current);
    if (changed) mailbox.cas = next;
    return { ok: true, value: [], write: changed, warnings: [] };
  },
};
