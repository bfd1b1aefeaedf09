/**
 * Entra sign-ins as Graph / SDK objects (`createdDateTime, userPrincipalName, ipAddress, status…`): JSON Lines read by
 * DuckDB, or staged from documents; each record feeds the Defender shape (counted) and the Sentinel one.
 */
import { classify } from "../adapters/docs.js";
import { signInsToDefender, signInsToSentinel } from "../adapters/signin.js";
import { lineDocPlaces, runPlans, stageLines } from "./pipeline.js";
import { defineFormat } from "./types.js";

export const graphSigninJson = defineFormat({
  ids: ["graph-signin-json"],
  container: "jsonl",
  recognise: (head) => classify(head.samples[0]).kind === "signin",
  async load(ctx, file) {
    await stageLines(ctx, file);
    await runPlans(ctx, file, "graph-signin-json", ctx.plansFor("signin"), lineDocPlaces(ctx));
  },
  staged: {
    kind: "signin",
    plans: () => [
      { table: "EntraIdSignInEvents", rows: signInsToDefender(), counted: true },
      { table: "SigninLogs", rows: signInsToSentinel("SigninLogs"), counted: false },
      {
        table: "AADNonInteractiveUserSignInLogs",
        rows: signInsToSentinel("AADNonInteractiveUserSignInLogs"),
        counted: false,
      },
    ],
  },
});
