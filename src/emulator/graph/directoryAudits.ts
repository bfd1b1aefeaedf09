/**
 * `GET /auditLogs/directoryAudits` [D directoryaudit-list]: newest first, `$filter` on the documented properties
 * (activityDisplayName, activityDateTime, category, correlationId, loggedByService, result, initiatedBy/user/…,
 * initiatedBy/app/…), `$top` with `$skiptoken` nextLinks. Writes through the emulated Graph append records with
 * the calling app as initiator, so a responder's own changes show in the log as they do in Entra.
 */
import { isoSeconds } from "../buildTenant.js";
import type { GraphCall } from "./call.js";
import { listCollection } from "./collection.js";
import { DATE_OPS, EQ, EQ_STARTS } from "./filter.js";
import type { DirectoryAuditState } from "../state.js";

function render(a: DirectoryAuditState): Record<string, unknown> {
  return {
    id: a.id,
    category: a.category,
    correlationId: a.correlationId,
    result: a.result,
    resultReason: a.resultReason,
    activityDisplayName: a.activityDisplayName,
    activityDateTime: a.activityDateTime,
    loggedByService: a.loggedByService,
    operationType: a.operationType,
    initiatedBy: {
      user: a.initiatedBy.user
        ? { ...a.initiatedBy.user, "@odata.type": "#microsoft.graph.userIdentity" }
        : null,
      app: a.initiatedBy.app ? { ...a.initiatedBy.app } : null,
    },
    targetResources: a.targetResources.map((t) => ({
      id: t.id,
      displayName: t.displayName,
      type: t.type,
      userPrincipalName: t.userPrincipalName ?? null,
      groupType: null,
      modifiedProperties: [],
    })),
    additionalDetails: a.additionalDetails.map((d) => ({ ...d })),
  };
}

const FILTERABLE = {
  activityDisplayName: EQ_STARTS,
  activityDateTime: DATE_OPS,
  category: EQ,
  correlationId: EQ,
  loggedByService: EQ,
  result: EQ,
  "initiatedBy/user/id": EQ,
  "initiatedBy/user/displayName": EQ,
  "initiatedBy/user/userPrincipalName": EQ_STARTS,
  "initiatedBy/app/appId": EQ,
  "initiatedBy/app/displayName": EQ,
} as const;

export function listDirectoryAudits(g: GraphCall): Response {
  const rows = [...(g.ctx.state.directoryAudits ?? [])].sort(
    (a, b) => Date.parse(b.activityDateTime) - Date.parse(a.activityDateTime),
  );
  return listCollection(g, {
    path: "auditLogs/directoryAudits",
    contextName: "auditLogs/directoryAudits",
    typeName: "microsoft.graph.directoryAudit",
    items: rows.map(render),
    properties: Object.keys(render({ initiatedBy: {}, targetResources: [], additionalDetails: [] } as never)),
    filterable: FILTERABLE,
    filterErrorCode: "Request_UnsupportedQuery",
    defaultPage: 1000,
    maxPage: 1000,
  });
}

/** Records a change made through the emulated Graph, initiated by the calling app. */
export function appendAudit(
  g: GraphCall,
  e: {
    category: string;
    activityDisplayName: string;
    operationType: string;
    loggedByService?: string;
    targets: DirectoryAuditState["targetResources"];
    details?: DirectoryAuditState["additionalDetails"];
  },
): void {
  (g.ctx.state.directoryAudits ??= []).push({
    id: `Directory_${g.ctx.ids.guid()}`,
    category: e.category,
    correlationId: g.ctx.ids.guid(),
    result: "success",
    resultReason: "",
    activityDisplayName: e.activityDisplayName,
    activityDateTime: isoSeconds(g.ctx.clock.now()),
    loggedByService: e.loggedByService ?? "Core Directory",
    operationType: e.operationType,
    initiatedBy: {
      user: null,
      app: {
        appId: g.app.clientId,
        displayName: g.app.displayName,
        servicePrincipalId: g.app.servicePrincipalId,
      },
    },
    targetResources: e.targets,
    additionalDetails: e.details ?? [],
  });
}
