/** Time renderings the generated logs use (formats.md §1.1, §2.5, §5.3 item 6). */

/** ISO 8601 with seven fractional digits and `Z` (sign-in logs, hunting results). */
export function iso7(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

/** ISO 8601 at second precision with `Z` (Graph directory objects). */
export function isoZ(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Audit `CreationTime`: `yyyy-MM-ddTHH:mm:ss`, UTC, no zone, no fraction. */
export function auditTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
