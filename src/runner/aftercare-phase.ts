/**
 * Where a case stands in its aftercare (re-check, watch), from its schedule rows: for `mailwarden cases` and
 * reports. Types only: the commands that list the store load no actions.
 */
import type { AftercareRow } from "../store/types.js";

/** Where a case stands in its aftercare, for `mailwarden cases` and reports. */
export interface AftercarePhase {
  phase: "none" | "verifying" | "watching" | "ended";
  /** verifying: when the re-check is due; watching: when the watch ends; ended: when it ended. */
  until?: string;
  /** watching: the next look. */
  next?: string;
  /** A re-check found a step no longer holding. */
  recheckFailed: boolean;
}

export function aftercarePhase(rows: AftercareRow[]): AftercarePhase {
  const recheckFailed = rows.some((r) => r.recheckOk === false);
  const min = (xs: (string | undefined)[]) => xs.filter((x): x is string => !!x).sort()[0];
  const max = (xs: (string | undefined)[]) =>
    xs
      .filter((x): x is string => !!x)
      .sort()
      .at(-1);
  const verifying = rows.filter((r) => r.recheckDue && !r.recheckDoneAt);
  const watching = rows.filter((r) => r.watchUntil && !r.watchEndedAt);
  if (verifying.length) {
    const next = min(watching.map((r) => r.watchNext));
    return {
      phase: "verifying",
      until: min(verifying.map((r) => r.recheckDue))!,
      ...(next ? { next } : {}),
      recheckFailed,
    };
  }
  if (watching.length)
    return {
      phase: "watching",
      until: max(watching.map((r) => r.watchUntil))!,
      next: min(watching.map((r) => r.watchNext))!,
      recheckFailed,
    };
  if (rows.length) {
    const until = max(rows.map((r) => r.watchEndedAt ?? r.recheckDoneAt));
    return { phase: "ended", ...(until ? { until } : {}), recheckFailed };
  }
  return { phase: "none", recheckFailed };
}

/** One line for a terminal: `verifying until …`, `watching until … (next …)`, `watch ended …`. */
export function describePhase(p: AftercarePhase): string {
  const text =
    p.phase === "verifying"
      ? `verifying until ${p.until}`
      : p.phase === "watching"
        ? `watching until ${p.until} (next ${p.next})`
        : p.phase === "ended"
          ? `watch ended ${p.until ?? ""}`.trim()
          : "";
  return p.recheckFailed ? `${text}; RE-CHECK FAILED` : text;
}
