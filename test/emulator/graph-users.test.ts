import { PageIterator, type PageCollection } from "@microsoft/microsoft-graph-client";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { graphClient, rejection, secretCredential, startTestEmulator, type TestEmulator } from "./helpers.js";
import { defaultScenario } from "../../src/emulator/scenarios/default.js";
import { GRAPH_CONTENT_TYPE } from "../../src/emulator/graph/respond.js";

describe("Graph face: users", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator();
  });
  afterAll(async () => {
    await t.stop();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lists every user across pages with PageIterator, following absolute nextLinks on this host", async () => {
    const client = graphClient(t.emu);
    const first = (await client.api("/users").select("id,userPrincipalName").top(2).get()) as PageCollection;
    expect(first["@odata.context"]).toBe(`${t.emu.baseUrl}/v1.0/$metadata#users(id,userPrincipalName)`);
    expect(first.value).toHaveLength(2);
    expect(first["@odata.nextLink"]).toMatch(
      new RegExp(`^${t.emu.baseUrl.replaceAll(".", "\\.")}/v1\\.0/users\\?.*\\$skiptoken=`),
    );
    const upns: string[] = [];
    const it = new PageIterator(client, first, (u: { userPrincipalName: string }) => {
      upns.push(u.userPrincipalName);
      return true;
    });
    await it.iterate();
    expect(upns).toEqual((defaultScenario.users ?? []).map((u) => u.userPrincipalName));
    const pages = t.emu.requests().filter((e) => e.face === "graph" && e.path.startsWith("/v1.0/users?"));
    expect(pages.length).toBe(Math.ceil(upns.length / 2));
  });

  it("returns the documented default property set without $select", async () => {
    const res = await graphClient(t.emu).api("/users").get();
    const adele = (res.value as Array<Record<string, unknown>>).find(
      (u) => u["userPrincipalName"] === "AdeleV@contoso.com",
    );
    expect(Object.keys(adele ?? {}).sort()).toEqual(
      [
        "businessPhones",
        "displayName",
        "givenName",
        "id",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
      ].sort(),
    );
    expect(res["@odata.nextLink"]).toBeUndefined();
  });

  it("gets a user by UPN (case-insensitive) and by id, with $select", async () => {
    const client = graphClient(t.emu);
    const byUpn = await client
      .api(`/users/${encodeURIComponent("leeg@CONTOSO.com")}`)
      .select("id,accountEnabled,onPremisesSyncEnabled,signInSessionsValidFromDateTime,proxyAddresses")
      .get();
    expect(byUpn["@odata.context"]).toBe(
      `${t.emu.baseUrl}/v1.0/$metadata#users(id,accountEnabled,onPremisesSyncEnabled,signInSessionsValidFromDateTime,proxyAddresses)/$entity`,
    );
    expect(byUpn).toMatchObject({ accountEnabled: true, onPremisesSyncEnabled: true });
    expect(byUpn.proxyAddresses).toContain("SMTP:LeeG@contoso.com");
    expect(byUpn.signInSessionsValidFromDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(byUpn.displayName).toBeUndefined();
    const byId = await client.api(`/users/${byUpn.id as string}`).get();
    expect(byId.userPrincipalName).toBe("LeeG@contoso.com");
    expect(byId["@odata.context"]).toBe(`${t.emu.baseUrl}/v1.0/$metadata#users/$entity`);
    const keyForm = await client.api(`/users('${encodeURIComponent("AdeleV@contoso.com")}')`).get();
    expect(keyForm.displayName).toBe("Adele Vance");
  });

  it("filters on userPrincipalName and mail", async () => {
    const client = graphClient(t.emu);
    const res = await client.api("/users").filter("userPrincipalName eq 'meganb@contoso.com'").get();
    expect(res.value.map((u: { displayName: string }) => u.displayName)).toEqual(["Megan Bowen"]);
    const none = await client.api("/users").filter("mail eq 'nobody@contoso.com'").get();
    expect(none.value).toEqual([]);
    const bad = await rejection(client.api("/users").filter("startswith(displayName,'A')").get());
    expect(bad).toMatchObject({ statusCode: 400, code: "Request_UnsupportedQuery" });
  });

  it("answers an unknown $select property with 400", async () => {
    const err = await rejection(graphClient(t.emu).api("/users").select("id,favouriteColour").get());
    expect(err).toMatchObject({ statusCode: 400, code: "Request_BadRequest" });
    expect(String(err["message"])).toContain("favouriteColour");
  });

  it("answers an unknown user with 404 Request_ResourceNotFound and Graph's error shape and headers", async () => {
    const res = await fetch(`${t.emu.baseUrl}/v1.0/users/nobody%40contoso.com`, {
      headers: {
        Authorization: `Bearer ${(await secretCredential(t.emu).getToken("https://graph.microsoft.com/.default")).token}`,
        "client-request-id": "abc-123",
      },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe(GRAPH_CONTENT_TYPE);
    expect(res.headers.get("client-request-id")).toBe("abc-123");
    const requestId = res.headers.get("request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as {
      error: { code: string; message: string; innerError: Record<string, string> };
    };
    expect(body.error.code).toBe("Request_ResourceNotFound");
    expect(body.error.message).toBe(
      "Resource 'nobody@contoso.com' does not exist or one of its queried reference-property objects are not present.",
    );
    expect(body.error.innerError).toEqual({
      date: "2025-06-02T09:00:00",
      "request-id": requestId,
      "client-request-id": "abc-123",
    });
  });

  it("surfaces errors through the SDK as GraphError with code and request id", async () => {
    const err = await rejection(graphClient(t.emu).api("/users/00000000-0000-4000-8000-000000000000").get());
    expect(err).toMatchObject({ statusCode: 404, code: "Request_ResourceNotFound" });
    expect(err["requestId"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers an unknown segment with Graph's 400 BadRequest text", async () => {
    const err = await rejection(graphClient(t.emu).api("/groups").get());
    expect(err).toMatchObject({
      statusCode: 400,
      code: "BadRequest",
      message: "Resource not found for the segment 'groups'.",
    });
    const deeper = await rejection(graphClient(t.emu).api("/users/AdeleV@contoso.com/authentication").get());
    expect(deeper).toMatchObject({ message: "Resource not found for the segment 'authentication'." });
  });

  it("serves /beta too", async () => {
    const res = await graphClient(t.emu).api("/users/AdeleV@contoso.com").version("beta").get();
    expect(res["@odata.context"]).toBe(`${t.emu.baseUrl}/beta/$metadata#users/$entity`);
  });

  describe("authentication", () => {
    const call = (auth?: string) =>
      fetch(`${t.emu.baseUrl}/v1.0/users`, { headers: auth ? { Authorization: auth } : {} });

    it("401 InvalidAuthenticationToken without a token, with a garbage token, and with an Exchange token", async () => {
      const exo = await secretCredential(t.emu).getToken("https://outlook.office365.com/.default");
      for (const auth of [undefined, "Bearer not.a.jwt", `Bearer ${exo.token}`]) {
        const res = await call(auth);
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          "InvalidAuthenticationToken",
        );
      }
    });

    it("401 for a token whose signature does not verify", async () => {
      const good = (await secretCredential(t.emu).getToken("https://graph.microsoft.com/.default")).token;
      const [h, p] = good.split(".");
      const res = await call(`Bearer ${h}.${p}.${Buffer.from("forged").toString("base64url")}`);
      expect(res.status).toBe(401);
    });

    it("401 once the token has expired (real time, not the emulator clock)", async () => {
      const token = (await secretCredential(t.emu).getToken("https://graph.microsoft.com/.default")).token;
      expect((await call(`Bearer ${token}`)).status).toBe(200);
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 2 * 3600_000 });
      const res = await call(`Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
    });
  });
});

describe("Graph face: permissions", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      scenario: {
        ...defaultScenario,
        apps: [{ displayName: "mail reader", graphRoles: ["MailboxSettings.Read"] }],
      },
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("403 Authorization_RequestDenied on directory reads without a user read role", async () => {
    const err = await rejection(graphClient(t.emu).api("/users").get());
    expect(err).toMatchObject({
      statusCode: 403,
      code: "Authorization_RequestDenied",
      message: "Insufficient privileges to complete the operation.",
    });
  });

  it("403 Authorization_RequestDenied on revokeSignInSessions without a revoke role, and no state change", async () => {
    const before = t.emu.ctx.state.users.map((u) => u.signInSessionsValidFromDateTime);
    const err = await rejection(
      graphClient(t.emu).api("/users/AdeleV@contoso.com/revokeSignInSessions").post({}),
    );
    expect(err).toMatchObject({ statusCode: 403, code: "Authorization_RequestDenied" });
    expect(t.emu.ctx.state.users.map((u) => u.signInSessionsValidFromDateTime)).toEqual(before);
    expect(t.emu.requests().at(-1)).toMatchObject({ status: 403, write: false });
  });

  it("reads rules with MailboxSettings.Read but 403 ErrorAccessDenied on PATCH", async () => {
    const client = graphClient(t.emu);
    const rules = await client.api("/users/AdeleV@contoso.com/mailFolders/inbox/messageRules").get();
    expect(rules.value.length).toBeGreaterThan(0);
    const err = await rejection(
      client
        .api(`/users/AdeleV@contoso.com/mailFolders/inbox/messageRules/${rules.value[0].id as string}`)
        .patch({ isEnabled: false }),
    );
    expect(err).toMatchObject({ statusCode: 403, code: "ErrorAccessDenied" });
    expect(t.emu.ctx.state.mailboxes.every((m) => m.rules.every((r) => r.enabled))).toBe(true);
  });

  it("403 ErrorAccessDenied on mail folders without a Mail role", async () => {
    const err = await rejection(graphClient(t.emu).api("/users/AdeleV@contoso.com/mailFolders/inbox").get());
    expect(err).toMatchObject({ statusCode: 403, code: "ErrorAccessDenied" });
  });
});
