/** `GET /users` (select, top + nextLink paging, simple filter) and `GET /users/{id | userPrincipalName}`. */
import { fail, queryOption, type GraphCall } from "./call.js";
import { GraphErrors } from "./errors.js";
import { findUser } from "./lookup.js";
import { encodeSkipToken, parseEqualityFilter, parseSelect, parseSkipToken, parseTop } from "./odata.js";
import { graphJson } from "./respond.js";
import { canonicalUserProperty, DEFAULT_USER_PROPERTIES, projectUser } from "./userView.js";
import type { UserState } from "../state.js";

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 999;
const FILTERABLE = ["userPrincipalName", "mail", "id"] as const;

function filterValue(u: UserState, property: string): string | null {
  if (property === "userPrincipalName") return u.userPrincipalName;
  if (property === "mail") return u.mail;
  return u.id;
}

function contextUrl(g: GraphCall, select: string[] | undefined, entity: boolean): string {
  return `${g.serviceRoot}/$metadata#users${select ? `(${select.join(",")})` : ""}${entity ? "/$entity" : ""}`;
}

export function listUsers(g: GraphCall): Response {
  const select = parseSelect(queryOption(g.query, "$select"), canonicalUserProperty, "microsoft.graph.user");
  if (!select.ok) return fail(g, select.error);
  const top = parseTop(queryOption(g.query, "$top"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  if (!top.ok) return fail(g, top.error);
  const skip = parseSkipToken(queryOption(g.query, "$skiptoken"));
  if (!skip.ok) return fail(g, skip.error);
  const rawFilter = queryOption(g.query, "$filter");
  const filter = parseEqualityFilter(rawFilter, FILTERABLE, "User");
  if (!filter.ok) return fail(g, filter.error);

  const f = filter.value;
  const matching = f
    ? g.ctx.state.users.filter((u) => filterValue(u, f.property)?.toLowerCase() === f.value.toLowerCase())
    : g.ctx.state.users;
  const page = matching.slice(skip.value, skip.value + top.value);
  const properties = select.value ?? DEFAULT_USER_PROPERTIES;
  const body: Record<string, unknown> = { "@odata.context": contextUrl(g, select.value, false) };
  const nextOffset = skip.value + page.length;
  if (nextOffset < matching.length) {
    const params = [
      ...(select.value ? [`$select=${encodeURIComponent(select.value.join(","))}`] : []),
      ...(rawFilter !== undefined ? [`$filter=${encodeURIComponent(rawFilter)}`] : []),
      `$top=${top.value}`,
      `$skiptoken=${encodeSkipToken(nextOffset)}`,
    ];
    body["@odata.nextLink"] = `${g.serviceRoot}/users?${params.join("&")}`;
  }
  body["value"] = page.map((u) => projectUser(u, properties));
  return graphJson(g.c, 200, body);
}

export function getUser(g: GraphCall): Response {
  const ref = g.params["user"] ?? "";
  const select = parseSelect(queryOption(g.query, "$select"), canonicalUserProperty, "microsoft.graph.user");
  if (!select.ok) return fail(g, select.error);
  const user = findUser(g.ctx.state, ref);
  if (!user) return fail(g, GraphErrors.userNotFound(ref));
  return graphJson(g.c, 200, {
    "@odata.context": contextUrl(g, select.value, true),
    ...projectUser(user, select.value ?? DEFAULT_USER_PROPERTIES),
  });
}
