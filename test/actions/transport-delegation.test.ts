/**
 * scan + containment of the other forwarding paths: an org-wide transport rule BCC'ing outside (tenant scope,
 * its own playbook) and delegation (FullAccess to a guest, SendOnBehalf), with compensation restoring the grants.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { delegationRemove } from "../../src/actions/delegation-remove.js";
import { transportRuleDisable, transportRuleEnable } from "../../src/actions/transport-rule.js";
import { actionContext, runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { DelegationTarget, Hit } from "../../src/model/hit.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let hits: Hit[];
const GUEST = "eve_evil.example#EXT#@contoso.onmicrosoft.com";

beforeAll(async () => {
  t = await startTestTenant();
  const s = t.emulator.ctx.state;
  s.transportRules.push({
    guid: "6b2f4c1e-8f4a-4d3b-9d6e-1a2b3c4d5e6f",
    name: "Compliance journal",
    state: "Enabled",
    mode: "Enforce",
    priority: 0,
    description:
      "If the message: Is received from 'Inside the organization' Take the following actions: Blind carbon copy (Bcc) the message to 'archive@mail-archive-secure.example'",
    conditions: { FromScope: "InOrganization" },
    blindCopyTo: ["archive@mail-archive-secure.example"],
    redirectMessageTo: [],
    copyTo: [],
    addToRecipients: [],
    deleteMessage: false,
    whenChanged: "2025-06-01T22:10:00Z",
  });
  s.transportRules.push({
    guid: "0c0c0c0c-1111-2222-3333-444444444444",
    name: "Disclaimer",
    state: "Enabled",
    mode: "Enforce",
    priority: 1,
    description: "Append disclaimer",
    conditions: { SentToScope: "NotInOrganization" },
    blindCopyTo: [],
    redirectMessageTo: [],
    copyTo: [],
    addToRecipients: [],
    deleteMessage: false,
    whenChanged: "2025-01-01T00:00:00Z",
  });
  const adele = s.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
  s.users.push({
    ...structuredClone(adele),
    id: "9e9e9e9e-0000-4000-8000-000000000001",
    userPrincipalName: GUEST,
    displayName: "Eve (guest)",
    mail: "eve@evil.example",
    userType: "Guest",
    proxyAddresses: [],
  });
  const mb = s.mailboxes.find((m) => m.userId === adele.id)!;
  mb.mailboxPermissions.push({
    user: GUEST,
    accessRights: ["FullAccess"],
    isInherited: false,
    deny: false,
    inheritanceType: "All",
  });
  mb.grantSendOnBehalfTo.push("AlexW@contoso.com");
  hits = (await scanWith(t.cfg, t.handles)).hits;
});
afterAll(async () => {
  await t.close();
});

const fast = { actionCtx: { poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() } } };

describe("transport rules", () => {
  it("scan flags the external BCC rule (high, tenant scope) and not the disclaimer", () => {
    const tr = hits.filter((h) => h.target.kind === "transportRule");
    expect(
      tr.map((h) => [h.target.kind === "transportRule" && h.target.name, h.severity, h.user.upn]),
    ).toEqual([["Compliance journal", "high", "contoso.onmicrosoft.com"]]);
  });

  it("the transport-rule playbook disables it by Guid, verifies, and rollback enables it again", async () => {
    const tr = hits.filter((h) => h.target.kind === "transportRule");
    const mark = t.mark();
    // Tenant scope: --yes alone never runs it; the case waits for the step to be named.
    const waits = await runHits(t.cfg, t.handles, tr, "execute", fast);
    expect(waits.runs.map((r) => [r.playbook, r.state])).toEqual([["contain-transport-rule", "waiting"]]);
    expect(waits.runs[0]!.waiting).toContain("--tenant-step disable-transport-rule");
    expect(t.writes(mark)).toEqual([]);
    const out = await runHits(t.cfg, t.handles, tr, "execute", {
      ...fast,
      namedSteps: ["disable-transport-rule"],
    });
    expect(out.runs.map((r) => [r.playbook, r.state])).toEqual([["contain-transport-rule", "done"]]);
    expect(out.runs[0]!.approvals).toHaveLength(1);
    expect(t.emulator.ctx.state.transportRules[0]!.state).toBe("Disabled");
    expect(t.writes(mark).map((w) => w.face)).toEqual(["exchange"]);
    expect(transportRuleDisable.attendedOnly).toBe(true);
    expect(transportRuleDisable.scope).toBe("tenant");
    const plan = {
      ...(await transportRuleDisable.plan(actionContext(t.cfg, t.handles), tr[0]!.target as never)),
      idempotencyKey: "k",
    };
    expect(plan.noop).toBe(true);
    await transportRuleDisable.compensate!(actionContext(t.cfg, t.handles), tr[0]!.target as never, {
      state: "Enabled",
    });
    expect(t.emulator.ctx.state.transportRules[0]!.state).toBe("Enabled");
  });
});

describe("transportRule.enable", () => {
  it("enables a disabled rule by Guid, verifies, and is already done on repeat", async () => {
    const ctx = {
      ...actionContext(t.cfg, t.handles),
      poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() },
    };
    const rule = t.emulator.ctx.state.transportRules[1]!;
    rule.state = "Disabled";
    const target = { kind: "transportRule" as const, guid: rule.guid, name: rule.name, state: "Disabled" };
    const plan = { ...(await transportRuleEnable.plan(ctx, target)), idempotencyKey: "k" };
    expect(plan).toMatchObject({ before: { state: "Disabled" }, after: { state: "Enabled" }, noop: false });
    const r = await transportRuleEnable.run(ctx, target, plan);
    expect(rule.state).toBe("Enabled");
    expect((await transportRuleEnable.verify(ctx, target, plan, r)).ok).toBe(true);
    expect((await transportRuleEnable.run(ctx, target, plan)).alreadyDone).toBe(true);
  });
});

describe("delegation", () => {
  it("scan reports FullAccess to a guest as medium and a colleague's SendOnBehalf as low; no default playbook contains them", async () => {
    const d = hits
      .filter((h) => h.target.kind === "delegation")
      .map((h) => [
        (h.target as DelegationTarget).delegationType,
        (h.target as DelegationTarget).trustee,
        h.severity,
      ]);
    expect(d).toEqual(
      expect.arrayContaining([
        ["FullAccess", GUEST, "medium"],
        ["SendOnBehalf", "AlexW@contoso.com", "low"],
      ]),
    );
    const out = await runHits(
      t.cfg,
      t.handles,
      hits.filter((h) => h.target.kind === "delegation"),
      "dry-run",
    );
    expect(out.runs).toEqual([]);
    expect(out.hits.map((x) => x.outcome)).toEqual(out.hits.map(() => "not-containable"));
    expect(out.hits.length).toBeGreaterThanOrEqual(2);
  });

  it("delegation.remove takes the FullAccess grant away, verifies, repeats as done, and compensation grants it back", async () => {
    const h = hits.find((x) => x.target.kind === "delegation" && x.target.delegationType === "FullAccess")!;
    const target = h.target as DelegationTarget;
    const ctx = {
      ...actionContext(t.cfg, t.handles),
      poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() },
    };
    const plan = { ...(await delegationRemove.plan(ctx, target)), idempotencyKey: "k" };
    expect(plan.before).toEqual({ trustee: GUEST, accessRights: ["FullAccess"] });
    const r = await delegationRemove.run(ctx, target, plan);
    expect(r.alreadyDone).toBe(false);
    const mb = () => t.emulator.ctx.state.mailboxes.find((m) => m.userId === target.mailboxId)!;
    expect(mb().mailboxPermissions.filter((p) => p.user === GUEST)).toEqual([]);
    expect((await delegationRemove.verify(ctx, target, plan, r)).ok).toBe(true);
    expect((await delegationRemove.run(ctx, target, plan)).alreadyDone).toBe(true);
    await delegationRemove.compensate!(ctx, target, r.before);
    expect(
      mb()
        .mailboxPermissions.filter((p) => p.user === GUEST)
        .flatMap((p) => p.accessRights),
    ).toEqual(["FullAccess"]);
  });

  it("SendOnBehalf is removed through the hashtable edit and restored", async () => {
    const h = hits.find((x) => x.target.kind === "delegation" && x.target.delegationType === "SendOnBehalf")!;
    const target = h.target as DelegationTarget;
    const ctx = {
      ...actionContext(t.cfg, t.handles),
      poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() },
    };
    const plan = { ...(await delegationRemove.plan(ctx, target)), idempotencyKey: "k" };
    const r = await delegationRemove.run(ctx, target, plan);
    const mb = () => t.emulator.ctx.state.mailboxes.find((m) => m.userId === target.mailboxId)!;
    expect(mb().grantSendOnBehalfTo).toEqual([]);
    await delegationRemove.compensate!(ctx, target, r.before);
    expect(mb().grantSendOnBehalfTo.map((x) => x.toLowerCase())).toEqual(["alexw@contoso.com"]);
  });
});
