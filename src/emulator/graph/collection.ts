/**
 * Listing a rendered collection the way Graph does: `$filter` (per-resource subset), `$select`, `$top` with an
 * absolute `@odata.nextLink` on this host (carrying `$skiptoken`, or `$skip` where the API documents it).
 */
import { fail, queryOption, type GraphCall } from "./call.js";
import { parseFilter, type FilterOp } from "./filter.js";
import { encodeSkipToken, parseSelect, parseSkipToken, parseTop } from "./odata.js";
import { graphJson } from "./respond.js";
import { DEFAULT_BEHAVIOUR, type Behaviour } from "../faults/config.js";

/** The switchable inferred behaviours in force for this call. */
export function behaviourOf(g: Pick<GraphCall, "ctx">): Behaviour {
  return g.ctx.faults?.behaviour ?? DEFAULT_BEHAVIOUR;
}

export interface CollectionSpec {
  /** Path after the service root, e.g. `identityProtection/riskyUsers`. */
  path: string;
  /** `@odata.context` fragment after `$metadata#`, e.g. `identityProtection/riskyUsers`. */
  contextName: string;
  typeName: string;
  /** Rendered items, already in the collection's order. */
  items: Record<string, unknown>[];
  /** Properties `$select` may name (besides `id`). */
  properties: readonly string[];
  filterable: Record<string, readonly FilterOp[]>;
  /** Error code for an unsupported `$filter`. */
  filterErrorCode: string;
  defaultPage: number;
  maxPage: number;
  /** `$skip` paging (alerts_v2, incidents) instead of `$skiptoken`. */
  skipParam?: "$skip" | "$skiptoken";
  /** Extra query options kept on the nextLink (e.g. `$expand`). */
  carry?: string[];
}

function badRequest(message: string): readonly [400, "BadRequest", string] {
  return [400, "BadRequest", message] as const;
}

export function listCollection(g: GraphCall, spec: CollectionSpec): Response {
  const canonical = (n: string) => spec.properties.find((p) => p.toLowerCase() === n.toLowerCase());
  const select = parseSelect(queryOption(g.query, "$select"), canonical, spec.typeName);
  if (!select.ok) return fail(g, select.error);
  const top = parseTop(queryOption(g.query, "$top"), spec.defaultPage, spec.maxPage);
  if (!top.ok) return fail(g, top.error);
  const skipParam = spec.skipParam ?? "$skiptoken";
  let offset = 0;
  if (skipParam === "$skip") {
    const raw = queryOption(g.query, "$skip");
    if (raw !== undefined) {
      if (!/^\d+$/.test(raw.trim())) return fail(g, badRequest(`Invalid value '${raw}' for $skip.`));
      offset = Number(raw.trim());
    }
  } else {
    const skip = parseSkipToken(queryOption(g.query, "$skiptoken"));
    if (!skip.ok) return fail(g, skip.error);
    offset = skip.value;
  }
  const rawFilter = queryOption(g.query, "$filter");
  const filter = parseFilter(
    rawFilter,
    spec.filterable,
    spec.filterErrorCode,
    behaviourOf(g).caseInsensitiveFilters,
  );
  if (!filter.ok) return fail(g, filter.error);

  const f = filter.value;
  const matching = f ? spec.items.filter(f) : spec.items;
  const page = matching.slice(offset, offset + top.value);
  const body: Record<string, unknown> = {
    "@odata.context": `${g.serviceRoot}/$metadata#${spec.contextName}${select.value ? `(${select.value.join(",")})` : ""}`,
  };
  const nextOffset = offset + page.length;
  if (nextOffset < matching.length) {
    const params = [
      ...(select.value ? [`$select=${encodeURIComponent(select.value.join(","))}`] : []),
      ...(rawFilter !== undefined ? [`$filter=${encodeURIComponent(rawFilter)}`] : []),
      ...(spec.carry ?? []).flatMap((name) => {
        const v = queryOption(g.query, name);
        return v === undefined ? [] : [`${name}=${encodeURIComponent(v)}`];
      }),
      `$top=${top.value}`,
      skipParam === "$skip" ? `$skip=${nextOffset}` : `$skiptoken=${encodeSkipToken(nextOffset)}`,
    ];
    body["@odata.nextLink"] = `${g.serviceRoot}/${spec.path}?${params.join("&")}`;
  }
  body["value"] = page.map((item) => project(item, select.value));
  return graphJson(g.c, 200, body);
}

/** `$select` projection; `@odata.type` and `id` are always kept (Graph returns id with any $select). */
export function project(
  item: Record<string, unknown>,
  select: string[] | undefined,
): Record<string, unknown> {
  if (!select) return item;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (k === "@odata.type" || k === "id" || select.includes(k)) out[k] = v;
  }
  return out;
}
