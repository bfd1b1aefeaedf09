/**
 * mailboxForwarding.read / mailboxForwarding.restore (the compensation of clear, as its own action) and
 * user.requirePasswordChange against the emulated tenant: success, already done, not found, compensation back to
 * the exact before-image, typed 403s, and what the password action does not claim to have verified.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mailboxForwardingClear } from "../../src/actions/mailbox-forwarding-clear.js";
import {
  mailboxForwardingRead,
  mailboxForwardingRestore,
} from "../../src/actions/mailbox-forwarding-restore.js";
import type { ActionContext } from "../../src/actions/types.js";
import { userRequirePasswordChange } from "../../src/actions/user-require-password-change.js";
import { GraphApiError } from "../../src/adapters/graph/errors.js";
import { actionContext } from "../../src/cli/commands/run.js";
import type { StepPlan } from "../../src/engine/machine.js";
import type { Hit } from "../../src/model/hit.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let ctx: ActionContext;
const fast = { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() };
const ATTACKER = "smtp:finance-backup@mail-archive-secure.example";

const user = (upn: string) => t.emulator.ctx.state.users.find((u) => u.userPrincipalName === upn)!;
const mailbox = (upn: string) => t.emulator.ctx.state.mailboxes.find((m) => m.userId === user(upn).id)!;
const forwardingOf = (upn: string) => {
  const m = mailbox(upn);
  return {
    forwardingSmtpAddress: m.forwardingSmtpAddress,
    forwardingAddress: m.forwardingAddress,
    deliverToMailboxAndForward: m.deliverToMailboxAndForward,
  };
};
const ref = (upn: string) => ({ mailboxId: user(upn).id, upn });
const withKey = (p: Omit<StepPlan, "idempotencyKey">): StepPlan => ({ ...p, idempotencyKey: "k" });

beforeEach(async () => {
  t = await startTestTenant();
  ctx = { ...actionContext(t.cfg, t.handles), poll: fast };
});
afterEach(async () => {
  await t.close();
});

describe("mailboxForwarding.read", () => {
  it("reads the three forwarding properties through Exchange without writing", async () => {
    const mark = t.mark();
    const p = await mailboxForwardingRead.plan(ctx, ref("AdeleV@contoso.com"));
    expect(p).toMatchObject({ transport: "exchange", noop: true });
    expect(p.before).toEqual({
      forwardingSmtpAddress: ATTACKER,
      forwardingAddress: null,
      deliverToMailboxAndForward: true,
    });
    expect((await mailboxForwardingRead.run(ctx, ref("AdeleV@contoso.com"), withKey(p))).alreadyDone).toBe(
      true,
    );
    expect(t.writes(mark)).toEqual([]);
  });

  it("not found: an unknown mailbox is an error", async () => {
    await expect(
      mailboxForwardingRead.plan(ctx, {
        mailboxId: "00000000-0000-0000-0000-00000000dead",
        upn: "x@contoso.com",
      }),
    ).rejects.toMatchObject({ category: "NotFound" });
  });
});

describe("mailboxForwarding.restore", () => {
  it("after clear, restores the exact before-image, verifies, repeats as done, and compensates to cleared", async () => {
    const adele = ref("AdeleV@contoso.com");
    const original = forwardingOf("AdeleV@contoso.com");
    const cp = withKey(
      await mailboxForwardingClear.plan(ctx, { kind: "mailboxForwarding", ...adele, ...original }),
    );
    const cleared = await mailboxForwardingClear.run(
      ctx,
      { kind: "mailboxForwarding", ...adele, ...original },
      cp,
    );
    expect(forwardingOf("AdeleV@contoso.com")).toEqual({
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });

    const input = { ...adele, ...(cleared.before as typeof original) };
    const p = withKey(await mailboxForwardingRestore.plan(ctx, input));
    expect(p).toMatchObject({
      transport: "exchange",
      noop: false,
      reversibility: "reversible",
      after: original,
    });
    expect(p.warnings.join(" ")).toContain("finance-backup");
    const mark = t.mark();
    const r = await mailboxForwardingRestore.run(ctx, input, p);
    expect(r.alreadyDone).toBe(false);
    expect(forwardingOf("AdeleV@contoso.com")).toEqual(original);
    expect(t.writes(mark).map((w) => w.face)).toEqual(["exchange"]);
    expect(await mailboxForwardingRestore.verify(ctx, input, p, r)).toEqual({ ok: true, observed: original });
    const m2 = t.mark();
    expect((await mailboxForwardingRestore.run(ctx, input, p)).alreadyDone).toBe(true);
    expect(t.writes(m2)).toEqual([]);

    await mailboxForwardingRestore.compensate!(ctx, input, r.before);
    expect(forwardingOf("AdeleV@contoso.com")).toEqual({
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
  });

  it("already done: restoring the state the mailbox has is a noop (smtp: prefix and case ignored)", async () => {
    const input = {
      ...ref("AdeleV@contoso.com"),
      forwardingSmtpAddress: "Finance-Backup@mail-archive-secure.example",
      forwardingAddress: null,
      deliverToMailboxAndForward: true,
    };
    expect((await mailboxForwardingRestore.plan(ctx, input)).noop).toBe(true);
    const mark = t.mark();
    expect(
      (
        await mailboxForwardingRestore.run(
          ctx,
          input,
          withKey(await mailboxForwardingRestore.plan(ctx, input)),
        )
      ).alreadyDone,
    ).toBe(true);
    expect(t.writes(mark)).toEqual([]);
  });

  it("is never built from a hit (the hit's forwarding is the suspect state)", () => {
    expect(mailboxForwardingRestore.inputFromHit({} as Hit)).toBeUndefined();
    expect(mailboxForwardingRestore.attendedOnly).toBe(true);
  });

  it("not found: an unknown mailbox is an error, nothing written", async () => {
    const mark = t.mark();
    await expect(
      mailboxForwardingRestore.plan(ctx, {
        mailboxId: "00000000-0000-0000-0000-00000000dead",
        upn: "x@contoso.com",
        forwardingSmtpAddress: null,
        forwardingAddress: null,
        deliverToMailboxAndForward: false,
      }),
    ).rejects.toMatchObject({ category: "NotFound" });
    expect(t.writes(mark)).toEqual([]);
  });
});

describe("user.requirePasswordChange", () => {
  const grant = () => t.emulator.ctx.state.apps[0]!.graphRoles.push("User-PasswordProfile.ReadWrite.All");

  it("sets forceChangePasswordNextSignIn, is irreversible, and verifies only what Graph shows", async () => {
    grant();
    const adele = { userId: user("AdeleV@contoso.com").id, upn: "AdeleV@contoso.com" };
    expect(userRequirePasswordChange.reversibility).toBe("irreversible");
    expect("compensate" in userRequirePasswordChange).toBe(false);
    const limits = userRequirePasswordChange.limits.join(" ");
    for (const s of ["current password", "revoke", "on-premises", "App passwords", "not observed"])
      expect(limits).toContain(s);
    const p = withKey(await userRequirePasswordChange.plan(ctx, adele));
    expect(p).toMatchObject({ transport: "graph", reversibility: "irreversible", noop: false });
    expect(p.warnings.join(" ")).toContain("sessions are not revoked");
    const mark = t.mark();
    const r = await userRequirePasswordChange.run(ctx, adele, p);
    expect(user("AdeleV@contoso.com").forceChangePasswordNextSignIn).toBe(true);
    expect(t.writes(mark)).toEqual([expect.objectContaining({ method: "PATCH", face: "graph" })]);
    expect(r.after).toEqual({ forceChangePasswordNextSignIn: true });
    const v = await userRequirePasswordChange.verify(ctx, adele, p, r);
    expect(v.ok).toBe(true);
    expect((v.observed as { notObserved: string[] }).notObserved.join(" ")).toContain(
      "forceChangePasswordNextSignIn",
    );
    expect(v.observed).not.toHaveProperty("forceChangePasswordNextSignIn");
    // Repeating sets the same flag: the effect is the same (the journal's key keeps it from being re-applied).
    await userRequirePasswordChange.run(ctx, adele, p);
    expect(user("AdeleV@contoso.com").forceChangePasswordNextSignIn).toBe(true);
  });

  it("warns that an on-premises-synchronised user's password lives on-premises", async () => {
    grant();
    const p = await userRequirePasswordChange.plan(ctx, {
      userId: user("LeeG@contoso.com").id,
      upn: "LeeG@contoso.com",
    });
    expect(p.warnings.join(" ")).toContain("on-premises");
  });

  it("a privileged user needs a privileged app: typed 403, nothing changed", async () => {
    grant();
    const admin = user("admin@contoso.onmicrosoft.com");
    const input = { userId: admin.id, upn: admin.userPrincipalName };
    const e = await userRequirePasswordChange
      .run(ctx, input, withKey(await userRequirePasswordChange.plan(ctx, input)))
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GraphApiError);
    expect((e as GraphApiError).kind).toBe("forbidden");
    expect(admin.forceChangePasswordNextSignIn).not.toBe(true);
  });

  it("without User-PasswordProfile.ReadWrite.All: typed 403", async () => {
    const adele = { userId: user("AdeleV@contoso.com").id, upn: "AdeleV@contoso.com" };
    const e = await userRequirePasswordChange
      .run(ctx, adele, withKey(await userRequirePasswordChange.plan(ctx, adele)))
      .catch((x: unknown) => x);
    expect((e as GraphApiError).kind).toBe("forbidden");
    expect(user("AdeleV@contoso.com").forceChangePasswordNextSignIn).not.toBe(true);
  });

  it("not found: an unknown user fails at planning", async () => {
    grant();
    const e = await userRequirePasswordChange
      .plan(ctx, { userId: "00000000-0000-0000-0000-00000000dead", upn: "x@contoso.com" })
      .catch((x: unknown) => x);
    expect((e as GraphApiError).kind).toBe("notFound");
  });
});

describe("mailboxForwarding.restore under eventual consistency", () => {
  it("Set-Mailbox is acknowledged; verify polls the emulator clock until the restored values are visible", async () => {
    const adele = ref("AdeleV@contoso.com");
    const original = forwardingOf("AdeleV@contoso.com");
    const m = mailbox("AdeleV@contoso.com");
    m.forwardingSmtpAddress = null;
    m.deliverToMailboxAndForward = false;
    const r0 = await fetch(`${t.emulator.adminUrl}/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ consistency: { enabled: true, forwardingDelayMs: 60_000 } }),
    });
    expect(r0.status).toBe(200);
    const clocked = (attempts: number): ActionContext => ({
      ...ctx,
      poll: { attempts, delayMs: 40_000, sleep: (ms) => Promise.resolve(t.emulator.ctx.clock.advance(ms)) },
    });
    const input = { ...adele, ...original };
    const p = withKey(await mailboxForwardingRestore.plan(ctx, input));
    const r = await mailboxForwardingRestore.run(ctx, input, p);
    expect(r.alreadyDone).toBe(false);
    expect((await mailboxForwardingRestore.verify(clocked(1), input, p, r)).ok).toBe(false);
    expect((await mailboxForwardingRestore.verify(clocked(3), input, p, r)).ok).toBe(true);
    expect(forwardingOf("AdeleV@contoso.com")).toEqual(original);
  });
});

describe("user.requirePasswordChange when Graph does return the flag (stubbed adapter: the emulator never does)", () => {
  function stubCtx(flag: boolean | undefined, patches: unknown[]): ActionContext {
    const graph = {
      getUser: (_id: string, o: { select?: string[] }) =>
        Promise.resolve(
          o.select?.includes("passwordProfile")
            ? {
                id: "u1",
                passwordProfile: flag === undefined ? null : { forceChangePasswordNextSignIn: flag },
              }
            : {
                id: "u1",
                accountEnabled: true,
                onPremisesSyncEnabled: false,
                lastPasswordChangeDateTime: null,
              },
        ),
      updateUser: (_id: string, patch: unknown) => {
        patches.push(patch);
        return Promise.resolve();
      },
    };
    return {
      tenantId: "t",
      tenantDomains: ["contoso.com"],
      graph: graph as unknown as ActionContext["graph"],
      now: () => new Date(0),
      poll: fast,
    };
  }

  it("already set: the plan is a noop and run reports already done without writing", async () => {
    const patches: unknown[] = [];
    const c = stubCtx(true, patches);
    const input = { userId: "u1", upn: "u1@contoso.com" };
    const p = withKey(await userRequirePasswordChange.plan(c, input));
    expect(p).toMatchObject({ noop: true, before: { forceChangePasswordNextSignIn: true } });
    expect((await userRequirePasswordChange.run(c, input, p)).alreadyDone).toBe(true);
    expect(patches).toEqual([]);
    expect(await userRequirePasswordChange.verify(c, input, p)).toMatchObject({
      ok: true,
      observed: { forceChangePasswordNextSignIn: true },
    });
  });

  it("a flag read back as false fails verification instead of being claimed", async () => {
    const patches: unknown[] = [];
    const c = stubCtx(false, patches);
    const input = { userId: "u1", upn: "u1@contoso.com" };
    const p = withKey(await userRequirePasswordChange.plan(c, input));
    expect((await userRequirePasswordChange.run(c, input, p)).alreadyDone).toBe(false);
    expect(patches).toEqual([{ passwordProfile: { forceChangePasswordNextSignIn: true } }]);
    expect(await userRequirePasswordChange.verify(c, input, p)).toMatchObject({
      ok: false,
      observed: { forceChangePasswordNextSignIn: false },
    });
  });
});
