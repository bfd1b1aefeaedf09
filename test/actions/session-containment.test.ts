/**
 * The Graph-side containment of what the attacker's session left behind, on the emulated tenant's default
 * scenario (AdeleV's session from ATTACKER_IP at ATTACKER_SIGNIN_TIME): oauthGrant.removeSessionGrants,
 * appRoleAssignment.removeSessionAssignments, authMethod.removeSessionMethods, autoReply.clear / autoReply.read.
 * Each: the plan writes nothing, the run removes only the session's objects, a repeat is already done, verify
 * re-reads, compensation (where reversible) restores, 403 without the permission, an object gone between plan and
 * run, and a 429 honoured.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appRoleAssignmentRemoveSessionAssignments } from "../../src/actions/app-role-assignment-remove.js";
import { authMethodRemoveSessionMethods } from "../../src/actions/auth-method-remove.js";
import { autoReplyClear, autoReplyRead } from "../../src/actions/auto-reply.js";
import { oauthGrantRemoveSessionGrants } from "../../src/actions/oauth-grant-remove.js";
import { getAction } from "../../src/actions/registry.js";
import {
  SESSION_LOOKBACK_MS,
  sessionInputFromHit,
  type SessionInput,
} from "../../src/actions/session-window.js";
import type { ActionContext, ActionDefinition } from "../../src/actions/types.js";
import { actionContext } from "../../src/cli/commands/run.js";
import { openTenant } from "../../src/cli/tenant.js";
import { ATTACKER_IP, ATTACKER_SIGNIN_TIME } from "../../src/emulator/scenarios/default.js";
import type { StepPlan } from "../../src/engine/machine.js";
import type { Hit } from "../../src/model/hit.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let ctx: ActionContext;
const fast = { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() };
const ROLES = [
  "DelegatedPermissionGrant.ReadWrite.All",
  "AppRoleAssignment.ReadWrite.All",
  "Directory.Read.All",
  "UserAuthenticationMethod.ReadWrite.All",
  "AuditLog.Read.All",
];

const state = () => t.emulator.ctx.state;
const adele = () => state().users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
const sp = (name: string) => state().servicePrincipals!.find((p) => p.displayName === name)!;
const adeleGrants = () => state().oauth2PermissionGrants!.filter((g) => g.principalId === adele().id);
const adeleMethods = () => state().authMethods!.filter((m) => m.userId === adele().id);

function session(over: Partial<SessionInput> = {}): SessionInput {
  return {
    userId: adele().id,
    upn: adele().userPrincipalName,
    windowStart: ATTACKER_SIGNIN_TIME,
    windowFrom: "sign-in",
    ips: [ATTACKER_IP],
    ...over,
  };
}

async function start(o: { faults?: string } = {}) {
  t = await startTestTenant(o);
  state().apps[0]!.graphRoles.push(...ROLES);
  // The roles are in the token: a fresh adapter picks them up.
  await t.handles.close();
  t.handles = await openTenant(t.cfg);
  ctx = { ...actionContext(t.cfg, t.handles), poll: fast };
}

async function planned<I>(a: ActionDefinition<I>, input: I): Promise<StepPlan> {
  return { ...(await a.plan(ctx, input)), idempotencyKey: "k" };
}

/** A context whose token lacks `drop` (and the higher permissions that cover it). */
async function without(drop: string[], fn: (c: ActionContext) => Promise<void>) {
  const app = state().apps[0]!;
  app.graphRoles = app.graphRoles.filter((r) => !drop.includes(r));
  const h = await openTenant(t.cfg);
  try {
    await fn({ ...actionContext(t.cfg, h), poll: fast });
  } finally {
    await h.close();
  }
}

afterEach(async () => {
  await t?.close();
  t = undefined as unknown as TestTenant;
});

describe("session window from a hit", () => {
  const hit = (links: Hit["links"], time?: string) =>
    ({
      user: { id: "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", upn: "a@contoso.com" },
      action: { operation: "New-InboxRule", ...(time ? { time, ip: "192.0.2.9" } : {}) },
      links,
    }) as unknown as Hit;
  it("starts at the earliest linked sign-in, else the action's time minus the lookback, else does not apply", () => {
    const w = sessionInputFromHit(
      hit(
        [
          { key: "session", strength: "strong", time: "2025-06-01T23:00:00Z", ip: "198.51.100.23" },
          { key: "ip", strength: "medium", time: "2025-06-01T22:14:00Z", ip: "198.51.100.24" },
        ],
        "2025-06-02T01:00:00Z",
      ),
    );
    expect(w).toMatchObject({ windowStart: "2025-06-01T22:14:00.000Z", windowFrom: "sign-in" });
    expect(w!.ips.sort()).toEqual(["192.0.2.9", "198.51.100.23", "198.51.100.24"]);
    const fallback = sessionInputFromHit(hit([], "2025-06-02T01:00:00Z"))!;
    expect(fallback.windowFrom).toBe("action");
    expect(Date.parse("2025-06-02T01:00:00Z") - Date.parse(fallback.windowStart)).toBe(SESSION_LOOKBACK_MS);
    expect(sessionInputFromHit(hit([]))).toBeUndefined();
  });
});

describe("oauthGrant.removeSessionGrants", () => {
  beforeEach(() => start());

  it("plans without writing, removes only the session's consent, is done on repeat, verifies, compensates with a new id", async () => {
    expect(getAction("oauthGrant.removeSessionGrants")).toBe(oauthGrantRemoveSessionGrants);
    const a = oauthGrantRemoveSessionGrants;
    const mark = t.mark();
    const plan = await planned(a, session());
    expect(t.writes(mark)).toEqual([]);
    const attacker = adeleGrants().find((g) => g.clientId === sp("Mail Backup Pro").id)!;
    expect(plan.noop).toBe(false);
    expect((plan.target as { grantIds: string[] }).grantIds).toEqual([attacker.id]);
    expect(plan.before).toEqual({
      grants: [
        {
          clientId: attacker.clientId,
          consentType: "Principal",
          principalId: attacker.principalId,
          resourceId: attacker.resourceId,
          scope: attacker.scope,
        },
      ],
    });
    // The office consent in the window is kept and named; the March consent is not the session's.
    expect(plan.warnings.join("\n")).toContain("another IP");
    const first = await a.run(ctx, session(), plan);
    expect(first.alreadyDone).toBe(false);
    expect(
      adeleGrants()
        .map((g) => g.clientId)
        .sort(),
    ).toEqual([sp("Contoso Expenses").id, sp("Contoso Planner Sync").id].sort());
    expect(adeleGrants().some((g) => g.id === attacker.id)).toBe(false);
    expect((await a.verify(ctx, session(), plan, first)).ok).toBe(true);
    const again = await a.run(ctx, session(), plan);
    expect(again.alreadyDone).toBe(true);
    expect((await a.plan(ctx, session())).noop).toBe(true);
    await a.compensate!(ctx, session(), first.before);
    const back = adeleGrants().find((g) => g.clientId === attacker.clientId)!;
    expect(back).toMatchObject({
      consentType: "Principal",
      principalId: attacker.principalId,
      resourceId: attacker.resourceId,
      scope: attacker.scope,
    });
    expect(back.id).not.toBe(attacker.id);
    // What rollback checks: re-planning shows the before-image again (ids aside).
    expect((await a.plan(ctx, session())).before).toEqual(first.before);
  });

  it("without attacker IPs, the time alone decides: the in-window office consent goes too", async () => {
    const plan = await planned(oauthGrantRemoveSessionGrants, session({ ips: [] }));
    expect((plan.before as { grants: unknown[] }).grants).toHaveLength(2);
  });

  it("keeps a grant the user had consented to before the session as well", async () => {
    // Expenses consented in March; the window reaches back before it: the same client now has a record "before"
    // and one "in" the window only if the window started between — move the window to before March.
    const plan = await planned(
      oauthGrantRemoveSessionGrants,
      session({ windowStart: "2025-03-01T00:00:00Z", ips: [] }),
    );
    expect((plan.before as { grants: unknown[] }).grants).toHaveLength(3);
    // Expenses: consented again in the session, and (within the audit log's 30 days) before it as well.
    const march = state().directoryAudits!.find(
      (d) =>
        d.activityDisplayName === "Consent to application" &&
        d.targetResources[0]!.id === sp("Contoso Expenses").id,
    )!;
    state().directoryAudits!.push({
      ...march,
      id: "Directory_again",
      activityDateTime: "2025-06-01T22:50:00Z",
    });
    const p1 = await planned(oauthGrantRemoveSessionGrants, session({ ips: [] }));
    // The March record is older than the audit log's retention: the grant looks the session's (a documented limit).
    expect((p1.before as { grants: { clientId: string }[] }).grants.map((g) => g.clientId)).toContain(
      sp("Contoso Expenses").id,
    );
    march.activityDateTime = "2025-05-20T10:00:00Z";
    const p2 = await planned(oauthGrantRemoveSessionGrants, session({ ips: [] }));
    const ids = (p2.before as { grants: { clientId: string }[] }).grants.map((g) => g.clientId);
    expect(ids).not.toContain(sp("Contoso Expenses").id);
    expect(p2.warnings.join("\n")).toMatch(/also consented before the session/);
  });

  it("a grant gone between plan and run is not an error; the rest is still removed", async () => {
    const plan = await planned(oauthGrantRemoveSessionGrants, session({ ips: [] }));
    const list = state().oauth2PermissionGrants!;
    const gone = list.find((g) => g.clientId === sp("Mail Backup Pro").id)!;
    list.splice(list.indexOf(gone), 1);
    const r = await oauthGrantRemoveSessionGrants.run(ctx, session({ ips: [] }), plan);
    expect(r.alreadyDone).toBe(false);
    expect((r.after as { removed: string[] }).removed).toHaveLength(1);
    expect((await oauthGrantRemoveSessionGrants.verify(ctx, session({ ips: [] }), plan, r)).ok).toBe(true);
  });

  it("is refused (typed 403) without DelegatedPermissionGrant.ReadWrite.All, and nothing changes", async () => {
    const plan = await planned(oauthGrantRemoveSessionGrants, session());
    const before = adeleGrants().length;
    await without(["DelegatedPermissionGrant.ReadWrite.All"], async (c) => {
      await expect(oauthGrantRemoveSessionGrants.run(c, session(), plan)).rejects.toMatchObject({
        name: "GraphApiError",
        kind: "forbidden",
      });
    });
    expect(adeleGrants()).toHaveLength(before);
  });

  it("without AuditLog.Read.All it cannot tell the session's grants, and says so with a 403", async () => {
    await without(["AuditLog.Read.All"], async (c) => {
      await expect(oauthGrantRemoveSessionGrants.plan(c, session())).rejects.toMatchObject({
        kind: "forbidden",
      });
    });
  });

  it("hostile user ids never reach a URL", async () => {
    const mark = t.mark();
    await expect(
      oauthGrantRemoveSessionGrants.plan(ctx, session({ userId: "x' or principalId ne 'y" })),
    ).rejects.toMatchObject({ name: "ActionError", code: "precondition" });
    expect(
      t.emulator
        .requests()
        .slice(mark)
        .filter((r) => r.face === "graph"),
    ).toEqual([]);
  });
});

describe("throttling", () => {
  it("a 429 on the DELETE is honoured (Retry-After) and the grant is removed once", async () => {
    const faults = path.join(process.env.TMPDIR ?? "/tmp", `gact-faults-${process.pid}.yaml`);
    writeFileSync(
      faults,
      "rules:\n  - face: graph\n    match: DELETE /oauth2PermissionGrants/{id}\n    times: 1\n    fault: { type: throttle, retryAfter: 0 }\n",
    );
    await start({ faults });
    const plan = await planned(oauthGrantRemoveSessionGrants, session());
    const mark = t.mark();
    const r = await oauthGrantRemoveSessionGrants.run(ctx, session(), plan);
    expect(r.alreadyDone).toBe(false);
    const deletes = t.emulator
      .requests()
      .slice(mark)
      .filter((x) => x.method === "DELETE");
    expect(deletes.map((d) => d.status)).toEqual([429, 204]);
  });
});

describe("appRoleAssignment.removeSessionAssignments", () => {
  beforeEach(() => start());

  it("removes only the assignment made in the window, verifies, is done on repeat, compensates", async () => {
    const a = appRoleAssignmentRemoveSessionAssignments;
    const mark = t.mark();
    const plan = await planned(a, session());
    expect(t.writes(mark)).toEqual([]);
    const assignments = () => state().appRoleAssignments!.filter((x) => x.principalId === adele().id);
    const session_ = assignments().find((x) => x.resourceId === sp("Mail Backup Pro").id)!;
    expect((plan.target as { assignmentIds: string[] }).assignmentIds).toEqual([session_.id]);
    const first = await a.run(ctx, session(), plan);
    expect(first.alreadyDone).toBe(false);
    expect(assignments().map((x) => x.resourceDisplayName)).toEqual(["Contoso Expenses"]);
    expect((await a.verify(ctx, session(), plan, first)).ok).toBe(true);
    expect((await a.run(ctx, session(), plan)).alreadyDone).toBe(true);
    await a.compensate!(ctx, session(), first.before);
    const back = assignments().find((x) => x.resourceId === session_.resourceId)!;
    expect(back.appRoleId).toBe(session_.appRoleId);
    expect(back.id).not.toBe(session_.id);
    expect((await a.plan(ctx, session())).before).toEqual(first.before);
  });

  it("gone between plan and run: already done; 403 without AppRoleAssignment.ReadWrite.All", async () => {
    const a = appRoleAssignmentRemoveSessionAssignments;
    const plan = await planned(a, session());
    const list = state().appRoleAssignments!;
    const x = list.find((y) => y.resourceId === sp("Mail Backup Pro").id)!;
    list.splice(list.indexOf(x), 1);
    expect((await a.run(ctx, session(), plan)).alreadyDone).toBe(true);
    list.push(x);
    await without(["AppRoleAssignment.ReadWrite.All"], async (c) => {
      await expect(a.run(c, session(), plan)).rejects.toMatchObject({ kind: "forbidden" });
    });
    expect(list).toContain(x);
  });
});

describe("authMethod.removeSessionMethods", () => {
  beforeEach(() => start());

  it("removes the Authenticator with a creation time in the window and the OATH token the audit log names, nothing else", async () => {
    const a = authMethodRemoveSessionMethods;
    const mark = t.mark();
    const plan = await planned(a, session());
    expect(t.writes(mark)).toEqual([]);
    expect(plan.reversibility).toBe("irreversible");
    const types = (plan.before as { methods: { type: string; displayName?: string }[] }).methods;
    expect(types.map((m) => m.type).sort()).toEqual([
      "microsoftAuthenticatorAuthenticationMethod",
      "softwareOathAuthenticationMethod",
    ]);
    expect(types.find((m) => m.displayName)?.displayName).toBe("Pixel 7");
    // The plan never shows the phone number in full.
    expect(JSON.stringify(plan)).not.toContain("4255550100");
    const first = await a.run(ctx, session(), plan);
    expect(first.alreadyDone).toBe(false);
    expect(
      adeleMethods()
        .map((m) => `${m.type}:${m.displayName ?? ""}`)
        .sort(),
    ).toEqual(["microsoftAuthenticator:iPhone 13", "phone:"]);
    expect((await a.verify(ctx, session(), plan, first)).ok).toBe(true);
    expect((await a.run(ctx, session(), plan)).alreadyDone).toBe(true);
    expect("compensate" in a).toBe(false);
  });

  it("two Authenticators without a creation time: the audit record cannot say which, so neither is removed", async () => {
    // Registered for push only, the attacker's Pixel has no createdDateTime in Graph, like the user's iPhone.
    state().authMethods!.find((m) => m.displayName === "Pixel 7")!.passwordlessPhoneSignIn = false;
    const plan = await planned(authMethodRemoveSessionMethods, session());
    expect((plan.before as { methods: { type: string }[] }).methods.map((m) => m.type)).toEqual([
      "softwareOathAuthenticationMethod",
    ]);
    expect(plan.warnings.join("\n")).toMatch(
      /microsoftAuthenticatorAuthenticationMethod: registered in the session, but 2 such methods/,
    );
  });

  it("refuses to remove the last methods besides the password, in the plan and in the run", async () => {
    const a = authMethodRemoveSessionMethods;
    // Without the old phone, a window reaching back before the first Authenticator takes in every method left:
    // removing them all is refused.
    const list = state().authMethods!;
    const phone = list.find((m) => m.userId === adele().id && m.type === "phone")!;
    list.splice(list.indexOf(phone), 1);
    const all = session({ windowStart: "2024-01-01T00:00:00Z", ips: [] });
    await expect(a.plan(ctx, all)).rejects.toMatchObject({ name: "ActionError", code: "precondition" });
    await expect(a.plan(ctx, all)).rejects.toThrow(/only the password/);
    // Planned while other methods existed; the user removed those since: the run refuses too.
    list.push(phone);
    const plan = await planned(a, session());
    for (const m of adeleMethods().filter((m) => m.displayName !== "Pixel 7" && m.type !== "softwareOath"))
      list.splice(list.indexOf(m), 1);
    const mark = t.mark();
    await expect(a.run(ctx, session(), plan)).rejects.toMatchObject({ code: "precondition" });
    expect(t.writes(mark)).toEqual([]);
  });

  it("gone between plan and run; 403 without UserAuthenticationMethod.ReadWrite.All", async () => {
    const a = authMethodRemoveSessionMethods;
    const plan = await planned(a, session());
    const list = state().authMethods!;
    const pixel = list.find((m) => m.displayName === "Pixel 7")!;
    list.splice(list.indexOf(pixel), 1);
    const r = await a.run(ctx, session(), plan);
    expect((r.after as { removed: string[] }).removed).toHaveLength(1);
    expect((await a.verify(ctx, session(), plan, r)).ok).toBe(true);
    list.push(pixel);
    await without(["UserAuthenticationMethod.ReadWrite.All"], async (c) => {
      await expect(a.plan(c, session())).rejects.toMatchObject({ kind: "forbidden" });
    });
    expect(list).toContain(pixel);
  });
});

describe("autoReply.clear / autoReply.read", () => {
  beforeEach(() => start());
  const input = () => ({ userId: adele().id, upn: adele().userPrincipalName });
  const mailbox = () => state().mailboxes.find((m) => m.userId === adele().id)!;

  it("reads, plans the external reply as data, clears, verifies, is done on repeat and restores the before-image", async () => {
    const mark = t.mark();
    const seen = await autoReplyRead.plan(ctx, input());
    expect(seen.noop).toBe(true);
    const plan = await planned(autoReplyClear, input());
    expect(t.writes(mark)).toEqual([]);
    expect(plan.before).toMatchObject({ status: "alwaysEnabled", externalAudience: "all" });
    expect((plan.before as { externalReplyMessage: string }).externalReplyMessage).toContain(
      "mail-archive-secure",
    );
    expect(plan.warnings.join("\n")).toMatch(/outside the organisation/);
    // The hostile text is in the before-image only, never in a warning.
    expect(plan.warnings.join("\n")).not.toContain("mail-archive-secure");
    const first = await autoReplyClear.run(ctx, input(), plan);
    expect(first.alreadyDone).toBe(false);
    expect(mailbox().automaticReplies!.status).toBe("disabled");
    expect(mailbox().automaticReplies!.externalReplyMessage).toContain("mail-archive-secure");
    expect((await autoReplyClear.verify(ctx, input(), plan, first)).ok).toBe(true);
    expect((await autoReplyClear.run(ctx, input(), plan)).alreadyDone).toBe(true);
    await autoReplyClear.compensate!(ctx, input(), first.before);
    expect(mailbox().automaticReplies).toMatchObject({ status: "alwaysEnabled", externalAudience: "all" });
  });

  it("403 without MailboxSettings.ReadWrite (read still works with MailboxSettings.Read)", async () => {
    const plan = await planned(autoReplyClear, input());
    state().apps[0]!.graphRoles.push("MailboxSettings.Read");
    await without(["MailboxSettings.ReadWrite"], async (c) => {
      expect((await autoReplyRead.plan(c, input())).before).toMatchObject({ status: "alwaysEnabled" });
      await expect(autoReplyClear.run(c, input(), plan)).rejects.toMatchObject({ kind: "forbidden" });
    });
    expect(mailbox().automaticReplies!.status).toBe("alwaysEnabled");
  });

  it("a user without a mailbox is a clean not-found", async () => {
    const bg = state().users.find((u) => u.userPrincipalName.startsWith("breakglass"))!;
    await expect(
      autoReplyClear.plan(ctx, { userId: bg.id, upn: bg.userPrincipalName }),
    ).rejects.toMatchObject({
      kind: "notFound",
    });
  });
});

describe("hostile values in the new Graph calls", () => {
  beforeEach(() => start());
  const HOSTILE = ["../../users", "x?$filter=true", "a/b", "x' or 1 eq 1 or 'y", "%2e%2e%2f", "line\nbreak"];

  it("ids are one encoded segment and filter values stay OData literals: clean failures, no writes", async () => {
    const mark = t.mark();
    for (const s of HOSTILE) {
      await expect(t.handles.graph.deleteOAuth2Grant(s)).rejects.toMatchObject({
        kind: expect.stringMatching(/notFound|badRequest/),
      });
      await expect(t.handles.graph.deleteAppRoleAssignment(adele().id, s)).rejects.toMatchObject({
        kind: expect.stringMatching(/notFound|badRequest/),
      });
      await expect(t.handles.graph.deleteAuthMethod(adele().id, "phoneMethods", s)).rejects.toMatchObject({
        kind: expect.stringMatching(/notFound|badRequest/),
      });
      // A quote in a filter value is doubled: it matches nothing instead of widening the query.
      expect(await t.handles.graph.listUserOAuth2Grants(s)).toEqual([]);
      expect(
        await t.handles.graph.listUserDirectoryAudits({
          activity: s,
          userId: adele().id,
          since: "2025-01-01T00:00:00Z",
        }),
      ).toEqual([]);
    }
    expect(() => t.handles.graph.deleteAuthMethod(adele().id, "../phoneMethods", "x")).toThrow(/segment/);
    expect(t.writes(mark)).toEqual([]);
    const paths = t.emulator
      .requests()
      .slice(mark)
      .filter((r) => r.method === "DELETE")
      .map((r) => r.path);
    for (const p of paths)
      expect(p).toMatch(
        /^\/v1\.0\/(oauth2PermissionGrants|users\/[0-9a-f-]{36}\/(appRoleAssignments|authentication\/phoneMethods))\/[^/?#]+$/,
      );
  });
});
