/**
 * Failure-mode matrix (issue 5 item 7), Graph transport: inboxRule.disable (Graph PATCH), user.revokeSessions,
 * user.disable. Each action × case is one cell: success, already done, gone, made twice (inbox rules), 403,
 * 429 storm with and without Retry-After, timeout, eventual consistency (verify polls on the emulator clock, and
 * reports ok:false with too few attempts), compensate restores the exact before-image. One emulator for the file;
 * every cell seeds its own object.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActionDefinition, ActionContext, RunResult } from "../../src/actions/types.js";
import { inboxRuleDisable } from "../../src/actions/inbox-rule-disable.js";
import { userRevokeSessions } from "../../src/actions/user-revoke-sessions.js";
import { userDisable } from "../../src/actions/user-account.js";
import { actionContext } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { openTenant, type TenantHandles } from "../../src/cli/tenant.js";
import type { FaultsConfig } from "../../src/emulator/faults/config.js";
import type { InboxRuleState } from "../../src/emulator/state.js";
import type { RuleTarget } from "../../src/model/hit.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let h: TenantHandles;
const targets = new Map<string, RuleTarget>();
const RULE_CASES = ["ok", "gone", "dup", "storm", "stormNoRA", "timeout", "ec", "ecShort", "forbidden"];
const WRITE_ROLES = ["User.EnableDisableAccount.All"];

const st = () => t.emulator.ctx.state;
const adele = () => st().users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
const adeleMb = () => st().mailboxes.find((m) => m.userId === adele().id)!;
const ruleNamed = (n: string) => adeleMb().rules.find((r) => r.name === n);

function seedRule(name: string, i: number): InboxRuleState {
  return {
    ruleIdentity: String(17000000000000000000n + BigInt(i)),
    graphId: Buffer.from(`mx-rule${i}`).toString("base64"),
    name,
    priority: 20 + i,
    enabled: true,
    hidden: false,
    inError: false,
    conditions: { subjectOrBodyContainsWords: ["invoice", "payment"] },
    actions: { deleteMessage: true, markAsRead: true },
    createdBy: "graph",
  };
}

async function faults(f: FaultsConfig): Promise<void> {
  const r = await fetch(`${t.emulator.adminUrl}/faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(f),
  });
  expect(r.status).toBe(200);
}

/** poll.sleep advances the emulator clock instead of sleeping. */
function ctx(handles = h, attempts = 2, delayMs = 0): ActionContext {
  return {
    ...actionContext(t.cfg, handles),
    poll: {
      attempts,
      delayMs,
      sleep: (ms) => Promise.resolve(t.emulator.ctx.clock.advance(ms)),
    },
  };
}

async function planRun<I>(a: ActionDefinition<I>, c: ActionContext, input: I) {
  const plan = { ...(await a.plan(c, input)), idempotencyKey: "k" };
  const r: RunResult = await a.run(c, input, plan);
  return { plan, r };
}

/**
 * What a Graph call cut short by the caller's AbortSignal.timeout gives today: a GraphApiError without a status.
 * BUG (src/adapters/graph/errors.ts:63, toGraphApiError): only `AbortError` maps to kind "aborted"; the
 * `TimeoutError` that AbortSignal.timeout raises becomes kind "network", retryable: true — a step the caller
 * deliberately timed out is presented as a transient network failure.
 */
const TIMED_OUT = { name: "GraphApiError", status: undefined, kind: "timeout" };

const clockIso = () => t.emulator.ctx.clock.now().toISOString();

beforeAll(async () => {
  t = await startTestTenant();
  st().apps[0]!.graphRoles.push(...WRITE_ROLES);
  h = await openTenant(t.cfg);
  RULE_CASES.forEach((c, i) => adeleMb().rules.push(seedRule(`mx ${c}`, i)));
  // two rules with one name and one content: the attacker made it twice, both are contained
  adeleMb().rules.push({ ...seedRule("mx dup", 50) });
  const scan = await scanWith(t.cfg, h);
  for (const hit of scan.hits)
    if (hit.target.kind === "inboxRule" && hit.target.ruleName.startsWith("mx "))
      targets.set(hit.target.ruleName, hit.target);
}, 30_000);
afterAll(async () => {
  await h?.close();
  await t?.close();
});

const ruleTarget = (c: string) => {
  const x = targets.get(`mx ${c}`);
  expect(x, `scan found rule mx ${c}`).toBeDefined();
  return x!;
};

describe("inboxRule.disable (Graph)", () => {
  it("success, already done, compensate restores the before-image", async () => {
    const c = ctx();
    const input = ruleTarget("ok");
    const mark = t.mark();
    const { plan, r } = await planRun(inboxRuleDisable, c, input);
    expect(plan.transport).toBe("graph");
    expect(r).toMatchObject({ alreadyDone: false, before: { enabled: true } });
    expect(ruleNamed("mx ok")!.enabled).toBe(false);
    expect(t.writes(mark)).toEqual([expect.objectContaining({ method: "PATCH", face: "graph" })]);
    expect((await inboxRuleDisable.verify(c, input, plan, r)).ok).toBe(true);
    const m2 = t.mark();
    expect((await inboxRuleDisable.run(c, input, plan)).alreadyDone).toBe(true);
    expect(t.writes(m2)).toEqual([]);
    const beforeRule = structuredClone({ ...ruleNamed("mx ok")!, enabled: true });
    await inboxRuleDisable.compensate!(c, input, r.before, plan.target);
    expect(ruleNamed("mx ok")).toEqual(beforeRule);
  });

  it("gone: the rule deleted after detection → ActionError target-gone, nothing written", async () => {
    const input = ruleTarget("gone");
    adeleMb().rules = adeleMb().rules.filter((r) => r.name !== "mx gone");
    const mark = t.mark();
    await expect(inboxRuleDisable.plan(ctx(), input)).rejects.toMatchObject({
      name: "ActionError",
      code: "target-gone",
    });
    expect(t.writes(mark)).toEqual([]);
  });

  it("two rules share name and content and the hit carries no id → both planned, each with its before-image; run disables both, compensate restores both", async () => {
    const d = ruleTarget("dup");
    const input: RuleTarget = { ...d };
    delete input.graphRuleId;
    delete input.ruleIdentity;
    const mark = t.mark();
    const plan = await inboxRuleDisable.plan(ctx(), input);
    expect(t.writes(mark)).toEqual([]);
    const before = plan.before as { rules: { rule: string; enabled: boolean }[] };
    expect(before.rules.map((r) => r.enabled)).toEqual([true, true]);
    expect(new Set(before.rules.map((r) => r.rule)).size).toBe(2);
    const full = { ...plan, idempotencyKey: "dup" };
    await inboxRuleDisable.run(ctx(), input, full);
    const dups = () => adeleMb().rules.filter((r) => r.name === "mx dup");
    expect(dups().map((r) => r.enabled)).toEqual([false, false]);
    await inboxRuleDisable.compensate!(ctx(), input, plan.before, plan.target);
    expect(dups().map((r) => r.enabled)).toEqual([true, true]);
  });

  it("429 storm with Retry-After: the SDK retries, then a typed throttled error; the rule is unchanged", async () => {
    const input = ruleTarget("storm");
    const c = ctx();
    const plan = { ...(await inboxRuleDisable.plan(c, input)), idempotencyKey: "k" };
    await faults({
      rules: [
        {
          face: "graph",
          match: "PATCH /users/{id}/mailFolders/inbox/messageRules/{id}",
          fault: { type: "throttle", retryAfter: 0 },
        },
      ],
    });
    const mark = t.mark();
    try {
      await expect(inboxRuleDisable.run(c, input, plan)).rejects.toMatchObject({
        name: "GraphApiError",
        kind: "throttled",
        status: 429,
        retryable: true,
      });
    } finally {
      await faults({});
    }
    const patches = t.emulator
      .requests()
      .slice(mark)
      .filter((q) => q.method === "PATCH");
    expect(patches.length).toBe(4); // first try + the RetryHandler's 3 retries
    expect(ruleNamed("mx storm")!.enabled).toBe(true);
  });

  it("429 without Retry-After (one throttled answer): retried after the SDK's own back-off, then succeeds", async () => {
    const input = ruleTarget("stormNoRA");
    const c = ctx();
    const plan = { ...(await inboxRuleDisable.plan(c, input)), idempotencyKey: "k" };
    await faults({
      rules: [
        {
          face: "graph",
          match: "PATCH /users/{id}/mailFolders/inbox/messageRules/{id}",
          times: 1,
          fault: { type: "throttle", retryAfter: null },
        },
      ],
    });
    try {
      const r = await inboxRuleDisable.run(c, input, plan);
      expect(r.alreadyDone).toBe(false);
    } finally {
      await faults({});
    }
    expect(ruleNamed("mx stormNoRA")!.enabled).toBe(false);
  }, 15_000);

  it("timeout: a held PATCH ends, with the caller's abort signal, in a typed error in bounded time", async () => {
    const input = ruleTarget("timeout");
    const c = { ...ctx(), signal: AbortSignal.timeout(400) };
    const plan = { ...(await inboxRuleDisable.plan(ctx(), input)), idempotencyKey: "k" };
    await faults({
      rules: [
        {
          face: "graph",
          match: "PATCH /users/{id}/mailFolders/inbox/messageRules/{id}",
          fault: { type: "timeout", ms: 5_000 },
        },
      ],
    });
    const t0 = Date.now();
    try {
      await expect(inboxRuleDisable.run(c, input, plan)).rejects.toMatchObject(TIMED_OUT);
    } finally {
      await faults({});
    }
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  // Graph calls carry a bounded timeout of their own (endpoints.graphTimeoutMs), so a held response ends in a typed
  // timeout even without a caller signal.
  it("timeout without a caller signal: a typed error within bounded time, never a hang", async () => {
    const input = ruleTarget("timeout");
    const plan = { ...(await inboxRuleDisable.plan(ctx(), input)), idempotencyKey: "k" };
    const bounded = await openTenant({ ...t.cfg, endpoints: { ...t.cfg.endpoints, graphTimeoutMs: 1_000 } });
    await faults({
      rules: [
        {
          face: "graph",
          match: "PATCH /users/{id}/mailFolders/inbox/messageRules/{id}",
          fault: { type: "timeout", ms: 120_000 },
        },
      ],
    });
    const t0 = Date.now();
    try {
      await expect(
        inboxRuleDisable.run({ ...actionContext(t.cfg, bounded), poll: ctx().poll }, input, plan),
      ).rejects.toMatchObject({ name: "GraphApiError", kind: "timeout", retryable: true });
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await faults({});
      await bounded.close();
    }
  });

  it("eventual consistency: acknowledged, first read old, verify polls on the clock and succeeds; too few attempts → ok:false", async () => {
    await faults({ consistency: { enabled: true, ruleDelayMs: 60_000 } });
    try {
      for (const [name, attempts, ok] of [
        ["ec", 3, true],
        ["ecShort", 1, false],
      ] as const) {
        const input = ruleTarget(name);
        const c = ctx(h, attempts, 30_000);
        const { plan, r } = await planRun(inboxRuleDisable, c, input);
        expect(r.alreadyDone).toBe(false);
        const reads: number[] = [];
        const mark = t.mark();
        const v = await inboxRuleDisable.verify(c, input, plan, r);
        reads.push(
          t.emulator
            .requests()
            .slice(mark)
            .filter((q) => q.method === "GET" && /messageRules\//.test(q.path)).length,
        );
        expect(v.ok).toBe(ok);
        expect(reads[0]).toBe(ok ? 3 : 1);
      }
    } finally {
      t.emulator.ctx.clock.advance(120_000);
      await faults({});
    }
  });

  it("403: the app without MailboxSettings.ReadWrite → typed forbidden error, rule unchanged", async () => {
    const app = st().apps[0]!;
    const saved = [...app.graphRoles];
    app.graphRoles = saved.filter((r) => r !== "MailboxSettings.ReadWrite").concat("MailboxSettings.Read");
    const h2 = await openTenant(t.cfg);
    try {
      const c = ctx(h2);
      const input = ruleTarget("forbidden");
      const plan = { ...(await inboxRuleDisable.plan(c, input)), idempotencyKey: "k" };
      await expect(inboxRuleDisable.run(c, input, plan)).rejects.toMatchObject({
        name: "GraphApiError",
        kind: "forbidden",
        status: 403,
      });
    } finally {
      app.graphRoles = saved;
      await h2.close();
    }
    expect(ruleNamed("mx forbidden")!.enabled).toBe(true);
  });
});

/** Users for the user-scope cells: each cell gets its own (cloned from Megan, fresh id and UPN). */
function seedUser(tag: string) {
  const megan = st().users.find((u) => u.userPrincipalName === "MeganB@contoso.com")!;
  const n = st().users.length;
  const u = {
    ...structuredClone(megan),
    id: `7a7a7a7a-0000-4000-8000-${String(n).padStart(12, "0")}`,
    userPrincipalName: `mx-${tag}@contoso.com`,
    accountEnabled: true,
    signInSessionsValidFromDateTime: "2020-01-01T00:00:00Z",
  };
  st().users.push(u);
  return {
    get: () => st().users.find((x) => x.id === u.id),
    input: { userId: u.id, upn: u.userPrincipalName },
  };
}

async function storm(match: string, retryAfter: number | null, times?: number) {
  await faults({
    rules: [{ face: "graph", match, ...(times ? { times } : {}), fault: { type: "throttle", retryAfter } }],
  });
}

describe("user.revokeSessions", () => {
  const REVOKE = "POST /users/{id}/revokeSignInSessions";
  const input = (u: { input: { userId: string; upn: string } }) => ({ ...u.input, notBefore: clockIso() });

  it("success moves signInSessionsValidFromDateTime; repeat is already done; irreversible, no compensate", async () => {
    const u = seedUser("rs-ok");
    const c = ctx();
    const i = input(u);
    const { plan, r } = await planRun(userRevokeSessions, c, i);
    expect(r.alreadyDone).toBe(false);
    expect(Date.parse(u.get()!.signInSessionsValidFromDateTime)).toBeGreaterThanOrEqual(
      Date.parse(i.notBefore),
    );
    expect((await userRevokeSessions.verify(c, i, plan, r)).ok).toBe(true);
    const mark = t.mark();
    expect((await userRevokeSessions.run(c, i, plan)).alreadyDone).toBe(true);
    expect(t.writes(mark)).toEqual([]);
    expect(userRevokeSessions.reversibility).toBe("irreversible");
    expect("compensate" in userRevokeSessions && userRevokeSessions.compensate !== undefined).toBe(false);
  });

  it("not found: an unknown user id → typed notFound, nothing written", async () => {
    const mark = t.mark();
    await expect(
      userRevokeSessions.plan(ctx(), {
        userId: "00000000-0000-4000-8000-00000000dead",
        upn: "gone@contoso.com",
        notBefore: clockIso(),
      }),
    ).rejects.toMatchObject({ name: "GraphApiError", kind: "notFound", status: 404 });
    expect(t.writes(mark)).toEqual([]);
  });

  it("429 storm with Retry-After → typed throttled error after the SDK's retries; sessions unchanged", async () => {
    const u = seedUser("rs-storm");
    const c = ctx();
    const i = input(u);
    const plan = { ...(await userRevokeSessions.plan(c, i)), idempotencyKey: "k" };
    await storm(REVOKE, 0);
    try {
      await expect(userRevokeSessions.run(c, i, plan)).rejects.toMatchObject({
        kind: "throttled",
        status: 429,
      });
    } finally {
      await faults({});
    }
    expect(u.get()!.signInSessionsValidFromDateTime).toBe("2020-01-01T00:00:00Z");
  });

  it("429 without Retry-After once → retried by the SDK, revoked", async () => {
    const u = seedUser("rs-nora");
    const c = ctx();
    const i = input(u);
    const plan = { ...(await userRevokeSessions.plan(c, i)), idempotencyKey: "k" };
    await storm(REVOKE, null, 1);
    try {
      expect((await userRevokeSessions.run(c, i, plan)).alreadyDone).toBe(false);
    } finally {
      await faults({});
    }
    expect(u.get()!.signInSessionsValidFromDateTime).not.toBe("2020-01-01T00:00:00Z");
  }, 15_000);

  it("timeout with the caller's signal → typed error in bounded time", async () => {
    const u = seedUser("rs-timeout");
    const i = input(u);
    const plan = { ...(await userRevokeSessions.plan(ctx(), i)), idempotencyKey: "k" };
    await faults({ rules: [{ face: "graph", match: REVOKE, fault: { type: "timeout", ms: 5_000 } }] });
    const t0 = Date.now();
    try {
      await expect(
        userRevokeSessions.run({ ...ctx(), signal: AbortSignal.timeout(400) }, i, plan),
      ).rejects.toMatchObject(TIMED_OUT);
    } finally {
      await faults({});
    }
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it("eventual consistency: the revoke is acknowledged and the read right after it still shows the old value", async () => {
    await faults({ consistency: { enabled: true, revokeDelayMs: 180_000 } });
    try {
      const u = seedUser("rs-ec-ack");
      const c = ctx(h, 3, 120_000);
      const i = input(u);
      const mark = t.mark();
      const { r } = await planRun(userRevokeSessions, c, i);
      expect(r.alreadyDone).toBe(false);
      expect(t.writes(mark)).toEqual([expect.objectContaining({ method: "POST", face: "graph" })]);
      expect(r.after).toEqual({ signInSessionsValidFromDateTime: "2020-01-01T00:00:00Z" });
      t.emulator.ctx.clock.advance(180_000);
      expect(u.get()!.signInSessionsValidFromDateTime).toBe("2020-01-01T00:00:00Z"); // settles on the next request
    } finally {
      t.emulator.ctx.clock.advance(400_000);
      await faults({});
    }
  });

  // verify compares with the run's before-image, never with the read made right after the write (which eventual
  // consistency can leave stale).
  it("eventual consistency: verify polls the clock until the new value shows; one attempt → ok:false", async () => {
    await faults({ consistency: { enabled: true, revokeDelayMs: 180_000 } });
    try {
      for (const [tag, attempts, ok] of [
        ["rs-ec", 3, true],
        ["rs-ec1", 1, false],
      ] as const) {
        const u = seedUser(tag);
        const c = ctx(h, attempts, 120_000);
        const i = input(u);
        const { plan, r } = await planRun(userRevokeSessions, c, i);
        const v = await userRevokeSessions.verify(c, i, plan, r);
        expect(v.ok).toBe(ok);
        if (ok) expect(v.observed).not.toEqual({ signInSessionsValidFromDateTime: "2020-01-01T00:00:00Z" });
      }
    } finally {
      t.emulator.ctx.clock.advance(400_000);
      await faults({});
    }
  });

  it("403: the app without User.RevokeSessions.All → typed forbidden error", async () => {
    const u = seedUser("rs-403");
    const app = st().apps[0]!;
    const saved = [...app.graphRoles];
    app.graphRoles = saved.filter((r) => r !== "User.RevokeSessions.All");
    const h2 = await openTenant(t.cfg);
    try {
      const c = ctx(h2);
      const i = input(u);
      const plan = { ...(await userRevokeSessions.plan(c, i)), idempotencyKey: "k" };
      await expect(userRevokeSessions.run(c, i, plan)).rejects.toMatchObject({
        kind: "forbidden",
        status: 403,
      });
    } finally {
      app.graphRoles = saved;
      await h2.close();
    }
    expect(u.get()!.signInSessionsValidFromDateTime).toBe("2020-01-01T00:00:00Z");
  });
});

describe("user.disable", () => {
  const PATCH = "PATCH /users/{id}";

  it("success, already done, compensate restores accountEnabled exactly", async () => {
    const u = seedUser("ud-ok");
    const c = ctx();
    const { plan, r } = await planRun(userDisable, c, u.input);
    expect(r).toEqual({
      before: { accountEnabled: true },
      after: { accountEnabled: false },
      alreadyDone: false,
    });
    expect(u.get()!.accountEnabled).toBe(false);
    expect((await userDisable.verify(c, u.input, plan, r)).ok).toBe(true);
    const mark = t.mark();
    expect((await userDisable.run(c, u.input, plan)).alreadyDone).toBe(true);
    expect(t.writes(mark)).toEqual([]);
    const before = structuredClone({ ...u.get()!, accountEnabled: true });
    await userDisable.compensate!(c, u.input, r.before, plan.target);
    expect(u.get()).toEqual(before);
  });

  it("not found → typed notFound", async () => {
    await expect(
      userDisable.plan(ctx(), { userId: "00000000-0000-4000-8000-00000000dead", upn: "x@contoso.com" }),
    ).rejects.toMatchObject({ kind: "notFound" });
  });

  it("429 storm with Retry-After → typed throttled; account still enabled", async () => {
    const u = seedUser("ud-storm");
    const c = ctx();
    const plan = { ...(await userDisable.plan(c, u.input)), idempotencyKey: "k" };
    await storm(PATCH, 0);
    try {
      await expect(userDisable.run(c, u.input, plan)).rejects.toMatchObject({ kind: "throttled" });
    } finally {
      await faults({});
    }
    expect(u.get()!.accountEnabled).toBe(true);
  });

  it("429 without Retry-After once → retried, disabled", async () => {
    const u = seedUser("ud-nora");
    const c = ctx();
    const plan = { ...(await userDisable.plan(c, u.input)), idempotencyKey: "k" };
    await storm(PATCH, null, 1);
    try {
      expect((await userDisable.run(c, u.input, plan)).alreadyDone).toBe(false);
    } finally {
      await faults({});
    }
    expect(u.get()!.accountEnabled).toBe(false);
  }, 15_000);

  it("timeout with the caller's signal → typed error in bounded time", async () => {
    const u = seedUser("ud-timeout");
    const plan = { ...(await userDisable.plan(ctx(), u.input)), idempotencyKey: "k" };
    await faults({ rules: [{ face: "graph", match: PATCH, fault: { type: "timeout", ms: 5_000 } }] });
    const t0 = Date.now();
    try {
      await expect(
        userDisable.run({ ...ctx(), signal: AbortSignal.timeout(400) }, u.input, plan),
      ).rejects.toMatchObject(TIMED_OUT);
    } finally {
      await faults({});
    }
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it("eventual consistency: accountEnabled is not deferred by the emulator, so verify is ok on its first read", async () => {
    await faults({ consistency: { enabled: true } });
    try {
      const u = seedUser("ud-ec");
      const c = ctx(h, 1, 0);
      const { plan, r } = await planRun(userDisable, c, u.input);
      expect((await userDisable.verify(c, u.input, plan, r)).ok).toBe(true);
    } finally {
      await faults({});
    }
  });

  it("403: the app without User.EnableDisableAccount.All → typed forbidden", async () => {
    const u = seedUser("ud-403");
    const app = st().apps[0]!;
    const saved = [...app.graphRoles];
    app.graphRoles = saved.filter((r) => !WRITE_ROLES.includes(r));
    const h2 = await openTenant(t.cfg);
    try {
      const c = ctx(h2);
      const plan = { ...(await userDisable.plan(c, u.input)), idempotencyKey: "k" };
      await expect(userDisable.run(c, u.input, plan)).rejects.toMatchObject({
        kind: "forbidden",
        status: 403,
      });
    } finally {
      app.graphRoles = saved;
      await h2.close();
    }
    expect(u.get()!.accountEnabled).toBe(true);
  });
});
