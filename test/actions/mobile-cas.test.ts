/**
 * mobileDevice.removeSessionDevices and casMailbox.blockLegacyProtocols through the real Exchange path (config →
 * ExchangeClient → bridge protocol → pwsh stand-in → emulated InvokeCommand): plan writes nothing; run changes only
 * the session's partnerships / the three protocol settings; a repeat is already done; verify re-reads; compensation
 * restores the exact before-image (SMTP AUTH's $null included); attacker-chosen device text stays data; a role that
 * cannot run the cmdlets is refused and nothing changes.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { casMailboxBlockLegacyProtocols } from "../../src/actions/cas-mailbox-block-legacy.js";
import {
  mobileDeviceRemoveSessionDevices,
  sessionWindowStart,
  type SessionDevicesInput,
} from "../../src/actions/mobile-device-remove-session.js";
import type { ActionContext } from "../../src/actions/types.js";
import type { ExchangeClient } from "../../src/adapters/exo/client.js";
import { actionContext } from "../../src/cli/commands/run.js";
import type { StepPlan } from "../../src/engine/machine.js";
import type { MailboxState, MobileDeviceState } from "../../src/emulator/state.js";
import type { Hit } from "../../src/model/hit.js";
import { generateTenant } from "../../src/emulator/generator/index.js";
import type { Playbook } from "../../src/playbooks/schema.js";
import { expandSteps } from "../../src/runner/steps.js";
import { CLASSICS } from "../fixtures/hostile-strings.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let ctx: ActionContext;
const fast = { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() };

const ADELE = "AdeleV@contoso.com";
const ATTACKER_DEVICE = "b7c1e5d2-4a3f-4e9b-8d6c-1f0a2b3c4d5e";
const OWN_DEVICE = "3f9a2c41-7d0e-4b8a-9c1f-2e4d6a8b0c13";

const user = (upn: string) => t.emulator.ctx.state.users.find((u) => u.userPrincipalName === upn)!;
const mailbox = (upn: string): MailboxState =>
  t.emulator.ctx.state.mailboxes.find((m) => m.userId === user(upn).id)!;
const exo = () => t.handles.exchange as unknown as ExchangeClient;

function hit(over: Partial<Hit> = {}): Hit {
  const adele = user(ADELE);
  return {
    schemaVersion: 1,
    hitKey: "0".repeat(32),
    tenantId: t.cfg.tenant.id,
    user: { id: adele.id, upn: ADELE },
    target: {
      kind: "mailboxForwarding",
      mailboxId: adele.id,
      upn: ADELE,
      forwardingSmtpAddress: "smtp:x@evil.example",
      forwardingAddress: null,
      deliverToMailboxAndForward: true,
    },
    action: { operation: "Set-Mailbox", time: "2025-06-01T23:40:00Z" },
    links: [
      { key: "session", strength: "strong", time: "2025-06-01T23:05:00Z" },
      { key: "user-time", strength: "weak", time: "2025-05-01T08:00:00Z" },
    ],
    severity: "high",
    score: 90,
    reasons: [{ code: "x", detail: "x", weight: 1 }],
    detectedBy: "hunt",
    detectedAt: "2025-06-02T09:00:00Z",
    ...over,
  };
}

const planOf = async <I>(
  a: { plan(c: ActionContext, i: I): Promise<Omit<StepPlan, "idempotencyKey">> },
  i: I,
): Promise<StepPlan> => ({ ...(await a.plan(ctx, i)), idempotencyKey: "k" });

beforeEach(async () => {
  t = await startTestTenant();
  ctx = { ...actionContext(t.cfg, t.handles), poll: fast };
});
afterEach(async () => {
  await t.close();
});

describe("mobileDevice.removeSessionDevices: the window", () => {
  it("starts 15 minutes before the earliest strong or medium linked sign-in; weak links do not move it", () => {
    expect(sessionWindowStart(hit())).toBe("2025-06-01T22:50:00.000Z");
  });
  it("falls back to the action's time, and gives no input without any time or for tenant-scope targets", () => {
    expect(sessionWindowStart(hit({ links: [] }))).toBe("2025-06-01T23:25:00.000Z");
    const timeless = hit({ links: [], action: { operation: "observed" } });
    expect(mobileDeviceRemoveSessionDevices.inputFromHit(timeless)).toBeUndefined();
    const tenant = hit({
      target: {
        kind: "transportRule",
        guid: "6b2f4c1e-8f4a-4d3b-9d6e-1a2b3c4d5e6f",
        name: "x",
        state: "Enabled",
      },
    });
    expect(mobileDeviceRemoveSessionDevices.inputFromHit(tenant)).toBeUndefined();
    expect(mobileDeviceRemoveSessionDevices.inputFromHit(hit())).toEqual({
      mailboxId: user(ADELE).id,
      upn: ADELE,
      windowStart: "2025-06-01T22:50:00.000Z",
    });
  });
});

describe("mobileDevice.removeSessionDevices: the case's window", () => {
  it("a case runs one step whose window starts at the earliest attacker sign-in of any of its hits", () => {
    const early = hit({
      action: { operation: "New-InboxRule", time: "2025-06-01T20:10:00Z" },
      links: [{ key: "session", strength: "strong", time: "2025-06-01T20:00:00Z" }],
    });
    const late = hit({
      action: { operation: "Set-Mailbox", time: "2025-06-03T10:00:00Z" },
      links: [{ key: "token", strength: "strong", time: "2025-06-03T09:55:00Z" }],
    });
    const timeless = hit({ links: [], action: { operation: "observed" } });
    const playbook = {
      steps: [{ id: "remove-devices", action: "mobileDevice.removeSessionDevices" }],
    } as unknown as Playbook;
    const steps = expandSteps(playbook, [
      { targetKey: "late", hit: late },
      { targetKey: "timeless", hit: timeless },
      { targetKey: "early", hit: early },
    ]);
    expect(steps).toHaveLength(1);
    expect(steps[0]!.input).toEqual({
      mailboxId: user(ADELE).id,
      upn: ADELE,
      windowStart: "2025-06-01T19:45:00.000Z",
    });
  });
});

describe("the generated aitm-rss-hide attack", () => {
  it("leaves an attacker partnership inside the session's window and the victim's own phone well before it", () => {
    const g = generateTenant({ scenarios: ["aitm-rss-hide"], users: 6, days: 2, seed: 4242 });
    const sc = g.truth.scenarios.find((x) => x.name === "aitm-rss-hide")!;
    const victim = sc.victims[0]!;
    const devices = g.state.mailboxes.find((m) => m.userId === victim.userId)!.mobileDevices!;
    expect(devices).toHaveLength(2);
    const first = sc.attackerSignIns.map((x) => x.time).sort()[0]!;
    const windowStart = sessionWindowStart({
      ...hit(),
      links: [{ key: "session", strength: "strong", time: first }],
    })!;
    const inWindow = devices.filter((d) => d.firstSyncTime >= windowStart).map((d) => d.deviceType);
    expect(inWindow).toEqual(["Android"]);
    expect(devices.filter((d) => d.firstSyncTime < windowStart).map((d) => d.clientType)).toEqual([
      "Outlook",
    ]);
  });
});

describe("mobileDevice.removeSessionDevices", () => {
  const input = (): SessionDevicesInput => mobileDeviceRemoveSessionDevices.inputFromHit(hit())!;

  it("plans the attacker's partnership only, writing nothing; run removes it by Guid; verify; repeat is already done", async () => {
    const mark = t.mark();
    const plan = await planOf(mobileDeviceRemoveSessionDevices, input());
    expect(t.writes(mark)).toEqual([]);
    expect(plan).toMatchObject({
      transport: "exchange",
      noop: false,
      reversibility: "irreversible",
      before: { olderKept: 1, undatedKept: 0, devices: [{ guid: ATTACKER_DEVICE, deviceType: "Android" }] },
    });
    expect((plan.before as { devices: unknown[] }).devices).toHaveLength(1);
    expect(plan.warnings.join(" ")).toMatch(/irreversible/);
    expect(plan.warnings.join(" ")).toMatch(/ActiveSyncBlockedDeviceIDs/);
    expect(plan.warnings.join(" ")).toMatch(/1 partnership\(s\) first synced before/);

    const r = await mobileDeviceRemoveSessionDevices.run(ctx, input(), plan);
    expect(r.alreadyDone).toBe(false);
    expect(t.writes(mark).map((w) => w.operation)).toEqual([`Remove-MobileDevice ${ATTACKER_DEVICE}`]);
    expect(mailbox(ADELE).mobileDevices!.map((d) => d.guid)).toEqual([OWN_DEVICE]);
    expect(await mobileDeviceRemoveSessionDevices.verify(ctx, input(), plan, r)).toMatchObject({ ok: true });

    const mark2 = t.mark();
    expect((await mobileDeviceRemoveSessionDevices.run(ctx, input(), plan)).alreadyDone).toBe(true);
    expect(t.writes(mark2)).toEqual([]);
    expect((await mobileDeviceRemoveSessionDevices.plan(ctx, input())).noop).toBe(true);
    expect("compensate" in mobileDeviceRemoveSessionDevices).toBe(false);
  });

  it("removes only what the plan listed: a partnership that appears after planning waits for a new plan", async () => {
    const plan = await planOf(mobileDeviceRemoveSessionDevices, input());
    const late: MobileDeviceState = {
      ...mailbox(ADELE).mobileDevices!.find((d) => d.guid === ATTACKER_DEVICE)!,
      guid: "c0ffee00-0000-4000-8000-000000000001",
      deviceId: "LATEDEVICE01",
      firstSyncTime: "2025-06-02T08:00:00.000Z",
    };
    mailbox(ADELE).mobileDevices!.push(late);
    await mobileDeviceRemoveSessionDevices.run(ctx, input(), plan);
    expect(
      mailbox(ADELE)
        .mobileDevices!.map((d) => d.guid)
        .sort(),
    ).toEqual([OWN_DEVICE, late.guid].sort());
  });

  it("verify fails when the device synced again under a new partnership (same DeviceId)", async () => {
    const plan = await planOf(mobileDeviceRemoveSessionDevices, input());
    const attacker = structuredClone(mailbox(ADELE).mobileDevices!.find((d) => d.guid === ATTACKER_DEVICE)!);
    const r = await mobileDeviceRemoveSessionDevices.run(ctx, input(), plan);
    mailbox(ADELE).mobileDevices!.push({ ...attacker, guid: "d00dd00d-0000-4000-8000-000000000002" });
    const v = await mobileDeviceRemoveSessionDevices.verify(ctx, input(), plan, r);
    expect(v.ok).toBe(false);
    expect(v.observed).toMatchObject({ remaining: [], resynced: [{ deviceId: attacker.deviceId }] });
  });

  it("carries hostile device ids, models and user agents verbatim as data and removes by Guid only", async () => {
    const corpus = [
      ...CLASSICS.slice(0, 40),
      "x'; Remove-Mailbox -Identity ceo -Confirm:$false; '",
      "$(Remove-MobileDevice -Identity *)",
      "`$(Set-CASMailbox ceo -PopEnabled $true)`n",
      "line1\nRemove-Mailbox ceo\r\n",
      "-Confirm:$false",
      "@{Add='evil'}",
      "a\u0000b\u0007c",
    ];
    const mb = mailbox(ADELE);
    const hostile: MobileDeviceState[] = corpus.map((s, i) => ({
      guid: `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, "0")}`,
      deviceId: s,
      deviceType: s,
      deviceModel: s,
      deviceOS: s,
      deviceUserAgent: s,
      friendlyName: s,
      clientType: "EAS",
      firstSyncTime: "2025-06-01T23:30:00.000Z",
      deviceAccessState: "Allowed",
      deviceAccessStateReason: "Global",
    }));
    mb.mobileDevices!.push(...hostile);
    const others = JSON.stringify(t.emulator.ctx.state.mailboxes.filter((m) => m !== mb));
    const users = JSON.stringify(t.emulator.ctx.state.users);
    const listed = await exo().getMobileDevices(ADELE);
    for (const d of hostile) {
      const got = listed.find((x) => x.guid === d.guid);
      expect(got).toMatchObject({
        deviceId: d.deviceId,
        deviceUserAgent: d.deviceUserAgent,
        deviceModel: d.deviceModel,
      });
    }
    // A device id is never an identity: the client refuses anything but a Guid before the bridge sees it.
    for (const s of corpus)
      await expect(exo().removeMobileDevice(s)).rejects.toMatchObject({ category: "InvalidParameter" });
    const plan = await planOf(mobileDeviceRemoveSessionDevices, input());
    expect((plan.before as { devices: unknown[] }).devices).toHaveLength(hostile.length + 1);
    await mobileDeviceRemoveSessionDevices.run(ctx, input(), plan);
    expect(mb.mobileDevices!.map((d) => d.guid)).toEqual([OWN_DEVICE]);
    expect(JSON.stringify(t.emulator.ctx.state.mailboxes.filter((m) => m !== mb))).toBe(others);
    expect(JSON.stringify(t.emulator.ctx.state.users)).toBe(users);
  });

  it("is refused for a role that cannot run Remove-MobileDevice (Global Reader), and nothing changes", async () => {
    const app = t.emulator.ctx.state.apps[0]!;
    app.directoryRoles = ["Global Reader"];
    const plan = await planOf(mobileDeviceRemoveSessionDevices, input());
    expect(plan.noop).toBe(false);
    const before = JSON.stringify(mailbox(ADELE).mobileDevices);
    await expect(mobileDeviceRemoveSessionDevices.run(ctx, input(), plan)).rejects.toMatchObject({
      category: "AccessDenied",
    });
    expect(JSON.stringify(mailbox(ADELE).mobileDevices)).toBe(before);
  });
});

describe("casMailbox.blockLegacyProtocols", () => {
  const input = () => casMailboxBlockLegacyProtocols.inputFromHit(hit())!;

  it("plans from Get-CASMailbox writing nothing, blocks exactly the three settings, verifies, repeats as done, and compensates back to $null", async () => {
    const mb = mailbox(ADELE);
    const others = JSON.stringify(t.emulator.ctx.state.mailboxes.filter((m) => m !== mb));
    const mark = t.mark();
    const plan = await planOf(casMailboxBlockLegacyProtocols, input());
    expect(t.writes(mark)).toEqual([]);
    expect(plan).toMatchObject({
      transport: "exchange",
      before: { popEnabled: true, imapEnabled: true, smtpClientAuthenticationDisabled: null },
      after: { popEnabled: false, imapEnabled: false, smtpClientAuthenticationDisabled: true },
      noop: false,
      reversibility: "reversible",
    });
    expect(plan.warnings.join(" ")).toContain("$null");
    const r = await casMailboxBlockLegacyProtocols.run(ctx, input(), plan);
    expect(t.writes(mark).map((w) => w.operation)).toEqual([`Set-CASMailbox ${user(ADELE).id}`]);
    expect(mb.cas).toEqual({
      popEnabled: false,
      imapEnabled: false,
      smtpClientAuthenticationDisabled: true,
      activeSyncEnabled: true,
      mapiEnabled: true,
      ewsEnabled: true,
      owaEnabled: true,
      activeSyncBlockedDeviceIds: [],
    });
    expect(JSON.stringify(t.emulator.ctx.state.mailboxes.filter((m) => m !== mb))).toBe(others);
    expect(await casMailboxBlockLegacyProtocols.verify(ctx, input(), plan, r)).toMatchObject({ ok: true });
    const mark2 = t.mark();
    expect((await casMailboxBlockLegacyProtocols.run(ctx, input(), plan)).alreadyDone).toBe(true);
    expect(t.writes(mark2)).toEqual([]);

    await casMailboxBlockLegacyProtocols.compensate!(ctx, input(), r.before);
    expect(mb.cas).toMatchObject({
      popEnabled: true,
      imapEnabled: true,
      smtpClientAuthenticationDisabled: null,
    });
    expect((await exo().getCasMailbox(ADELE)).smtpClientAuthenticationDisabled).toBeNull();
  });

  it("keeps an explicit $false (SMTP AUTH allowed for this mailbox) distinct from $null through run and compensation", async () => {
    const mb = mailbox(ADELE);
    await exo().setLegacyProtocols(ADELE, {
      popEnabled: false,
      imapEnabled: true,
      smtpClientAuthenticationDisabled: false,
    });
    expect((await exo().getCasMailbox(ADELE)).smtpClientAuthenticationDisabled).toBe(false);
    const plan = await planOf(casMailboxBlockLegacyProtocols, input());
    expect(plan.before).toEqual({
      popEnabled: false,
      imapEnabled: true,
      smtpClientAuthenticationDisabled: false,
    });
    const r = await casMailboxBlockLegacyProtocols.run(ctx, input(), plan);
    await casMailboxBlockLegacyProtocols.compensate!(ctx, input(), r.before);
    expect(mb.cas).toMatchObject({
      popEnabled: false,
      imapEnabled: true,
      smtpClientAuthenticationDisabled: false,
    });
  });

  it("is refused for a role that cannot run Set-CASMailbox (Global Reader), and nothing changes", async () => {
    t.emulator.ctx.state.apps[0]!.directoryRoles = ["Global Reader"];
    const plan = await planOf(casMailboxBlockLegacyProtocols, input());
    await expect(casMailboxBlockLegacyProtocols.run(ctx, input(), plan)).rejects.toMatchObject({
      category: "AccessDenied",
    });
    expect(mailbox(ADELE).cas).toBeUndefined();
  });

  it("takes hostile mailbox identities as data: NotFound or refused, nothing changes", async () => {
    const before = JSON.stringify(t.emulator.ctx.state);
    for (const s of [
      "x'; Set-CASMailbox ceo -PopEnabled $true; '",
      "$(Remove-Mailbox x)",
      "*",
      "a\nb",
      ...CLASSICS.slice(0, 10),
    ]) {
      await expect(exo().getCasMailbox(s)).rejects.toMatchObject({
        category: expect.stringMatching(/^(NotFound|InvalidParameter)$/),
      });
      await expect(
        exo().setLegacyProtocols(s, {
          popEnabled: true,
          imapEnabled: true,
          smtpClientAuthenticationDisabled: null,
        }),
      ).rejects.toMatchObject({ category: expect.stringMatching(/^(NotFound|InvalidParameter)$/) });
    }
    expect(JSON.stringify(t.emulator.ctx.state)).toBe(before);
  });
});
