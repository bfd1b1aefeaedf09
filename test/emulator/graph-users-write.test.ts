/** PATCH /users (accountEnabled, passwordProfile), mailboxSettings and messageRules create (apis.md A2, A4). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphClient, rejection, startTestEmulator, type TestEmulator } from "./helpers.js";
import { grantRoles, rawGraph, userByUpn } from "./graph-fixture.js";

let t: TestEmulator;
let call: ReturnType<typeof rawGraph>;

beforeAll(async () => {
  t = await startTestEmulator();
  grantRoles(t.emu);
  call = rawGraph(t.emu);
});
afterAll(async () => t.stop());

/** Runs `fn` with a caller whose fresh token carries `roles` (tokens carry the roles granted when minted). */
function withRoles<T>(
  roles: string[],
  directoryRoles: string[] | undefined,
  fn: (call: ReturnType<typeof rawGraph>) => Promise<T>,
): Promise<T> {
  const app = t.emu.ctx.state.apps[0];
  if (!app) throw new Error("no app");
  const saved = [app.graphRoles, app.directoryRoles] as const;
  app.graphRoles = roles;
  if (directoryRoles) app.directoryRoles = directoryRoles;
  return fn(rawGraph(t.emu)).finally(() => {
    app.graphRoles = saved[0];
    app.directoryRoles = saved[1];
  });
}

describe("PATCH /users/{id}", () => {
  it("disables an account: 204, visible through $select=accountEnabled, a write", async () => {
    const client = graphClient(t.emu);
    const res = await client.api("/users/AlexW@contoso.com").patch({ accountEnabled: false });
    expect(res).toBeUndefined();
    const u = await client.api("/users/AlexW@contoso.com").select("accountEnabled").get();
    expect(u.accountEnabled).toBe(false);
    expect(t.emu.requests().find((r) => r.method === "PATCH")).toMatchObject({ status: 204, write: true });
  });

  it("least privilege per property: EnableDisableAccount cannot set a password and vice versa", async () => {
    await withRoles(["User.EnableDisableAccount.All", "User.Read.All"], undefined, async (call) => {
      expect((await call("PATCH", "/v1.0/users/LeeG@contoso.com", { accountEnabled: false })).status).toBe(
        204,
      );
      const pw = await call("PATCH", "/v1.0/users/LeeG@contoso.com", {
        passwordProfile: { password: "Xy7!aaaaaaaa", forceChangePasswordNextSignIn: true },
      });
      expect(pw.status).toBe(403);
      expect(pw.body).toMatchObject({ error: { code: "Authorization_RequestDenied" } });
    });
    await withRoles(["User-PasswordProfile.ReadWrite.All"], undefined, async (call) => {
      expect((await call("PATCH", "/v1.0/users/LeeG@contoso.com", { accountEnabled: true })).status).toBe(
        403,
      );
    });
    await withRoles(["User.Read.All"], undefined, async (call) => {
      expect((await call("PATCH", "/v1.0/users/LeeG@contoso.com", { accountEnabled: true })).status).toBe(
        403,
      );
    });
  });

  it("resets a password: 204, the password is neither stored nor logged, policy violations → 400", async () => {
    const secret = "Sup3r-Secret-Reset!";
    const ok = await call("PATCH", "/v1.0/users/MeganB@contoso.com", {
      passwordProfile: { password: secret, forceChangePasswordNextSignIn: true },
    });
    expect(ok.status).toBe(204);
    const megan = userByUpn(t.emu.ctx.state, "MeganB@contoso.com");
    expect(megan.forceChangePasswordNextSignIn).toBe(true);
    expect(megan.lastPasswordChangeDateTime).toBe(
      t.emu.ctx.clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z"),
    );
    expect(JSON.stringify(t.emu.ctx.state)).not.toContain(secret);
    expect(JSON.stringify(t.emu.requests())).not.toContain(secret);
    const weak = await call("PATCH", "/v1.0/users/MeganB@contoso.com", {
      passwordProfile: { password: "short" },
    });
    expect(weak.status).toBe(400);
    expect(JSON.stringify(weak.body)).not.toContain("short");
    const typo = await call("PATCH", "/v1.0/users/MeganB@contoso.com", {
      passwordProfile: { pasword: secret },
    });
    expect(typo.status).toBe(400);
    expect(JSON.stringify(typo.body)).not.toContain(secret);
  });

  it("sensitive target: a privileged user needs a privileged app (403), unknown user 404, bad body 400", async () => {
    await withRoles(["User.ReadWrite.All"], ["Exchange Administrator"], async (call) => {
      const res = await call("PATCH", "/v1.0/users/admin@contoso.onmicrosoft.com", { accountEnabled: false });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: { code: "Authorization_RequestDenied" } });
    });
    await withRoles(["User.ReadWrite.All"], ["Privileged Authentication Administrator"], async (call) => {
      const res = await call("PATCH", "/v1.0/users/breakglass@contoso.onmicrosoft.com", {
        passwordProfile: { forceChangePasswordNextSignIn: true },
      });
      expect(res.status).toBe(204);
    });
    expect((await call("PATCH", "/v1.0/users/nobody@contoso.com", { accountEnabled: false })).status).toBe(
      404,
    );
    for (const body of ["{", "", { accountEnabled: "no" }, { displayName: "x" }]) {
      const res = await call("PATCH", "/v1.0/users/AlexW@contoso.com", body === "" ? "" : body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { innerError: { "request-id": expect.any(String) } } });
    }
  });
});

describe("GET /users/{id}/mailboxSettings", () => {
  it("has the documented members and no forwarding; $select; 404 ErrorInvalidUser without a mailbox", async () => {
    const client = graphClient(t.emu);
    const s = await client.api("/users/AdeleV@contoso.com/mailboxSettings").get();
    expect(s["@odata.context"]).toMatch(/\/mailboxSettings$/);
    for (const k of [
      "automaticRepliesSetting",
      "timeZone",
      "language",
      "workingHours",
      "userPurpose",
      "dateFormat",
    ])
      expect(s).toHaveProperty(k);
    expect(JSON.stringify(s).toLowerCase()).not.toContain("forward");
    const sel = await client.api("/users/AdeleV@contoso.com/mailboxSettings").select("timeZone").get();
    expect(Object.keys(sel).sort()).toEqual(["@odata.context", "timeZone"]);
    const err = await rejection(
      client.api("/users/breakglass@contoso.onmicrosoft.com/mailboxSettings").get(),
    );
    expect(err["statusCode"]).toBe(404);
    expect(err["code"]).toBe("ErrorInvalidUser");
  });
});

describe("POST …/messageRules", () => {
  it("creates a rule: 201 with a new id; it is listed; required members → 400", async () => {
    const res = await call("POST", "/v1.0/users/AlexW@contoso.com/mailFolders/inbox/messageRules", {
      displayName: "From partner",
      sequence: 2,
      isEnabled: true,
      conditions: { senderContains: ["adele"] },
      actions: {
        forwardTo: [{ emailAddress: { name: "Alex Wilbur", address: "AlexW@contoso.onmicrosoft.com" } }],
        stopProcessingRules: true,
      },
    });
    expect(res.status).toBe(201);
    const rule = res.body as Record<string, unknown>;
    expect(rule).toMatchObject({
      "@odata.context": expect.stringMatching(/messageRules\/\$entity$/),
      displayName: "From partner",
      sequence: 2,
      isEnabled: true,
      hasError: false,
      isReadOnly: false,
      actions: {
        stopProcessingRules: true,
        forwardTo: [{ emailAddress: { address: "AlexW@contoso.onmicrosoft.com" } }],
      },
    });
    expect(rule["id"]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const list = await call("GET", "/v1.0/users/AlexW@contoso.com/mailFolders/inbox/messageRules");
    expect((list.body as { value: { id: string }[] }).value.map((r) => r.id)).toContain(rule["id"]);
    const state = t.emu.ctx.state.mailboxes.find(
      (m) => m.primarySmtpAddress.toLowerCase() === "alexw@contoso.com",
    );
    expect(state?.rules.find((r) => r.graphId === rule["id"])).toMatchObject({
      createdBy: "graph",
      hidden: false,
    });
    for (const missing of ["displayName", "sequence", "actions"]) {
      const body: Record<string, unknown> = { displayName: "x", sequence: 1, actions: { markAsRead: true } };
      delete body[missing];
      const bad = await call("POST", "/v1.0/users/AlexW@contoso.com/mailFolders/inbox/messageRules", body);
      expect(bad.status).toBe(400);
      expect((bad.body as { error: { message: string } }).error.message).toContain(missing);
    }
    const del = await call(
      "DELETE",
      `/v1.0/users/AlexW@contoso.com/mailFolders/inbox/messageRules/${String(rule["id"])}`,
    );
    expect(del.status).toBe(204);
  });

  it("needs MailboxSettings.ReadWrite (403 ErrorAccessDenied with Read)", async () => {
    await withRoles(["MailboxSettings.Read"], undefined, async (call) => {
      const res = await call("POST", "/v1.0/users/AlexW@contoso.com/mailFolders/inbox/messageRules", {
        displayName: "x",
        sequence: 1,
        actions: { markAsRead: true },
      });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: { code: "ErrorAccessDenied" } });
    });
  });
});
