/**
 * `GET /auditLogs/signIns` (apis.md A6 [D]): newest first, default and maximum page 1,000, `$skiptoken` nextLinks.
 * v1.0 returns interactive user sign-ins only, in the v1.0 property set. beta adds the beta members
 * (signInEventTypes, uniqueTokenIdentifier, userAgent, …) and returns non-interactive sign-ins only when the filter
 * asks for them through `signInEventTypes/any(t: t eq 'nonInteractiveUser')`; without such a clause, interactive
 * only [D Entra docs / T].
 */
import { fail, queryOption, type GraphCall } from "./call.js";
import { behaviourOf, listCollection } from "./collection.js";
import { GraphErrors } from "./errors.js";
import { DATE_OPS, EQ, EQ_NE, EQ_STARTS } from "./filter.js";
import { SIGNINS_ALSO_NEEDS } from "./permissions.js";
import type { SignInState } from "../state.js";

function renderV1(s: SignInState): Record<string, unknown> {
  return {
    id: s.id,
    createdDateTime: s.createdDateTime,
    userDisplayName: s.userDisplayName,
    userPrincipalName: s.userPrincipalName.toLowerCase(),
    userId: s.userId,
    appId: s.appId,
    appDisplayName: s.appDisplayName,
    ipAddress: s.ipAddress,
    clientAppUsed: s.clientAppUsed,
    correlationId: s.correlationId,
    conditionalAccessStatus: s.conditionalAccessStatus,
    isInteractive: s.isInteractive,
    riskDetail: "none",
    riskLevelAggregated: s.riskLevelAggregated,
    riskLevelDuringSignIn: s.riskLevelDuringSignIn,
    riskState: s.riskState,
    riskEventTypes: [...s.riskEventTypes_v2],
    riskEventTypes_v2: [...s.riskEventTypes_v2],
    resourceDisplayName: s.resourceDisplayName,
    resourceId: s.resourceId,
    status: { ...s.status },
    deviceDetail: { ...s.deviceDetail },
    location: s.location ? { ...s.location, geoCoordinates: null } : null,
    appliedConditionalAccessPolicies: [],
  };
}

function renderBeta(s: SignInState, withSessionId: boolean): Record<string, unknown> {
  return {
    ...renderV1(s),
    signInEventTypes: [...s.signInEventTypes],
    uniqueTokenIdentifier: s.uniqueTokenIdentifier,
    // [I] apis.md A6 finds no sessionId in the SDK models reviewed; the portal shows a Session ID.
    ...(withSessionId ? { sessionId: s.sessionId } : {}),
    originalRequestId: s.originalRequestId,
    userAgent: s.userAgent,
    autonomousSystemNumber: s.autonomousSystemNumber,
    authenticationRequirement: s.authenticationRequirement,
    userType: "member",
    tokenIssuerType: "AzureAD",
  };
}

const V1_FILTERABLE = {
  appDisplayName: EQ_STARTS,
  appId: EQ,
  clientAppUsed: EQ,
  conditionalAccessStatus: EQ,
  correlationId: EQ,
  createdDateTime: DATE_OPS,
  "deviceDetail/browser": EQ_STARTS,
  "deviceDetail/operatingSystem": EQ_STARTS,
  ipAddress: EQ_STARTS,
  "location/city": EQ_STARTS,
  "location/state": EQ_STARTS,
  "location/countryOrRegion": EQ_STARTS,
  resourceDisplayName: EQ,
  resourceId: EQ,
  riskDetail: EQ,
  riskLevelAggregated: EQ,
  riskLevelDuringSignIn: EQ,
  riskState: EQ,
  riskEventTypes_v2: EQ_STARTS,
  "status/errorCode": EQ,
  userDisplayName: EQ_STARTS,
  userId: EQ,
  userPrincipalName: EQ_STARTS,
  id: EQ,
} as const;

const BETA_FILTERABLE = {
  ...V1_FILTERABLE,
  signInEventTypes: ["any"],
  userAgent: EQ_STARTS,
  uniqueTokenIdentifier: EQ,
  sessionId: EQ,
  originalRequestId: EQ,
  isInteractive: EQ_NE,
} as const;

/** Does the filter name the sign-in event types (so non-interactive rows may be returned)? */
function asksForEventTypes(filter: string | undefined): boolean {
  return filter !== undefined && /signInEventTypes\s*\/\s*any\s*\(/i.test(filter);
}

export function listSignIns(g: GraphCall): Response {
  if (!SIGNINS_ALSO_NEEDS.some((r) => g.token.roles.includes(r))) {
    return fail(g, GraphErrors.accessDenied("directory"));
  }
  const rawFilter = queryOption(g.query, "$filter");
  const beta = g.version === "beta";
  const all = [...g.ctx.state.signIns].sort(
    (a, b) => Date.parse(b.createdDateTime) - Date.parse(a.createdDateTime),
  );
  const rows = beta && asksForEventTypes(rawFilter) ? all : all.filter((s) => s.isInteractive);
  const withSessionId = behaviourOf(g).betaSignInSessionId;
  const render = beta ? (s: SignInState) => renderBeta(s, withSessionId) : renderV1;
  const sample = render({
    userPrincipalName: "",
    status: {},
    deviceDetail: {},
    signInEventTypes: [],
    riskEventTypes_v2: [],
  } as unknown as SignInState);
  return listCollection(g, {
    path: "auditLogs/signIns",
    contextName: "auditLogs/signIns",
    typeName: "microsoft.graph.signIn",
    items: rows.map(render),
    properties: Object.keys(sample),
    filterable: beta ? BETA_FILTERABLE : V1_FILTERABLE,
    filterErrorCode: "Request_UnsupportedQuery",
    defaultPage: 1000,
    maxPage: 1000,
  });
}
