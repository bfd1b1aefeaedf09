/**
 * Teams channel messages on the emulated tenant: delegated tokens from the password grant post; app-only tokens are
 * refused the way Graph refuses them (403 without Teamwork.Migrate.All, 401 with it); validation, membership and
 * the request log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseScenario } from "../../src/emulator/scenario.js";
import { buildTenant } from "../../src/emulator/buildTenant.js";
import { createIdSource } from "../../src/emulator/ids.js";
import {
  adminJson,
  graphClient,
  rejection,
  secretCredential,
  startTestEmulator,
  type TestEmulator,
} from "./helpers.js";
import {
  CHANNEL_ID,
  NOTICES_UPN,
  OUTSIDER_PASSWORD,
  OUTSIDER_UPN,
  TEAM_ID,
  UNCONSENTED_APP_ID,
  noticesCredential,
  teamsScenario,
} from "./teams-fixture.js";
import type { TenantState } from "../../src/emulator/state.js";

let t: TestEmulator;
const PATH = `/v1.0/teams/${TEAM_ID}/channels/${encodeURIComponent(CHANNEL_ID)}/messages`;

beforeAll(async () => {
  t = await startTestEmulator({ scenario: teamsScenario });
});
afterAll(async () => t.stop());

type GraphBody = Record<string, unknown> & {
  error: { code: string; message: string; innerError?: Record<string, string> };
};

async function post(token: string, body: unknown, path = PATH) {
  const res = await fetch(`${t.emu.baseUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as GraphBody };
}

async function delegatedToken(): Promise<string> {
  return (await noticesCredential(t.emu).getToken("https://graph.microsoft.com/.default")).token;
}

function messages() {
  const team = t.emu.ctx.state.teams?.find((x) => x.id === TEAM_ID);
  return team?.channels.find((c) => c.id === CHANNEL_ID)?.messages ?? [];
}

describe("the password grant (delegated tokens)", () => {
  it("issues a user token with the consented scopes", async () => {
    const token = await delegatedToken();
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ idtyp: "user", scp: "ChannelMessage.Send", upn: NOTICES_UPN });
    expect(claims["roles"]).toBeUndefined();
  });

  it("refuses a wrong password with AADSTS50126 and an unknown user with AADSTS50034", async () => {
    const bad = await rejection(
      noticesCredential(t.emu, NOTICES_UPN, "wrong").getToken("https://graph.microsoft.com/.default"),
    );
    expect(String(bad["message"])).toContain("AADSTS50126");
    const none = await rejection(
      noticesCredential(t.emu, "nobody@contoso.com", "x").getToken("https://graph.microsoft.com/.default"),
    );
    expect(String(none["message"])).toContain("AADSTS50034");
  });

  it("refuses a confidential app without a client secret (AADSTS7000218)", async () => {
    const res = await fetch(`${t.emu.authorityHost}/${t.emu.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        client_id: t.emu.clientId,
        username: NOTICES_UPN,
        password: "Corr3ct-Horse-Battery",
        scope: "https://graph.microsoft.com/.default",
      }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error_codes: number[] }).error_codes).toEqual([7000218]);
  });

  it("never shows a password hash in the admin state dump", async () => {
    const state = (await adminJson(t.emu, "/state")) as TenantState;
    const u = state.users.find((x) => x.userPrincipalName === NOTICES_UPN);
    expect(u?.passwordHash).toBe("***redacted***");
  });
});

describe("POST /teams/{id}/channels/{id}/messages", () => {
  it("a member with ChannelMessage.Send posts HTML: 201, stored, logged as a write", async () => {
    const before = messages().length;
    const content = "<p>Case <b>c-1</b>: approval needed</p>";
    const res = await post(await delegatedToken(), { body: { contentType: "html", content } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      messageType: "message",
      body: { contentType: "html", content },
      channelIdentity: { teamId: TEAM_ID, channelId: CHANNEL_ID },
      from: { user: { displayName: "mailwarden notices", userIdentityType: "aadUser" } },
    });
    expect(res.body["id"]).toMatch(/^\d{13}$/);
    expect(messages()).toHaveLength(before + 1);
    expect(messages().at(-1)).toMatchObject({ id: res.body["id"], body: { content } });
    const entry = t.emu.requests().findLast((r) => r.method === "POST" && r.path.includes("/messages"));
    expect(entry).toMatchObject({ face: "graph", status: 201, write: true });
  });

  it("through the Graph SDK too, and two posts at one emulator instant get distinct ids", async () => {
    const client = graphClient(t.emu, noticesCredential(t.emu));
    const a = await client.api(PATH.replace("/v1.0", "")).post({ body: { content: "one" } });
    const b = await client.api(PATH.replace("/v1.0", "")).post({ body: { content: "two" } });
    expect(a.id).not.toBe(b.id);
    expect(a.body).toEqual({ contentType: "text", content: "one" });
  });

  it("refuses an app-only token without Teamwork.Migrate.All: 403 in Teams' words", async () => {
    const token = (await secretCredential(t.emu).getToken("https://graph.microsoft.com/.default")).token;
    const before = messages().length;
    const res = await post(token, { body: { content: "hi" } });
    expect(res.status).toBe(403);
    expect(res.body["error"]).toMatchObject({
      code: "Forbidden",
      message:
        "Missing role permissions on the request. API requires one of 'Teamwork.Migrate.All'. Roles on the request 'User.Read.All'.",
    });
    expect(res.body["error"].innerError).toHaveProperty("request-id");
    expect(messages()).toHaveLength(before);
  });

  it("refuses an app-only token even with Teamwork.Migrate.All: 401, import purposes only", async () => {
    const app = t.emu.ctx.state.apps[0]!;
    const saved = app.graphRoles;
    app.graphRoles = [...saved, "Teamwork.Migrate.All"];
    try {
      const token = (await secretCredential(t.emu).getToken("https://graph.microsoft.com/.default")).token;
      const res = await post(token, { body: { content: "hi" } });
      expect(res.status).toBe(401);
      expect(res.body["error"].code).toBe("Unauthorized");
      expect(res.body["error"].message).toContain("application-only context only for import purposes");
    } finally {
      app.graphRoles = saved;
    }
  });

  it("refuses a user token without ChannelMessage.Send: 403 naming the scopes", async () => {
    const cred = noticesCredential(t.emu, NOTICES_UPN, "Corr3ct-Horse-Battery", UNCONSENTED_APP_ID);
    const token = (await cred.getToken("https://graph.microsoft.com/.default")).token;
    const res = await post(token, { body: { content: "hi" } });
    expect(res.status).toBe(403);
    expect(res.body["error"].message).toContain(
      "API requires one of 'ChannelMessage.Send, Group.ReadWrite.All'",
    );
    expect(res.body["error"].message).toContain("Scopes on the request 'User.Read'");
  });

  it("refuses a user who is not a member of the team: 403", async () => {
    const cred = noticesCredential(t.emu, OUTSIDER_UPN, OUTSIDER_PASSWORD);
    const token = (await cred.getToken("https://graph.microsoft.com/.default")).token;
    const res = await post(token, { body: { content: "hi" } });
    expect(res.status).toBe(403);
    expect(res.body["error"].code).toBe("Forbidden");
  });

  it.each([
    ["no body", "", 400, "Empty Payload. JSON content expected."],
    ["not JSON", "{", 400, "Unable to read JSON request payload"],
    ["no body property", { subject: "x" }, 400, "Missing body content"],
    ["empty content", { body: { content: "  " } }, 400, "Missing body content"],
    [
      "a content type Graph does not know",
      { body: { contentType: "markdown", content: "x" } },
      400,
      "body.contentType",
    ],
    ["an unknown property", { body: { content: "x" }, colour: "red" }, 400, "'colour'"],
    ["content over 28 KB", { body: { content: "x".repeat(28 * 1024 + 1) } }, 413, "maximum allowed size"],
  ])("validates the message: %s", async (_what, body, status, text) => {
    const before = messages().length;
    const res = await post(await delegatedToken(), body);
    expect(res.status).toBe(status);
    expect(res.body["error"].message).toContain(text);
    expect(messages()).toHaveLength(before);
  });

  it("answers 404 for an unknown team or channel", async () => {
    const token = await delegatedToken();
    const noTeam = await post(
      token,
      { body: { content: "x" } },
      PATH.replace(TEAM_ID, "00000000-0000-0000-0000-000000000000"),
    );
    expect(noTeam.status).toBe(404);
    const noChannel = await post(
      token,
      { body: { content: "x" } },
      PATH.replace(encodeURIComponent(CHANNEL_ID), encodeURIComponent("19:nope@thread.tacv2")),
    );
    expect(noChannel.status).toBe(404);
  });

  it("has only POST: GET on the messages path is 405", async () => {
    const res = await fetch(`${t.emu.baseUrl}${PATH}`, {
      headers: { authorization: `Bearer ${await delegatedToken()}` },
    });
    expect(res.status).toBe(405);
  });
});

describe("teams in scenarios", () => {
  it("adds the General channel and resolves members to user ids", () => {
    const state = buildTenant(parseScenario(teamsScenario), createIdSource(1));
    const team = state.teams?.[0];
    expect(team?.channels.map((c) => c.displayName)).toEqual(["General", "Incidents"]);
    expect(team?.channels[0]?.id).toMatch(/^19:[0-9a-f]{32}@thread\.tacv2$/);
    expect(team?.memberIds).toHaveLength(2);
  });

  it("rejects a member who is not a user of the scenario, naming the path", () => {
    const bad = { ...teamsScenario, teams: [{ displayName: "X", members: ["ghost@contoso.com"] }] };
    expect(() => parseScenario(bad)).toThrow(/teams\.0\.members\.0: no user 'ghost@contoso.com'/);
  });
});
