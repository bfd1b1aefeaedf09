/**
 * Process-wide shutdown on SIGTERM / SIGINT, for the CLI process only (bin.ts installs it; tests calling main() in
 * their own process do not).
 *
 * - First signal: {@link shutdownSignal} is aborted (its `reason` is a {@link ShutdownRequested}). Work that listens
 *   — the runner — finishes or abandons its current step, stops starting new ones and returns; the command then
 *   exits as usual. Commands should exit with {@link signalExitCode} (128 + signal number) when they stopped early.
 * - If the process is still alive {@link SHUTDOWN_GRACE_MS} later (nothing listened, or the step hangs), it exits
 *   with 128 + signal number.
 * - A second signal exits at once with 128 + signal number.
 *
 * Children: the Exchange bridge (pwsh) is killed on exit by execa's cleanup; the pwsh stand-in also exits by itself
 * when its parent is gone.
 */
import os from "node:os";

/** Why {@link shutdownSignal} was aborted. */
export class ShutdownRequested extends Error {
  override readonly name = "ShutdownRequested";
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopping: received ${signal}`);
  }
}

const controller = new AbortController();

/** Aborted on the first SIGTERM or SIGINT the CLI process receives (never, when the handlers are not installed). */
export const shutdownSignal: AbortSignal = controller.signal;

/** How long after the first signal the process exits even if the work has not stopped. */
export const SHUTDOWN_GRACE_MS = 5_000;

/** The conventional exit code of a process ended by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0);
}

let installed = false;

/** Installs the SIGTERM / SIGINT handlers once per process; later calls do nothing. */
export function installSignalHandlers(graceMs = SHUTDOWN_GRACE_MS): void {
  if (installed) return;
  installed = true;
  const notify = (line: string): void => void process.stderr.write(`${line}\n`);
  const exit = (code: number): never => process.exit(code);
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = signalExitCode(signal);
    if (controller.signal.aborted) {
      notify(`mailwarden: ${signal} again: exiting now`);
      exit(code);
      return;
    }
    notify(
      `mailwarden: ${signal}: stopping (at most ${Math.round(graceMs / 1000)} s; send it again to exit now)`,
    );
    controller.abort(new ShutdownRequested(signal));
    // unref: a command that stops sooner exits sooner; this only ends a process that goes on regardless.
    setTimeout(() => {
      notify(`mailwarden: still running ${Math.round(graceMs / 1000)} s after ${signal}: exiting`);
      exit(code);
    }, graceMs).unref();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
