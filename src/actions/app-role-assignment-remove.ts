/**
 * appRoleAssignment.removeSessionAssignments — remove the app-role assignments granted to the user in the
 * attacker's session: those whose createdDateTime (set by the directory) falls in the session window. Consent to
 * an app that needs assignment often adds one (default access) beside the delegated grant. Compensation assigns
 * the same role of the same resource again; the directory gives it a new id and a new createdDateTime.
 */
import type { GraphAppRoleAssignment } from "../adapters/graph/client.js";
import type { Json } from "../engine/machine.js";
import {
  inWindow,
  jsonList,
  SESSION_WINDOW_LIMIT,
  sessionInputFromHit,
  sessionInputFromCase,
  deleteEach,
  userObjectId,
  windowJson,
  windowWarnings,
  type SessionInput,
} from "./session-window.js";
import { defineAction, pollUntil, type ActionContext, type RunResult, signalOf } from "./types.js";

/**
 * An assignment's before-image: what re-creates it, without the id and createdDateTime a re-created one gets anew
 * (so the rollback's re-read compares what was assigned); sorted. The ids are in the plan's `target`.
 */
const image = (a: GraphAppRoleAssignment): Json => ({
  appRoleId: a.appRoleId,
  principalId: a.principalId,
  resourceId: a.resourceId,
  resourceDisplayName: a.resourceDisplayName ?? null,
});
const images = (as: GraphAppRoleAssignment[]): Json[] =>
  [...as]
    .sort((a, b) => `${a.resourceId}/${a.appRoleId}`.localeCompare(`${b.resourceId}/${b.appRoleId}`))
    .map(image);
const plannedIds = (target: Json | undefined) => jsonList<string>(target, "assignmentIds");

const list = (ctx: ActionContext, input: SessionInput) =>
  ctx.graph.listAppRoleAssignments(userObjectId(input), signalOf(ctx));

export const appRoleAssignmentRemoveSessionAssignments = defineAction<SessionInput>({
  id: "appRoleAssignment.removeSessionAssignments",
  scope: "user",
  description:
    "Remove the app-role assignments granted to the user in the attacker's session (by createdDateTime).",
  permissions: { graph: ["AppRoleAssignment.ReadWrite.All", "Directory.Read.All"], exchange: [] },
  reversibility: "reversible",
  limits: [
    "Decided by the assignment's createdDateTime alone: an assignment carries no client IP, so one an administrator made for the user during the window is removed too (the plan lists each with its resource).",
    SESSION_WINDOW_LIMIT,
    "Assignments the user made to others (as an application owner or administrator) are not looked for.",
    "Compensation assigns the same role again: the assignment gets a new id and createdDateTime.",
  ],
  inputFromHit: (hit) => sessionInputFromHit(hit),
  inputFromCase: sessionInputFromCase,
  targetId: (i) => `${i.userId}/appRoleAssignments`,

  async plan(ctx, input) {
    const all = await list(ctx, input);
    const remove = all.filter((a) => inWindow(input, a.createdDateTime));
    return {
      transport: "graph",
      before: { assignments: images(remove) },
      after: { assignments: [] },
      target: {
        assignmentIds: remove.map((a) => a.id),
        created: remove.map((a) => a.createdDateTime ?? null),
        ...(windowJson(input) as object),
      },
      noop: remove.length === 0,
      reversibility: "reversible",
      warnings: windowWarnings(input),
    };
  },

  async run(ctx, input, plan): Promise<RunResult> {
    const planned = plannedIds(plan.target);
    const still = (await list(ctx, input)).filter((a) => planned.includes(a.id));
    const removed = await deleteEach(still, (a) =>
      ctx.graph.deleteAppRoleAssignment(input.userId, a.id, signalOf(ctx)),
    );
    return {
      before: plan.before,
      after: { assignments: [], removed },
      alreadyDone: removed.length === 0,
    };
  },

  async verify(ctx, input, plan) {
    const planned = plannedIds(plan.target);
    const r = await pollUntil(
      ctx,
      async () => (await list(ctx, input)).filter((a) => planned.includes(a.id)),
      (left) => left.length === 0,
    );
    return { ok: r.ok, observed: { remaining: images(r.value) } };
  },

  async compensate(ctx, input, before) {
    const wanted = jsonList<GraphAppRoleAssignment>(before, "assignments");
    if (!wanted.length) return;
    const now = await list(ctx, input);
    for (const a of wanted) {
      if (now.some((x) => x.resourceId === a.resourceId && x.appRoleId === a.appRoleId)) continue;
      await ctx.graph.createAppRoleAssignment(
        input.userId,
        { principalId: input.userId, resourceId: a.resourceId, appRoleId: a.appRoleId },
        signalOf(ctx),
      );
    }
  },
});
