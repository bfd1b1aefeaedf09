/**
 * A generated tenant's token-replay attack also consents a mail app, registers an Authenticator and sets an
 * auto-reply. From a hit built the way the hunt links it (the replayed sign-in, the action's IP), the session-scoped
 * actions remove exactly what the truth labels — and nothing of the victim's own or of other users.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRoleAssignmentRemoveSessionAssignments } from "../../src/actions/app-role-assignment-remove.js";
import { authMethodRemoveSessionMethods } from "../../src/actions/auth-method-remove.js";
import { autoReplyClear } from "../../src/actions/auto-reply.js";
import { oauthGrantRemoveSessionGrants } from "../../src/actions/oauth-grant-remove.js";
import { sessionInputFromHit, type SessionInput } from "../../src/actions/session-window.js";
import type { ActionContext, ActionDefinition } from "../../src/actions/types.js";
import { launchEmulator, type LaunchedEmulator } from "../../src/cli/commands/emulator.js";
import { actionContext } from "../../src/cli/commands/run.js";
import { openTenant, type TenantHandles } from "../../src/cli/tenant.js";
import { configSchema } from "../../src/config/schema.js";
import { generateTenant, type Generated } from "../../src/emulator/generator/index.js";
import type { TruthScenario } from "../../src/emulator/generator/truth.js";
import type { Hit } from "../../src/model/hit.js";
import { caDir } from "../helpers/tenant.js";

let g: Generated;
let launched: LaunchedEmulator;
let handles: TenantHandles;
let ctx: ActionContext;
let replay: TruthScenario;
let input: SessionInput;

beforeAll(async () => {
  g = generateTenant({ scenarios: ["token-replay", "one-ip-three-users"], users: 8, days: 2, seed: 11 });
  g.state.apps[0]!.graphRoles.push(
    "DelegatedPermissionGrant.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "Directory.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
    "AuditLog.Read.All",
    "MailboxSettings.ReadWrite",
  );
  launched = await launchEmulator({
    stateDir: mkdtempSync(path.join(os.tmpdir(), "mw-gen-session-")),
    caDir: caDir(),
    tenant: { state: g.state, startTime: g.startTime, seed: g.seed },
  });
  handles = await openTenant(configSchema.parse(launched.config));
  ctx = {
    ...actionContext(configSchema.parse(launched.config), handles),
    poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() },
  };
  replay = g.truth.scenarios.find((s) => s.name === "token-replay")!;
  const action = replay.actions[0]!;
  const link = replay.links.find((l) => l.auditId === action.auditId)!;
  const signIn = replay.attackerSignIns.find((s) => s.requestId === link.signInRequestId)!;
  // What the hunt's hit carries: the action with its client IP, and the linked sign-in's time and IP.
  const hit = {
    user: { id: action.userId, upn: action.userPrincipalName },
    action: { operation: action.operation, time: action.time, ip: signIn.ip },
    links: [
      {
        key: link.strongest,
        strength: "strong",
        time: signIn.time,
        ip: signIn.ip,
        sessionId: signIn.sessionId,
      },
    ],
  } as unknown as Hit;
  input = sessionInputFromHit(hit)!;
}, 120_000);
afterAll(async () => {
  await handles?.close();
  await launched?.emulator.close();
});

async function contain<I>(a: ActionDefinition<I>, i: I) {
  const plan = { ...(await a.plan(ctx, i)), idempotencyKey: "k" };
  const r = await a.run(ctx, i, plan);
  const v = await a.verify(ctx, i, plan, r);
  return { plan, r, v };
}

describe("session artefacts of a generated token replay", () => {
  it("the truth labels one grant, one assignment, one method and one auto-reply, all the victim's", () => {
    const c = replay.containment;
    expect(c.oauthGrants).toHaveLength(1);
    expect(c.appRoleAssignments).toHaveLength(1);
    expect(c.authMethods).toHaveLength(1);
    expect(c.autoReplies).toHaveLength(1);
    expect(input.windowFrom).toBe("sign-in");
  });

  it("removes exactly the labelled objects and keeps the victim's own methods", async () => {
    const s = launched.emulator.ctx.state;
    const c = replay.containment;
    const grants = await contain(oauthGrantRemoveSessionGrants, input);
    expect((grants.r.after as { removed: string[] }).removed).toEqual(c.oauthGrants!.map((x) => x.id));
    expect(grants.v.ok).toBe(true);
    const assignments = await contain(appRoleAssignmentRemoveSessionAssignments, input);
    expect((assignments.r.after as { removed: string[] }).removed).toEqual(
      c.appRoleAssignments!.map((x) => x.id),
    );
    const methods = await contain(authMethodRemoveSessionMethods, input);
    expect((methods.r.after as { removed: string[] }).removed).toEqual(c.authMethods!.map((x) => x.id));
    expect(
      s
        .authMethods!.filter((m) => m.userId === input.userId)
        .map((m) => m.type)
        .sort(),
    ).toEqual(["fido2", "phone"]);
    const reply = await contain(autoReplyClear, { userId: input.userId, upn: input.upn });
    expect(reply.plan.before).toMatchObject({ status: "alwaysEnabled", externalAudience: "all" });
    expect(reply.v.ok).toBe(true);
  });

  it("another victim of the run has nothing of the kind to remove", async () => {
    const other = g.truth.scenarios.find((s) => s.name === "one-ip-three-users")!.victims[0]!;
    const i = { ...input, userId: other.userId, upn: other.userPrincipalName };
    for (const a of [
      oauthGrantRemoveSessionGrants,
      appRoleAssignmentRemoveSessionAssignments,
      authMethodRemoveSessionMethods,
    ])
      expect((await a.plan(ctx, i)).noop, a.id).toBe(true);
  });
});
