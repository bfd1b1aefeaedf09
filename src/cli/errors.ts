/**
 * One place that maps failures to exit codes (documented in docs/cli.md).
 */
import { PlaybookError } from "../playbooks/load.js";

export const EXIT = {
  ok: 0,
  /** Unexpected failure (a bug, or something mailwarden could not classify). */
  failure: 1,
  /** Bad usage, bad config or bad input file; or input records rejected (the valid ones were still processed). */
  usage: 2,
  /** The tenant refused: authentication, permissions, unknown tenant. */
  tenant: 3,
  /** A run ended failed (a step or its verification failed) or was held by a guardrail. */
  runFailed: 4,
  /**
   * The job is incomplete: a mailbox or page could not be read (reported as not scanned), a case is driven by
   * another process, or a stored run needs migration. Nothing reported is false, but something is missing.
   */
  incomplete: 5,
  /** The journal's hash chain is broken (`audit verify`): an entry was edited, removed or reordered. */
  integrity: 6,
} as const;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** Errors about a file the user wrote, whose message is a header plus one `  path: problem` line per issue. */
const FILE_ERRORS = new Set(["ScenarioError", "FaultsError"]);

export function exitCodeFor(e: unknown): number {
  const name = (e as { name?: string } | null)?.name;
  // A store that is missing, empty, foreign, newer or corrupt: bad input, named with what to do.
  if (
    name === "UsageError" ||
    name === "HuntUsageError" ||
    name === "ConfigError" ||
    name === "StoreError" ||
    name === "DecisionError" ||
    e instanceof PlaybookError
  )
    return EXIT.usage;
  // The emulator's scenario or faults file is invalid: a configuration error like any other.
  if (name !== undefined && FILE_ERRORS.has(name)) return EXIT.usage;
  if (
    name === "CredentialUnavailableError" ||
    name === "AuthenticationError" ||
    name === "AuthenticationRequiredError" ||
    name === "AggregateAuthenticationError"
  )
    return EXIT.tenant;
  if (name === "WrongTenantError") return EXIT.tenant;
  if (name === "GraphApiError") {
    const kind = (e as { kind?: string }).kind;
    if (kind === "unauthenticated" || kind === "forbidden") return EXIT.tenant;
  }
  if (name === "ExoError") {
    const cat = (e as { category?: string }).category;
    if (cat === "AccessDenied" || cat === "NotConnected") return EXIT.tenant;
  }
  return EXIT.failure;
}

/**
 * The lines to print for an error. A scenario or faults file error keeps its line structure (one issue a line);
 * anything else is one line. Each line is still made terminal-safe by the caller.
 */
export function errorLines(e: unknown): string[] {
  const msg = e instanceof Error ? e.message : String(e);
  const name = (e as { name?: string } | null)?.name;
  return name !== undefined && FILE_ERRORS.has(name) ? msg.split(/\r?\n/) : [msg];
}
