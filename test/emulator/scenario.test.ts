import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdSource } from "../../src/emulator/ids.js";
import {
  ScenarioError,
  buildTenant,
  loadScenarioFile,
  parseScenario,
  type Scenario,
} from "../../src/emulator/scenario.js";
import { ATTACKER_DOMAIN, DEFAULT_TENANT_ID, defaultScenario } from "../../src/emulator/scenarios/default.js";
import type { MailboxState, TenantState } from "../../src/emulator/state.js";

function build(s: Scenario = defaultScenario, seed = 1): TenantState {
  return buildTenant(parseScenario(s), createIdSource(seed));
}

function mailboxOf(t: TenantState, upn: string): MailboxState {
  const user = t.users.find((u) => u.userPrincipalName === upn);
  const mb = t.mailboxes.find((m) => m.userId === user?.id);
  if (!mb) throw new Error(`no mailbox for ${upn}`);
  return mb;
}

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues;
  }
  throw new Error("expected a ScenarioError");
}

describe("default scenario", () => {
  const t = build();

  it("is Contoso with its domains and fixed tenant id", () => {
    expect(t.tenantId).toBe(DEFAULT_TENANT_ID);
    expect(t.displayName).toBe("Contoso");
    expect(t.domains).toEqual(["contoso.com", "contoso.onmicrosoft.com"]);
  });

  it("has a Global Administrator, a hybrid user and a user without a mailbox", () => {
    expect(t.users.length).toBeGreaterThanOrEqual(5);
    expect(t.users.some((u) => u.privilegedRoles?.includes("Global Administrator"))).toBe(true);
    expect(t.users.filter((u) => u.onPremisesSyncEnabled === true).map((u) => u.userPrincipalName)).toEqual([
      "LeeG@contoso.com",
    ]);
    const noMailbox = t.users.filter((u) => !t.mailboxes.some((m) => m.userId === u.id));
    expect(noMailbox.length).toBe(1);
    expect(noMailbox[0]?.mail).toBeNull();
  });

  it("gives every mailbox the standard folders and the hidden system Junk E-mail Rule at priority 0", () => {
    for (const mb of t.mailboxes) {
      const names = mb.folders.map((f) => f.displayName);
      for (const n of [
        "Inbox",
        "Deleted Items",
        "Archive",
        "RSS Feeds",
        "Conversation History",
        "Junk Email",
        "Sent Items",
      ]) {
        expect(names).toContain(n);
      }
      const junk = mb.rules.filter((r) => r.name === "Junk E-mail Rule");
      expect(junk).toHaveLength(1);
      expect(junk[0]).toMatchObject({ hidden: true, system: true, priority: 0, enabled: true });
    }
  });

  it("has AdeleV's external forwarding rule and mailbox forwarding", () => {
    const mb = mailboxOf(t, "AdeleV@contoso.com");
    expect(mb.forwardingSmtpAddress).toMatch(
      new RegExp(`^smtp:[^@]+@${ATTACKER_DOMAIN.replaceAll(".", "\\.")}$`),
    );
    expect(mb.deliverToMailboxAndForward).toBe(true);
    const fwd = mb.rules.find((r) =>
      r.actions.forwardTo?.some((x) => x.address.endsWith(`@${ATTACKER_DOMAIN}`)),
    );
    expect(fwd?.conditions.subjectOrBodyContainsWords).toEqual(
      expect.arrayContaining(["invoice", "payment", "wire"]),
    );
  });

  it("has MeganB's '.' hiding rule moving security mail to RSS Feeds, marked read, made in OWA", () => {
    const mb = mailboxOf(t, "MeganB@contoso.com");
    const rss = mb.folders.find((f) => f.displayName === "RSS Feeds");
    const rule = mb.rules.find((r) => r.name === ".");
    expect(rule).toMatchObject({ createdBy: "owa", actions: { moveToFolder: rss?.id, markAsRead: true } });
    expect(rule?.conditions.subjectOrBodyContainsWords).toEqual(
      expect.arrayContaining(["security", "phish", "password"]),
    );
  });

  it("has benign rules: newsletter to a user folder, internal forward, a ReceivedAfterDate rule", () => {
    const alex = mailboxOf(t, "AlexW@contoso.com");
    const newsletters = alex.folders.find((f) => f.displayName === "Newsletters");
    const inbox = alex.folders.find((f) => f.wellKnownName === "inbox");
    expect(newsletters?.parentFolderId).toBe(inbox?.id);
    expect(alex.rules.find((r) => r.name === "Newsletters")?.actions.moveToFolder).toBe(newsletters?.id);
    const lee = mailboxOf(t, "LeeG@contoso.com");
    expect(
      lee.rules.some((r) =>
        r.actions.forwardTo?.some((x) => x.address.toLowerCase().endsWith("@contoso.com")),
      ),
    ).toBe(true);
    const megan = mailboxOf(t, "MeganB@contoso.com");
    expect(megan.rules.some((r) => r.conditions.receivedAfterDate !== undefined)).toBe(true);
  });

  it("grants the responder app the documented roles (secrets are added at start, not here)", () => {
    const app = t.apps[0];
    expect(app?.graphRoles).toEqual(
      expect.arrayContaining([
        "User.Read.All",
        "MailboxSettings.ReadWrite",
        "Mail.ReadBasic.All",
        "User.RevokeSessions.All",
      ]),
    );
    expect(app?.exchangeRoles).toEqual(["Exchange.ManageAsApp"]);
    expect(app?.directoryRoles).toEqual(["Exchange Administrator"]);
    expect(app?.secrets).toEqual([]);
  });

  it("is reproducible from the seed, and assigns unique ids", () => {
    expect(build(defaultScenario, 5)).toEqual(build(defaultScenario, 5));
    expect(build(defaultScenario, 5).users[1]?.id).not.toBe(build(defaultScenario, 6).users[1]?.id);
    const ruleIds = t.mailboxes.flatMap((m) => m.rules.map((r) => r.ruleIdentity));
    const graphIds = t.mailboxes.flatMap((m) => m.rules.map((r) => r.graphId));
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    expect(new Set(graphIds).size).toBe(graphIds.length);
  });
});

describe("scenario validation", () => {
  const minimal: Scenario = {
    tenant: { displayName: "Fabrikam", domains: ["fabrikam.onmicrosoft.com"] },
    apps: [{ displayName: "app" }],
  };

  it("accepts a minimal scenario and generates ids", () => {
    const t = build(minimal);
    expect(t.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.apps[0]?.clientId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("names the dotted path of a bad field", () => {
    const bad = {
      ...minimal,
      users: [
        {
          userPrincipalName: "a@fabrikam.onmicrosoft.com",
          displayName: "A",
          mailbox: { rules: [{ name: 5 }] },
        },
      ],
    };
    const issues = issuesOf(() => parseScenario(bad));
    expect(issues.map((i) => i.path)).toContain("users.0.mailbox.rules.0.name");
  });

  it("rejects unknown fields, a UPN outside the tenant's domains and a tenant without an onmicrosoft domain", () => {
    const issues = issuesOf(() =>
      parseScenario({
        tenant: { displayName: "X", domains: ["x.com"] },
        users: [{ userPrincipalName: "a@y.com", displayName: "A", colour: "red" }],
        apps: [{ displayName: "app" }],
      }),
    );
    const paths = issues.map((i) => i.path);
    expect(issues.find((i) => i.path === "users.0.colour")?.message).toMatch(/^unknown key/);
    expect(paths).toContain("tenant.domains");
    // Cross-field checks run only once the structure is valid:
    const issues2 = issuesOf(() =>
      parseScenario({ ...minimal, users: [{ userPrincipalName: "a@y.com", displayName: "A" }] }),
    );
    expect(issues2).toEqual([
      { path: "users.0.userPrincipalName", message: "domain 'y.com' is not one of the tenant's domains" },
    ]);
  });

  it("reports a rule's unknown move-to folder with its path", () => {
    const s: Scenario = {
      ...minimal,
      users: [
        {
          userPrincipalName: "a@fabrikam.onmicrosoft.com",
          displayName: "A",
          mailbox: { rules: [{ name: "r", actions: { moveToFolder: "Nowhere" } }] },
        },
      ],
    };
    const issues = issuesOf(() => build(s));
    expect(issues[0]?.path).toBe("users.0.mailbox.rules.0.actions.moveToFolder");
  });

  it("requires at least one app", () => {
    const issues = issuesOf(() => parseScenario({ ...minimal, apps: [] }));
    expect(issues[0]?.path).toBe("apps");
  });
});

describe("loadScenarioFile", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mw-scenario-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads YAML with defaults applied", async () => {
    const file = path.join(dir, "s.yaml");
    await writeFile(
      file,
      [
        "tenant: { displayName: Fabrikam, domains: [fabrikam.onmicrosoft.com] }",
        "users:",
        "  - userPrincipalName: bob@fabrikam.onmicrosoft.com",
        "    displayName: Bob",
        "    mailbox:",
        "      forwardingSmtpAddress: x@evil.example",
        "apps: [{ displayName: app, graphRoles: [User.Read.All] }]",
      ].join("\n"),
    );
    const s = await loadScenarioFile(file);
    const t = buildTenant(s, createIdSource(1));
    expect(t.mailboxes[0]?.forwardingSmtpAddress).toBe("smtp:x@evil.example");
    expect(t.users[0]?.mail).toBe("bob@fabrikam.onmicrosoft.com");
    expect(t.users[0]?.accountEnabled).toBe(true);
  });

  it("reports JSON syntax errors with the file name", async () => {
    const file = path.join(dir, "bad.json");
    await writeFile(file, "{ not json");
    await expect(loadScenarioFile(file)).rejects.toThrow(/bad\.json/);
  });
});
