/** Offline adapters: load exports into the hunting tables (README.md). */
export { declareHuntTables, loadExports } from "./load.js";
export type * from "./types.js";
