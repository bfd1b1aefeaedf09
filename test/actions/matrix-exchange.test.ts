/**
 * Failure-mode matrix (issue 5 item 7), Exchange transport (pwsh stand-in → Exchange face): inboxRule.disable
 * (Disable-InboxRule, hidden rule), mailboxForwarding.clear, delegation.remove (FullAccess), transportRule.disable.
 * One table, one row per action; per row the cells success + already done, compensate restores the exact
 * before-image, not found / gone, 403, 429 storm with Retry-After (retried, then typed), 429 without Retry-After
 * (retried inside the call), timeout (held cmdlet, bounded by exchange.commandTimeoutMs, not retried), eventual
 * consistency; identical inbox rules (made twice) planned together. One emulator
 * for the file; each cell resets its object in the emulated tenant first.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActionContext, ActionDefinition } from "../../src/actions/types.js";
import { delegationRemove } from "../../src/actions/delegation-remove.js";
import { inboxRuleDisable } from "../../src/actions/inbox-rule-disable.js";
import { mailboxForwardingClear } from "../../src/actions/mailbox-forwarding-clear.js";
import { transportRuleDisable } from "../../src/actions/transport-rule.js";
import { actionContext } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { openTenant, type TenantHandles } from "../../src/cli/tenant.js";
import type { FaultsConfig } from "../../src/emulator/faults/config.js";
import type { InboxRuleState } from "../../src/emulator/state.js";
import type {
  DelegationTarget,
  ForwardingTarget,
  RuleTarget,
  TransportRuleTarget,
} from "../../src/model/hit.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const CMD_TIMEOUT_MS = 1_500;
/** The ExchangeClient's retries of transient failures in this file (backoff 1–5 ms; a Retry-After is honoured). */
const EXO_RETRIES = 2;
let t: TestTenant;
let ruleTarget: RuleTarget;

const st = () => t.emulator.ctx.state;
const userByUpn = (upn: string) => st().users.find((u) => u.userPrincipalName === upn)!;
const mbOf = (upn: string) => st().mailboxes.find((m) => m.userId === userByUpn(upn).id)!;

async function faults(f: FaultsConfig): Promise<void> {
  const r = await fetch(`${t.emulator.adminUrl}/faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(f),
  });
  expect(r.status).toBe(200);
}
const exchangeStatuses = (since: number) =>
  t.emulator
    .requests()
    .slice(since)
    .filter((r) => r.face === "exchange")
    .map((r) => r.status);
const settle = async () => {
  t.emulator.ctx.clock.advance(600_000);
  await faults({});
};

function ctx(handles: TenantHandles = t.handles, attempts = 2, delayMs = 0): ActionContext {
  return {
    ...actionContext(t.cfg, handles),
    poll: { attempts, delayMs, sleep: (ms) => Promise.resolve(t.emulator.ctx.clock.advance(ms)) },
  };
}

const HIDDEN_RULE = (name: string, id: string, graphId: string): InboxRuleState => ({
  ruleIdentity: id,
  graphId,
  name,
  priority: 9,
  enabled: true,
  hidden: true,
  inError: false,
  conditions: { subjectOrBodyContainsWords: ["password", "security alert"] },
  actions: { deleteMessage: true, markAsRead: true },
  createdBy: "powershell",
});
const TR_GUID = "6b2f4c1e-8f4a-4d3b-9d6e-1a2b3c4d5e6f";
const TRUSTEE = "AlexW@contoso.com";

interface Row<I> {
  name: string;
  action: ActionDefinition<I>;
  /** The cmdlet that writes (faults match it). */
  cmdlet: string;
  /** Puts the object in its suspect state; returns the input. */
  reset(): I;
  /** The live emulator object (compared exactly before and after compensation). */
  snapshot(): unknown;
  done(): boolean;
  /** Makes the object disappear; returns an input that then names nothing. */
  gone(): I;
  goneError: Record<string, unknown>;
  /** Whether the emulator defers this write under consistency.enabled, and by how much. */
  deferredMs?: number;
}

const rows: Row<never>[] = [
  {
    name: "inboxRule.disable (Exchange, hidden rule)",
    action: inboxRuleDisable,
    cmdlet: "Disable-InboxRule",
    reset: () => {
      const r = mbOf("AlexW@contoso.com").rules.find((x) => x.name === "mxe")!;
      r.enabled = true;
      return ruleTarget;
    },
    snapshot: () => structuredClone(mbOf("AlexW@contoso.com").rules.find((x) => x.name === "mxe")),
    done: () => mbOf("AlexW@contoso.com").rules.find((x) => x.name === "mxe")!.enabled === false,
    gone: () => ({ ...ruleTarget, ruleIdentity: "16752869479666400001", ruleName: "mxe gone" }),
    goneError: { name: "ActionError", code: "target-gone" },
    deferredMs: 60_000,
  } satisfies Row<RuleTarget>,
  {
    name: "mailboxForwarding.clear",
    action: mailboxForwardingClear,
    cmdlet: "Set-Mailbox",
    reset: () => {
      const mb = mbOf("LeeG@contoso.com");
      mb.forwardingSmtpAddress = "smtp:exfil@evil.example";
      mb.forwardingAddress = null;
      mb.deliverToMailboxAndForward = true;
      return {
        kind: "mailboxForwarding",
        mailboxId: userByUpn("LeeG@contoso.com").id,
        upn: "LeeG@contoso.com",
        forwardingSmtpAddress: "smtp:exfil@evil.example",
        forwardingAddress: null,
        deliverToMailboxAndForward: true,
      };
    },
    snapshot: () => structuredClone(mbOf("LeeG@contoso.com")),
    done: () => {
      const mb = mbOf("LeeG@contoso.com");
      return !mb.forwardingSmtpAddress && !mb.forwardingAddress && !mb.deliverToMailboxAndForward;
    },
    gone: () => ({
      kind: "mailboxForwarding",
      mailboxId: "00000000-0000-4000-8000-00000000dead",
      upn: "gone@contoso.com",
      forwardingSmtpAddress: "smtp:exfil@evil.example",
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    }),
    goneError: { name: "ExoError", category: "NotFound" },
    deferredMs: 60_000,
  } satisfies Row<ForwardingTarget>,
  {
    name: "delegation.remove (FullAccess)",
    action: delegationRemove,
    cmdlet: "Remove-MailboxPermission",
    reset: () => {
      const mb = mbOf("AdeleV@contoso.com");
      mb.mailboxPermissions = mb.mailboxPermissions.filter((p) => p.user !== TRUSTEE);
      mb.mailboxPermissions.push({
        user: TRUSTEE,
        accessRights: ["FullAccess"],
        isInherited: false,
        deny: false,
        inheritanceType: "All",
      });
      return {
        kind: "delegation",
        mailboxId: userByUpn("AdeleV@contoso.com").id,
        upn: "AdeleV@contoso.com",
        delegationType: "FullAccess",
        trustee: TRUSTEE,
        accessRights: ["FullAccess"],
      };
    },
    // autoMapping is left out: a restored FullAccess grant gets Exchange's default automapping, a limit the
    // action documents (delegation-remove.ts `limits`).
    snapshot: () =>
      structuredClone(
        mbOf("AdeleV@contoso.com")
          .mailboxPermissions.filter((p) => p.user === TRUSTEE)
          .map(({ autoMapping: _a, ...p }) => p),
      ),
    done: () => !mbOf("AdeleV@contoso.com").mailboxPermissions.some((p) => p.user === TRUSTEE),
    gone: () => ({
      kind: "delegation",
      mailboxId: "00000000-0000-4000-8000-00000000dead",
      upn: "gone@contoso.com",
      delegationType: "FullAccess",
      trustee: TRUSTEE,
      accessRights: ["FullAccess"],
    }),
    goneError: { name: "ExoError", category: "NotFound" },
  } satisfies Row<DelegationTarget>,
  {
    name: "transportRule.disable",
    action: transportRuleDisable,
    cmdlet: "Disable-TransportRule",
    reset: () => {
      st().transportRules.find((r) => r.guid === TR_GUID)!.state = "Enabled";
      return { kind: "transportRule", guid: TR_GUID, name: "Compliance journal", state: "Enabled" };
    },
    // whenChanged is the server's own change stamp: every write moves it, no client can set it back.
    snapshot: () => {
      const { whenChanged: _w, ...r } = structuredClone(st().transportRules.find((x) => x.guid === TR_GUID)!);
      return r;
    },
    done: () => st().transportRules.find((r) => r.guid === TR_GUID)!.state === "Disabled",
    gone: () => ({
      kind: "transportRule",
      guid: "0e0e0e0e-0000-4000-8000-00000000dead",
      name: "gone",
      state: "Enabled",
    }),
    goneError: { name: "ActionError", code: "target-gone" },
    deferredMs: 60_000,
  } satisfies Row<TransportRuleTarget>,
] as unknown as Row<never>[];

beforeAll(async () => {
  t = await startTestTenant({
    config: (c) => ({
      ...c,
      exchange: {
        ...c.exchange,
        commandTimeoutMs: CMD_TIMEOUT_MS,
        retry: { maxRetries: EXO_RETRIES, baseDelayMs: 1, maxDelayMs: 5 },
      },
    }),
  });
  const alex = mbOf("AlexW@contoso.com");
  alex.outlookClientRules = 2;
  alex.rules.push(HIDDEN_RULE("mxe", "16752869479666417665", "AQAAAAgmfug="));
  // two hidden rules sharing one name and one content (made twice: both are contained)
  alex.rules.push(HIDDEN_RULE("mxe dup", "16752869479666417700", "AQAAAAgmfu1="));
  alex.rules.push(HIDDEN_RULE("mxe dup", "16752869479666417701", "AQAAAAgmfu2="));
  st().transportRules.push({
    guid: TR_GUID,
    name: "Compliance journal",
    state: "Enabled",
    mode: "Enforce",
    priority: 0,
    description: "Bcc outside",
    conditions: { FromScope: "InOrganization" },
    blindCopyTo: ["archive@mail-archive-secure.example"],
    redirectMessageTo: [],
    copyTo: [],
    addToRecipients: [],
    deleteMessage: false,
    whenChanged: "2025-06-01T22:10:00Z",
  });
  const hits = (await scanWith(t.cfg, t.handles)).hits;
  const rt = (n: string) =>
    hits.find((h) => h.target.kind === "inboxRule" && h.target.ruleName === n)?.target as RuleTarget;
  ruleTarget = rt("mxe");
  dupTarget = rt("mxe dup");
}, 60_000);
let dupTarget: RuleTarget;
afterAll(async () => {
  await t?.close();
});

describe.each(rows)("$name", (row) => {
  const a = row.action;

  it("success (Exchange write only), verify, already done without writing, compensate restores the exact before-image", async () => {
    const input = row.reset();
    const before = row.snapshot();
    const c = ctx();
    const plan = { ...(await a.plan(c, input)), idempotencyKey: "k" };
    expect(plan).toMatchObject({ transport: "exchange", noop: false });
    const mark = t.mark();
    const r = await a.run(c, input, plan);
    expect(r.alreadyDone).toBe(false);
    expect(row.done()).toBe(true);
    expect(t.writes(mark).map((w) => w.face)).toEqual(["exchange"]);
    expect((await a.verify(c, input, plan, r)).ok).toBe(true);
    const m2 = t.mark();
    expect((await a.run(c, input, plan)).alreadyDone).toBe(true);
    expect(t.writes(m2)).toEqual([]);
    await a.compensate!(c, input, r.before, plan.target);
    expect(row.snapshot()).toEqual(before);
  });

  it("not found / gone → typed error, nothing written", async () => {
    const mark = t.mark();
    await expect(a.plan(ctx(), row.gone())).rejects.toMatchObject(row.goneError);
    expect(t.writes(mark)).toEqual([]);
  });

  it("429 storm with Retry-After → retried inside the call (honouring Retry-After), then ExoError Throttled (retryable); object unchanged", async () => {
    const input = row.reset();
    const c = ctx();
    const plan = { ...(await a.plan(c, input)), idempotencyKey: "k" };
    await faults({
      rules: [{ face: "exchange", match: row.cmdlet, fault: { type: "throttle", retryAfter: 1 } }],
    });
    const mark = t.mark();
    const t0 = Date.now();
    try {
      await expect(a.run(c, input, plan)).rejects.toMatchObject({
        name: "ExoError",
        category: "Throttled",
        retryable: true,
        message: expect.stringContaining(`gave up after ${EXO_RETRIES + 1} attempts`),
      });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(EXO_RETRIES * 1_000 - 50);
      expect(exchangeStatuses(mark).filter((s) => s === 429)).toHaveLength(EXO_RETRIES + 1);
    } finally {
      await settle();
    }
    expect(row.done()).toBe(false);
  }, 30_000);

  it("429 without Retry-After (once) → retried inside the call with backoff: the write lands", async () => {
    const input = row.reset();
    const c = ctx();
    const plan = { ...(await a.plan(c, input)), idempotencyKey: "k" };
    await faults({
      rules: [
        { face: "exchange", match: row.cmdlet, times: 1, fault: { type: "throttle", retryAfter: null } },
      ],
    });
    const mark = t.mark();
    try {
      expect((await a.run(c, input, plan)).alreadyDone).toBe(false);
      expect(exchangeStatuses(mark).filter((s) => s !== 200)).toEqual([429]);
    } finally {
      await settle();
    }
    expect(row.done()).toBe(true);
  });

  it("timeout: a held cmdlet ends in ExoError Timeout within commandTimeoutMs; the next call works", async () => {
    const input = row.reset();
    const c = ctx();
    const plan = { ...(await a.plan(c, input)), idempotencyKey: "k" };
    await faults({
      rules: [{ face: "exchange", match: row.cmdlet, times: 1, fault: { type: "timeout", ms: 20_000 } }],
    });
    const t0 = Date.now();
    try {
      await expect(a.run(c, input, plan)).rejects.toMatchObject({ name: "ExoError", category: "Timeout" });
      expect(Date.now() - t0).toBeLessThan(CMD_TIMEOUT_MS + 2_000);
      expect(row.done()).toBe(false);
      expect((await a.run(c, input, plan)).alreadyDone).toBe(false);
    } finally {
      await settle();
    }
    expect(row.done()).toBe(true);
  }, 30_000);

  it("eventual consistency: acknowledged, verify polls the emulator clock to ok; one attempt → ok:false (or ok at once when not deferred)", async () => {
    await faults({ consistency: { enabled: true, ruleDelayMs: 60_000, forwardingDelayMs: 60_000 } });
    try {
      for (const attempts of [1, 3]) {
        await settle();
        await faults({ consistency: { enabled: true, ruleDelayMs: 60_000, forwardingDelayMs: 60_000 } });
        const input = row.reset();
        const c = ctx(t.handles, attempts, 40_000);
        const plan = { ...(await a.plan(c, input)), idempotencyKey: "k" };
        const r = await a.run(c, input, plan);
        expect(r.alreadyDone).toBe(false);
        const v = await a.verify(c, input, plan, r);
        expect(v.ok).toBe(row.deferredMs === undefined || attempts === 3);
      }
    } finally {
      await settle();
    }
  }, 30_000);

  it("403: the app's Exchange role without write tasks (Security Administrator) → typed ExoError, object unchanged", async () => {
    const input = row.reset();
    const app = st().apps[0]!;
    const saved = [...app.directoryRoles];
    app.directoryRoles = ["Security Administrator"];
    const h2 = await openTenant(t.cfg);
    try {
      const c = ctx(h2);
      await expect(
        (async () => a.run(c, input, { ...(await a.plan(c, input)), idempotencyKey: "k" }))(),
      ).rejects.toMatchObject({ name: "ExoError" });
    } finally {
      app.directoryRoles = saved;
      await h2.close();
    }
    expect(row.done()).toBe(false);
  }, 30_000);
});

describe("inboxRule.disable (Exchange) identical hidden rules", () => {
  it("two hidden rules share name and content and the hit carries no id → both planned on Exchange, nothing written by planning", async () => {
    expect(dupTarget).toBeDefined();
    const input: RuleTarget = { ...dupTarget };
    delete input.ruleIdentity;
    delete input.graphRuleId;
    const mark = t.mark();
    const plan = await inboxRuleDisable.plan(ctx(), input);
    expect(t.writes(mark)).toEqual([]);
    expect(plan.transport).toBe("exchange");
    expect((plan.before as { rules: { rule: string }[] }).rules.map((r) => r.rule)).toEqual([
      "exchange:16752869479666417700",
      "exchange:16752869479666417701",
    ]);
  });
});
