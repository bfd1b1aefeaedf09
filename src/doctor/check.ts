/** One line of `mailwarden doctor`: what was checked on which surface, its status, and the fix. */
/** `warning`: said, nothing fails (a playbook's semantic warnings, e.g. a step that cannot be compensated). */
export type CheckStatus = "ok" | "missing" | "unverified" | "failed" | "skipped" | "warning";

export interface Check {
  surface: "config" | "graph" | "exchange" | "sentinel";
  check: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
  /**
   * A developer-facing diagnostic (the open API questions of apis.md §E), asked only with `verbose`: nothing for
   * the user to fix, and never part of doctor's verdict.
   */
  diagnostic?: true;
}
