/**
 * Hunting's own errors. The CLI maps them to its exit codes (src/cli/errors.ts); detection knows nothing of the CLI.
 */

/** The hunt was asked something it cannot do with this input (a missing path, a profile on the wrong target…). */
export class HuntUsageError extends Error {
  override readonly name = "HuntUsageError";
}
