/** The emulator's clock: starts at the scenario's start time and only moves when advanced (admin face). */
import type { Clock } from "./context.js";

export function createClock(start: Date): Clock {
  let t = start.getTime();
  if (!Number.isFinite(t)) throw new RangeError("clock start is not a valid date");
  return {
    now: () => new Date(t),
    advance(ms: number): void {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`the clock only moves forward (got ${ms} ms)`);
      t += Math.round(ms);
    },
  };
}
