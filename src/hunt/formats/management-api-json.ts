/**
 * Unified audit log records as JSON (Management Activity API, or wrappers holding `AuditData`): JSON Lines read by
 * DuckDB, JSON documents staged by JavaScript; both feed CloudAppEvents and, for STS logons, EntraIdSignInEvents.
 */
import { classify } from "../adapters/docs.js";
import { ualToCloudAppEvents, ualToEntraSignIns } from "../adapters/ual.js";
import { lineDocPlaces, runPlans, stageLines } from "./pipeline.js";
import { defineFormat } from "./types.js";

export const managementApiJson = defineFormat({
  ids: ["management-api-json"],
  container: "jsonl",
  recognise: (head) => classify(head.samples[0]).kind === "ual",
  async load(ctx, file) {
    await stageLines(ctx, file);
    await runPlans(ctx, file, "management-api-json", ctx.plansFor("ual"), lineDocPlaces(ctx));
  },
  staged: {
    kind: "ual",
    plans: () => [
      { table: "CloudAppEvents", rows: ualToCloudAppEvents(), counted: true },
      { table: "EntraIdSignInEvents", rows: ualToEntraSignIns(), counted: true },
    ],
  },
});
