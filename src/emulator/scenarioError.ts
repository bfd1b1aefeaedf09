/** A scenario that cannot be used, with the dotted path of each offending field. */
export interface ScenarioIssue {
  /** Dotted path of the field, e.g. `users.1.mailbox.rules.0.actions.moveToFolder`. */
  path: string;
  message: string;
}

export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  constructor(
    readonly source: string,
    readonly issues: ScenarioIssue[],
  ) {
    super(
      `invalid scenario (${source}):\n${issues.map((i) => `  ${i.path || "(root)"}: ${i.message}`).join("\n")}`,
    );
  }
}
