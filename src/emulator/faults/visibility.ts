/**
 * Eventual consistency as a generic "pending visibility" layer. A face that changes state acknowledges the write
 * at once (its response shows the new value) but hands the state change itself to `defer`; reads see the old
 * state until the emulator clock passes the delay. `settle()` runs at the start of every request (app.ts), so
 * faces never call it themselves.
 *
 * For the Exchange face (and any other face):
 *
 *   const delay = ctx.visibility?.delayFor("forwarding") ?? 0;   // 0 when consistency is off (the default)
 *   ctx.visibility ? ctx.visibility.defer(`mailbox:${mb.userId}:forwarding`, () => { mb.forwardingSmtpAddress = v; }, delay)
 *                  : (mb.forwardingSmtpAddress = v);
 *
 * `defer` with delay 0 applies immediately. Changes under the same key apply in the order they were deferred.
 * Kinds and default delays: revoke 3 min [D "a few minutes"], rule 60 s [I], forwarding 60 s [I].
 */
import type { Clock } from "../context.js";

export type VisibilityKind = "revoke" | "rule" | "forwarding";

export interface PendingChange {
  key: string;
  /** Emulator-clock time (ISO) from which the change is visible. */
  visibleAt: string;
}

export interface Visibility {
  /** Makes `apply` (a state change already acknowledged) take effect `delayMs` later on the emulator clock. */
  defer(key: string, apply: () => void, delayMs: number): void;
  /** Applies every pending change whose time has come (in deferral order). */
  settle(): void;
  /** The configured delay for a kind of change; 0 when eventual consistency is off. */
  delayFor(kind: VisibilityKind): number;
  /** Changes not yet visible. */
  pending(): PendingChange[];
}

export function createVisibility(
  clock: Clock,
  config: () => { enabled: boolean; revokeDelayMs: number; ruleDelayMs: number; forwardingDelayMs: number },
): Visibility {
  let queue: { key: string; due: number; seq: number; apply: () => void }[] = [];
  let seq = 0;
  const settle = () => {
    const now = clock.now().getTime();
    const due = queue.filter((p) => p.due <= now).sort((a, b) => a.due - b.due || a.seq - b.seq);
    if (due.length === 0) return;
    queue = queue.filter((p) => p.due > now);
    for (const p of due) p.apply();
  };
  return {
    defer(key, apply, delayMs) {
      settle();
      // A change never overtakes an earlier pending change of the same key.
      const after = queue.filter((p) => p.key === key).reduce((m, p) => Math.max(m, p.due), 0);
      const due = Math.max(clock.now().getTime() + Math.max(0, delayMs), after);
      if (due <= clock.now().getTime() && after === 0) {
        apply();
        return;
      }
      queue.push({ key, due, seq: seq++, apply });
    },
    settle,
    delayFor(kind) {
      const c = config();
      if (!c.enabled) return 0;
      return kind === "revoke" ? c.revokeDelayMs : kind === "rule" ? c.ruleDelayMs : c.forwardingDelayMs;
    },
    pending: () => queue.map((p) => ({ key: p.key, visibleAt: new Date(p.due).toISOString() })),
  };
}
