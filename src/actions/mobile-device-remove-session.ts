/**
 * mobileDevice.removeSessionDevices — remove the mobile device partnerships (ActiveSync, Outlook mobile) first
 * synced in the attacker's window: `Get-MobileDevice -Mailbox <id>`, then `Remove-MobileDevice -Identity <Guid>
 * -Confirm:$false` for each partnership whose FirstSyncTime is at or after the window start. Older partnerships and
 * ones without a FirstSyncTime are never touched. Devices are addressed by Guid only: the device id, model and user
 * agent are reported by the device, i.e. chosen by the attacker.
 *
 * The window start comes from the case's hits: the earliest time of their strong or medium links (the linked
 * sign-ins of the attacker's session), else a hit's own action time, minus WINDOW_MARGIN_MS; the earliest over the
 * case's hits wins (inputFromCase). The margin (15 minutes) covers a device set up from the session's first sign-in
 * a few minutes before the one a hit is linked to, and the difference between Entra's sign-in time and Exchange's
 * FirstSyncTime; it is far too short to reach the user's own devices, which synced days or months before. Weak links (same user, nearby time, nothing shared) do not move the
 * window: they may be the user's own sign-ins. A hit with neither a link time nor an action time (a scan finding)
 * gives no window, and the action does not apply to it.
 *
 * Irreversible: a removed partnership cannot be restored. Nor is the device locked out: a device that still holds
 * the user's password or a valid token syncs again and makes a new partnership, so verify also fails when a device
 * with a removed DeviceId is back. Blocking its DeviceId with `Set-CASMailbox -ActiveSyncBlockedDeviceIDs` (Microsoft
 * documents it for keeping a device from synchronizing) is the stronger step; this action does not take it.
 */
import type { ExoMobileDevice } from "../adapters/exo/shapes.js";
import type { Json } from "../engine/machine.js";
import type { Hit } from "../model/hit.js";
import { isNotFound } from "../adapters/errors.js";
import { ActionError, defineAction, type ActionContext, type RunResult, signalOf } from "./types.js";

/** How far before the earliest linked sign-in the window starts (see the header). */
export const WINDOW_MARGIN_MS = 15 * 60_000;

export interface SessionDevicesInput {
  mailboxId: string;
  upn: string;
  /** ISO 8601: partnerships first synced at or after this are the attacker's. */
  windowStart: string;
}

/** The window start for a hit, or undefined when the hit carries no time to anchor it. */
export function sessionWindowStart(hit: Hit): string | undefined {
  const linked = hit.links
    .filter((l) => l.strength !== "weak" && l.time !== undefined)
    .map((l) => Date.parse(l.time!))
    .filter((ms) => !Number.isNaN(ms));
  const action = hit.action.time !== undefined ? Date.parse(hit.action.time) : NaN;
  const anchor = linked.length ? Math.min(...linked) : action;
  return Number.isNaN(anchor) ? undefined : new Date(anchor - WINDOW_MARGIN_MS).toISOString();
}

/** The input for one hit: its user's mailbox and window; undefined for tenant-scope targets and timeless hits. */
function sessionInput(hit: Hit): SessionDevicesInput | undefined {
  if (hit.target.kind === "transportRule") return undefined;
  const windowStart = sessionWindowStart(hit);
  if (windowStart === undefined) return undefined;
  const mailboxId = "mailboxId" in hit.target && hit.target.mailboxId ? hit.target.mailboxId : hit.user.id;
  return { mailboxId, upn: hit.user.upn, windowStart };
}

interface DeviceImage {
  guid: string;
  deviceId: string;
  deviceType: string;
  deviceUserAgent: string;
  clientType: string | null;
  firstSyncTime: string | null;
  deviceAccessState: string | null;
  [k: string]: Json;
}

const image = (d: ExoMobileDevice): DeviceImage => ({
  guid: d.guid,
  deviceId: d.deviceId,
  deviceType: d.deviceType,
  deviceUserAgent: d.deviceUserAgent,
  clientType: d.clientType,
  firstSyncTime: d.firstSyncTime,
  deviceAccessState: d.deviceAccessState,
});

const syncedMs = (d: ExoMobileDevice): number =>
  d.firstSyncTime === null ? NaN : Date.parse(d.firstSyncTime);

async function readDevices(ctx: ActionContext, mailboxId: string): Promise<ExoMobileDevice[]> {
  if (!ctx.exchange?.getMobileDevices)
    throw new ActionError(
      "mobile device partnerships can only be read through Exchange Online, which is not configured",
      "no-transport",
    );
  return ctx.exchange.getMobileDevices(mailboxId, signalOf(ctx));
}

/** The partnerships in the window, those before it, and those with no FirstSyncTime. */
function split(devices: ExoMobileDevice[], windowStart: string) {
  const start = Date.parse(windowStart);
  if (Number.isNaN(start))
    throw new ActionError(`the window start ${windowStart} is not a time`, "precondition");
  return {
    inWindow: devices.filter((d) => syncedMs(d) >= start),
    older: devices.filter((d) => syncedMs(d) < start),
    undated: devices.filter((d) => Number.isNaN(syncedMs(d))),
  };
}

/** The Guids a before-image lists (the plan's, or the run's). */
function guidsOf(before: Json | undefined): string[] | undefined {
  const list = (before as { devices?: Json } | null | undefined)?.devices;
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((d) => {
    const g = (d as { guid?: unknown } | null)?.guid;
    return typeof g === "string" ? [g.toLowerCase()] : [];
  });
}
function deviceIdsOf(before: Json | undefined): string[] {
  const list = (before as { devices?: Json } | null | undefined)?.devices;
  return Array.isArray(list)
    ? list.flatMap((d) => {
        const id = (d as { deviceId?: unknown } | null)?.deviceId;
        return typeof id === "string" && id !== "" ? [id] : [];
      })
    : [];
}

export const mobileDeviceRemoveSessionDevices = defineAction<SessionDevicesInput>({
  id: "mobileDevice.removeSessionDevices",
  scope: "user",
  description:
    "Remove the mobile device (ActiveSync / Outlook mobile) partnerships first synced in the attacker's window, by Guid; older partnerships are never touched.",
  permissions: { graph: [], exchange: ["Exchange.ManageAsApp"] },
  reversibility: "irreversible",
  limits: [
    "Irreversible: a removed partnership cannot be restored; a legitimate device removed by mistake is set up again by its user.",
    "Removing a partnership does not lock the device out: a device that still holds the user's password or a valid token syncs again with a new partnership. Revoke sessions and reset the password first; to keep a device out, add its DeviceId to Set-CASMailbox -ActiveSyncBlockedDeviceIDs (not done by this action).",
    "The window starts 15 minutes before the hit's earliest strong or medium linked sign-in (else its action time); a device the attacker set up earlier than that, or one with no FirstSyncTime, is left alone and listed in the plan.",
    "A hit with no time (a scan finding) gives no window: the action does not apply to it.",
    "A device the user set up after the window start is removed too: read the plan's list (first sync time, user agent) before approving.",
  ],

  inputFromHit: sessionInput,
  /** The case's window: from the earliest start any of its hits gives (the attacker's first sign-in of the case). */
  inputFromCase(hits) {
    return hits
      .map(sessionInput)
      .reduce<SessionDevicesInput | undefined>(
        (a, b) => (b === undefined ? a : a === undefined || b.windowStart < a.windowStart ? b : a),
        undefined,
      );
  },
  targetId: (i) => `${i.mailboxId}/mobileDevices/since/${i.windowStart}`,

  async plan(ctx, input) {
    const { inWindow, older, undated } = split(await readDevices(ctx, input.mailboxId), input.windowStart);
    return {
      transport: "exchange",
      before: {
        windowStart: input.windowStart,
        devices: inWindow.map(image),
        olderKept: older.length,
        undatedKept: undated.length,
      },
      after: { windowStart: input.windowStart, devices: [] },
      noop: inWindow.length === 0,
      reversibility: "irreversible",
      warnings: [
        "irreversible: removed partnerships cannot be restored",
        "a device that still holds the user's password or a valid token syncs again: revoke sessions and reset the password first; Set-CASMailbox -ActiveSyncBlockedDeviceIDs keeps a device out (not done here)",
        ...(older.length
          ? [`${older.length} partnership(s) first synced before ${input.windowStart} are left alone`]
          : []),
        ...(undated.length
          ? [
              `${undated.length} partnership(s) with no FirstSyncTime are left alone: a responder must look at them`,
            ]
          : []),
      ],
    };
  },

  async run(ctx, input, plan): Promise<RunResult> {
    const { inWindow } = split(await readDevices(ctx, input.mailboxId), input.windowStart);
    // Only what the plan listed (and was approved); a partnership that appeared since waits for a new plan.
    const approved = guidsOf(plan.before);
    const remove = approved ? inWindow.filter((d) => approved.includes(d.guid.toLowerCase())) : inWindow;
    const after = { windowStart: input.windowStart, devices: [] };
    if (remove.length === 0)
      return { before: { windowStart: input.windowStart, devices: [] }, after, alreadyDone: true };
    for (const d of remove) {
      try {
        await ctx.exchange!.removeMobileDevice!(d.guid, signalOf(ctx));
      } catch (e) {
        if (!isNotFound(e)) throw e; // gone already: what was asked
      }
    }
    return {
      before: { windowStart: input.windowStart, devices: remove.map(image) },
      after,
      alreadyDone: false,
    };
  },

  /** Done when none of the removed partnerships exists and no device with a removed DeviceId synced again. */
  async verify(ctx, input, plan, result) {
    const before = result?.before ?? plan.before;
    const guids = guidsOf(before) ?? [];
    const deviceIds = deviceIdsOf(before);
    const check = (devices: ExoMobileDevice[]) => {
      const remaining = devices.filter((d) => guids.includes(d.guid.toLowerCase()));
      const resynced = devices.filter(
        (d) => !guids.includes(d.guid.toLowerCase()) && deviceIds.includes(d.deviceId),
      );
      return { remaining, resynced };
    };
    let seen = check(await readDevices(ctx, input.mailboxId));
    for (let i = 1; i < ctx.poll.attempts && seen.remaining.length > 0; i++) {
      await ctx.poll.sleep(ctx.poll.delayMs);
      seen = check(await readDevices(ctx, input.mailboxId));
    }
    return {
      ok: seen.remaining.length === 0 && seen.resynced.length === 0,
      observed: {
        remaining: seen.remaining.map(image),
        resynced: seen.resynced.map(image),
        ...(seen.resynced.length
          ? {
              note: "the device synced again: block its DeviceId (Set-CASMailbox -ActiveSyncBlockedDeviceIDs)",
            }
          : {}),
      },
    };
  },
});
