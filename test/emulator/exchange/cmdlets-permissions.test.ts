/** Mailbox, recipient (SendAs) and folder permission cmdlets on the Exchange face. */
import { beforeEach, describe, expect, it } from "vitest";
import { faceFixture, type FaceFixture, type Json } from "./fixture.js";

const MEGAN = "MeganB@contoso.com";
const ALEX = "AlexW@contoso.com";
const ADELE = "AdeleV@contoso.com";
const LEE = "LeeG@contoso.com";

const detail = (body: Json): string => body.error.details[0].message as string;

describe("Exchange face: mailbox permissions", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
  });

  it("Get-MailboxPermission without Identity is 400 Invalid Operation (observed), not a list of everything", async () => {
    for (const params of [{}, { Identity: null }, { Identity: "" }]) {
      const r = await f.invoke("Get-MailboxPermission", params);
      expect(r.status).toBe(400);
      expect(r.json()).toEqual({ error: { code: "BadRequest", message: "Invalid Operation" } });
    }
  });

  it("lists the implicit SELF row with comma-joined AccessRights, then grants; Add is idempotent; Remove takes rights away", async () => {
    const mb = f.mailbox(ADELE);
    const first = (await f.invoke("Get-MailboxPermission", { Identity: ADELE })).json().value;
    expect(first).toEqual([
      {
        Identity: mb.userId,
        User: "NT AUTHORITY\\SELF",
        AccessRights: ["FullAccess, ReadPermission"],
        InheritanceType: "All",
      },
    ]);
    const add = await f.invoke("Add-MailboxPermission", {
      Identity: ADELE,
      User: "meganb@contoso.com",
      AccessRights: ["FullAccess"],
      InheritanceType: "All",
      AutoMapping: false,
    });
    expect(add.status).toBe(200);
    expect(add.write).toBe(true);
    expect(add.json().value).toEqual([
      { Identity: mb.userId, User: MEGAN, AccessRights: ["FullAccess"], InheritanceType: "All" },
    ]);
    expect(mb.mailboxPermissions).toEqual([
      {
        user: MEGAN,
        accessRights: ["FullAccess"],
        isInherited: false,
        deny: false,
        inheritanceType: "All",
        autoMapping: false,
      },
    ]);
    expect(
      (
        await f.invoke("Add-MailboxPermission", {
          Identity: ADELE,
          User: MEGAN,
          AccessRights: "FullAccess",
          AutoMapping: false,
        })
      ).write,
    ).toBe(false);
    await f.invoke("Add-MailboxPermission", {
      Identity: ADELE,
      User: MEGAN,
      AccessRights: ["ReadPermission"],
    });
    const rows = (await f.invoke("Get-MailboxPermission", { Identity: ADELE, User: MEGAN })).json().value;
    expect(rows).toEqual([
      {
        Identity: mb.userId,
        User: MEGAN,
        AccessRights: ["FullAccess, ReadPermission"],
        InheritanceType: "All",
      },
    ]);

    const rm = await f.invoke("Remove-MailboxPermission", {
      Identity: ADELE,
      User: MEGAN,
      AccessRights: ["FullAccess", "ReadPermission"],
      InheritanceType: "All",
      Confirm: false,
    });
    expect(rm.status).toBe(200);
    expect(rm.write).toBe(true);
    expect(mb.mailboxPermissions).toEqual([]);
    const again = await f.invoke("Remove-MailboxPermission", {
      Identity: ADELE,
      User: MEGAN,
      AccessRights: ["FullAccess"],
    });
    expect(again.status).toBe(200);
    expect(again.write).toBe(false);
    expect(again.json()["@adminapi.warnings"][0]).toContain("ACE doesn't exist");
  });

  it("refuses unknown rights, unknown trustees and a missing -User", async () => {
    const bad = await f.invoke("Add-MailboxPermission", {
      Identity: ADELE,
      User: MEGAN,
      AccessRights: ["Everything"],
    });
    expect(bad.status).toBe(400);
    expect(detail(bad.json())).toContain("Everything");
    const nobody = await f.invoke("Add-MailboxPermission", {
      Identity: ADELE,
      User: "nobody@contoso.com",
      AccessRights: ["FullAccess"],
    });
    expect(nobody.status).toBe(404);
    expect(
      (await f.invoke("Add-MailboxPermission", { Identity: ADELE, AccessRights: ["FullAccess"] })).status,
    ).toBe(400);
    expect(
      (await f.invoke("Add-MailboxPermission", { Identity: ADELE, User: MEGAN, AccessRights: [] })).status,
    ).toBe(400);
    expect(f.mailbox(ADELE).mailboxPermissions).toEqual([]);
  });
});

describe("Exchange face: recipient permissions (SendAs)", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
  });

  it("rows are sparse (no Deny/IsInherited keys), SELF first; Add/Remove SendAs only", async () => {
    const mb = f.mailbox(LEE);
    const add = await f.invoke("Add-RecipientPermission", {
      Identity: LEE,
      Trustee: ALEX,
      AccessRights: ["SendAs"],
      Confirm: false,
    });
    expect(add.status).toBe(200);
    expect(add.write).toBe(true);
    const rows = (await f.invoke("Get-RecipientPermission", { Identity: LEE })).json().value;
    expect(rows).toEqual([
      {
        Identity: mb.userId,
        Trustee: "NT AUTHORITY\\SELF",
        AccessControlType: "Allow",
        AccessRights: ["SendAs"],
        InheritanceType: "None",
      },
      {
        Identity: mb.userId,
        Trustee: ALEX,
        AccessControlType: "Allow",
        AccessRights: ["SendAs"],
        InheritanceType: "None",
      },
    ]);
    expect(
      (await f.invoke("Add-RecipientPermission", { Identity: LEE, Trustee: ALEX, AccessRights: "SendAs" }))
        .write,
    ).toBe(false);
    const other = await f.invoke("Add-RecipientPermission", {
      Identity: LEE,
      Trustee: ALEX,
      AccessRights: ["FullAccess"],
    });
    expect(other.status).toBe(400);
    expect(detail(other.json())).toContain("The only valid value for this parameter is SendAs.");
    const rm = await f.invoke("Remove-RecipientPermission", {
      Identity: LEE,
      Trustee: ALEX,
      AccessRights: ["SendAs"],
    });
    expect(rm.write).toBe(true);
    expect(mb.recipientPermissions).toEqual([]);
    expect(
      (
        await f.invoke("Remove-RecipientPermission", {
          Identity: LEE,
          Trustee: ALEX,
          AccessRights: ["SendAs"],
        })
      ).write,
    ).toBe(false);
  });

  it("Get-RecipientPermission with a null Identity lists every recipient (the Get- caution), filterable by Trustee", async () => {
    f.mailbox(MEGAN).recipientPermissions.push({
      trustee: ALEX,
      accessRights: ["SendAs"],
      accessControlType: "Allow",
      isInherited: false,
    });
    const all = (await f.invoke("Get-RecipientPermission", { Identity: null })).json().value;
    expect(all.length).toBe(f.state.mailboxes.length + 1);
    const byTrustee = (await f.invoke("Get-RecipientPermission", { Trustee: "alexw@contoso.com" })).json()
      .value;
    expect(byTrustee).toHaveLength(1);
    expect(byTrustee[0].Identity).toBe(f.mailbox(MEGAN).userId);
  });
});

describe("Exchange face: folder permissions", () => {
  let f: FaceFixture;
  beforeEach(async () => {
    f = await faceFixture();
    const mb = f.mailbox(MEGAN);
    const root = mb.folders.find((x) => x.parentFolderId === undefined)!;
    mb.folders.push(
      { id: "cal-1", displayName: "Calendar", wellKnownName: "calendar", parentFolderId: root.id },
      { id: "de-inbox", displayName: "Posteingang", parentFolderId: root.id },
    );
  });

  it("Get lists Default and Anonymous; the calendar's Default is AvailabilityOnly", async () => {
    const cal = (await f.invoke("Get-MailboxFolderPermission", { Identity: `${MEGAN}:\\Calendar` })).json()
      .value;
    expect(cal).toEqual([
      {
        Identity: "MeganB:\\Calendar",
        FolderName: "Calendar",
        User: "Default",
        AccessRights: ["AvailabilityOnly"],
      },
      { Identity: "MeganB:\\Calendar", FolderName: "Calendar", User: "Anonymous", AccessRights: ["None"] },
    ]);
    const inbox = (await f.invoke("Get-MailboxFolderPermission", { Identity: "meganb:\\inbox" })).json()
      .value;
    expect(inbox[0]).toMatchObject({ FolderName: "Inbox", User: "Default", AccessRights: ["None"] });
  });

  it("folder names are the mailbox's own (localized) names; unknown folders and the Identity are required", async () => {
    expect(
      (await f.invoke("Get-MailboxFolderPermission", { Identity: `${MEGAN}:\\Posteingang` })).status,
    ).toBe(200);
    const missing = await f.invoke("Get-MailboxFolderPermission", { Identity: `${MEGAN}:\\Kalender` });
    expect(missing.status).toBe(404);
    expect(detail(missing.json())).toContain("ManagementObjectNotFoundException");
    expect((await f.invoke("Get-MailboxFolderPermission", {})).status).toBe(400);
  });

  it("Add, Set, Remove with their documented preconditions; AvailabilityOnly only on calendars", async () => {
    const id = `${MEGAN}:\\Calendar`;
    const mb = f.mailbox(MEGAN);
    const add = await f.invoke("Add-MailboxFolderPermission", {
      Identity: id,
      User: ADELE,
      AccessRights: ["Reviewer"],
    });
    expect(add.status).toBe(200);
    expect(add.json().value[0]).toMatchObject({ User: "Adele Vance", AccessRights: ["Reviewer"] });
    const dup = await f.invoke("Add-MailboxFolderPermission", {
      Identity: id,
      User: ADELE,
      AccessRights: ["Editor"],
    });
    expect(dup.status).toBe(400);
    expect(detail(dup.json())).toContain(
      "UserAlreadyExistsInPermissionEntryException|An existing permission entry was found for user: Adele Vance.",
    );
    expect(
      (await f.invoke("Set-MailboxFolderPermission", { Identity: id, User: ADELE, AccessRights: ["Editor"] }))
        .write,
    ).toBe(true);
    expect(
      (await f.invoke("Set-MailboxFolderPermission", { Identity: id, User: ADELE, AccessRights: ["editor"] }))
        .write,
    ).toBe(false);
    expect(mb.folderPermissions).toEqual([{ folderId: "cal-1", user: ADELE, accessRights: ["Editor"] }]);
    const setDefault = await f.invoke("Set-MailboxFolderPermission", {
      Identity: id,
      User: "default",
      AccessRights: ["Reviewer"],
    });
    expect(setDefault.write).toBe(true);
    expect(
      (
        await f.invoke("Add-MailboxFolderPermission", {
          Identity: id,
          User: "Anonymous",
          AccessRights: ["Reviewer"],
        })
      ).status,
    ).toBe(400);
    const rm = await f.invoke("Remove-MailboxFolderPermission", {
      Identity: id,
      User: ADELE,
      Confirm: false,
    });
    expect(rm.write).toBe(true);
    const gone = await f.invoke("Remove-MailboxFolderPermission", { Identity: id, User: ADELE });
    expect(gone.status).toBe(400);
    expect(detail(gone.json())).toContain(
      "There is no existing permission entry found for user: Adele Vance.",
    );
    const inboxAvail = await f.invoke("Add-MailboxFolderPermission", {
      Identity: `${MEGAN}:\\Inbox`,
      User: ADELE,
      AccessRights: ["AvailabilityOnly"],
    });
    expect(inboxAvail.status).toBe(400);
    expect(detail(inboxAvail.json())).toContain("ParameterBindingException");
  });
});
