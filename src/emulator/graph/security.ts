/**
 * Defender XDR through Graph (apis.md A7 [D]): `GET /security/alerts_v2[/{id}]`, `PATCH` (→ 200 with the full
 * alert), `POST …/comments` (→ 200 with every comment); `GET /security/incidents[/{id}]` (`$expand=alerts`),
 * `PATCH`, `POST …/comments`. `$filter` on the documented properties only (title is not filterable → 400),
 * `$top` + `$skip` paging, newest first.
 */
import { z } from "zod";
import { fail, queryOption, readJsonBody, type GraphCall } from "./call.js";
import { listCollection } from "./collection.js";
import { GraphErrors, type GraphErrorSpec } from "./errors.js";
import { DATE_OPS, EQ, EQ_NE } from "./filter.js";
import { graphJson } from "./respond.js";
import type { AlertState, IncidentState, TenantState } from "../state.js";

const PORTAL = "https://security.microsoft.com";

export function renderAlert(a: AlertState, tenantId: string): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.security.alert",
    id: a.id,
    providerAlertId: a.providerAlertId,
    incidentId: a.incidentId,
    status: a.status,
    severity: a.severity,
    classification: a.classification,
    determination: a.determination,
    serviceSource: a.serviceSource,
    detectionSource: a.detectionSource,
    detectorId: null,
    tenantId,
    title: a.title,
    description: a.description,
    recommendedActions: "",
    category: a.category,
    assignedTo: a.assignedTo,
    alertWebUrl: `${PORTAL}/alerts/${a.id}?tid=${tenantId}`,
    incidentWebUrl: a.incidentId ? `${PORTAL}/incidents/${a.incidentId}?tid=${tenantId}` : null,
    actorDisplayName: null,
    threatDisplayName: null,
    threatFamilyName: null,
    mitreTechniques: [],
    createdDateTime: a.createdDateTime,
    lastUpdateDateTime: a.lastUpdateDateTime,
    resolvedDateTime: a.status === "resolved" ? a.lastUpdateDateTime : null,
    firstActivityDateTime: a.firstActivityDateTime,
    lastActivityDateTime: a.lastActivityDateTime,
    comments: a.comments.map((c) => ({ ...c })),
    evidence: a.evidence.map((e) => ({ ...e })),
    systemTags: [],
  };
}

export function renderIncident(
  i: IncidentState,
  state: TenantState,
  expandAlerts: boolean,
): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.security.incident",
    id: i.id,
    incidentWebUrl: `${PORTAL}/incidents/${i.id}?tid=${state.tenantId}`,
    redirectIncidentId: null,
    tenantId: state.tenantId,
    displayName: i.displayName,
    createdDateTime: i.createdDateTime,
    lastUpdateDateTime: i.lastUpdateDateTime,
    assignedTo: i.assignedTo,
    classification: i.classification,
    determination: i.determination,
    status: i.status,
    severity: i.severity,
    customTags: [...i.tags],
    // Incident comments use createdBy/createdTime, unlike alert comments [D A7].
    comments: i.comments.map((c) => ({
      comment: c.comment,
      createdBy: c.createdByDisplayName,
      createdTime: c.createdDateTime,
    })),
    systemTags: [],
    description: "",
    ...(expandAlerts
      ? {
          alerts: i.alertIds.flatMap((id) => {
            const a = state.alerts.find((x) => x.id === id);
            return a ? [renderAlert(a, state.tenantId)] : [];
          }),
        }
      : {}),
  };
}

const newest = <T extends { createdDateTime: string }>(xs: T[]) =>
  [...xs].sort((a, b) => Date.parse(b.createdDateTime) - Date.parse(a.createdDateTime));

const ALERT_FILTERABLE = {
  assignedTo: EQ_NE,
  classification: EQ_NE,
  determination: EQ_NE,
  createdDateTime: DATE_OPS,
  lastUpdateDateTime: DATE_OPS,
  severity: EQ_NE,
  serviceSource: EQ_NE,
  status: EQ_NE,
};
const INCIDENT_FILTERABLE = {
  assignedTo: EQ_NE,
  classification: EQ_NE,
  createdDateTime: DATE_OPS,
  determination: EQ_NE,
  lastUpdateDateTime: DATE_OPS,
  severity: EQ_NE,
  status: EQ_NE,
  id: EQ,
};

const notFound = (what: string, id: string): GraphErrorSpec => [
  404,
  "NotFound",
  `${what} '${id}' was not found.`,
]; // [I]

export function listAlerts(g: GraphCall): Response {
  const state = g.ctx.state;
  const items = newest(state.alerts).map((a) => renderAlert(a, state.tenantId));
  return listCollection(g, {
    path: "security/alerts_v2",
    contextName: "security/alerts_v2",
    typeName: "microsoft.graph.security.alert",
    items,
    properties: Object.keys(renderAlert({ comments: [], evidence: [] } as unknown as AlertState, "")),
    filterable: ALERT_FILTERABLE,
    filterErrorCode: "BadRequest",
    defaultPage: 100, // [I] not documented
    maxPage: 2000, // [I]
    skipParam: "$skip",
  });
}

function findAlert(g: GraphCall): AlertState | undefined {
  return g.ctx.state.alerts.find((a) => a.id === g.params["alert"]);
}

export function getAlert(g: GraphCall): Response {
  const a = findAlert(g);
  if (!a) return fail(g, notFound("Alert", g.params["alert"] ?? ""));
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#security/alerts_v2/$entity`,
    ...renderAlert(a, g.ctx.state.tenantId),
  });
}

const CLASSIFICATION = z.enum([
  "unknown",
  "falsePositive",
  "truePositive",
  "informationalExpectedActivity",
  "unknownFutureValue",
]);
const DETERMINATION = z.enum([
  "unknown",
  "apt",
  "malware",
  "securityPersonnel",
  "securityTesting",
  "unwantedSoftware",
  "other",
  "multiStagedAttack",
  "compromisedUser",
  "phishing",
  "maliciousUserActivity",
  "clean",
  "insufficientData",
  "confirmedUserActivity",
  "lineOfBusinessApplication",
  "notMalicious",
  "notEnoughDataToValidate",
  "unknownFutureValue",
]);

const alertPatchSchema = z.strictObject({
  status: z.enum(["new", "inProgress", "resolved"]).optional(),
  classification: CLASSIFICATION.nullable().optional(),
  determination: DETERMINATION.nullable().optional(),
  assignedTo: z.string().nullable().optional(),
});
const incidentPatchSchema = z.strictObject({
  status: z.enum(["active", "resolved", "inProgress", "redirected"]).optional(),
  classification: CLASSIFICATION.nullable().optional(),
  determination: DETERMINATION.nullable().optional(),
  assignedTo: z.string().nullable().optional(),
  customTags: z.array(z.string()).optional(),
});

function bodyError(error: z.ZodError, type: string): GraphErrorSpec {
  const issue = error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    return [400, "BadRequest", `The property '${issue.keys[0] ?? ""}' does not exist on type '${type}'.`];
  }
  return [400, "BadRequest", `Invalid value for property '${issue?.path.join(".") ?? ""}'.`];
}

async function jsonObject(
  g: GraphCall,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: GraphErrorSpec }> {
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return { ok: false, error: GraphErrors.unreadableBody() };
  if (body.kind === "empty" || !body.value || typeof body.value !== "object" || Array.isArray(body.value))
    return { ok: false, error: [400, "BadRequest", "Empty Payload. JSON content expected."] };
  return {
    ok: true,
    value: Object.fromEntries(Object.entries(body.value).filter(([k]) => !k.startsWith("@"))),
  };
}

export async function patchAlert(g: GraphCall): Promise<Response> {
  const a = findAlert(g);
  if (!a) return fail(g, notFound("Alert", g.params["alert"] ?? ""));
  const body = await jsonObject(g);
  if (!body.ok) return fail(g, body.error);
  const parsed = alertPatchSchema.safeParse(body.value);
  if (!parsed.success) return fail(g, bodyError(parsed.error, "microsoft.graph.security.alert"));
  const p = parsed.data;
  if (p.status !== undefined) a.status = p.status;
  if (p.classification !== undefined) a.classification = p.classification;
  if (p.determination !== undefined) a.determination = p.determination;
  if (p.assignedTo !== undefined) a.assignedTo = p.assignedTo;
  a.lastUpdateDateTime = g.ctx.clock.now().toISOString();
  g.c.set("write", true);
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#security/alerts_v2/$entity`,
    ...renderAlert(a, g.ctx.state.tenantId),
  });
}

const commentSchema = z.object({ comment: z.string().min(1).max(30_000) });

async function readComment(
  g: GraphCall,
): Promise<{ ok: true; comment: string } | { ok: false; error: GraphErrorSpec }> {
  const body = await jsonObject(g);
  if (!body.ok) return body;
  const parsed = commentSchema.safeParse(body.value);
  if (!parsed.success)
    return { ok: false, error: [400, "BadRequest", "The 'comment' property is required."] };
  return { ok: true, comment: parsed.data.comment };
}

export async function commentAlert(g: GraphCall): Promise<Response> {
  const a = findAlert(g);
  if (!a) return fail(g, notFound("Alert", g.params["alert"] ?? ""));
  const c = await readComment(g);
  if (!c.ok) return fail(g, c.error);
  const now = g.ctx.clock.now().toISOString();
  // For app-only calls the author is the app [I].
  a.comments.push({ comment: c.comment, createdByDisplayName: g.app.displayName, createdDateTime: now });
  a.lastUpdateDateTime = now;
  g.c.set("write", true);
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#security/alerts_v2('${a.id}')/comments`,
    value: a.comments.map((x) => ({ ...x })),
  });
}

function expandAlerts(g: GraphCall): { ok: true; value: boolean } | { ok: false; error: GraphErrorSpec } {
  const raw = queryOption(g.query, "$expand");
  if (raw === undefined) return { ok: true, value: false };
  if (raw.trim().toLowerCase() === "alerts") return { ok: true, value: true };
  return { ok: false, error: [400, "BadRequest", `Could not find a navigation property named '${raw}'.`] };
}

export function listIncidents(g: GraphCall): Response {
  const expand = expandAlerts(g);
  if (!expand.ok) return fail(g, expand.error);
  const state = g.ctx.state;
  return listCollection(g, {
    path: "security/incidents",
    contextName: "security/incidents",
    typeName: "microsoft.graph.security.incident",
    items: newest(state.incidents).map((i) => renderIncident(i, state, expand.value)),
    properties: Object.keys(
      renderIncident({ tags: [], comments: [], alertIds: [] } as unknown as IncidentState, state, true),
    ),
    filterable: INCIDENT_FILTERABLE,
    filterErrorCode: "BadRequest",
    defaultPage: 100, // [I]
    maxPage: 2000, // [I]
    skipParam: "$skip",
    carry: ["$expand"],
  });
}

function findIncident(g: GraphCall): IncidentState | undefined {
  return g.ctx.state.incidents.find((i) => i.id === g.params["incident"]);
}

export function getIncident(g: GraphCall): Response {
  const expand = expandAlerts(g);
  if (!expand.ok) return fail(g, expand.error);
  const i = findIncident(g);
  if (!i) return fail(g, notFound("Incident", g.params["incident"] ?? ""));
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#security/incidents/$entity`,
    ...renderIncident(i, g.ctx.state, expand.value),
  });
}

export async function patchIncident(g: GraphCall): Promise<Response> {
  const i = findIncident(g);
  if (!i) return fail(g, notFound("Incident", g.params["incident"] ?? ""));
  const body = await jsonObject(g);
  if (!body.ok) return fail(g, body.error);
  const parsed = incidentPatchSchema.safeParse(body.value);
  if (!parsed.success) return fail(g, bodyError(parsed.error, "microsoft.graph.security.incident"));
  const p = parsed.data;
  if (p.status !== undefined) i.status = p.status;
  if (p.classification !== undefined) i.classification = p.classification;
  if (p.determination !== undefined) i.determination = p.determination;
  if (p.assignedTo !== undefined) i.assignedTo = p.assignedTo;
  if (p.customTags !== undefined) i.tags = [...p.customTags];
  i.lastUpdateDateTime = g.ctx.clock.now().toISOString();
  g.c.set("write", true);
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#security/incidents/$entity`,
    ...renderIncident(i, g.ctx.state, false),
  });
}

export async function commentIncident(g: GraphCall): Promise<Response> {
  const i = findIncident(g);
  if (!i) return fail(g, notFound("Incident", g.params["incident"] ?? ""));
  const c = await readComment(g);
  if (!c.ok) return fail(g, c.error);
  const now = g.ctx.clock.now().toISOString();
  i.comments.push({ comment: c.comment, createdByDisplayName: g.app.displayName, createdDateTime: now });
  i.lastUpdateDateTime = now;
  g.c.set("write", true);
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#security/incidents('${i.id}')/comments`,
    value: i.comments.map((x) => ({
      comment: x.comment,
      createdBy: x.createdByDisplayName,
      createdTime: x.createdDateTime,
    })),
  });
}
