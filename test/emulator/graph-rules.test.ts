import type { Client } from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphClient, rejection, secretCredential, startTestEmulator, type TestEmulator } from "./helpers.js";
import type { MailboxState } from "../../src/emulator/state.js";

type GraphRule = Record<string, unknown> & { id: string; displayName: string };

describe("Graph face: mail folders and message rules", () => {
  let t: TestEmulator;
  let client: Client;
  beforeAll(async () => {
    t = await startTestEmulator();
    client = graphClient(t.emu);
  });
  afterAll(async () => {
    await t.stop();
  });

  const rulesPath = (upn: string) => `/users/${encodeURIComponent(upn)}/mailFolders/inbox/messageRules`;
  const mailbox = (upn: string): MailboxState => {
    const user = t.emu.ctx.state.users.find((u) => u.userPrincipalName === upn);
    const mb = t.emu.ctx.state.mailboxes.find((m) => m.userId === user?.id);
    if (!mb) throw new Error(upn);
    return mb;
  };
  const listRules = async (upn: string) =>
    ((await client.api(rulesPath(upn)).get()) as { value: GraphRule[] }).value;

  it("gets a mail folder by well-known name and by id", async () => {
    const inbox = await client.api("/users/AdeleV@contoso.com/mailFolders/inbox").get();
    expect(inbox).toMatchObject({
      displayName: "Inbox",
      unreadItemCount: 14,
      totalItemCount: 412,
      isHidden: false,
      childFolderCount: 0,
    });
    expect(Object.keys(inbox).sort()).toEqual(
      [
        "@odata.context",
        "childFolderCount",
        "displayName",
        "id",
        "isHidden",
        "parentFolderId",
        "totalItemCount",
        "unreadItemCount",
      ].sort(),
    );
    const alexInbox = await client.api("/users/AlexW@contoso.com/mailFolders/Inbox").get();
    expect(alexInbox.childFolderCount).toBe(1);
    const byId = await client
      .api(`/users/AdeleV@contoso.com/mailFolders/${encodeURIComponent(inbox.id as string)}`)
      .get();
    expect(byId.id).toBe(inbox.id);
    const err = await rejection(client.api("/users/AdeleV@contoso.com/mailFolders/AAMkAnope").get());
    expect(err).toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
  });

  it("lists rules without the hidden Junk E-mail Rule, only non-default members, recipients as emailAddress", async () => {
    const rules = await listRules("AdeleV@contoso.com");
    expect(rules.map((r) => r.displayName)).toEqual(["Accounts sync"]);
    const [rule] = rules;
    expect(rule).toEqual({
      id: expect.stringMatching(/^AQAAA/),
      displayName: "Accounts sync",
      sequence: 1,
      isEnabled: true,
      hasError: false,
      isReadOnly: false,
      conditions: { bodyOrSubjectContains: ["invoice", "payment", "wire", "remittance", "bank details"] },
      actions: {
        forwardTo: [
          {
            emailAddress: {
              name: "adele.vance@mail-archive-secure.example",
              address: "adele.vance@mail-archive-secure.example",
            },
          },
        ],
      },
    });
  });

  it("shows a rule Graph cannot express as isReadOnly with no conditions/actions; folder targets as ids", async () => {
    const rules = await listRules("MeganB@contoso.com");
    const recent = rules.find((r) => r.displayName === "Recent leads");
    expect(recent).toEqual({
      id: recent?.id,
      displayName: "Recent leads",
      sequence: 1,
      isEnabled: true,
      hasError: false,
      isReadOnly: true,
    });
    const hiding = rules.find((r) => r.displayName === ".");
    const rss = mailbox("MeganB@contoso.com").folders.find((f) => f.displayName === "RSS Feeds");
    expect(hiding?.["actions"]).toEqual({
      moveToFolder: rss?.id,
      markAsRead: true,
      stopProcessingRules: true,
    });
  });

  it("answers a mailbox-less user with 404 ErrorInvalidUser and an unknown rule with 404 ErrorItemNotFound", async () => {
    const noMailbox = await rejection(client.api(rulesPath("breakglass@contoso.onmicrosoft.com")).get());
    expect(noMailbox).toMatchObject({ statusCode: 404, code: "ErrorInvalidUser" });
    const unknownUser = await rejection(client.api(rulesPath("ghost@contoso.com")).get());
    expect(unknownUser).toMatchObject({ statusCode: 404, code: "ErrorInvalidUser" });
    const unknownRule = await rejection(
      client.api(`${rulesPath("AdeleV@contoso.com")}/${encodeURIComponent("AQAAAAAAAAA=")}`).get(),
    );
    expect(unknownRule).toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
    const junk = mailbox("AdeleV@contoso.com").rules.find((r) => r.hidden);
    const hidden = await rejection(
      client.api(`${rulesPath("AdeleV@contoso.com")}/${encodeURIComponent(junk?.graphId ?? "")}`).get(),
    );
    expect(hidden).toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
  });

  it("disables a rule with PATCH isEnabled false: 200, state changed, logged as a write", async () => {
    const [rule] = await listRules("AdeleV@contoso.com");
    const before = t.emu.requests().length;
    const res = await client
      .api(`${rulesPath("AdeleV@contoso.com")}/${encodeURIComponent(rule!.id)}`)
      .patch({ isEnabled: false });
    expect(res).toMatchObject({
      id: rule!.id,
      isEnabled: false,
      conditions: rule!["conditions"],
      actions: rule!["actions"],
    });
    expect(res["@odata.context"]).toMatch(/messageRules\/\$entity$/);
    const state = mailbox("AdeleV@contoso.com").rules.find((r) => r.graphId === rule!.id);
    expect(state?.enabled).toBe(false);
    const logged = t.emu
      .requests()
      .slice(before)
      .filter((e) => e.method === "PATCH");
    expect(logged).toEqual([expect.objectContaining({ face: "graph", status: 200, write: true })]);
    expect(logged[0]?.path).toContain("/messageRules/");
  });

  it("does not count a PATCH that changes nothing as a write", async () => {
    const [rule] = await listRules("AdeleV@contoso.com");
    const before = t.emu.requests().length;
    await client
      .api(`${rulesPath("AdeleV@contoso.com")}/${encodeURIComponent(rule!.id)}`)
      .patch({ isEnabled: false, actions: rule!["actions"] });
    expect(
      t.emu
        .requests()
        .slice(before)
        .find((e) => e.method === "PATCH"),
    ).toMatchObject({ status: 200, write: false });
  });

  it("replaces actions wholesale and keeps unsupplied properties; Outlook client rules stay", async () => {
    const alex = mailbox("AlexW@contoso.com");
    const clientRulesBefore = alex.outlookClientRules;
    const [rule] = await listRules("AlexW@contoso.com");
    const res = await client
      .api(`${rulesPath("AlexW@contoso.com")}/${encodeURIComponent(rule!.id)}`)
      .patch({ displayName: "Newsletters (read)", actions: { markAsRead: true } });
    expect(res.actions).toEqual({ markAsRead: true });
    expect(res.conditions).toEqual(rule!["conditions"]);
    expect(res.displayName).toBe("Newsletters (read)");
    const state = alex.rules.find((r) => r.graphId === rule!.id);
    expect(state?.actions).toEqual({ markAsRead: true });
    expect(state?.name).toBe("Newsletters (read)");
    expect(alex.outlookClientRules).toBe(clientRulesBefore);
    const again = await client.api(`${rulesPath("AlexW@contoso.com")}/${encodeURIComponent(rule!.id)}`).get();
    expect(again.actions).toEqual({ markAsRead: true });
  });

  it("stores and renders any documented predicate, and recipients with names", async () => {
    const [rule] = await listRules("LeeG@contoso.com");
    const res = await client.api(`${rulesPath("LeeG@contoso.com")}/${encodeURIComponent(rule!.id)}`).patch({
      conditions: {
        sentToMe: true,
        importance: "high",
        isAutomaticReply: true,
        withinSizeRange: { minimumSize: 10, maximumSize: 500 },
      },
      exceptions: { senderContains: ["boss"] },
      actions: {
        redirectTo: [{ emailAddress: { address: "alexw@contoso.com", name: "Alex" } }],
        delete: true,
      },
    });
    expect(res.conditions).toEqual({
      sentToMe: true,
      isAutomaticReply: true,
      importance: "high",
      withinSizeRange: { minimumSize: 10, maximumSize: 500 },
    });
    expect(res.exceptions).toEqual({ senderContains: ["boss"] });
    expect(res.actions).toEqual({
      redirectTo: [{ emailAddress: { address: "alexw@contoso.com", name: "Alex" } }],
      delete: true,
    });
    const state = mailbox("LeeG@contoso.com").rules.find((r) => r.graphId === rule!.id);
    expect(state?.conditions).toEqual({
      myNameInToBox: true,
      messageTypeMatches: ["AutomaticReply"],
      withImportance: "high",
      withinSizeRangeMinimumKb: 10,
      withinSizeRangeMaximumKb: 500,
    });
    expect(state?.actions).toEqual({
      redirectTo: [{ address: "alexw@contoso.com", name: "Alex" }],
      deleteMessage: true,
    });
  });

  it("refuses to PATCH an isReadOnly rule (400 ErrorInvalidRequest) and leaves it unchanged", async () => {
    const recent = (await listRules("MeganB@contoso.com")).find((r) => r.isReadOnly === true);
    const stateBefore = structuredClone(mailbox("MeganB@contoso.com").rules);
    const err = await rejection(
      client
        .api(`${rulesPath("MeganB@contoso.com")}/${encodeURIComponent(recent!.id)}`)
        .patch({ isEnabled: false }),
    );
    expect(err).toMatchObject({ statusCode: 400, code: "ErrorInvalidRequest" });
    expect(mailbox("MeganB@contoso.com").rules).toEqual(stateBefore);
    expect(t.emu.requests().at(-1)).toMatchObject({ status: 400, write: false });
  });

  it("rejects unknown properties and bad values in a PATCH body", async () => {
    const [rule] = await listRules("AdeleV@contoso.com");
    const url = `${rulesPath("AdeleV@contoso.com")}/${encodeURIComponent(rule!.id)}`;
    const unknown = await rejection(client.api(url).patch({ actions: { forwardToEveryone: true } }));
    expect(unknown).toMatchObject({ statusCode: 400, code: "RequestBodyRead" });
    expect(String(unknown["message"])).toContain("'forwardToEveryone'");
    const badType = await rejection(client.api(url).patch({ isEnabled: "no" }));
    expect(badType).toMatchObject({ statusCode: 400 });
    const badFolder = await rejection(
      client.api(url).patch({ actions: { moveToFolder: "AAMkAnotAFolder" } }),
    );
    expect(badFolder).toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
  });

  it("answers malformed JSON with a Graph-shaped 400 and keeps serving", async () => {
    const [rule] = await listRules("AdeleV@contoso.com");
    const token = (await secretCredential(t.emu).getToken("https://graph.microsoft.com/.default")).token;
    const res = await fetch(
      `${t.emu.baseUrl}/v1.0${rulesPath("AdeleV@contoso.com")}/${encodeURIComponent(rule!.id)}`,
      {
        method: "PATCH",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: '{"isEnabled": fal',
      },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe("BadRequest");
    expect(body.error.innerError["request-id"]).toBe(res.headers.get("request-id"));
    expect((await listRules("AdeleV@contoso.com")).length).toBe(1);
  });

  it("deletes a rule (204) through Graph", async () => {
    const megan = mailbox("MeganB@contoso.com");
    const hiding = (await listRules("MeganB@contoso.com")).find((r) => r.displayName === ".");
    const res = await client
      .api(`${rulesPath("MeganB@contoso.com")}/${encodeURIComponent(hiding!.id)}`)
      .delete();
    expect(res).toBeUndefined();
    expect(megan.rules.some((r) => r.name === ".")).toBe(false);
    expect(megan.rules.some((r) => r.name === "Junk E-mail Rule")).toBe(true);
    expect(t.emu.requests().at(-1)).toMatchObject({ method: "DELETE", status: 204, write: true });
  });

  it("answers 405 for a method a route does not support", async () => {
    const err = await rejection(client.api(rulesPath("AdeleV@contoso.com")).put({}));
    expect(err).toMatchObject({ statusCode: 405 });
  });
});
