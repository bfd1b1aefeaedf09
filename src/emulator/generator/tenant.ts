/**
 * The base tenant: the default scenario's organisation and responder app (so the real SDKs and the Exchange bridge
 * run against a generated tenant exactly as against the default one), N people with mailboxes and benign rules, and
 * the break-glass account. Built through the same `buildTenant` as scenario files.
 */
import { buildTenant } from "../buildTenant.js";
import { parseScenario, type Scenario } from "../scenario.js";
import { defaultScenario } from "../scenarios/default.js";
import type { IdSource, TenantState } from "../state.js";
import { NETWORKS, pickV4, pickV6, RESIDENTIAL_GB, RESIDENTIAL_US, type Network } from "./networks.js";
import { GIVEN, SURNAMES, TITLES, UA_EDGE, UA_IOS, type Device, type Person } from "./people.js";
import type { Rng } from "./rng.js";
import { DAY, isoZ } from "./time.js";

/**
 * Read-only Graph roles added to the responder app of a generated tenant, so its sign-ins, risk data, alerts and
 * hunting tables can be read (the default scenario's app has only what containment needs).
 */
export const INVESTIGATION_ROLES = [
  "AuditLog.Read.All",
  "Directory.Read.All",
  "IdentityRiskyUser.Read.All",
  "IdentityRiskEvent.Read.All",
  "SecurityAlert.Read.All",
  "SecurityIncident.Read.All",
  "ThreatHunting.Read.All",
] as const;

type ScenarioUserInput = NonNullable<Scenario["users"]>[number];
type RuleInput = NonNullable<NonNullable<ScenarioUserInput["mailbox"]>["rules"]>[number];

export interface BaseTenant {
  state: TenantState;
  people: Person[];
  domain: string;
}

function laptop(rng: Rng, n: number): Device {
  return {
    deviceId: rng.guid(),
    displayName: `CONTOSO-LT-${String(1000 + n)}`,
    operatingSystem: "Windows10",
    browser: "Edge 125.0.0",
    isCompliant: true,
    isManaged: true,
    trustType: "Azure AD joined",
  };
}

function phone(rng: Rng, name: string): Device {
  return {
    deviceId: rng.guid(),
    displayName: `${name}'s iPhone`,
    operatingSystem: "Ios",
    browser: "Mobile Safari",
    isCompliant: true,
    isManaged: true,
    trustType: "Azure AD registered",
  };
}

export function buildBase(users: number, startMs: number, rng: Rng, ids: IdSource): BaseTenant {
  const domain = defaultScenario.tenant.domains[0] ?? "contoso.com";
  const org = defaultScenario.tenant.domains.find((d) => d.endsWith(".onmicrosoft.com")) ?? domain;
  const specs: ScenarioUserInput[] = [];
  const seen = new Set<string>();
  const profiles: { given: string; surname: string; london: boolean; assistant: number | null }[] = [];
  for (let i = 0; i < users; i++) {
    const given = i === 0 ? "MOD" : rng.pick(GIVEN);
    const surname = i === 0 ? "Administrator" : rng.pick(SURNAMES);
    let local = i === 0 ? "admin" : `${given}${surname.slice(0, 1)}`;
    for (let k = 2; seen.has(local.toLowerCase()); k++) local = `${given}${surname.slice(0, 1)}${k}`;
    seen.add(local.toLowerCase());
    const upn = i === 0 ? `admin@${org}` : `${local}@${domain}`;
    const assistant = i > 1 && rng.chance(0.15) ? rng.int(1, users - 1) : null;
    profiles.push({
      given,
      surname,
      london: rng.chance(0.25),
      assistant: assistant === i ? null : assistant,
    });
    const rules: RuleInput[] = [];
    const folders: { displayName: string; parent?: string }[] = [];
    if (i > 0 && rng.chance(0.3)) {
      folders.push({ displayName: "Newsletters", parent: "inbox" });
      rules.push({
        name: rng.pick(["Newsletters", "News", "Subscriptions"]),
        createdBy: rng.pick(["outlook", "owa"] as const),
        conditions: { fromAddressContainsWords: ["newsletter", "digest", "noreply@news."] },
        actions: { moveToFolder: "Newsletters", stopProcessingRules: true },
      });
    }
    const assistantIndex = profiles[i]?.assistant ?? null;
    if (assistantIndex !== null) {
      // Forward to an internal assistant: its SMTP address is known once all UPNs are; patched below.
      rules.push({
        name: "Meeting requests to assistant",
        createdBy: "outlook",
        conditions: { messageTypeMatches: ["Calendaring"] },
        actions: { forwardTo: [{ address: `assistant-${assistantIndex}@${domain}` }] },
      });
    }
    if (i > 0 && rng.chance(0.05)) {
      rules.push({
        name: "Vacation",
        createdBy: "owa",
        enabled: rng.chance(0.3),
        conditions: { myNameInToBox: true },
        actions: { assignCategories: ["While I was away"] },
      });
    }
    specs.push({
      userPrincipalName: upn,
      displayName: i === 0 ? "MOD Administrator" : `${given} ${surname}`,
      givenName: given,
      surname,
      jobTitle: i === 0 ? "IT Administrator" : rng.pick(TITLES),
      createdDateTime: isoZ(startMs - rng.int(200, 1500) * DAY),
      ...(i === 0 ? { privilegedRoles: ["Global Administrator"] } : {}),
      ...(rng.chance(0.1) ? { onPremisesSyncEnabled: true } : {}),
      mailbox: {
        alias: local,
        folders,
        rules,
        outlookClientRules: rng.chance(0.2) ? rng.int(1, 3) : 0,
      },
    });
  }
  // Internal forwards name the assistant's real address.
  for (const s of specs)
    for (const r of s.mailbox?.rules ?? [])
      for (const f of r.actions?.forwardTo ?? []) {
        const m = typeof f === "string" ? null : /^assistant-(\d+)@/.exec(f.address);
        const target = m ? specs[Number(m[1])] : undefined;
        if (target && typeof f !== "string") {
          f.address = target.userPrincipalName;
          f.name = target.displayName;
        }
      }
  specs.push({
    userPrincipalName: `breakglass@${org}`,
    displayName: "Emergency Access (break glass)",
    privilegedRoles: ["Global Administrator"],
    createdDateTime: isoZ(startMs - 700 * DAY),
  });
  const scenario: Scenario = {
    tenant: defaultScenario.tenant,
    seed: defaultScenario.seed,
    startTime: isoZ(startMs),
    users: specs,
    apps: defaultScenario.apps.map((a) => ({
      ...a,
      graphRoles: [...new Set([...(a.graphRoles ?? []), ...INVESTIGATION_ROLES])],
    })),
  };
  const state = buildTenant(parseScenario(scenario, "generator"), ids);

  const people: Person[] = [];
  for (let i = 0; i < users; i++) {
    const user = state.users[i];
    const mailbox = state.mailboxes.find((m) => m.userId === user?.id);
    const profile = profiles[i];
    if (!user || !mailbox || !profile) throw new Error("generator: user without a mailbox");
    user.signInSessionsValidFromDateTime = isoZ(startMs - rng.int(5, 300) * DAY);
    user.lastPasswordChangeDateTime = isoZ(startMs - rng.int(10, 200) * DAY);
    const officeNet: Network = profile.london ? NETWORKS.officeLondon : NETWORKS.officeSeattle;
    const homeNet: Network = NETWORKS[rng.pick(profile.london ? RESIDENTIAL_GB : RESIDENTIAL_US)];
    const lt = laptop(rng, i);
    const homeV6 = rng.chance(0.5) ? pickV6(homeNet, rng) : null;
    people.push({
      index: i,
      user,
      mailbox,
      office: { net: officeNet, ip: pickV4(officeNet, rng), userAgent: UA_EDGE, device: lt },
      home: { net: homeNet, ip: homeV6 ?? pickV4(homeNet, rng), userAgent: UA_EDGE, device: lt },
      phone: {
        net: NETWORKS.tmobile,
        ip: pickV4(NETWORKS.tmobile, rng),
        userAgent: UA_IOS,
        device: phone(rng, profile.given),
      },
      assistant: profile.assistant,
    });
  }
  // Assistants' everyday delegation: Reviewer on the Inbox, sometimes SendAs.
  for (const p of people) {
    const a = p.assistant === null ? undefined : people[p.assistant];
    if (!a) continue;
    const inbox = p.mailbox.folders.find((f) => f.wellKnownName === "inbox");
    if (inbox && rng.chance(0.5))
      p.mailbox.folderPermissions.push({
        folderId: inbox.id,
        user: a.user.userPrincipalName,
        accessRights: ["Reviewer"],
      });
    if (rng.chance(0.2))
      p.mailbox.recipientPermissions.push({
        trustee: a.user.userPrincipalName,
        accessRights: ["SendAs"],
        accessControlType: "Allow",
        isInherited: false,
      });
  }
  return { state, people, domain };
}
