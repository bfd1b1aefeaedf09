/** The scenario generator's public API (the CLI's `mailwarden emulator seed` calls these). */
export { generateTenant, type Generated } from "./generate.js";
export { writeGenerated, toCsv, toJsonLines, publicState, type TableFormat } from "./write.js";
export { GeneratorError, type GeneratorIssue } from "./errors.js";
export {
  SCENARIO_NAMES,
  DEFAULT_MIX,
  DEFAULT_START,
  type GenerateOptions,
  type ScenarioName,
} from "./options.js";
export type {
  Truth,
  TruthScenario,
  TruthLink,
  TruthBenign,
  TruthAction,
  TruthSignIn,
  LinkKey,
} from "./truth.js";
