/**
 * apis.md §B replayed against the running emulator over HTTPS, with a real token from @azure/identity: the live
 * REST samples (forwarding rule, hidden Junk rule, error body, Get-Mailbox forwarding fields, permission rows) and the
 * documented parameter semantics. Each test builds the sample's situation in the tenant and compares the answer
 * with the sample, member for member.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MailboxState } from "../../../src/emulator/state.js";
import { EXO_SCOPE, startExoEnv, type ExoTestEnv } from "../../exo/helpers.js";
import type { Json } from "./fixture.js";

const MEGAN = "MeganB@contoso.com";
const ADELE = "AdeleV@contoso.com";
const LEE = "LeeG@contoso.com";

describe("Exchange REST contract (apis.md B2/B5)", () => {
  let t: ExoTestEnv;
  let token: string;
  beforeAll(async () => {
    t = await startExoEnv();
    token = (await t.credential().getToken(EXO_SCOPE)).token;
  });
  afterAll(async () => {
    await t.stop();
  });

  async function invoke(
    cmdlet: string,
    parameters: Record<string, unknown>,
    tenant = t.emu.organization,
  ): Promise<{ status: number; text: string; json: Json }> {
    const res = await fetch(new URL(`/adminapi/beta/${tenant}/InvokeCommand`, t.emu.exchangeConnectionUri), {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json; charset=utf-8",
        "X-CmdletName": cmdlet,
        "X-AnchorMailbox": `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${t.emu.organization}`,
      },
      body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
    });
    const text = await res.text();
    let json: Json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, text, json };
  }

  /** Rebuilds the live forwarding-rule sample in Megan's mailbox: forward to an internal user "Rob Knight". */
  function forwardingSample(): { owner: MailboxState; robUpn: string } {
    const owner = t.mailbox(MEGAN);
    const rob = t.emu.ctx.state.users.find((u) => u.userPrincipalName === LEE)!;
    rob.displayName = "Rob Knight";
    owner.rules.push({
      ruleIdentity: "15394007230974001153",
      graphId: "AQAAAAAAAAE=",
      name: "g2o-test-forward",
      priority: 1,
      enabled: true,
      hidden: false,
      inError: false,
      conditions: { subjectContainsWords: ["g2o-test-forward"] },
      actions: { forwardTo: [{ address: LEE }] },
    });
    for (const r of owner.rules) if (r.ruleIdentity !== "15394007230974001153" && !r.hidden) r.priority += 1;
    return { owner, robUpn: LEE };
  }

  it("the forwarding-rule sample: same members, same value shapes, RuleIdentity as raw uint64 digits", async () => {
    const { owner } = forwardingSample();
    const r = await invoke("Get-InboxRule", { Mailbox: MEGAN, Identity: "15394007230974001153" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual([
      "@odata.context",
      "adminapi.warnings@odata.type",
      "@adminapi.warnings",
      "value",
    ]);
    expect(r.json["adminapi.warnings@odata.type"]).toBe("#Collection(String)");
    expect(r.json["@adminapi.warnings"]).toEqual([]);
    expect(r.text).toContain('"RuleIdentity":15394007230974001153,');
    const [rule] = r.json.value as Json[];
    // The live sample's members, exactly (apis.md B2, graph2otel 2026-07-28).
    expect(Object.keys(rule).sort()).toEqual(
      [
        "Description",
        "Enabled",
        "Identity",
        "ErrorType",
        "Name",
        "Priority",
        "RuleIdentity",
        "SupportedByTask",
        "SubjectContainsWords",
        "ForwardTo",
        "MailboxOwnerId",
        "IsValid",
        "ObjectState",
      ].sort(),
    );
    expect(rule).toMatchObject({
      Description:
        "If the message: the message includes specific words in the subject 'g2o-test-forward' Take the following actions: forward the message to 'Rob Knight'",
      Enabled: true,
      Identity: `${owner.userId}\\15394007230974001153`,
      ErrorType: "None",
      Name: "g2o-test-forward",
      Priority: 1,
      SupportedByTask: true,
      SubjectContainsWords: ["g2o-test-forward"],
      MailboxOwnerId: owner.userId,
      IsValid: true,
      ObjectState: "Unchanged",
    });
    expect(rule.ForwardTo).toHaveLength(1);
    expect(rule.ForwardTo[0]).toMatch(
      /^"Rob Knight" \[EX:\/o=ExchangeLabs\/ou=Exchange Administrative Group \(FYDIBOHF23SPDLT\)\/cn=Recipients\/cn=[0-9a-f]{32}-[^\]]+\]$/,
    );
    expect(rule.ForwardTo[0]).not.toContain("@");
  });

  it("the hidden Junk E-mail Rule sample: only with IncludeHidden, Priority 0, the sample's members only", async () => {
    const plain = await invoke("Get-InboxRule", { Mailbox: ADELE });
    expect((plain.json.value as Json[]).some((r) => r.Name === "Junk E-mail Rule")).toBe(false);
    const all = await invoke("Get-InboxRule", { Mailbox: ADELE, IncludeHidden: true });
    const junk = (all.json.value as Json[]).find((r) => r.Name === "Junk E-mail Rule");
    expect(Object.keys(junk).sort()).toEqual(
      ["Name", "Priority", "Enabled", "RuleIdentity", "Identity", "IsValid", "ObjectState"].sort(),
    );
    expect(junk).toMatchObject({ Priority: 0, Enabled: true, IsValid: true, ObjectState: "Unchanged" });
    expect(junk.Identity).toBe(
      `${t.mailbox(ADELE).userId}\\${t.mailbox(ADELE).rules.find((r) => r.hidden)!.ruleIdentity}`,
    );
  });

  it("the not-found error body, member for member", async () => {
    const r = await invoke("Get-Mailbox", { Identity: "user2@contoso.com" });
    expect(r.status).toBe(404);
    expect(Object.keys(r.json.error)).toEqual(["code", "message", "details", "innererror"]);
    expect(r.json.error.code).toBe("NotFound");
    expect(r.json.error.message).toBe("Error executing cmdlet");
    expect(r.json.error.details).toHaveLength(1);
    expect(r.json.error.details[0]).toMatchObject({ code: "Client", target: "" });
    expect(r.json.error.details[0].message).toMatch(
      /^Ex6F9304\|Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException\|The operation couldn't be performed because object 'user2@contoso\.com' couldn't be found on '[A-Z0-9.]+'\.$/,
    );
    expect(r.json.error.innererror).toMatchObject({
      message: "Error executing cmdlet",
      type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
    });
  });

  it("Get-Mailbox forwarding fields: lower-case smtp: prefix, DeliverToMailboxAndForward, proxy addresses", async () => {
    const set = await invoke("Set-Mailbox", {
      Identity: ADELE,
      ForwardingSmtpAddress: "attacker@evil.test",
      DeliverToMailboxAndForward: true,
    });
    expect(set.status).toBe(200);
    expect(set.json.value).toEqual([]);
    const [mb] = (await invoke("Get-Mailbox", { Identity: ADELE })).json.value as Json[];
    expect(mb.ForwardingSmtpAddress).toBe("smtp:attacker@evil.test");
    expect(mb.DeliverToMailboxAndForward).toBe(true);
    expect(mb.UserPrincipalName).toBe(ADELE);
    expect(mb.RecipientTypeDetails).toBe("UserMailbox");
    expect(mb.ExternalDirectoryObjectId).toBe(t.mailbox(ADELE).userId);
    expect(mb.EmailAddresses).toContain(`SMTP:${t.mailbox(ADELE).primarySmtpAddress}`);
    expect(mb).not.toHaveProperty("ForwardingAddress");
    await invoke("Set-Mailbox", {
      Identity: ADELE,
      ForwardingSmtpAddress: null,
      ForwardingAddress: null,
      DeliverToMailboxAndForward: false,
    });
    const [cleared] = (await invoke("Get-Mailbox", { Identity: ADELE })).json.value as Json[];
    expect(cleared).not.toHaveProperty("ForwardingSmtpAddress");
    expect(cleared).not.toHaveProperty("DeliverToMailboxAndForward");
  });

  it("permission rows: SELF with comma-joined AccessRights; recipient rows without Deny/IsInherited; Identity required", async () => {
    const none = await invoke("Get-MailboxPermission", {});
    expect(none.status).toBe(400);
    expect(none.json).toEqual({ error: { code: "BadRequest", message: "Invalid Operation" } });
    const rows = (await invoke("Get-MailboxPermission", { Identity: LEE })).json.value as Json[];
    expect(rows[0]).toMatchObject({
      User: "NT AUTHORITY\\SELF",
      AccessRights: ["FullAccess, ReadPermission"],
    });
    const sendAs = (await invoke("Get-RecipientPermission", { Identity: LEE })).json.value as Json[];
    expect(sendAs[0]).toMatchObject({
      Trustee: "NT AUTHORITY\\SELF",
      AccessControlType: "Allow",
      AccessRights: ["SendAs"],
    });
    expect(sendAs[0]).not.toHaveProperty("Deny");
    expect(sendAs[0]).not.toHaveProperty("IsInherited");
  });

  it("the GenericHashTable parameter form of Set-Mailbox -GrantSendOnBehalfTo", async () => {
    const r = await invoke("Set-Mailbox", {
      Identity: LEE,
      GrantSendOnBehalfTo: { "@odata.type": "#Exchange.GenericHashTable", Add: [ADELE, MEGAN] },
    });
    expect(r.status).toBe(200);
    const [mb] = (await invoke("Get-Mailbox", { Identity: LEE })).json.value as Json[];
    expect(mb.GrantSendOnBehalfTo).toEqual([ADELE, MEGAN]);
  });

  it("a missing or null Identity on Get-InboxRule / Get-Mailbox returns everything (documented caution)", async () => {
    const rules = await invoke("Get-InboxRule", { Mailbox: MEGAN, Identity: null });
    expect((rules.json.value as Json[]).length).toBe(t.mailbox(MEGAN).rules.filter((r) => !r.hidden).length);
    const mailboxes = await invoke("Get-Mailbox", { Identity: null, ResultSize: "Unlimited" });
    expect((mailboxes.json.value as Json[]).length).toBe(t.emu.ctx.state.mailboxes.length);
    const one = await invoke("Get-Mailbox", { ResultSize: 1 });
    expect(one.json.value).toHaveLength(1);
    expect(one.json["@adminapi.warnings"][0]).toContain("ResultSize");
  });

  it("malformed bodies get a B5-shaped 400 and the server keeps answering", async () => {
    const bad = [
      "{",
      "[]",
      "null",
      '{"CmdletInput":null}',
      '{"CmdletInput":{"CmdletName":42,"Parameters":{}}}',
      '{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":[]}}',
      '{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":"x"}}',
      "\u0000\u0001",
    ];
    for (const body of bad) {
      const res = await fetch(
        new URL(`/adminapi/beta/${t.emu.organization}/InvokeCommand`, t.emu.exchangeConnectionUri),
        { method: "POST", headers: { Authorization: `Bearer ${token}` }, body },
      );
      expect(res.status, body).toBe(400);
      expect(await res.json()).toEqual({ error: { code: "BadRequest", message: "Invalid Operation" } });
    }
    const nested = await invoke("Get-Mailbox", { Identity: { $ne: null } });
    expect(nested.status).toBe(400);
    expect(nested.json.error.details[0].message).toContain("ParameterBindingException");
    const deep = await invoke("Set-Mailbox", { Identity: LEE, GrantSendOnBehalfTo: [[ADELE]] });
    expect(deep.status).toBe(400);
    expect((await invoke("Get-Mailbox", { Identity: LEE })).status).toBe(200);
  });
});
