/**
 * The attacker's session as user-scope containment sees it, from a case's hit: when it began and from where.
 * Graph's sign-in API has no session filter, so the hunt's links are the evidence: the window starts at the
 * earliest linked sign-in (the tenant's own clock). A hit with no linked sign-in starts the window
 * {@link SESSION_LOOKBACK_MS} before the suspect action — a guess, said in every plan. A hit with neither has no
 * session to speak of, and these actions do not apply to it.
 */
import { isNotFound } from "../adapters/errors.js";
import type { Json } from "../engine/machine.js";
import type { Hit } from "../model/hit.js";
import { ActionError } from "./types.js";

/**
 * With no linked sign-in: how far before the suspect action the session is assumed to have begun. Access tokens
 * live about an hour but refresh tokens keep a session going for days; 24 hours takes in the working day before
 * the action without reaching back to the user's ordinary weeks.
 */
export const SESSION_LOOKBACK_MS = 24 * 3_600_000;

/** The limit every session-scoped action states. */
export const SESSION_WINDOW_LIMIT =
  "The session window starts at the earliest sign-in the hit links (the hunt's evidence), else 24 h before the suspect action; a hit with neither (a scan finding) gives no window, and the step does not apply to it. For a case, the window starts at the earliest start any of its hits gives, and the attacker IPs are those of all its hits.";

export interface SessionInput {
  userId: string;
  upn: string;
  /** Objects made at or after this instant belong to the session (ISO 8601, the tenant's clock). */
  windowStart: string;
  /** `sign-in`: the earliest linked sign-in; `action`: the suspect action's time minus the lookback. */
  windowFrom: "sign-in" | "action";
  /** Client IPs of the attacker known from the hit (its links and the action); empty = unknown. */
  ips: string[];
}

export function sessionInputFromHit(hit: Hit, lookbackMs = SESSION_LOOKBACK_MS): SessionInput | undefined {
  const signIns = hit.links.map((l) => (l.time ? Date.parse(l.time) : NaN)).filter((t) => !Number.isNaN(t));
  const ips = [
    ...new Set(
      [hit.action.ip, ...hit.links.map((l) => l.ip)].filter(
        (x): x is string => typeof x === "string" && x !== "",
      ),
    ),
  ];
  if (signIns.length)
    return {
      userId: hit.user.id,
      upn: hit.user.upn,
      windowStart: new Date(Math.min(...signIns)).toISOString(),
      windowFrom: "sign-in",
      ips,
    };
  const at = hit.action.time ? Date.parse(hit.action.time) : NaN;
  if (Number.isNaN(at)) return undefined;
  return {
    userId: hit.user.id,
    upn: hit.user.upn,
    windowStart: new Date(at - lookbackMs).toISOString(),
    windowFrom: "action",
    ips,
  };
}

/** The case's window: the earliest start any of its hits gives, with the attacker IPs of all of them. */
export function sessionInputFromCase(hits: readonly Hit[]): SessionInput | undefined {
  const inputs = hits.map((h) => sessionInputFromHit(h)).filter((x): x is SessionInput => x !== undefined);
  if (!inputs.length) return undefined;
  const first = inputs.reduce((a, b) => (Date.parse(b.windowStart) < Date.parse(a.windowStart) ? b : a));
  return { ...first, ips: [...new Set(inputs.flatMap((i) => i.ips))] };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The user's object id, checked: these actions only ever address a user by a GUID. */
export function userObjectId(input: SessionInput): string {
  if (!GUID.test(input.userId))
    throw new ActionError(
      `the hit's user id is not an Entra object id (GUID): ${JSON.stringify(input.userId)}`,
      "precondition",
    );
  if (Number.isNaN(Date.parse(input.windowStart)))
    throw new ActionError(
      `the session window start is not a time: ${JSON.stringify(input.windowStart)}`,
      "precondition",
    );
  return input.userId;
}

/** Is `at` inside the window (at or after its start)? */
export const inWindow = (input: SessionInput, at: string | null | undefined): boolean =>
  typeof at === "string" && !Number.isNaN(Date.parse(at)) && Date.parse(at) >= Date.parse(input.windowStart);

/** Does a record's client IP fit the attacker's? Unknown on either side fits (the time alone decides). */
export const ipFits = (input: SessionInput, ip: string | null | undefined): boolean =>
  !ip || input.ips.length === 0 || input.ips.includes(ip);

/** Plan warnings every session-scoped action gives. */
export function windowWarnings(input: SessionInput): string[] {
  return input.windowFrom === "action"
    ? [
        `no linked sign-in: the session is taken to start ${SESSION_LOOKBACK_MS / 3_600_000} h before the suspect action (${input.windowStart}); objects made earlier are kept`,
      ]
    : [];
}

/** The `windowStart`/`ips` a plan shows, so the journal says which window decided. */
export const windowJson = (input: SessionInput): Json => ({
  windowStart: input.windowStart,
  windowFrom: input.windowFrom,
  ips: input.ips,
});

/** Reads an array member of a before-image (the journal's JSON). */
export function jsonList<T>(j: Json | undefined, key: string): T[] {
  const v = j && typeof j === "object" && !Array.isArray(j) ? j[key] : undefined;
  return Array.isArray(v) ? (v as unknown as T[]) : [];
}

/**
 * Deletes each object, one after another; one gone since it was listed (404: someone else removed it) is not an
 * error. Returns the ids this call removed (none: already done).
 */
export async function deleteEach<T extends { id: string }>(
  items: readonly T[],
  del: (item: T) => Promise<unknown>,
): Promise<string[]> {
  const removed: string[] = [];
  for (const x of items) {
    try {
      await del(x);
      removed.push(x.id);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return removed;
}
