/** The switches for the Exchange face's inferred behaviours: the defaults, and the other reading of each. */
import { describe, expect, it } from "vitest";
import { faceFixture } from "./fixture.js";

const MEGAN = "MeganB@contoso.com";
const ALEX = "AlexW@contoso.com";
const ADELE = "AdeleV@contoso.com";

describe("Exchange face switches (options.ts)", () => {
  it("recipientAdminTransportRules: off by default, on lets Exchange Recipient Administrator reach transport rules", async () => {
    const off = await faceFixture();
    off.app.directoryRoles = ["Exchange Recipient Administrator"];
    expect((await off.invoke("Get-TransportRule", {})).status).toBe(403);
    const on = await faceFixture({ recipientAdminTransportRules: true });
    on.app.directoryRoles = ["Exchange Recipient Administrator"];
    expect((await on.invoke("Get-TransportRule", {})).status).toBe(200);
  });

  it("readOnlyRolesGetInboxRule: Security Reader may run Get-InboxRule only when on; Global Reader never", async () => {
    const off = await faceFixture();
    off.app.directoryRoles = ["Security Reader"];
    expect((await off.invoke("Get-InboxRule", { Mailbox: MEGAN })).status).toBe(403);
    const on = await faceFixture({ readOnlyRolesGetInboxRule: true });
    on.app.directoryRoles = ["Security Reader"];
    expect((await on.invoke("Get-InboxRule", { Mailbox: MEGAN })).status).toBe(200);
    expect((await on.invoke("Disable-InboxRule", { Mailbox: MEGAN, Identity: "." })).status).toBe(403);
    on.app.directoryRoles = ["Global Reader"];
    expect((await on.invoke("Get-InboxRule", { Mailbox: MEGAN })).status).toBe(403);
  });

  it("hiddenRulesByName: a hidden rule is reached by name only when on", async () => {
    const off = await faceFixture();
    expect(
      (await off.invoke("Disable-InboxRule", { Mailbox: ALEX, Identity: "Junk E-mail Rule" })).status,
    ).toBe(404);
    const on = await faceFixture({ hiddenRulesByName: true });
    expect(
      (await on.invoke("Disable-InboxRule", { Mailbox: ALEX, Identity: "Junk E-mail Rule" })).status,
    ).toBe(200);
  });

  it("absentPermissionRemoval: a warning by default, an InvalidOperationException when set to error", async () => {
    const off = await faceFixture();
    const warn = await off.invoke("Remove-RecipientPermission", {
      Identity: ADELE,
      Trustee: MEGAN,
      AccessRights: ["SendAs"],
    });
    expect(warn.status).toBe(200);
    expect(warn.json()["@adminapi.warnings"]).toHaveLength(1);
    const on = await faceFixture({ absentPermissionRemoval: "error" });
    const err = await on.invoke("Remove-MailboxPermission", {
      Identity: ADELE,
      User: MEGAN,
      AccessRights: ["FullAccess"],
    });
    expect(err.status).toBe(400);
    expect(err.json().error.details[0].message).toContain(
      "InvalidOperationException|Can't remove the access control entry",
    );
  });
});
