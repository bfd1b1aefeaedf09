/**
 * The emulated directory's consents, app-role assignments, authentication methods, directory audit log and
 * auto-replies (mailboxSettings PATCH): documented shapes, filters, 404s, 403s and refusals of bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTACKER_IP } from "../../src/emulator/scenarios/default.js";
import { startTestEmulator, type TestEmulator } from "./helpers.js";
import { grantRoles, rawGraph, userByUpn } from "./graph-fixture.js";

const ROLES = [
  "User.Read.All",
  "MailboxSettings.ReadWrite",
  "DelegatedPermissionGrant.ReadWrite.All",
  "AppRoleAssignment.ReadWrite.All",
  "Directory.Read.All",
  "UserAuthenticationMethod.ReadWrite.All",
  "AuditLog.Read.All",
];

let t: TestEmulator;
let call: ReturnType<typeof rawGraph>;
const body = (r: { body: unknown }) =>
  r.body as Record<string, unknown> & { value: Record<string, unknown>[] };
const errorCode = (r: { body: unknown }) => (r.body as { error: { code: string } }).error.code;

beforeAll(async () => {
  t = await startTestEmulator();
  grantRoles(t.emu, ROLES);
  call = rawGraph(t.emu);
});
afterAll(async () => t.stop());

function withRoles<T>(roles: string[], fn: (c: ReturnType<typeof rawGraph>) => Promise<T>): Promise<T> {
  const app = t.emu.ctx.state.apps[0]!;
  const saved = app.graphRoles;
  app.graphRoles = roles;
  return fn(rawGraph(t.emu)).finally(() => {
    app.graphRoles = saved;
  });
}

const adele = () => userByUpn(t.emu.ctx.state, "AdeleV@contoso.com");

describe("oauth2PermissionGrants", () => {
  it("lists by principalId with the documented members and no creation time; 400 on an unsupported filter", async () => {
    const r = await call("GET", `/v1.0/oauth2PermissionGrants?$filter=principalId eq '${adele().id}'`);
    expect(r.status).toBe(200);
    expect(body(r).value).toHaveLength(3);
    for (const g of body(r).value) {
      expect(Object.keys(g).sort()).toEqual([
        "clientId",
        "consentType",
        "id",
        "principalId",
        "resourceId",
        "scope",
      ]);
      expect(g["consentType"]).toBe("Principal");
    }
    const bad = await call("GET", "/v1.0/oauth2PermissionGrants?$filter=scope eq 'Mail.Read'");
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe("Request_UnsupportedQuery");
  });

  it("DELETE → 204 and a directory audit record by the app; again → 404; POST re-creates with a new id; a duplicate is 409", async () => {
    const list = await call("GET", `/v1.0/oauth2PermissionGrants?$filter=principalId eq '${adele().id}'`);
    const g = body(list).value[0]!;
    expect((await call("DELETE", `/v1.0/oauth2PermissionGrants/${g["id"] as string}`)).status).toBe(204);
    const audit = t.emu.ctx.state.directoryAudits!.at(-1)!;
    expect(audit).toMatchObject({
      activityDisplayName: "Remove delegated permission grant",
      initiatedBy: { user: null, app: { appId: t.emu.ctx.state.apps[0]!.clientId } },
    });
    const again = await call("DELETE", `/v1.0/oauth2PermissionGrants/${g["id"] as string}`);
    expect(again.status).toBe(404);
    expect(errorCode(again)).toBe("Request_ResourceNotFound");
    const { id: _old, ...image } = g;
    const created = await call("POST", "/v1.0/oauth2PermissionGrants", image);
    expect(created.status).toBe(201);
    expect(body(created)["id"]).not.toBe(g["id"]);
    expect(body(created)).toMatchObject(image);
    expect((await call("POST", "/v1.0/oauth2PermissionGrants", image)).status).toBe(409);
    const unknownClient = await call("POST", "/v1.0/oauth2PermissionGrants", {
      ...image,
      clientId: "00000000-0000-4000-8000-000000000001",
    });
    expect(unknownClient.status).toBe(404);
    const missing = await call("POST", "/v1.0/oauth2PermissionGrants", { clientId: image["clientId"] });
    expect(missing.status).toBe(400);
  });

  it("403 Authorization_RequestDenied: a delete without DelegatedPermissionGrant.ReadWrite.All, a list without any read permission", async () => {
    await withRoles(["User.Read.All", "DelegatedPermissionGrant.Read.All"], async (c) => {
      expect((await c("GET", "/v1.0/oauth2PermissionGrants")).status).toBe(200);
      const r = await c("DELETE", "/v1.0/oauth2PermissionGrants/abc");
      expect(r.status).toBe(403);
      expect(errorCode(r)).toBe("Authorization_RequestDenied");
    });
    await withRoles(["User.Read.All"], async (c) => {
      expect((await c("GET", "/v1.0/oauth2PermissionGrants")).status).toBe(403);
    });
  });
});

describe("users' appRoleAssignments", () => {
  it("lists with createdDateTime; DELETE 204 then 404; POST validates the role and the principal", async () => {
    const r = await call("GET", `/v1.0/users/${adele().id}/appRoleAssignments`);
    expect(r.status).toBe(200);
    const rows = body(r).value;
    expect(rows.map((x) => x["resourceDisplayName"]).sort()).toEqual(["Contoso Expenses", "Mail Backup Pro"]);
    for (const x of rows) expect(typeof x["createdDateTime"]).toBe("string");
    const x = rows.find((y) => y["resourceDisplayName"] === "Mail Backup Pro")!;
    const path = `/v1.0/users/${adele().id}/appRoleAssignments/${x["id"] as string}`;
    expect((await call("DELETE", path)).status).toBe(204);
    expect((await call("DELETE", path)).status).toBe(404);
    const other = userByUpn(t.emu.ctx.state, "AlexW@contoso.com");
    const wrongPrincipal = await call("POST", `/v1.0/users/${adele().id}/appRoleAssignments`, {
      principalId: other.id,
      resourceId: x["resourceId"],
      appRoleId: x["appRoleId"],
    });
    expect(wrongPrincipal.status).toBe(400);
    const noSuchRole = await call("POST", `/v1.0/users/${adele().id}/appRoleAssignments`, {
      principalId: adele().id,
      resourceId: x["resourceId"],
      appRoleId: "11111111-1111-4111-8111-111111111111",
    });
    expect(noSuchRole.status).toBe(400);
    const back = await call("POST", `/v1.0/users/${adele().id}/appRoleAssignments`, {
      principalId: adele().id,
      resourceId: x["resourceId"],
      appRoleId: x["appRoleId"],
    });
    expect(back.status).toBe(201);
    expect(body(back)["createdDateTime"]).toBe(
      t.emu.ctx.clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z"),
    );
    await withRoles(["Directory.Read.All"], async (c) => {
      expect(
        (await c("DELETE", `/v1.0/users/${adele().id}/appRoleAssignments/${body(back)["id"] as string}`))
          .status,
      ).toBe(403);
    });
  });
});

describe("authentication methods", () => {
  it("lists every type with @odata.type; createdDateTime only where v1.0 documents it (beta adds softwareOath's)", async () => {
    const r = await call("GET", `/v1.0/users/${adele().id}/authentication/methods`);
    expect(r.status).toBe(200);
    const byType = (v: Record<string, unknown>[], t: string) =>
      v.filter((m) => m["@odata.type"] === `#microsoft.graph.${t}`);
    const v = body(r).value;
    expect(byType(v, "passwordAuthenticationMethod")).toHaveLength(1);
    const authenticators = byType(v, "microsoftAuthenticatorAuthenticationMethod");
    // createdDateTime is null unless registered for passwordless phone sign-in (the attacker's Pixel is).
    expect(authenticators.map((m) => [m["displayName"], m["createdDateTime"]]).sort()).toEqual([
      ["Pixel 7", "2025-06-01T22:40:12Z"],
      ["iPhone 13", null],
    ]);
    expect(byType(v, "phoneAuthenticationMethod")[0]).not.toHaveProperty("createdDateTime");
    expect(byType(v, "softwareOathAuthenticationMethod")[0]).not.toHaveProperty("createdDateTime");
    expect(byType(v, "softwareOathAuthenticationMethod")[0]!["secretKey"]).toBeNull();
    const beta = await call("GET", `/beta/users/${adele().id}/authentication/methods`);
    expect(byType(body(beta).value, "softwareOathAuthenticationMethod")[0]).toHaveProperty("createdDateTime");
  });

  it("DELETE by type: 204, a method of another type under the segment is 404, the password method cannot be deleted (405)", async () => {
    const v = body(await call("GET", `/v1.0/users/${adele().id}/authentication/methods`)).value;
    const phone = v.find((m) => m["@odata.type"] === "#microsoft.graph.phoneAuthenticationMethod")!;
    const pw = v.find((m) => m["@odata.type"] === "#microsoft.graph.passwordAuthenticationMethod")!;
    const wrongType = await call(
      "DELETE",
      `/v1.0/users/${adele().id}/authentication/fido2Methods/${phone["id"] as string}`,
    );
    expect(wrongType.status).toBe(404);
    expect(
      (await call("DELETE", `/v1.0/users/${adele().id}/authentication/passwordMethods/${pw["id"] as string}`))
        .status,
    ).toBe(405);
    await withRoles(["UserAuthenticationMethod.Read.All"], async (c) => {
      const r = await c(
        "DELETE",
        `/v1.0/users/${adele().id}/authentication/phoneMethods/${phone["id"] as string}`,
      );
      expect(r.status).toBe(403);
    });
    expect(
      (await call("DELETE", `/v1.0/users/${adele().id}/authentication/phoneMethods/${phone["id"] as string}`))
        .status,
    ).toBe(204);
    expect(t.emu.ctx.state.directoryAudits!.at(-1)).toMatchObject({
      activityDisplayName: "Admin deleted security info",
      loggedByService: "Authentication Methods",
    });
    expect((await call("GET", `/v1.0/users/nobody@contoso.com/authentication/methods`)).status).toBe(404);
  });
});

describe("directoryAudits", () => {
  it("filters by activity, initiating user and time, newest first; the attacker's records carry its IP", async () => {
    const f = `activityDisplayName eq 'User registered security info' and initiatedBy/user/id eq '${adele().id}' and activityDateTime ge 2025-06-01T00:00:00Z`;
    const r = await call("GET", `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(f)}`);
    expect(r.status).toBe(200);
    const v = body(r).value;
    expect(v).toHaveLength(2);
    expect(Date.parse(v[0]!["activityDateTime"] as string)).toBeGreaterThan(
      Date.parse(v[1]!["activityDateTime"] as string),
    );
    for (const a of v)
      expect((a["initiatedBy"] as { user: { ipAddress: string } }).user.ipAddress).toBe(ATTACKER_IP);
    const bad = await call(
      "GET",
      `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("resultReason eq 'x'")}`,
    );
    expect(bad.status).toBe(400);
    await withRoles(["User.Read.All"], async (c) => {
      expect((await c("GET", "/v1.0/auditLogs/directoryAudits")).status).toBe(403);
    });
  });
});

describe("PATCH mailboxSettings (automaticRepliesSetting)", () => {
  const path = "/v1.0/users/AdeleV@contoso.com/mailboxSettings";
  it("changes the members given and keeps the others; 200 with the setting", async () => {
    const r = await call("PATCH", path, { automaticRepliesSetting: { status: "disabled" } });
    expect(r.status).toBe(200);
    expect(body(r)["automaticRepliesSetting"]).toMatchObject({ status: "disabled", externalAudience: "all" });
    const got = body(await call("GET", `${path}?$select=automaticRepliesSetting`));
    expect((got["automaticRepliesSetting"] as { externalReplyMessage: string }).externalReplyMessage).toMatch(
      /invoices/,
    );
    const sched = await call("PATCH", path, {
      automaticRepliesSetting: {
        status: "scheduled",
        scheduledStartDateTime: { dateTime: "2025-07-01T08:00:00", timeZone: "UTC" },
        scheduledEndDateTime: { dateTime: "2025-07-10T08:00:00", timeZone: "UTC" },
      },
    });
    expect(sched.status).toBe(200);
    expect(body(sched)["automaticRepliesSetting"]).toMatchObject({
      scheduledStartDateTime: { dateTime: "2025-07-01T08:00:00.0000000", timeZone: "UTC" },
    });
  });

  it("refuses bad input with 400 and nothing changes; 403 with MailboxSettings.Read only", async () => {
    const mb = () => t.emu.ctx.state.mailboxes.find((m) => m.userId === adele().id)!;
    const before = JSON.stringify(mb().automaticReplies);
    for (const b of [
      { automaticRepliesSetting: { status: "sometimes" } },
      { automaticRepliesSetting: { externalAudience: "everyone" } },
      { automaticRepliesSetting: { bogus: 1 } },
      { automaticRepliesSetting: { internalReplyMessage: 5 } },
      {
        automaticRepliesSetting: {
          status: "scheduled",
          scheduledStartDateTime: { dateTime: "2025-07-10T08:00:00", timeZone: "UTC" },
          scheduledEndDateTime: { dateTime: "2025-07-01T08:00:00", timeZone: "UTC" },
        },
      },
      { timeZone: "Pacific Standard Time" },
      { forwardingSmtpAddress: "x@example.com" },
      "not json",
    ]) {
      const r = await call("PATCH", path, b);
      expect(r.status, JSON.stringify(b)).toBe(400);
    }
    expect(JSON.stringify(mb().automaticReplies)).toBe(before);
    await withRoles(["MailboxSettings.Read"], async (c) => {
      expect((await c("GET", path)).status).toBe(200);
      expect((await c("PATCH", path, { automaticRepliesSetting: { status: "disabled" } })).status).toBe(403);
    });
  });
});
