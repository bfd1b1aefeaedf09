/** Remove-InboxRule, Set-Mailbox -GrantSendOnBehalfTo and the transport-rule cmdlets on the Exchange face. */
import { beforeEach, describe, expect, it } from "vitest";
import type { TransportRuleState } from "../../../src/emulator/state.js";
import { faceFixture, type FaceFixture, type Json } from "./fixture.js";

const MEGAN = "MeganB@contoso.com";
const ALEX = "AlexW@contoso.com";
const ADELE = "AdeleV@contoso.com";
const LEE = "LeeG@contoso.com";

const detail = (body: Json): string => body.error.details[0].message as string;

describe("Exchange face: Remove-InboxRule", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
  });

  it("removes one rule by RuleIdentity, deletes the Outlook client rules, and a second call is not found", async () => {
    const mb = f.mailbox(MEGAN);
    const dot = mb.rules.find((x) => x.name === ".")!;
    const before = mb.rules.length;
    const r = await f.invoke("Remove-InboxRule", {
      Mailbox: MEGAN,
      Identity: dot.ruleIdentity,
      Force: true,
      AlwaysDeleteOutlookRulesBlob: true,
    });
    expect(r.status).toBe(200);
    expect(r.json().value).toEqual([]);
    expect(r.write).toBe(true);
    expect(mb.rules).toHaveLength(before - 1);
    expect(mb.rules.some((x) => x.ruleIdentity === dot.ruleIdentity)).toBe(false);
    expect(mb.outlookClientRules).toBe(0);
    const again = await f.invoke("Remove-InboxRule", { Mailbox: MEGAN, Identity: dot.ruleIdentity });
    expect(again.status).toBe(404);
    expect(detail(again.json())).toContain("ManagementObjectNotFoundException");
    expect(again.write).toBe(false);
  });

  it("refuses the hidden system Junk E-mail Rule and a name matching several rules; -Confirm is accepted", async () => {
    const mb = f.mailbox(ALEX);
    const junk = mb.rules.find((x) => x.hidden && x.system)!;
    const r = await f.invoke("Remove-InboxRule", {
      Mailbox: ALEX,
      Identity: junk.ruleIdentity,
      Confirm: false,
    });
    expect(r.status).toBe(400);
    expect(detail(r.json())).toMatch(/InvalidOperationException\|.*system rule/);
    expect(mb.rules).toContain(junk);
    const megan = f.mailbox(MEGAN);
    for (const x of megan.rules) if (!x.hidden) x.name = "Same";
    const amb = await f.invoke("Remove-InboxRule", { Mailbox: MEGAN, Identity: "Same" });
    expect(detail(amb.json())).toContain("matches multiple entries");
    expect(megan.rules.filter((x) => x.name === "Same").length).toBeGreaterThan(1);
  });

  it("Identity is mandatory; an unknown parameter fails binding", async () => {
    expect(detail((await f.invoke("Remove-InboxRule", { Mailbox: MEGAN })).json())).toContain(
      "missing mandatory parameters: Identity",
    );
    expect(
      detail((await f.invoke("Remove-InboxRule", { Mailbox: MEGAN, Identity: "1", WhatIff: true })).json()),
    ).toContain("A parameter cannot be found that matches parameter name 'WhatIff'.");
  });
});

describe("Exchange face: Set-Mailbox -GrantSendOnBehalfTo", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
  });

  it("overwrites with a list, edits with the GenericHashTable form, clears with null", async () => {
    const mb = f.mailbox(ADELE);
    const set = await f.invoke("Set-Mailbox", {
      Identity: ADELE,
      GrantSendOnBehalfTo: [MEGAN, "alexw@contoso.com"],
    });
    expect(set.status).toBe(200);
    expect(set.write).toBe(true);
    expect(mb.grantSendOnBehalfTo).toEqual([MEGAN, ALEX]);
    const got = (await f.invoke("Get-Mailbox", { Identity: ADELE })).json().value[0];
    expect(got.GrantSendOnBehalfTo).toEqual([MEGAN, ALEX]);

    const edit = await f.invoke("Set-Mailbox", {
      Identity: ADELE,
      GrantSendOnBehalfTo: { "@odata.type": "#Exchange.GenericHashTable", Add: [LEE], Remove: MEGAN },
    });
    expect(edit.status).toBe(200);
    expect(mb.grantSendOnBehalfTo).toEqual([ALEX, LEE]);

    const same = await f.invoke("Set-Mailbox", {
      Identity: ADELE,
      GrantSendOnBehalfTo: { "@odata.type": "#Exchange.GenericHashTable", Add: [LEE] },
    });
    expect(same.status).toBe(200);
    expect(same.write).toBe(false);

    const clear = await f.invoke("Set-Mailbox", { Identity: ADELE, GrantSendOnBehalfTo: null });
    expect(clear.write).toBe(true);
    expect(mb.grantSendOnBehalfTo).toEqual([]);
    expect((await f.invoke("Get-Mailbox", { Identity: ADELE })).json().value[0]).not.toHaveProperty(
      "GrantSendOnBehalfTo",
    );
  });

  it("a hashtable without the GenericHashTable type, or an unknown key, fails binding; an unknown recipient is not found", async () => {
    const mb = f.mailbox(ADELE);
    const untyped = await f.invoke("Set-Mailbox", { Identity: ADELE, GrantSendOnBehalfTo: { Add: [LEE] } });
    expect(untyped.status).toBe(400);
    expect(detail(untyped.json())).toContain(
      "ParameterBindingException|Cannot bind parameter 'GrantSendOnBehalfTo'",
    );
    const badKey = await f.invoke("Set-Mailbox", {
      Identity: ADELE,
      GrantSendOnBehalfTo: { "@odata.type": "#Exchange.GenericHashTable", Replace: [LEE] },
    });
    expect(badKey.status).toBe(400);
    const nobody = await f.invoke("Set-Mailbox", {
      Identity: ADELE,
      GrantSendOnBehalfTo: [LEE, "nobody@contoso.com"],
    });
    expect(nobody.status).toBe(404);
    expect(mb.grantSendOnBehalfTo).toEqual([]);
  });
});

function transportRule(over: Partial<TransportRuleState> = {}): TransportRuleState {
  return {
    guid: "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607",
    name: "Compliance copy",
    state: "Enabled",
    mode: "Enforce",
    priority: 0,
    description:
      "If the message:\r\n\tIs sent to 'Inside the organization'\r\nTake the following actions:\r\n\tBlind carbon copy (Bcc) the message to 'archive@evil.example'\r\n",
    conditions: { SentToScope: "InOrganization" },
    blindCopyTo: ["archive@evil.example"],
    redirectMessageTo: [],
    copyTo: [],
    addToRecipients: [],
    deleteMessage: false,
    whenChanged: "2025-06-01T10:00:00.0000000Z",
    ...over,
  };
}

describe("Exchange face: transport rules", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
    f.state.transportRules = [
      transportRule(),
      transportRule({
        guid: "1c2d3e4f-5061-4b72-8c83-9d94e5f60718",
        name: "Disclaimer",
        state: "Disabled",
        priority: 1,
        blindCopyTo: [],
        conditions: {},
        description: "",
      }),
    ];
  });

  it("Get-TransportRule lists every rule by priority (sparse), by name or Guid, and filters by -State", async () => {
    const all = await f.invoke("Get-TransportRule", {});
    expect(all.status).toBe(200);
    const value = all.json().value;
    expect(value.map((r: Json) => r.Name)).toEqual(["Compliance copy", "Disclaimer"]);
    expect(value[0]).toMatchObject({
      Name: "Compliance copy",
      Identity: "Compliance copy",
      Guid: "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607",
      State: "Enabled",
      Mode: "Enforce",
      Priority: 0,
      SentToScope: "InOrganization",
      BlindCopyTo: ["archive@evil.example"],
    });
    expect(value[0]).not.toHaveProperty("RedirectMessageTo");
    expect(value[0]).not.toHaveProperty("DeleteMessage");
    expect(value[1]).not.toHaveProperty("Description");
    expect((await f.invoke("Get-TransportRule", { Identity: "disclaimer" })).json().value).toHaveLength(1);
    expect(
      (await f.invoke("Get-TransportRule", { Identity: "0B1C2D3E-4F50-4A61-8B72-9C83D4E5F607" })).json()
        .value,
    ).toHaveLength(1);
    const disabled = (await f.invoke("Get-TransportRule", { State: "disabled" })).json().value;
    expect(disabled.map((r: Json) => r.Name)).toEqual(["Disclaimer"]);
    expect((await f.invoke("Get-TransportRule", { Identity: null })).json().value).toHaveLength(2);
    const bad = await f.invoke("Get-TransportRule", { State: "Paused" });
    expect(bad.status).toBe(400);
    expect(detail(bad.json())).toContain("Enabled, Disabled");
    expect((await f.invoke("Get-TransportRule", { Identity: "nope" })).status).toBe(404);
  });

  it("Disable-/Enable-TransportRule change State and WhenChanged; unchanged is not a write", async () => {
    const rule = f.state.transportRules[0]!;
    const r = await f.invoke("Disable-TransportRule", { Identity: rule.guid, Confirm: false });
    expect(r.status).toBe(200);
    expect(r.write).toBe(true);
    expect(rule.state).toBe("Disabled");
    expect(rule.whenChanged).toBe("2025-06-02T09:00:00.000Z");
    expect((await f.invoke("Disable-TransportRule", { Identity: "Compliance copy" })).write).toBe(false);
    expect((await f.invoke("Enable-TransportRule", { Identity: "Compliance copy" })).write).toBe(true);
    expect(rule.state).toBe("Enabled");
    expect((await f.invoke("Enable-TransportRule", {})).status).toBe(400);
  });

  it("Exchange Recipient Administrator cannot reach transport rules; Global Reader reads them but cannot change them", async () => {
    f.app.directoryRoles = ["Exchange Recipient Administrator"];
    expect((await f.invoke("Get-TransportRule", {})).status).toBe(403);
    expect((await f.invoke("Remove-InboxRule", { Mailbox: MEGAN, Identity: "nope" })).status).toBe(404);
    f.app.directoryRoles = ["Global Reader"];
    expect((await f.invoke("Get-TransportRule", {})).status).toBe(200);
    const denied = await f.invoke("Disable-TransportRule", { Identity: "Disclaimer" });
    expect(denied.status).toBe(403);
    expect(denied.bytes.every((b) => b === 0)).toBe(true);
    expect((await f.invoke("Get-MailboxPermission", { Identity: MEGAN })).status).toBe(200);
    expect((await f.invoke("Set-Mailbox", { Identity: MEGAN, GrantSendOnBehalfTo: null })).status).toBe(403);
  });
});

describe("Exchange face: an exception inside the emulator", () => {
  it("answers B5's 500 InternalServerError and the face keeps answering", async () => {
    const f = await faceFixture();
    const mb = f.mailbox(MEGAN);
    const rules = mb.rules;
    (mb as unknown as { rules: unknown }).rules = null;
    const r = await f.invoke("Get-InboxRule", { Mailbox: MEGAN });
    expect(r.status).toBe(500);
    expect(r.json().error.code).toBe("InternalServerError");
    expect(detail(r.json())).toMatch(/^Ex[0-9A-F]+\|System\.InvalidOperationException\|/);
    mb.rules = rules;
    expect((await f.invoke("Get-InboxRule", { Mailbox: MEGAN })).status).toBe(200);
  });
});
