import { beforeEach, describe, expect, it } from "vitest";
import { faceFixture, type FaceFixture, type Json } from "./fixture.js";

const ADELE = "AdeleV@contoso.com";
const MEGAN = "MeganB@contoso.com";
const ALEX = "AlexW@contoso.com";
const LEE = "LeeG@contoso.com";

function detail(body: Json): string {
  return body.error.details[0].message as string;
}

describe("Exchange face: authorization", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
  });

  it("401 without a bearer token, with a Bearer challenge", async () => {
    const r = await f.invoke("Get-Mailbox", {}, { token: null });
    expect(r.status).toBe(401);
  });

  it("401 for a Graph-audience token", async () => {
    const graph = await f.issuer.mint(f.app, "graph", "secret");
    expect((await f.invoke("Get-Mailbox", {}, { token: graph })).status).toBe(401);
  });

  it("401 when the token lacks Exchange.ManageAsApp, 403 when the app has no Exchange role, 200 with both", async () => {
    const roles = [...f.app.exchangeRoles];
    f.app.exchangeRoles = [];
    const noAppRole = await f.issuer.mint(f.app, "exchange", "secret");
    f.app.exchangeRoles = roles;
    expect((await f.invoke("Get-Mailbox", {}, { token: noAppRole })).status).toBe(401);

    f.app.directoryRoles = [];
    const r = await f.invoke("Get-Mailbox", {});
    expect(r.status).toBe(403);

    f.app.directoryRoles = ["Exchange Administrator"];
    expect((await f.invoke("Get-Mailbox", {})).status).toBe(200);
  });

  it("a read-only role reaches Get-Mailbox but not Get-InboxRule (403, NUL body)", async () => {
    f.app.directoryRoles = ["Global Reader"];
    expect((await f.invoke("Get-Mailbox", { Identity: ADELE })).status).toBe(200);
    const r = await f.invoke("Get-InboxRule", { Mailbox: ADELE });
    expect(r.status).toBe(403);
    expect(r.bytes.length).toBeGreaterThan(0);
    expect([...r.bytes].every((b) => b === 0)).toBe(true);
  });

  it("an unknown cmdlet is a 403 with a run of NUL bytes, not JSON", async () => {
    const r = await f.invoke("Remove-Mailbox", { Identity: ADELE });
    expect(r.status).toBe(403);
    expect([...r.bytes].every((b) => b === 0)).toBe(true);
    expect(() => r.json()).toThrow();
  });

  it("accepts the organization domain in the path; refuses another tenant", async () => {
    expect(
      (await f.invoke("Get-Mailbox", { Identity: ADELE }, { tenant: "contoso.onmicrosoft.com" })).status,
    ).toBe(200);
    expect(
      (await f.invoke("Get-Mailbox", { Identity: ADELE }, { tenant: "fabrikam.onmicrosoft.com" })).status,
    ).toBe(401);
  });

  it("400 Invalid Operation for a body without CmdletInput", async () => {
    const r = await f.invoke("", {}, { rawBody: '{"Cmdlet":"Get-Mailbox"}' });
    expect(r.status).toBe(400);
    expect(r.json().error.message).toBe("Invalid Operation");
  });
});

describe("Exchange face: Get-InboxRule", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
  });

  it("answers the B5 envelope with sparse rule objects and RuleIdentity as raw digits", async () => {
    const r = await f.invoke("Get-InboxRule", { Mailbox: ADELE });
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^application\/json/);
    const body = r.json();
    expect(body["adminapi.warnings@odata.type"]).toBe("#Collection(String)");
    expect(body["@adminapi.warnings"]).toEqual([]);
    expect(body["@odata.context"]).toContain("/adminapi/beta/");
    const mb = f.mailbox(ADELE);
    const rule = mb.rules.find((x) => !x.hidden)!;
    expect(BigInt(rule.ruleIdentity)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(r.text).toContain(`"RuleIdentity":${rule.ruleIdentity}`);
    expect(r.text).not.toContain(`"RuleIdentity":"`);
    const [obj] = body.value;
    expect(obj).toMatchObject({
      Name: "Accounts sync",
      Enabled: true,
      Identity: `${mb.userId}\\${rule.ruleIdentity}`,
      ErrorType: "None",
      Priority: 1,
      SupportedByTask: true,
      SubjectOrBodyContainsWords: ["invoice", "payment", "wire", "remittance", "bank details"],
      ForwardTo: ['"adele.vance@mail-archive-secure.example" [SMTP:adele.vance@mail-archive-secure.example]'],
      MailboxOwnerId: mb.userId,
      IsValid: true,
      ObjectState: "Unchanged",
    });
    expect(obj.Description).toContain("forward the message to 'adele.vance@mail-archive-secure.example'");
    // Sparse: defaults are absent.
    for (const key of ["InError", "DeleteMessage", "MarkAsRead", "RedirectTo", "MoveToFolder"])
      expect(obj).not.toHaveProperty(key);
  });

  it("lists hidden rules only with IncludeHidden", async () => {
    const without = (await f.invoke("Get-InboxRule", { Mailbox: ADELE })).json().value;
    const withHidden = (await f.invoke("Get-InboxRule", { Mailbox: ADELE, IncludeHidden: true })).json()
      .value;
    expect(without.map((r: Json) => r.Name)).toEqual(["Accounts sync"]);
    expect(withHidden.map((r: Json) => r.Name)).toEqual(["Junk E-mail Rule", "Accounts sync"]);
    const junk = withHidden[0];
    expect(junk.Priority).toBe(0);
    expect(junk).not.toHaveProperty("Description");
    expect(junk).not.toHaveProperty("MailboxOwnerId");
  });

  it("renders internal recipients as EX legacy DNs and folders as alias:\\path", async () => {
    const lee = (await f.invoke("Get-InboxRule", { Mailbox: LEE })).json().value[0];
    expect(lee.ForwardTo).toHaveLength(1);
    expect(lee.ForwardTo[0]).toMatch(
      /^"Alex Wilber" \[EX:\/o=ExchangeLabs\/ou=Exchange Administrative Group \(FYDIBOHF23SPDLT\)\/cn=Recipients\/cn=[0-9a-f]{32}-/,
    );
    expect(lee.ForwardTo[0]).not.toContain("SMTP:");
    const megan = (await f.invoke("Get-InboxRule", { Mailbox: MEGAN })).json().value;
    const dot = megan.find((r: Json) => r.Name === ".");
    expect(dot.MoveToFolder).toBe("MeganB:\\RSS Feeds");
    const leads = megan.find((r: Json) => r.Name === "Recent leads");
    expect(leads.MoveToFolder).toBe("MeganB:\\Inbox\\Sales Leads");
    expect(leads.ReceivedAfterDate).toBe("2025-01-01T00:00:00Z");
  });

  it("resolves the mailbox by UPN, proxy address, alias, object id or ExchangeGuid (case-insensitive)", async () => {
    const mb = f.mailbox(ADELE);
    for (const id of [
      "adelev@CONTOSO.com",
      `smtp:${mb.alias}@contoso.onmicrosoft.com`,
      mb.alias,
      mb.userId,
      mb.exchangeGuid.toUpperCase(),
    ]) {
      const r = await f.invoke("Get-InboxRule", { Mailbox: id });
      expect(r.status, id).toBe(200);
      expect(r.json().value).toHaveLength(1);
    }
  });

  it("resolves a rule by RuleIdentity, mailbox\\RuleIdentity and name; unknown → ManagementObjectNotFoundException", async () => {
    const mb = f.mailbox(ADELE);
    const rule = mb.rules.find((x) => !x.hidden)!;
    expect(
      (await f.invoke("Get-InboxRule", { Mailbox: ADELE, Identity: rule.ruleIdentity })).json().value[0].Name,
    ).toBe("Accounts sync");
    expect(
      (await f.invoke("Get-InboxRule", { Identity: `${ADELE}\\${rule.ruleIdentity}` })).json().value[0].Name,
    ).toBe("Accounts sync");
    expect(
      (await f.invoke("Get-InboxRule", { Mailbox: ADELE, Identity: "accounts SYNC" })).json().value,
    ).toHaveLength(1);
    const missing = await f.invoke("Get-InboxRule", { Mailbox: ADELE, Identity: "12345" });
    expect(missing.status).toBe(404);
    const body = missing.json();
    expect(body.error.code).toBe("NotFound");
    expect(body.error.message).toBe("Error executing cmdlet");
    expect(detail(body)).toMatch(
      /^Ex6F9304\|Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException\|The operation couldn't be performed because object '12345' couldn't be found on '.+'\.$/,
    );
  });

  it("a hidden rule's RuleIdentity resolves only with IncludeHidden", async () => {
    const junk = f.mailbox(ADELE).rules.find((x) => x.hidden)!;
    expect((await f.invoke("Get-InboxRule", { Mailbox: ADELE, Identity: junk.ruleIdentity })).status).toBe(
      404,
    );
    expect(
      (await f.invoke("Get-InboxRule", { Mailbox: ADELE, Identity: junk.ruleIdentity, IncludeHidden: true }))
        .status,
    ).toBe(200);
  });

  it("a null or empty Identity returns every rule (the documented Get- caution)", async () => {
    expect((await f.invoke("Get-InboxRule", { Mailbox: MEGAN, Identity: null })).json().value).toHaveLength(
      2,
    );
    expect((await f.invoke("Get-InboxRule", { Mailbox: MEGAN, Identity: "" })).json().value).toHaveLength(2);
  });

  it("an unknown mailbox is not found; a mailbox-less app call without -Mailbox is not found", async () => {
    expect((await f.invoke("Get-InboxRule", { Mailbox: "nobody@contoso.com" })).status).toBe(404);
    expect((await f.invoke("Get-InboxRule", {})).status).toBe(404);
  });

  it("unknown parameters and wrong types fail binding with ParameterBindingException (400)", async () => {
    const unknown = await f.invoke("Get-InboxRule", { Mailbox: ADELE, Filter: "x" });
    expect(unknown.status).toBe(400);
    expect(detail(unknown.json())).toContain(
      "System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name 'Filter'.",
    );
    const wrong = await f.invoke("Get-InboxRule", { Mailbox: ADELE, IncludeHidden: "yes" });
    expect(wrong.status).toBe(400);
    expect(detail(wrong.json())).toContain("ParameterBindingException");
  });

  it("parameter names are case-insensitive, like PowerShell's", async () => {
    expect(
      (await f.invoke("get-inboxrule", { mailbox: ADELE, includehidden: true })).json().value,
    ).toHaveLength(2);
  });

  it("reads large integers in the request exactly (Identity sent as a JSON number)", async () => {
    const rule = f.mailbox(ADELE).rules.find((x) => !x.hidden)!;
    const raw = `{"CmdletInput":{"CmdletName":"Get-InboxRule","Parameters":{"Mailbox":"${ADELE}","Identity":${rule.ruleIdentity}}}}`;
    const r = await f.invoke("", {}, { rawBody: raw });
    expect(r.status).toBe(200);
    expect(r.json().value).toHaveLength(1);
  });
});

describe("Exchange face: Disable-/Enable-InboxRule", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
  });

  it("disables the rule, deletes the Outlook client rules, and marks a write", async () => {
    const mb = f.mailbox(MEGAN);
    const dot = mb.rules.find((x) => x.name === ".")!;
    expect(mb.outlookClientRules).toBe(1);
    const r = await f.invoke("Disable-InboxRule", { Mailbox: MEGAN, Identity: dot.ruleIdentity });
    expect(r.status).toBe(200);
    expect(r.json().value).toEqual([]);
    expect(r.write).toBe(true);
    expect(dot.enabled).toBe(false);
    expect(mb.outlookClientRules).toBe(0);
    const again = await f.invoke("Disable-InboxRule", {
      Mailbox: MEGAN,
      Identity: dot.ruleIdentity,
      Force: true,
    });
    expect(again.status).toBe(200);
    expect(again.write).toBe(false);
    const enable = await f.invoke("Enable-InboxRule", { Mailbox: MEGAN, Identity: dot.ruleIdentity });
    expect(enable.write).toBe(true);
    expect(dot.enabled).toBe(true);
  });

  it("reaches a hidden rule by its exact RuleIdentity", async () => {
    const mb = f.mailbox(ALEX);
    const junk = mb.rules.find((x) => x.hidden)!;
    expect((await f.invoke("Disable-InboxRule", { Mailbox: ALEX, Identity: junk.ruleIdentity })).status).toBe(
      200,
    );
    expect(junk.enabled).toBe(false);
    expect(
      (await f.invoke("Disable-InboxRule", { Mailbox: ALEX, Identity: "Junk E-mail Rule" })).status,
    ).toBe(404);
  });

  it("a name matching several rules is ambiguous and changes nothing", async () => {
    const mb = f.mailbox(MEGAN);
    for (const r of mb.rules) if (!r.hidden) r.name = "Same";
    const r = await f.invoke("Disable-InboxRule", { Mailbox: MEGAN, Identity: "Same" });
    expect(r.status).toBe(400);
    expect(detail(r.json())).toMatch(
      /ManagementObjectAmbiguousException\|The operation couldn't be performed because 'Same' matches multiple entries\.$/,
    );
    expect(mb.rules.every((x) => x.enabled)).toBe(true);
    expect(mb.outlookClientRules).toBe(1);
    expect(r.write).toBe(false);
    // A Get- cmdlet lists every match instead.
    expect((await f.invoke("Get-InboxRule", { Mailbox: MEGAN, Identity: "Same" })).json().value).toHaveLength(
      2,
    );
  });

  it("Identity is mandatory", async () => {
    const r = await f.invoke("Disable-InboxRule", { Mailbox: MEGAN });
    expect(r.status).toBe(400);
    expect(detail(r.json())).toContain("missing mandatory parameters: Identity");
  });
});

describe("Exchange face: Get-Mailbox / Set-Mailbox", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
  });

  it("Get-Mailbox renders forwarding and omits defaults", async () => {
    const adele = (await f.invoke("Get-Mailbox", { Identity: ADELE })).json().value;
    expect(adele).toHaveLength(1);
    expect(adele[0]).toMatchObject({
      UserPrincipalName: ADELE,
      PrimarySmtpAddress: ADELE,
      RecipientTypeDetails: "UserMailbox",
      ForwardingSmtpAddress: "smtp:finance-backup@mail-archive-secure.example",
      DeliverToMailboxAndForward: true,
      ExternalDirectoryObjectId: f.mailbox(ADELE).userId,
    });
    const lee = (await f.invoke("Get-Mailbox", { Identity: LEE })).json().value[0];
    expect(lee).not.toHaveProperty("ForwardingSmtpAddress");
    expect(lee).not.toHaveProperty("DeliverToMailboxAndForward");
  });

  it("Get-Mailbox without Identity lists all, honouring ResultSize with a warning", async () => {
    const all = (await f.invoke("Get-Mailbox", {})).json();
    expect(all.value).toHaveLength(f.state.mailboxes.length);
    expect(all["@adminapi.warnings"]).toEqual([]);
    const two = (await f.invoke("Get-Mailbox", { ResultSize: 2 })).json();
    expect(two.value).toHaveLength(2);
    expect(two["@adminapi.warnings"][0]).toContain("ResultSize");
    expect((await f.invoke("Get-Mailbox", { ResultSize: "Unlimited" })).json().value).toHaveLength(
      f.state.mailboxes.length,
    );
  });

  it("Set-Mailbox clears forwarding; repeating it is not a write", async () => {
    const params = {
      Identity: ADELE,
      ForwardingSmtpAddress: null,
      ForwardingAddress: null,
      DeliverToMailboxAndForward: false,
    };
    const r = await f.invoke("Set-Mailbox", params);
    expect(r.status).toBe(200);
    expect(r.write).toBe(true);
    const mb = f.mailbox(ADELE);
    expect(mb.forwardingSmtpAddress).toBeNull();
    expect(mb.deliverToMailboxAndForward).toBe(false);
    expect((await f.invoke("Set-Mailbox", params)).write).toBe(false);
  });

  it("Set-Mailbox stores ForwardingSmtpAddress with a lower-case smtp: prefix and refuses an invalid address", async () => {
    await f.invoke("Set-Mailbox", { Identity: LEE, ForwardingSmtpAddress: "SMTP:x@evil.example" });
    expect(f.mailbox(LEE).forwardingSmtpAddress).toBe("smtp:x@evil.example");
    const bad = await f.invoke("Set-Mailbox", { Identity: LEE, ForwardingSmtpAddress: "not an address" });
    expect(bad.status).toBe(400);
    expect(f.mailbox(LEE).forwardingSmtpAddress).toBe("smtp:x@evil.example");
  });

  it("ForwardingAddress must resolve inside the tenant", async () => {
    const missing = await f.invoke("Set-Mailbox", {
      Identity: LEE,
      ForwardingAddress: "someone@elsewhere.example",
    });
    expect(missing.status).toBe(404);
    expect(f.mailbox(LEE).forwardingAddress).toBeNull();
    const ok = await f.invoke("Set-Mailbox", { Identity: LEE, ForwardingAddress: ALEX });
    expect(ok.status).toBe(200);
    expect(f.mailbox(LEE).forwardingAddress).toBe(f.mailbox(ALEX).userId);
  });
});
