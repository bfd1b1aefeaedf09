/**
 * The analysis cache: what the transpiler read of Kusto.Language's analysis of a query (a `TapeNode`, plain JSON),
 * on disk, so that a repeated hunt transpiles without loading Kusto.Language or analysing again.
 *
 * Key: sha256 of the tape format, mailwarden's version, Kusto.Language's version, the query text and the tables it
 * was analysed against. Entries are immutable: a new version or query is a new key (old entries are never read again
 * and may be deleted at any time). A corrupt, truncated or foreign entry (its checksum or key does not match) is
 * ignored and rebuilt. Writers never
 * clash: each writes a temporary file of its own and renames it into place (atomic on one file system).
 *
 * Where: `MAILWARDEN_CACHE_DIR`, else `$XDG_CACHE_HOME/mailwarden`, else the platform's cache folder
 * (`~/.cache/mailwarden`, `~/Library/Caches/mailwarden`, `%LOCALAPPDATA%\mailwarden\Cache`); entries under `kql/`.
 * `MAILWARDEN_CACHE_DIR=off` turns the cache off.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { TapeNode } from "./syntax.js";

/** Bump when the tape's shape or meaning changes. */
const TAPE_FORMAT = 1;

const require = createRequire(import.meta.url);
const versionOf = (pkg: string): string => {
  try {
    const v = (require(pkg) as { version?: unknown }).version;
    return typeof v === "string" ? v : "unknown";
  } catch {
    return "unknown";
  }
};
/** mailwarden's own version (src/hunt/kql and dist/hunt/kql are both three folders below package.json). */
export const MAILWARDEN_VERSION = versionOf("../../../package.json");
export const KUSTO_LANGUAGE_VERSION = versionOf("@kusto/language-service-next/package.json");
/** DuckDB's version (its planner decides which columns a statement reads). */
export const DUCKDB_VERSION = versionOf("@duckdb/node-api/package.json");

/** Bump when the meaning of a stored column list changes. */
const COLUMNS_FORMAT = 1;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const own = env["MAILWARDEN_CACHE_DIR"];
  if (own === "off") return undefined;
  if (own) return own;
  if (env["XDG_CACHE_HOME"]) return path.join(env["XDG_CACHE_HOME"], "mailwarden");
  const home = os.homedir();
  if (process.platform === "win32")
    return path.join(env["LOCALAPPDATA"] ?? path.join(home, "AppData", "Local"), "mailwarden", "Cache");
  if (process.platform === "darwin") return path.join(home, "Library", "Caches", "mailwarden");
  return path.join(home, ".cache", "mailwarden");
}

interface Entry {
  format: number;
  key: string;
  /** sha256 of `JSON.stringify(tape)`: a damaged entry that still parses is not replayed. */
  sum: string;
  tape: TapeNode;
}

export const tapeSum = (tape: TapeNode): string =>
  createHash("sha256").update(JSON.stringify(tape)).digest("hex");

export class AnalysisCache {
  constructor(readonly dir: string) {}

  /** The cache at the default place, or undefined when turned off. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): AnalysisCache | undefined {
    const dir = defaultCacheDir(env);
    return dir ? new AnalysisCache(path.join(dir, "kql")) : undefined;
  }

  key(query: string, tables: unknown): string {
    return createHash("sha256")
      .update(
        JSON.stringify({
          format: TAPE_FORMAT,
          mailwarden: MAILWARDEN_VERSION,
          kusto: KUSTO_LANGUAGE_VERSION,
          query,
          tables,
        }),
      )
      .digest("hex");
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  /** The tape stored under `key`, or undefined (absent, unreadable, corrupt or not this key's). */
  get(key: string): TapeNode | undefined {
    const e = this.read(key);
    const tape = e?.["tape"];
    if (e?.["format"] === TAPE_FORMAT && tape && typeof tape === "object" && e["sum"] === tapeSum(tape))
      return tape;
    return undefined;
  }

  /** Stores a tape; a failure to write (read-only home, full disk) only costs the next run its analysis. */
  put(key: string, tape: TapeNode): boolean {
    return this.write(key, { format: TAPE_FORMAT, key, sum: tapeSum(tape), tape } satisfies Entry);
  }

  /**
   * Key of the columns of each table one SQL statement reads (from DuckDB's plan): the statement's text itself,
   * so any change of the query, its parameters or the transpiler is a new key, with DuckDB's version and the schemas.
   */
  columnsKey(sql: string, schemas: unknown): string {
    return createHash("sha256")
      .update(
        JSON.stringify({ format: COLUMNS_FORMAT, kind: "columns", duckdb: DUCKDB_VERSION, sql, schemas }),
      )
      .digest("hex");
  }

  /** The columns stored under `key` ({table: columns}), or undefined (absent, unreadable, corrupt, foreign). */
  getColumns(key: string): Record<string, string[]> | undefined {
    const e = this.read(key);
    const cols = e?.["columns"];
    if (
      e?.["format"] === COLUMNS_FORMAT &&
      cols &&
      typeof cols === "object" &&
      !Array.isArray(cols) &&
      Object.values(cols).every((v) => Array.isArray(v) && v.every((c) => typeof c === "string")) &&
      e["sum"] === jsonSum(cols)
    )
      return cols as Record<string, string[]>;
    return undefined;
  }

  putColumns(key: string, columns: Record<string, string[]>): boolean {
    return this.write(key, { format: COLUMNS_FORMAT, key, sum: jsonSum(columns), columns });
  }

  /** The entry stored under `key` when it is a JSON object naming that key, else undefined. */
  private read(key: string): Record<string, unknown> | undefined {
    try {
      const e = JSON.parse(readFileSync(this.file(key), "utf8")) as unknown;
      if (e && typeof e === "object" && !Array.isArray(e) && (e as { key?: unknown }).key === key)
        return e as Record<string, unknown>;
    } catch {
      // Absent, unreadable or corrupt (a crash mid-write on a file system without atomic rename, a disk error):
      // rebuilt by the next put.
    }
    return undefined;
  }

  private write(key: string, entry: object): boolean {
    const target = this.file(key);
    const tmp = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(tmp, JSON.stringify(entry));
      renameSync(tmp, target);
      return true;
    } catch {
      rmSync(tmp, { force: true });
      return false;
    }
  }
}

const jsonSum = (v: unknown): string => createHash("sha256").update(JSON.stringify(v)).digest("hex");
