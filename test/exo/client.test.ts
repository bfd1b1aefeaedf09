import { describe, expect, it } from "vitest";
import { ExchangeClient, type CmdletInvoker } from "../../src/adapters/exo/client.js";
import type { InvokeParams } from "../../src/adapters/exo/protocol.js";
import { rejection } from "./helpers.js";

/** Records calls and answers with canned rows (what the bridge would return). */
function recorder(rows: unknown[] = []) {
  const calls: Array<{ cmdlet: string; params: InvokeParams | undefined }> = [];
  const invoker: CmdletInvoker = {
    invoke<T>(cmdlet: string, params?: InvokeParams) {
      calls.push({ cmdlet, params });
      return Promise.resolve(rows as T);
    },
    close: () => Promise.resolve(),
  };
  return { calls, client: new ExchangeClient(invoker) };
}

const RULE = {
  name: "x",
  identity: "u\\16752869479666417665",
  ruleIdentity: "16752869479666417665",
  enabled: true,
  inError: false,
  errorType: "None",
  priority: 1,
  supportedByTask: true,
  description: "",
  mailboxOwnerId: "u",
  from: [],
  sentTo: [],
  subjectContainsWords: [],
  bodyContainsWords: [],
  subjectOrBodyContainsWords: [],
  fromAddressContainsWords: [],
  forwardTo: [],
  redirectTo: [],
  forwardAsAttachmentTo: [],
  deleteMessage: false,
  softDeleteMessage: false,
  permanentDelete: false,
  moveToFolder: null,
  copyToFolder: null,
  markAsRead: false,
  markImportance: null,
  stopProcessingRules: false,
};

describe("ExchangeClient", () => {
  it("addresses rules by -Mailbox and RuleIdentity, hidden ones included", async () => {
    const { calls, client } = recorder([RULE]);
    await client.getInboxRules("u@contoso.com");
    await client.getInboxRules("u@contoso.com", { includeHidden: true });
    expect(await client.getInboxRule("u@contoso.com", RULE.ruleIdentity)).toEqual(RULE);
    expect(calls).toEqual([
      { cmdlet: "Get-InboxRule", params: { Mailbox: "u@contoso.com" } },
      { cmdlet: "Get-InboxRule", params: { Mailbox: "u@contoso.com", IncludeHidden: true } },
      {
        cmdlet: "Get-InboxRule",
        params: { Mailbox: "u@contoso.com", Identity: RULE.ruleIdentity, IncludeHidden: true },
      },
    ]);
  });

  it("disables/enables with -Confirm:$false, adding -Force -AlwaysDeleteOutlookRulesBlob only when told to", async () => {
    const { calls, client } = recorder();
    await client.disableInboxRule("u", RULE.ruleIdentity, { deleteOutlookClientRules: false });
    await client.enableInboxRule("u", RULE.ruleIdentity, { deleteOutlookClientRules: true });
    expect(calls).toEqual([
      { cmdlet: "Disable-InboxRule", params: { Mailbox: "u", Identity: RULE.ruleIdentity, Confirm: false } },
      {
        cmdlet: "Enable-InboxRule",
        params: {
          Mailbox: "u",
          Identity: RULE.ruleIdentity,
          Confirm: false,
          Force: true,
          AlwaysDeleteOutlookRulesBlob: true,
        },
      },
    ]);
  });

  it("refuses anything but a RuleIdentity (never a name)", async () => {
    const { calls, client } = recorder();
    for (const bad of ["Accounts sync", "", "123x", "1".repeat(21)]) {
      expect(
        (await rejection(client.disableInboxRule("u", bad, { deleteOutlookClientRules: true })))["category"],
      ).toBe("InvalidParameter");
    }
    expect(calls).toEqual([]);
  });

  it("sets forwarding with explicit nulls and -Confirm:$false", async () => {
    const { calls, client } = recorder();
    await client.setMailboxForwarding("u", {
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
    expect(calls[0]).toEqual({
      cmdlet: "Set-Mailbox",
      params: {
        Identity: "u",
        ForwardingSmtpAddress: null,
        ForwardingAddress: null,
        DeliverToMailboxAndForward: false,
        Confirm: false,
      },
    });
  });

  it("rejects output of an unexpected shape and an identity matching several mailboxes", async () => {
    expect((await rejection(recorder([{ name: 1 }]).client.getInboxRules("u")))["category"]).toBe("Failed");
    const mailbox = {
      userPrincipalName: "u",
      primarySmtpAddress: "u",
      alias: "u",
      identity: "u",
      exchangeGuid: "g",
      externalDirectoryObjectId: "o",
      recipientTypeDetails: "UserMailbox",
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
      emailAddresses: [],
      grantSendOnBehalfTo: [],
    };
    expect(await recorder([mailbox]).client.getMailbox("u")).toEqual(mailbox);
    expect((await rejection(recorder([mailbox, mailbox]).client.getMailbox("u")))["category"]).toBe(
      "Ambiguous",
    );
    expect((await rejection(recorder([]).client.getMailbox("u")))["category"]).toBe("NotFound");
  });
});
