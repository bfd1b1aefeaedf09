/**
 * Opening a store file safely. A store is created only where a command may start runs, and then 0600; a store
 * that is missing where the audit log says runs were recorded, zero-length, not SQLite, another program's SQLite,
 * a newer schema, or corrupt is an error naming the file and what to do — never a silent fresh store that
 * forgets open cases and re-sends revocations.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { StoreError } from "./types.js";

/** PRAGMA application_id of a mailwarden store ("MWRD"). */
export const APPLICATION_ID = 0x4d575244;
export const STORE_SCHEMA_VERSION = 3;
/** The oldest store schema this version migrates in place (2 → 3 adds the aftercare schedule). */
export const STORE_MIGRATES_FROM = 2;

export interface OpenOptions {
  /** Create the store when the file does not exist (commands that start runs). */
  create?: boolean;
  /** The audit log beside the store: consulted when the store is missing. */
  auditPath?: string;
  /** The user asked for a new store although the audit log records an earlier one. */
  allowNew?: boolean;
}

const SQLITE_MAGIC = "SQLite format 3\u0000";

function auditMentionsStore(auditPath: string | undefined, file: string): string | undefined {
  if (!auditPath || !existsSync(auditPath)) return undefined;
  const size = statSync(auditPath).size;
  if (size === 0) return undefined;
  // The audit log records `store.opened` with the store's path and id; the tail is enough to find one.
  const fd = openSync(auditPath, "r");
  try {
    const len = Math.min(size, 4 * 1024 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const want = path.resolve(file);
    for (const line of buf.toString("utf8").split("\n").reverse()) {
      if (!line.includes('"store.opened"')) continue;
      try {
        const j = JSON.parse(line) as { storePath?: string; storeId?: string };
        if (j.storePath === want && j.storeId) return j.storeId;
      } catch {
        // a partial first line of the tail
      }
    }
  } finally {
    closeSync(fd);
  }
  return undefined;
}

function waitForContent(file: string): void {
  const until = Date.now() + 2_000;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (statSync(file).size === 0 && Date.now() < until) Atomics.wait(cell, 0, 0, 50);
}

/** Checks the file before SQLite opens it; returns whether the store is new (to be initialised). */
export function prepareStoreFile(file: string, o: OpenOptions): { isNew: boolean } {
  if (file === ":memory:") return { isNew: true };
  const abs = path.resolve(file);
  if (!existsSync(abs)) {
    if (!o.create)
      throw new StoreError(
        abs,
        "no run store here. Nothing has been run with this config yet, or the store was moved or deleted (check store.path).",
      );
    const earlier = o.allowNew ? undefined : auditMentionsStore(o.auditPath, abs);
    if (earlier)
      throw new StoreError(
        abs,
        `the run store is missing, but the audit log ${path.resolve(o.auditPath!)} records runs in store ${earlier} at this path. ` +
          "Restore the store from a backup (its open cases and journal would otherwise be forgotten and revocations re-sent), " +
          "or start a new store deliberately with --new-store.",
      );
    mkdirSync(path.dirname(abs), { recursive: true, mode: 0o700 });
    try {
      closeSync(openSync(abs, "wx", 0o600));
      return { isNew: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // Another process created it a moment ago: give it time to write the schema.
      waitForContent(abs);
    }
  }
  if (statSync(abs).size === 0 && Date.now() - statSync(abs).mtimeMs < 2_000) waitForContent(abs);
  const st = statSync(abs);
  if (!st.isFile()) throw new StoreError(abs, "is not a file");
  if (st.size === 0)
    throw new StoreError(
      abs,
      "the run store is empty (zero bytes): it was truncated. Restore it from a backup; to start afresh deliberately, move it aside and use --new-store.",
    );
  const fd = openSync(abs, "r");
  const head = Buffer.alloc(16);
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString("latin1") !== SQLITE_MAGIC)
    throw new StoreError(abs, "is not a mailwarden run store (not an SQLite database). Check store.path.");
  if ((st.mode & 0o077) !== 0) chmodSync(abs, 0o600);
  return { isNew: false };
}
