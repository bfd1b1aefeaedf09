/**
 * End to end for the delegation, folder-permission, transport-rule and Remove-InboxRule operations:
 * ExchangeClient → runner → pwsh stand-in → HTTPS → the emulated tenant, with a real ClientSecretCredential.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExchangeClient } from "../../src/adapters/exo/client.js";
import { rejection, startExoEnv, type ExoTestEnv } from "./helpers.js";

const ADELE = "AdeleV@contoso.com";
const MEGAN = "MeganB@contoso.com";
const ALEX = "AlexW@contoso.com";
const LEE = "LeeG@contoso.com";

describe("Exchange delegation and mail-flow operations end to end", () => {
  let t: ExoTestEnv;
  let client: ExchangeClient;
  beforeAll(async () => {
    t = await startExoEnv();
    client = t.client();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("FullAccess: add, read back split rights (SELF row included), remove with -InheritanceType All", async () => {
    await client.addMailboxPermission(ADELE, MEGAN, ["FullAccess", "ReadPermission"], { autoMapping: false });
    const rows = await client.getMailboxPermissions(ADELE);
    expect(rows[0]).toMatchObject({
      user: "NT AUTHORITY\\SELF",
      accessRights: ["FullAccess", "ReadPermission"],
    });
    expect(rows[1]).toEqual({
      identity: t.mailbox(ADELE).userId,
      user: MEGAN,
      accessRights: ["FullAccess", "ReadPermission"],
      isInherited: false,
      deny: false,
      inheritanceType: "All",
    });
    expect(await client.getMailboxPermissions(ADELE, { user: MEGAN })).toHaveLength(1);
    await client.removeMailboxPermission(ADELE, MEGAN, ["FullAccess", "ReadPermission"]);
    expect(t.mailbox(ADELE).mailboxPermissions).toEqual([]);
    // Removing what is not there is a warning, not an error.
    await client.removeMailboxPermission(ADELE, MEGAN, ["FullAccess"]);
  });

  it("SendAs: add, list, remove; other rights are refused by Exchange", async () => {
    await client.addSendAs(LEE, ALEX);
    const rows = await client.getRecipientPermissions(LEE, { trustee: ALEX });
    expect(rows).toEqual([
      {
        identity: t.mailbox(LEE).userId,
        trustee: ALEX,
        accessControlType: "Allow",
        accessRights: ["SendAs"],
        isInherited: false,
      },
    ]);
    await client.removeSendAs(LEE, ALEX);
    expect(t.mailbox(LEE).recipientPermissions).toEqual([]);
  });

  it("GrantSendOnBehalfTo: overwrite, hashtable edit travelling as data, clear", async () => {
    await client.setGrantSendOnBehalfTo(MEGAN, [ADELE, LEE]);
    expect((await client.getMailbox(MEGAN)).grantSendOnBehalfTo).toEqual([ADELE, LEE]);
    await client.setGrantSendOnBehalfTo(MEGAN, { add: [ALEX], remove: [ADELE] });
    expect((await client.getMailbox(MEGAN)).grantSendOnBehalfTo).toEqual([LEE, ALEX]);
    await client.setGrantSendOnBehalfTo(MEGAN, null);
    expect((await client.getMailbox(MEGAN)).grantSendOnBehalfTo).toEqual([]);
    const e = await rejection(client.setGrantSendOnBehalfTo(MEGAN, { add: ["nobody@contoso.com"] }));
    expect(e).toMatchObject({ category: "NotFound" });
  });

  it("folder permissions: Default/Anonymous rows, add/set/remove a delegate on the calendar", async () => {
    const mb = t.mailbox(ALEX);
    const root = mb.folders.find((f) => f.parentFolderId === undefined)!;
    mb.folders.push({
      id: "alex-cal",
      displayName: "Calendar",
      wellKnownName: "calendar",
      parentFolderId: root.id,
    });
    const id = `${ALEX}:\\Calendar`;
    expect((await client.getFolderPermissions(id)).map((r) => [r.user, r.accessRights])).toEqual([
      ["Default", ["AvailabilityOnly"]],
      ["Anonymous", ["None"]],
    ]);
    await client.addFolderPermission(id, LEE, ["Reviewer"]);
    await client.setFolderPermission(id, LEE, ["Editor"]);
    const [row] = await client.getFolderPermissions(id, { user: LEE });
    expect(row).toMatchObject({
      folderName: "Calendar",
      accessRights: ["Editor"],
      sharingPermissionFlags: null,
    });
    await client.removeFolderPermission(id, LEE);
    const e = await rejection(client.removeFolderPermission(id, LEE));
    expect(e).toMatchObject({
      category: "Failed",
      message: expect.stringContaining("no existing permission entry"),
    });
  });

  it("transport rules: list, disable and enable by Guid only", async () => {
    t.emu.ctx.state.transportRules.push({
      guid: "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607",
      name: "x'; Remove-TransportRule * -Confirm:$false; '",
      state: "Enabled",
      mode: "Enforce",
      priority: 0,
      description: "",
      conditions: { SentToScope: "InOrganization" },
      blindCopyTo: ["archive@evil.example"],
      redirectMessageTo: [],
      copyTo: [],
      addToRecipients: [],
      deleteMessage: false,
      whenChanged: "2025-06-01T10:00:00Z",
    });
    const [rule] = await client.getTransportRules();
    expect(rule).toMatchObject({
      name: "x'; Remove-TransportRule * -Confirm:$false; '",
      guid: "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607",
      state: "Enabled",
      mode: "Enforce",
      blindCopyTo: ["archive@evil.example"],
      sentToScope: "InOrganization",
    });
    await client.disableTransportRule(rule!.guid);
    expect(await client.getTransportRules({ state: "Enabled" })).toEqual([]);
    await client.enableTransportRule(rule!.guid);
    expect(t.emu.ctx.state.transportRules[0]!.state).toBe("Enabled");
    expect(await rejection(client.disableTransportRule(rule!.name))).toMatchObject({
      category: "InvalidParameter",
    });
  });

  it("Remove-InboxRule: refused like a prompt when Outlook client rules would go, then removed with them", async () => {
    const mb = t.mailbox(MEGAN);
    mb.outlookClientRules = 2;
    const rule = mb.rules.find((r) => !r.hidden)!;
    const e = await rejection(
      client.removeInboxRule(MEGAN, rule.ruleIdentity, { deleteOutlookClientRules: false }),
    );
    expect(e).toMatchObject({
      category: "Failed",
      type: "System.Management.Automation.PSInvalidOperationException",
    });
    expect(mb.rules).toContain(rule);
    await client.removeInboxRule(MEGAN, rule.ruleIdentity, { deleteOutlookClientRules: true });
    expect(mb.rules).not.toContain(rule);
    expect(mb.outlookClientRules).toBe(0);
    expect(await rejection(client.getInboxRule(MEGAN, rule.ruleIdentity))).toMatchObject({
      category: "NotFound",
    });
  });
});

describe("Exchange faults through the stand-in", () => {
  let t: ExoTestEnv;
  let client: ExchangeClient;
  beforeAll(async () => {
    t = await startExoEnv({
      faults: {
        rules: [{ face: "exchange", match: "Get-TransportRule", times: 1, fault: { type: "throttle" } }],
        consistency: { enabled: true, ruleDelayMs: 60_000, forwardingDelayMs: 120_000 },
      },
    });
    client = t.client();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("a throttled cmdlet is retried inside the call and goes through", async () => {
    const mark = t.emu.requests().length;
    expect(await client.getTransportRules()).toEqual([]);
    const statuses = t.emu
      .requests()
      .slice(mark)
      .filter((r) => r.face === "exchange")
      .map((r) => r.status);
    expect(statuses).toEqual([429, 200]);
  });

  it("a disabled rule reads as enabled until the rule delay has passed on the emulator clock", async () => {
    const rule = t.mailbox(MEGAN).rules.find((r) => r.name === ".")!;
    await client.disableInboxRule(MEGAN, rule.ruleIdentity, { deleteOutlookClientRules: true });
    expect((await client.getInboxRule(MEGAN, rule.ruleIdentity)).enabled).toBe(true);
    t.emu.ctx.clock.advance(59_000);
    expect((await client.getInboxRule(MEGAN, rule.ruleIdentity)).enabled).toBe(true);
    t.emu.ctx.clock.advance(1_000);
    expect((await client.getInboxRule(MEGAN, rule.ruleIdentity)).enabled).toBe(false);
  });

  it("a removed rule and cleared forwarding stay visible until their delays pass", async () => {
    const mb = t.mailbox(ADELE);
    mb.forwardingSmtpAddress = "smtp:attacker@evil.test";
    const rule = mb.rules.find((r) => !r.hidden)!;
    await client.removeInboxRule(ADELE, rule.ruleIdentity, { deleteOutlookClientRules: true });
    await client.setMailboxForwarding(ADELE, {
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
    expect((await client.getInboxRule(ADELE, rule.ruleIdentity)).name).toBe(rule.name);
    expect((await client.getMailbox(ADELE)).forwardingSmtpAddress).toBe("smtp:attacker@evil.test");
    t.emu.ctx.clock.advance(60_000);
    expect(await rejection(client.getInboxRule(ADELE, rule.ruleIdentity))).toMatchObject({
      category: "NotFound",
    });
    expect((await client.getMailbox(ADELE)).forwardingSmtpAddress).toBe("smtp:attacker@evil.test");
    t.emu.ctx.clock.advance(60_000);
    expect((await client.getMailbox(ADELE)).forwardingSmtpAddress).toBeNull();
  });
});
