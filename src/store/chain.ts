/**
 * The journal's hash chain: each entry's hash is sha256 over the previous entry's hash and the entry's fields in
 * a canonical JSON form (keys sorted), so editing, removing or reordering any entry breaks every later link.
 */
import { createHash } from "node:crypto";
import stringify from "safe-stable-stringify";
import type { ChainCheck, JournalEntry } from "./types.js";

export const GENESIS = "0".repeat(64);

export function entryHash(prevHash: string, e: Omit<JournalEntry, "hash" | "prevHash">): string {
  const body = stringify({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    kind: e.kind,
    caseId: e.caseId ?? null,
    runId: e.runId ?? null,
    stepKey: e.stepKey ?? null,
    actionId: e.actionId ?? null,
    targetId: e.targetId ?? null,
    idemKey: e.idemKey ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
    detail: e.detail ?? null,
    requestIds: e.requestIds ?? null,
  });
  return createHash("sha256")
    .update(prevHash)
    .update("\n")
    .update(body ?? "")
    .digest("hex");
}

/** Recomputes the chain from the first entry; reports the first entry that does not hold. */
export function checkChain(entries: Iterable<JournalEntry>): ChainCheck {
  let prev = GENESIS;
  let n = 0;
  let lastSeq = 0;
  for (const e of entries) {
    n++;
    if (e.seq <= lastSeq)
      return { ok: false, entries: n, firstBroken: { seq: e.seq, reason: "out of order" } };
    if (e.prevHash !== prev)
      return {
        ok: false,
        entries: n,
        firstBroken: {
          seq: e.seq,
          reason:
            "its link does not name the previous entry's hash (an entry before it was removed or changed)",
        },
      };
    const h = entryHash(prev, e);
    if (h !== e.hash)
      return {
        ok: false,
        entries: n,
        firstBroken: { seq: e.seq, reason: "its content does not match its hash (edited)" },
      };
    prev = e.hash;
    lastSeq = e.seq;
  }
  return { ok: true, entries: n };
}
