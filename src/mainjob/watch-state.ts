/**
 * What `watch -c` keeps between ticks and across restarts, beside the store: the hunt watermark (when the last
 * completed hunt started) and the Defender alert / incident cursor. Written atomically (a temporary file, fsync,
 * rename): a crash leaves the old state or the new one, never half of either. Cases, runs and the journal live in
 * the store; this file only decides how far back the next hunt looks and which alerts are new.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const watchStateSchema = z.strictObject({
  version: z.literal(1),
  /** When the last hunt whose hits were all driven started (ISO 8601): the next hunt reaches back to it. */
  huntedFrom: z.string().optional(),
  /** The newest createdDateTime of the alerts / incidents already taken. */
  alertsSince: z.string().optional(),
  incidentsSince: z.string().optional(),
  /** Ids taken at exactly that time (the next read asks `ge`, so one arriving in the same instant is not missed). */
  seenAtCursor: z.array(z.string()).default([]),
  ticks: z.number().int().min(0).default(0),
});

export type WatchState = z.output<typeof watchStateSchema>;

export function defaultStateFile(storePath: string): string {
  return path.join(path.dirname(path.resolve(storePath)), "watch-state.json");
}

export function readWatchState(file: string): WatchState {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, seenAtCursor: [], ticks: 0 };
    throw e;
  }
  const parsed = watchStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${file}: not a watch state file (${parsed.error.issues[0]?.message ?? "invalid"})`);
  return parsed.data;
}

export function writeWatchState(file: string, s: WatchState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(watchStateSchema.parse(s), null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
