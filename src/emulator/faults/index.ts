/** Faults, limits and eventual consistency of the emulated tenant (see engine.ts, limits.ts, visibility.ts). */
export { FaultsError, loadFaultsFile, parseFaults, resolveFaults } from "./config.js";
export type { Fault, FaultRule, FaultsConfig, ParsedFaults } from "./config.js";
export { DROPPED_STATUS, FaultEngine } from "./engine.js";
export type { Visibility, VisibilityKind, PendingChange } from "./visibility.js";
