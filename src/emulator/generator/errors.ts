/** Bad generator options, with the field each issue is about. */
export interface GeneratorIssue {
  /** The option's name (`users`, `days`, `seed`, `scenarios.2`, `start`…). */
  path: string;
  message: string;
}

export class GeneratorError extends Error {
  override readonly name = "GeneratorError";
  constructor(readonly issues: GeneratorIssue[]) {
    super(
      `invalid generator options:\n${issues.map((i) => `  ${i.path || "(root)"}: ${i.message}`).join("\n")}`,
    );
  }
}
