/**
 * The round trips of one case (bench/contain): a run that planned moments ago writes on its fresh before-images
 * (RunPlan.fresh) without reading each object again, and reads a rule Graph can change through Graph only; a step
 * resumed after its intent, or whose object an earlier step of the run wrote, still reads the live state first.
 * Counted on the tenant's request log.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { actionContext } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { RequestLogEntry } from "../../src/emulator/context.js";
import type { Hit } from "../../src/model/hit.js";
import { effectActors } from "../../src/runner/effects.js";
import { massScenario } from "../helpers/mass.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";
import { createAuditLog } from "../../src/audit/log.js";
import { runHits } from "../../src/cli/commands/run.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { createActor, toPromise } from "xstate";
import path from "node:path";

let t: TestTenant;
let hits: Hit[];
const fast = { actionCtx: { poll: { attempts: 1, delayMs: 0, sleep: () => Promise.resolve() } } };

const label = (r: RequestLogEntry) =>
  r.face === "exchange"
    ? (r.operation ?? "").split(" ")[0]!
    : `${r.method} ${r.path
        .split("?")[0]!
        .replace(/^\/v1\.0\/users\/[^/]+/, "/users/{id}")
        .replace(/messageRules\/[^/]+$/, "messageRules/{id}")}`;

const count = (rs: RequestLogEntry[]) => {
  const out: Record<string, number> = {};
  for (const r of rs.filter((x) => x.face !== "token")) out[label(r)] = (out[label(r)] ?? 0) + 1;
  return out;
};

beforeEach(async () => {
  t = await startTestTenant({ scenario: massScenario(1) });
  // For user.confirmCompromised (granted before the first token is issued).
  t.emulator.ctx.state.apps[0]!.graphRoles.push("IdentityRiskyUser.ReadWrite.All");
  hits = (await scanWith(t.cfg, t.handles)).hits.filter((h) => h.user.upn === "user000@contoso.com");
  expect(hits.map((h) => h.target.kind).sort()).toEqual(["inboxRule", "mailboxForwarding"]);
});
afterEach(async () => {
  await t.close();
});

describe("fresh plans", () => {
  it("one case: each object read once before its write and once after, no Exchange read for a Graph rule", async () => {
    const mark = t.mark();
    const out = await runHits(t.cfg, t.handles, hits, "execute", fast);
    expect(out.runs.map((r) => r.state)).toEqual(["done"]);
    expect(count(t.emulator.requests().slice(mark))).toEqual({
      // plan: the rule by its Graph id, then the mailbox's rules for identical copies; verify: the rule again
      "GET /users/{id}/mailFolders/inbox/messageRules/{id}": 2,
      "GET /users/{id}/mailFolders/inbox/messageRules": 1,
      "PATCH /users/{id}/mailFolders/inbox/messageRules/{id}": 1,
      "Get-Mailbox": 2,
      "Set-Mailbox": 1,
      // plan, after the revocation (the effect's after-image), verify
      "GET /users/{id}": 3,
      "POST /users/{id}/revokeSignInSessions": 1,
    });
    const u = t.emulator.ctx.state.users.find((x) => x.userPrincipalName === "user000@contoso.com")!;
    const m = t.emulator.ctx.state.mailboxes.find((x) => x.userId === u.id)!;
    expect(m.rules.find((r) => !r.system)!.enabled).toBe(false);
    expect(m.forwardingSmtpAddress ?? null).toBeNull();
  });

  it("a forwarding changed between plan and run is still cleared, and the verify re-read sees it cleared", async () => {
    const u = t.emulator.ctx.state.users.find((x) => x.userPrincipalName === "user000@contoso.com")!;
    const m = t.emulator.ctx.state.mailboxes.find((x) => x.userId === u.id)!;
    const ctx = actionContext(t.cfg, t.handles);
    const store = new SqliteCaseStore(path.join(t.stateDir, "fresh.sqlite"), { create: true });
    const pending = { effects: [], verifications: [], journal: [] };
    const actors = effectActors({
      store,
      audit: createAuditLog(undefined),
      actionCtx: { ...ctx, ...fast.actionCtx },
      pending,
      plansFresh: () => true,
      markPlansFresh: () => {},
      halted: () => undefined,
      commitNow: () => {},
    });
    const fwd = hits.find((h) => h.target.kind === "mailboxForwarding")!;
    const step = {
      key: "clear-forwarding@x",
      stepId: "clear-forwarding",
      action: "mailboxForwarding.clear",
      scope: "object" as const,
      targetKey: "x",
      input: fwd.target as never,
      outcome: "planned" as const,
    };
    const [plan] = await toPromise(
      createActor(actors.planSteps, { input: { runId: "r", caseId: "c", steps: [step] } }).start(),
    );
    // The attacker changes the forwarding after planning: the write clears whatever is there.
    m.forwardingSmtpAddress = "smtp:other@attacker.example";
    const mark = t.mark();
    await toPromise(
      createActor(actors.executeStep, {
        input: { runId: "r", caseId: "c", step: { ...step, plan: plan as never } },
      }).start(),
    );
    expect(count(t.emulator.requests().slice(mark))).toEqual({ "Set-Mailbox": 1 });
    expect(m.forwardingSmtpAddress ?? null).toBeNull();
    // A second step of the run on the same object is not fresh: it reads first (and finds it cleared).
    const mark2 = t.mark();
    const r2 = await toPromise(
      createActor(actors.executeStep, {
        input: { runId: "r", caseId: "c", step: { ...step, key: "again", plan: plan as never } },
      }).start(),
    );
    expect(count(t.emulator.requests().slice(mark2))).toEqual({ "Get-Mailbox": 1 });
    expect(r2.alreadyDone).toBe(true);
    // Identity Protection (1 request/s per tenant): a fresh confirm-compromised plan is written without a re-read.
    const risk = {
      key: "confirm",
      stepId: "confirm",
      action: "user.confirmCompromised",
      scope: "user" as const,
      input: { userId: u.id, upn: u.userPrincipalName } as never,
      outcome: "planned" as const,
    };
    const [rplan] = await toPromise(
      createActor(actors.planSteps, { input: { runId: "r", caseId: "c", steps: [risk] } }).start(),
    );
    const mark3 = t.mark();
    await toPromise(
      createActor(actors.executeStep, {
        input: { runId: "r", caseId: "c", step: { ...risk, plan: rplan as never } },
      }).start(),
    );
    expect(count(t.emulator.requests().slice(mark3))).toEqual({
      [`POST /v1.0/identityProtection/riskyUsers/confirmCompromised`]: 1,
    });
    store.close();
  });
});
