/**
 * `POST /security/runHuntingQuery` (apis.md A1 [D]): `{Query, Timespan}` → `{@odata.context, schema, results}`
 * through the hunting engine hook; a query the engine cannot run → 400 BadRequest with the Kusto text [T].
 */
import { isIsoTimespan, runHunting } from "../hunting.js";
import { fail, readJsonBody, type GraphCall } from "./call.js";
import { GraphErrors } from "./errors.js";
import { graphJson } from "./respond.js";

/** Body members by case-insensitive name (the docs spell them Query/Timespan; SDKs may send query/timespan). */
function member(body: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : body[key];
}

export async function runHuntingQuery(g: GraphCall): Promise<Response> {
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return fail(g, GraphErrors.unreadableBody());
  const obj =
    body.kind === "json" && body.value && typeof body.value === "object" && !Array.isArray(body.value)
      ? (body.value as Record<string, unknown>)
      : {};
  const query = member(obj, "Query");
  if (typeof query !== "string" || query.trim() === "") {
    return fail(g, [400, "BadRequest", "The 'Query' parameter is required."]);
  }
  const timespan = member(obj, "Timespan");
  if (
    timespan !== undefined &&
    timespan !== null &&
    (typeof timespan !== "string" || !isIsoTimespan(timespan))
  ) {
    return fail(g, [400, "BadRequest", "The 'Timespan' parameter is not a valid ISO 8601 timespan."]);
  }
  const outcome = await runHunting(query, g.ctx.state.logs.defender, g.ctx.clock.now(), {
    ...(typeof timespan === "string" ? { timespan } : {}),
  });
  if (!outcome.ok) return fail(g, [400, "BadRequest", outcome.message]);
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#microsoft.graph.security.huntingQueryResults`,
    schema: outcome.result.schema,
    results: outcome.result.results,
  });
}
