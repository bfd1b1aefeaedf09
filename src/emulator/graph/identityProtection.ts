/**
 * Identity Protection (apis.md A5 [D]): `GET /identityProtection/riskyUsers[/{id}]`, `…/{id}/history`,
 * `POST …/riskyUsers/confirmCompromised` and `…/dismiss` (`{userIds:[…]}` → 204), `GET /identityProtection/riskDetections`.
 * `$filter`/`$select`; `$top` ≤ 500; riskDetections default page 20 [D], riskyUsers default page 20 [I].
 */
import { z } from "zod";
import { fail, queryOption, readJsonBody, type GraphCall } from "./call.js";
import { behaviourOf, listCollection, project } from "./collection.js";
import { DATE_OPS, EQ, EQ_NE, EQ_STARTS } from "./filter.js";
import { parseSelect } from "./odata.js";
import { graphJson, graphNoContent } from "./respond.js";
import type { RiskDetectionState, RiskyUserHistoryItem, RiskyUserState } from "../state.js";

const notFound = (id: string) => [404, "ResourceNotFound", `The riskyUser '${id}' was not found.`] as const; // [I] wording

function renderRiskyUser(r: RiskyUserState): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.riskyUser",
    id: r.id,
    isDeleted: r.isDeleted,
    isProcessing: r.isProcessing,
    riskLastUpdatedDateTime: r.riskLastUpdatedDateTime,
    riskLevel: r.riskLevel,
    riskState: r.riskState,
    riskDetail: r.riskDetail,
    userDisplayName: r.userDisplayName,
    userPrincipalName: r.userPrincipalName,
  };
}

function renderHistory(r: RiskyUserState, h: RiskyUserHistoryItem): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.riskyUserHistoryItem",
    id: h.id,
    isDeleted: r.isDeleted,
    isProcessing: false,
    riskLastUpdatedDateTime: h.activityDateTime,
    riskLevel: h.riskLevel,
    riskState: h.riskState,
    riskDetail: h.riskDetail,
    userDisplayName: r.userDisplayName,
    userPrincipalName: r.userPrincipalName,
    userId: r.id,
    initiatedBy: h.initiatedBy,
    activity: { riskEventTypes: [], detail: h.riskDetail },
  };
}

export function renderRiskDetection(d: RiskDetectionState): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.riskDetection",
    id: d.id,
    requestId: d.requestId,
    correlationId: d.correlationId,
    riskEventType: d.riskEventType,
    riskState: d.riskState,
    riskLevel: d.riskLevel,
    riskDetail: d.riskDetail,
    source: d.source,
    detectionTimingType: d.detectionTimingType,
    activity: d.activity,
    tokenIssuerType: d.tokenIssuerType,
    ipAddress: d.ipAddress,
    location: d.location ? { ...d.location, geoCoordinates: null } : null,
    activityDateTime: d.activityDateTime,
    detectedDateTime: d.detectedDateTime,
    lastUpdatedDateTime: d.lastUpdatedDateTime,
    userId: d.userId,
    userDisplayName: d.userDisplayName,
    userPrincipalName: d.userPrincipalName,
    additionalInfo: d.additionalInfo,
  };
}

const RISKY_USER_PROPS = Object.keys(renderRiskyUser({ history: [] } as unknown as RiskyUserState)).filter(
  (k) => !k.startsWith("@"),
);
const DETECTION_PROPS = Object.keys(renderRiskDetection({} as RiskDetectionState)).filter(
  (k) => !k.startsWith("@"),
);

const byNewest = <T>(items: T[], at: (t: T) => string) =>
  [...items].sort((a, b) => Date.parse(at(b)) - Date.parse(at(a)));

export function listRiskyUsers(g: GraphCall): Response {
  return listCollection(g, {
    path: "identityProtection/riskyUsers",
    contextName: "identityProtection/riskyUsers",
    typeName: "microsoft.graph.riskyUser",
    items: byNewest(g.ctx.state.riskyUsers, (r) => r.riskLastUpdatedDateTime).map(renderRiskyUser),
    properties: RISKY_USER_PROPS,
    filterable: {
      id: EQ,
      riskLevel: EQ_NE,
      riskState: EQ_NE,
      riskDetail: EQ_NE,
      userPrincipalName: EQ_STARTS,
      userDisplayName: EQ_STARTS,
      isDeleted: EQ,
      isProcessing: EQ,
      riskLastUpdatedDateTime: DATE_OPS,
    },
    filterErrorCode: "BadRequest",
    defaultPage: 20,
    maxPage: 500,
  });
}

function findRisky(g: GraphCall): RiskyUserState | undefined {
  const id = (g.params["riskyUser"] ?? "").toLowerCase();
  return g.ctx.state.riskyUsers.find((r) => r.id.toLowerCase() === id);
}

export function getRiskyUser(g: GraphCall): Response {
  const r = findRisky(g);
  if (!r) return fail(g, notFound(g.params["riskyUser"] ?? ""));
  const canonical = (n: string) => RISKY_USER_PROPS.find((p) => p.toLowerCase() === n.toLowerCase());
  const select = parseSelect(queryOption(g.query, "$select"), canonical, "microsoft.graph.riskyUser");
  if (!select.ok) return fail(g, select.error);
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#identityProtection/riskyUsers/$entity`,
    ...project(renderRiskyUser(r), select.value),
  });
}

export function listRiskyUserHistory(g: GraphCall): Response {
  const r = findRisky(g);
  if (!r) return fail(g, notFound(g.params["riskyUser"] ?? ""));
  return listCollection(g, {
    path: `identityProtection/riskyUsers/${r.id}/history`,
    contextName: `identityProtection/riskyUsers('${r.id}')/history`,
    typeName: "microsoft.graph.riskyUserHistoryItem",
    items: byNewest(r.history, (h) => h.activityDateTime).map((h) => renderHistory(r, h)),
    properties: Object.keys(renderHistory(r, { id: "" } as RiskyUserHistoryItem)),
    filterable: { riskLevel: EQ_NE, riskState: EQ_NE, riskDetail: EQ_NE },
    filterErrorCode: "BadRequest",
    defaultPage: 20,
    maxPage: 500,
  });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const userIdsSchema = z.object({ userIds: z.array(z.string().regex(GUID)).min(1).max(60) });

/** confirmCompromised / dismiss: 204; the effect is recorded as a history item initiated by the app [D + I]. */
export function riskyUsersAction(kind: "confirmCompromised" | "dismiss") {
  return async (g: GraphCall): Promise<Response> => {
    const body = await readJsonBody(g.c);
    if (body.kind !== "json")
      return fail(g, [400, "BadRequest", 'Empty or invalid payload: expected {"userIds": [...]}.']);
    const parsed = userIdsSchema.safeParse(body.value);
    if (!parsed.success) {
      return fail(g, [400, "BadRequest", "Invalid 'userIds': expected an array of 1 to 60 user object ids."]);
    }
    const state = g.ctx.state;
    const users = parsed.data.userIds.map((id) =>
      state.users.find((u) => u.id.toLowerCase() === id.toLowerCase()),
    );
    const missingAt = users.findIndex((u) => !u);
    if (missingAt >= 0) {
      // [I] an id that is not a user of this tenant
      return fail(g, [400, "BadRequest", `Invalid user id '${parsed.data.userIds[missingAt] ?? ""}'.`]);
    }
    const now = g.ctx.clock.now().toISOString();
    const [riskLevel, riskState, riskDetail] =
      kind === "confirmCompromised"
        ? (["high", "confirmedCompromised", "adminConfirmedUserCompromised"] as const)
        : (["none", "dismissed", "adminDismissedAllRiskForUser"] as const);
    for (const u of users) {
      if (!u) continue;
      let r = state.riskyUsers.find((x) => x.id === u.id);
      if (!r) {
        // Nothing to dismiss; creating an entry on confirm is inferred [I, switchable].
        if (kind === "dismiss" || !behaviourOf(g).confirmCreatesRiskyUser) continue;
        r = {
          id: u.id,
          userPrincipalName: u.userPrincipalName,
          userDisplayName: u.displayName,
          riskLevel: "none",
          riskState: "none",
          riskDetail: "none",
          riskLastUpdatedDateTime: now,
          isDeleted: false,
          isProcessing: false,
          history: [],
        };
        state.riskyUsers.push(r);
      }
      r.riskLevel = riskLevel;
      r.riskState = riskState;
      r.riskDetail = riskDetail;
      r.riskLastUpdatedDateTime = now;
      r.history.push({
        id: g.ctx.ids.guid(),
        activityDateTime: now,
        riskLevel,
        riskState,
        riskDetail,
        initiatedBy: g.token.oid,
      });
      if (kind === "dismiss" && behaviourOf(g).dismissClearsDetections) {
        // Dismissing user risk dismisses the user's open detections [I, switchable].
        for (const d of state.riskDetections) {
          if (d.userId === u.id && d.riskState === "atRisk") {
            d.riskState = "dismissed";
            d.riskDetail = riskDetail;
            d.lastUpdatedDateTime = now;
          }
        }
      }
      g.c.set("write", true);
    }
    return graphNoContent(g.c);
  };
}

export function listRiskDetections(g: GraphCall): Response {
  return listCollection(g, {
    path: "identityProtection/riskDetections",
    contextName: "identityProtection/riskDetections",
    typeName: "microsoft.graph.riskDetection",
    items: byNewest(g.ctx.state.riskDetections, (d) => d.detectedDateTime).map(renderRiskDetection),
    properties: DETECTION_PROPS,
    filterable: {
      id: EQ,
      userId: EQ,
      userPrincipalName: EQ_STARTS,
      userDisplayName: EQ_STARTS,
      riskEventType: EQ_NE,
      riskLevel: EQ_NE,
      riskState: EQ_NE,
      riskDetail: EQ_NE,
      source: EQ,
      detectionTimingType: EQ,
      activity: EQ,
      ipAddress: EQ_STARTS,
      requestId: EQ,
      correlationId: EQ,
      activityDateTime: DATE_OPS,
      detectedDateTime: DATE_OPS,
      lastUpdatedDateTime: DATE_OPS,
    },
    filterErrorCode: "BadRequest",
    defaultPage: 20,
    maxPage: 500,
  });
}
