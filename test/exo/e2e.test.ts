/**
 * End to end: ExchangeClient → PowerShellRunner → pwsh stand-in (a real process running the reviewed bridge script
 * protocol) → HTTPS → the emulated tenant's Exchange face, with tokens from a real ClientSecretCredential.
 */
import type { TokenCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExchangeClient, ExchangeClient } from "../../src/adapters/exo/client.js";
import { parseExoRecipient } from "../../src/adapters/exo/recipient.js";
import { rejection, startExoEnv, type ExoTestEnv } from "./helpers.js";
import { SCRIPT_PATH } from "./script-ast.js";

const ADELE = "AdeleV@contoso.com";
const MEGAN = "MeganB@contoso.com";
const ALEX = "AlexW@contoso.com";
const LEE = "LeeG@contoso.com";

describe("Exchange path end to end (runner → stand-in → emulator)", () => {
  let t: ExoTestEnv;
  let client: ExchangeClient;
  beforeAll(async () => {
    t = await startExoEnv();
    client = t.client();
  });
  afterAll(async () => {
    await t.stop();
  });

  const exchangeRequests = () => t.emu.requests().filter((r) => r.face === "exchange");

  it("Get-InboxRule lists visible rules, and hidden ones with IncludeHidden, with exact RuleIdentity strings", async () => {
    const visible = await client.getInboxRules(ADELE);
    const all = await client.getInboxRules(ADELE, { includeHidden: true });
    const state = t.mailbox(ADELE);
    expect(visible.map((r) => r.name)).toEqual(["Accounts sync"]);
    expect(all.map((r) => r.name)).toEqual(["Junk E-mail Rule", "Accounts sync"]);
    expect(new Set(all.map((r) => r.ruleIdentity))).toEqual(new Set(state.rules.map((r) => r.ruleIdentity)));
    const rule = visible[0]!;
    expect(rule.ruleIdentity).toBe(state.rules.find((r) => !r.hidden)!.ruleIdentity);
    expect(BigInt(rule.ruleIdentity)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(rule).toMatchObject({
      enabled: true,
      inError: false,
      errorType: "None",
      priority: 1,
      identity: `${state.userId}\\${rule.ruleIdentity}`,
      mailboxOwnerId: state.userId,
      subjectOrBodyContainsWords: ["invoice", "payment", "wire", "remittance", "bank details"],
      redirectTo: [],
      moveToFolder: null,
      deleteMessage: false,
    });
    expect(parseExoRecipient(rule.forwardTo[0]!)).toEqual({
      kind: "smtp",
      name: "adele.vance@mail-archive-secure.example",
      address: "adele.vance@mail-archive-secure.example",
    });
    const junk = all[0]!;
    expect(junk).toMatchObject({
      priority: 0,
      description: "",
      mailboxOwnerId: "",
      errorType: null,
      supportedByTask: false,
    });
  });

  it("getInboxRule reaches a hidden rule by RuleIdentity; an unknown RuleIdentity is a typed NotFound", async () => {
    const junk = t.mailbox(ALEX).rules.find((r) => r.hidden)!;
    expect((await client.getInboxRule(ALEX, junk.ruleIdentity)).name).toBe("Junk E-mail Rule");
    const e = await rejection(client.getInboxRule(ALEX, "12345678901234567890"));
    expect(e).toMatchObject({
      name: "ExoError",
      category: "NotFound",
      cmdlet: "Get-InboxRule",
      retryable: false,
    });
    expect(e["type"]).toBe("Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException");
    expect(String(e["message"])).toContain("couldn't be found");
  });

  it("Disable-InboxRule without deleting Outlook client rules is refused like a NonInteractive prompt, and changes nothing", async () => {
    const mb = t.mailbox(MEGAN);
    const dot = mb.rules.find((r) => r.name === ".")!;
    expect(mb.outlookClientRules).toBe(1);
    const before = exchangeRequests().filter((r) => r.write).length;
    const e = await rejection(
      client.disableInboxRule(MEGAN, dot.ruleIdentity, { deleteOutlookClientRules: false }),
    );
    expect(e).toMatchObject({
      category: "Failed",
      type: "System.Management.Automation.PSInvalidOperationException",
    });
    expect(dot.enabled).toBe(true);
    expect(mb.outlookClientRules).toBe(1);
    expect(exchangeRequests().filter((r) => r.write).length).toBe(before);
  });

  it("Disable-InboxRule disables the rule and deletes the mailbox's Outlook client rules; Enable restores the rule", async () => {
    const mb = t.mailbox(MEGAN);
    const dot = mb.rules.find((r) => r.name === ".")!;
    await client.disableInboxRule(MEGAN, dot.ruleIdentity, { deleteOutlookClientRules: true });
    expect(dot.enabled).toBe(false);
    expect(mb.outlookClientRules).toBe(0);
    expect((await client.getInboxRule(MEGAN, dot.ruleIdentity)).enabled).toBe(false);
    const writes = exchangeRequests().filter((r) => r.write);
    expect(writes.at(-1)).toMatchObject({ method: "POST", status: 200 });
    // No client rules left: the Force-less form now runs without a prompt.
    await client.enableInboxRule(MEGAN, dot.ruleIdentity, { deleteOutlookClientRules: false });
    expect(dot.enabled).toBe(true);
  });

  it("Set-Mailbox clears forwarding (verified by Get-Mailbox)", async () => {
    const before = await client.getMailbox(ADELE);
    expect(before).toMatchObject({
      forwardingSmtpAddress: "smtp:finance-backup@mail-archive-secure.example",
      deliverToMailboxAndForward: true,
      userPrincipalName: ADELE,
      externalDirectoryObjectId: t.mailbox(ADELE).userId,
    });
    await client.setMailboxForwarding(ADELE, {
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
    const after = await client.getMailbox(ADELE);
    expect(after).toMatchObject({
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
    expect(t.mailbox(ADELE).forwardingSmtpAddress).toBeNull();
  });

  it("an unknown mailbox is a typed NotFound; a name matching several rules is a typed Ambiguous", async () => {
    expect((await rejection(client.getMailbox("nobody@contoso.com")))["category"]).toBe("NotFound");
    expect((await rejection(client.getInboxRules("nobody@contoso.com")))["category"]).toBe("NotFound");
    const mb = t.mailbox(LEE);
    const rule = mb.rules.find((r) => !r.hidden)!;
    const copy = {
      ...rule,
      ruleIdentity: "18000000000000000001",
      graphId: "AQAAAAAAAAE=",
      actions: { ...rule.actions },
    };
    mb.rules.push(copy);
    try {
      const runner = t.runner();
      const e = await rejection(
        runner.invoke("Disable-InboxRule", {
          Mailbox: LEE,
          Identity: rule.name,
          Confirm: false,
          Force: true,
        }),
      );
      expect(e).toMatchObject({ name: "ExoError", category: "Ambiguous", cmdlet: "Disable-InboxRule" });
      expect(rule.enabled && copy.enabled).toBe(true);
    } finally {
      mb.rules.pop();
    }
  });

  it("uses the same token across calls and reconnects with a fresh one close to expiry", async () => {
    const inner = t.credential();
    let calls = 0;
    let expiresAt = 0;
    const credential: TokenCredential = {
      async getToken(scopes, options) {
        calls += 1;
        const token = await inner.getToken(scopes, options);
        expiresAt = token.expiresOnTimestamp;
        return token;
      },
    };
    let now = Date.now();
    const c = createExchangeClient({
      credential,
      organization: t.emu.organization,
      appId: t.emu.clientId,
      connectionUri: t.emu.exchangeConnectionUri,
      pwshPath: t.pwshPath,
      scriptPath: SCRIPT_PATH,
      now: () => now,
    });
    try {
      await c.getMailbox(LEE);
      await c.getMailbox(LEE);
      expect(calls).toBe(1);
      now = expiresAt - 60_000; // within the 5-minute margin
      await c.getMailbox(LEE);
      expect(calls).toBe(2);
    } finally {
      await c.close();
    }
  });
});

describe("Exchange permissions end to end", () => {
  let t: ExoTestEnv;
  beforeAll(async () => {
    t = await startExoEnv();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("no Exchange.ManageAsApp → 401 → AccessDenied; the app role without a directory role → 403 → AccessDenied", async () => {
    const app = t.emu.ctx.state.apps[0]!;
    const roles = { exchange: [...app.exchangeRoles], directory: [...app.directoryRoles] };
    try {
      app.exchangeRoles = [];
      const e401 = await rejection(t.client().getMailbox(LEE));
      expect(e401).toMatchObject({ name: "ExoError", category: "AccessDenied" });
      expect(
        t.emu
          .requests()
          .filter((r) => r.face === "exchange")
          .at(-1)?.status,
      ).toBe(401);

      app.exchangeRoles = roles.exchange;
      app.directoryRoles = [];
      const e403 = await rejection(t.client().getMailbox(LEE));
      expect(e403).toMatchObject({ name: "ExoError", category: "AccessDenied" });
      expect(
        t.emu
          .requests()
          .filter((r) => r.face === "exchange")
          .at(-1)?.status,
      ).toBe(403);

      app.directoryRoles = roles.directory;
      await expect(t.client().getMailbox(LEE)).resolves.toMatchObject({ userPrincipalName: LEE });
    } finally {
      app.exchangeRoles = roles.exchange;
      app.directoryRoles = roles.directory;
    }
  });
});
