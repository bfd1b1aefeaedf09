/** Identity Protection risk detections (`riskEventType` + `detectedDateTime`, Graph riskDetection) → AADUserRiskEvents. */
import { classify } from "../adapters/docs.js";
import { riskDetectionsToSentinel } from "../adapters/signin.js";
import { lineDocPlaces, runPlans, stageLines } from "./pipeline.js";
import { defineFormat } from "./types.js";

export const graphRiskdetectionJson = defineFormat({
  ids: ["graph-riskdetection-json"],
  container: "jsonl",
  recognise: (head) => classify(head.samples[0]).kind === "risk",
  async load(ctx, file) {
    await stageLines(ctx, file);
    await runPlans(ctx, file, "graph-riskdetection-json", ctx.plansFor("risk"), lineDocPlaces(ctx));
  },
  staged: {
    kind: "risk",
    plans: () => [{ table: "AADUserRiskEvents", rows: riskDetectionsToSentinel(), counted: true }],
  },
});
