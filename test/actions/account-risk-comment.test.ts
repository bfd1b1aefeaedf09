/**
 * Graph-side actions against the emulated tenant, table-driven where the cases repeat: plan → run → verify →
 * repeat is already done → compensate (where reversible) → permission refusal.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { incidentComment } from "../../src/actions/incident-comment.js";
import type { ActionContext, ActionDefinition } from "../../src/actions/types.js";
import { userDisable, userEnable } from "../../src/actions/user-account.js";
import { userConfirmCompromised, userDismissRisk } from "../../src/actions/user-risk.js";
import { actionContext } from "../../src/cli/commands/run.js";
import { openTenant } from "../../src/cli/tenant.js";
import type { StepPlan } from "../../src/engine/machine.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let ctx: ActionContext;
const fast = { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() };

const user = (upn: string) => t.emulator.ctx.state.users.find((u) => u.userPrincipalName === upn)!;

async function cycle<I>(a: ActionDefinition<I>, input: I) {
  const p = await a.plan(ctx, input);
  const plan: StepPlan = { ...p, idempotencyKey: "k" };
  const first = await a.run(ctx, input, plan);
  const verified = await a.verify(ctx, input, plan, first);
  const second = await a.run(ctx, input, plan);
  return { plan, first, verified, second };
}

beforeEach(async () => {
  t = await startTestTenant();
  const app = t.emulator.ctx.state.apps[0]!;
  app.graphRoles.push(
    "User.EnableDisableAccount.All",
    "IdentityRiskyUser.ReadWrite.All",
    "SecurityAlert.ReadWrite.All",
    "SecurityIncident.ReadWrite.All",
  );
  ctx = { ...actionContext(t.cfg, t.handles), poll: fast };
});
afterEach(async () => {
  await t.close();
});

describe("user.disable / user.enable", () => {
  it("disables, verifies, is already done on repeat, and compensates to the exact before-image", async () => {
    const adele = user("AdeleV@contoso.com");
    const input = { userId: adele.id, upn: adele.userPrincipalName };
    const mark = t.mark();
    const r = await cycle(userDisable, input);
    expect(r.plan).toMatchObject({
      before: { accountEnabled: true },
      after: { accountEnabled: false },
      noop: false,
      transport: "graph",
    });
    expect(r.first.alreadyDone).toBe(false);
    expect(r.verified.ok).toBe(true);
    expect(r.second.alreadyDone).toBe(true);
    expect(adele.accountEnabled).toBe(false);
    expect(t.writes(mark).map((w) => w.method)).toEqual(["PATCH"]);
    await userDisable.compensate!(ctx, input, r.first.before);
    expect(adele.accountEnabled).toBe(true);
    expect((await userEnable.plan(ctx, input)).noop).toBe(true);
  });

  it("warns that a synchronised user is re-enabled by sync", async () => {
    const synced = t.emulator.ctx.state.users.find((u) => u.onPremisesSyncEnabled)!;
    const p = await userDisable.plan(ctx, { userId: synced.id, upn: synced.userPrincipalName });
    expect(p.warnings.join(" ")).toContain("on-premises");
  });

  it("is refused (typed 403) without User.EnableDisableAccount.All, and nothing changes", async () => {
    const app = t.emulator.ctx.state.apps[0]!;
    app.graphRoles = app.graphRoles.filter(
      (r) =>
        r !== "User.EnableDisableAccount.All" &&
        r !== "User.ReadWrite.All" &&
        r !== "Directory.ReadWrite.All",
    );
    const h = await openTenant(t.cfg);
    try {
      const c = { ...actionContext(t.cfg, h), poll: fast };
      const adele = user("AdeleV@contoso.com");
      const input = { userId: adele.id, upn: adele.userPrincipalName };
      const plan = { ...(await userDisable.plan(c, input)), idempotencyKey: "k" };
      await expect(userDisable.run(c, input, plan)).rejects.toMatchObject({
        name: "GraphApiError",
        kind: "forbidden",
        retryable: false,
      });
      expect(adele.accountEnabled).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe("user.confirmCompromised / user.dismissRisk", () => {
  it("confirms a risky user, is already done on repeat, and a user never flagged reads as risk none", async () => {
    const megan = user("MeganB@contoso.com");
    t.emulator.ctx.state.riskyUsers.push({
      id: megan.id,
      userPrincipalName: megan.userPrincipalName,
      userDisplayName: megan.displayName,
      riskLevel: "medium",
      riskState: "atRisk",
      riskDetail: "none",
      riskLastUpdatedDateTime: "2025-06-01T10:00:00Z",
      isDeleted: false,
      isProcessing: false,
      history: [],
    });
    const input = { userId: megan.id, upn: megan.userPrincipalName };
    const r = await cycle(userConfirmCompromised, input);
    expect(r.plan.before).toEqual({ riskState: "atRisk", riskLevel: "medium" });
    expect(r.verified).toMatchObject({ ok: true, observed: { riskState: "confirmedCompromised" } });
    expect(r.second.alreadyDone).toBe(true);
    const d = await cycle(userDismissRisk, input);
    expect(d.verified.ok).toBe(true);
    const alex = user("AlexW@contoso.com");
    expect(
      (await userConfirmCompromised.plan(ctx, { userId: alex.id, upn: alex.userPrincipalName })).before,
    ).toEqual({ riskState: "none", riskLevel: "none" });
    // Identity Protection calls are paced to its 1 request/s limit instead of being throttled.
    expect(
      t.emulator.requests().filter((r) => r.path.includes("identityProtection") && r.status === 429),
    ).toEqual([]);
  });
});

describe("incident.comment", () => {
  it("comments once, with an idempotency marker that a repeat finds", async () => {
    const now = "2025-06-02T09:00:00Z";
    t.emulator.ctx.state.alerts.push({
      id: "da638000000000000000_1",
      providerAlertId: "p1",
      incidentId: null,
      status: "new",
      severity: "high",
      classification: null,
      determination: null,
      serviceSource: "microsoftDefenderForOffice365",
      detectionSource: "microsoftDefenderForOffice365",
      title: "Suspicious inbox manipulation rule",
      description: "",
      category: "Exfiltration",
      assignedTo: null,
      createdDateTime: now,
      lastUpdateDateTime: now,
      firstActivityDateTime: now,
      lastActivityDateTime: now,
      evidence: [],
      comments: [],
    });
    const input = {
      kind: "alert" as const,
      id: "da638000000000000000_1",
      hitKey: "0".repeat(32),
      text: 'mailwarden: high rule "."',
    };
    const mark = t.mark();
    const r = await cycle(incidentComment, input);
    expect(r.first.alreadyDone).toBe(false);
    expect(r.verified.ok).toBe(true);
    expect(r.second.alreadyDone).toBe(true);
    expect(t.emulator.ctx.state.alerts[0]!.comments).toHaveLength(1);
    expect(t.emulator.ctx.state.alerts[0]!.comments[0]!.comment).toMatch(/\[mailwarden:[0-9a-f]{16}\]$/);
    expect(t.writes(mark)).toHaveLength(1);
  });
});
