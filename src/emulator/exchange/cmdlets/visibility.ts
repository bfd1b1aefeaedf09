/**
 * Eventual consistency of Exchange writes through the emulator's pending-visibility layer (faults/visibility.ts):
 * the cmdlet succeeds at once, and the change becomes visible to reads once the configured delay has passed on
 * the emulator clock (`consistency.ruleDelayMs` for inbox and transport rules, `forwardingDelayMs` for Set-Mailbox
 * forwarding [I: Microsoft documents no figure]). Without a visibility layer, or with consistency off (the
 * default), the change applies immediately.
 */
import type { EmulatorContext } from "../../context.js";
import type { VisibilityKind } from "../../faults/visibility.js";

export function delayedWrite(
  ctx: EmulatorContext,
  kind: VisibilityKind,
  key: string,
  apply: () => void,
): void {
  const visibility = ctx.visibility;
  if (!visibility) {
    apply();
    return;
  }
  visibility.defer(`exchange:${key}`, apply, visibility.delayFor(kind));
}
