/**
 * bec-containment end to end on the emulated tenant: scan → hits with the attacker's session (as a hunt links
 * them) → gather (journalled with the run, a failing read recorded and the run going on) → assess → containment
 * of the targeted rule, the other rule made in the attacker's session (and not the user's own), forwarding,
 * sessions, the account. The steps whose actions other branches add (auto-reply, session grants, methods,
 * devices, legacy protocols) are left out of the playbook copy here: see the unit test that loads the full
 * playbook against a catalogue with them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { getAction } from "../../src/actions/registry.js";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { defaultScenario } from "../../src/emulator/scenarios/default.js";
import type { Scenario } from "../../src/emulator/scenario.js";
import type { Hit } from "../../src/model/hit.js";
import type { JobNotice } from "../../src/runner/job.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const ATTACKER_IP = "203.0.113.77";
const ADELE = "AdeleV@contoso.com";
const MEGAN = "MeganB@contoso.com";

/** Adele also has a hiding rule the attacker made in the same session, and one of her own that looks alike. */
function scenario(): Scenario {
  const s = JSON.parse(JSON.stringify(defaultScenario)) as Scenario;
  const adele = s.users!.find((u) => u.userPrincipalName === ADELE)!;
  const mb = adele.mailbox!;
  mb.folders = [...(mb.folders ?? []), { displayName: "RSS Feeds", unreadItemCount: 0, totalItemCount: 0 }];
  const hide = (name: string, words: string[]) => ({
    name,
    createdBy: "owa" as const,
    conditions: { subjectOrBodyContainsWords: words },
    actions: { moveToFolder: "RSS Feeds", markAsRead: true, stopProcessingRules: true },
  });
  mb.rules = [
    ...(mb.rules ?? []),
    hide("..", ["security", "password", "unusual sign-in"]),
    hide("Tidy", ["phish", "suspicious", "verify your account"]),
  ];
  return s;
}

/** The actions of bec-containment this test covers (those of the branch that wrote it; others test their own). */
const HERE = [
  "inboxRule.list",
  "mailboxForwarding.read",
  "delegation.list",
  "case.linkedSignIns",
  "user.readRisk",
  "case.sessionPeers",
  "inboxRule.disable",
  "mailboxForwarding.clear",
  "delegation.remove",
  "user.revokeSessions",
  "user.disable",
  "user.confirmCompromised",
];

/** The bec-containment playbook with only the actions in HERE (a test copy, its own id). */
function lite(dir: string): string {
  const p = YAML.parse(readFileSync("playbooks/bec-containment.yaml", "utf8")) as {
    metadata: { id: string };
    gather: { action: string }[];
    steps: { action: string }[];
  };
  p.metadata.id = "bec-lite";
  p.gather = p.gather.filter((g) => HERE.includes(g.action) && getAction(g.action));
  p.steps = p.steps.filter((s) => HERE.includes(s.action) && getAction(s.action));
  // This copy raises only the notices that need a person (a contained case is not one of them).
  (p as { notify?: unknown }).notify = { on: ["approval-needed", "escalated", "halted", "failed"] };
  writeFileSync(path.join(dir, "bec-lite.yaml"), YAML.stringify(p));
  return "bec-lite";
}

let t: TestTenant;
let hits: Hit[];
const fastPoll = { poll: { attempts: 3, delayMs: 0, sleep: () => Promise.resolve() } };
const stateUser = (upn: string) =>
  t.emulator.ctx.state.users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase())!;
const mailbox = (upn: string) => t.emulator.ctx.state.mailboxes.find((m) => m.userId === stateUser(upn).id)!;
const rule = (upn: string, name: string) => mailbox(upn).rules.find((r) => r.name === name)!;
const ruleHit = (upn: string, name: string) =>
  hits.find((h) => h.user.upn === upn && h.target.kind === "inboxRule" && h.target.ruleName === name)!;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mw-bec-"));
  const id = lite(dir);
  t = await startTestTenant({
    scenario: scenario(),
    config: (c) => ({ ...c, playbooks: { selected: [id], dirs: [dir] } }),
  });
  // The containment's account-wide steps need these grants beyond the least-privilege app's (before any token).
  t.emulator.ctx.state.apps[0]!.graphRoles.push(
    "User.EnableDisableAccount.All",
    "IdentityRiskyUser.ReadWrite.All",
  );
  // A colleague with FullAccess to Adele's mailbox (legitimate: gathered as a delegate, not contained).
  mailbox(ADELE).mailboxPermissions.push(
    {
      user: "NT AUTHORITY\\SELF",
      accessRights: ["FullAccess"],
      isInherited: false,
      deny: false,
      inheritanceType: "All",
    },
    {
      user: "LeeG@contoso.com",
      accessRights: ["FullAccess"],
      isInherited: false,
      deny: false,
      inheritanceType: "All",
    },
  );
  const scanned = (await scanWith(t.cfg, t.handles)).hits;
  // What a hunt adds to scan's hits: the audit record's session and IP, and the linked sign-in.
  hits = scanned.map((h): Hit => {
    if (h.user.upn === ADELE && h.target.kind === "inboxRule" && h.target.ruleName === "Accounts sync")
      return {
        ...h,
        action: { ...h.action, sessionId: "S-ATTACKER", ip: ATTACKER_IP },
        links: [{ key: "session", strength: "strong", sessionId: "S-ATTACKER", ip: ATTACKER_IP, risk: 100 }],
      };
    if (h.user.upn === ADELE && h.target.kind === "inboxRule" && h.target.ruleName === "..")
      return { ...h, severity: "low", score: 20, action: { ...h.action, sessionId: "S-ATTACKER" } };
    if (h.user.upn === ADELE && h.target.kind === "inboxRule" && h.target.ruleName === "Tidy")
      return {
        ...h,
        severity: "low",
        score: 20,
        action: { ...h.action, sessionId: "S-ADELE", ip: "198.51.100.20" },
      };
    if (h.user.upn === MEGAN) return { ...h, action: { ...h.action, ip: ATTACKER_IP } };
    return h;
  });
  // Megan first: her case exists when Adele's gathers its session peers.
  hits.sort((a, b) => Number(b.user.upn === MEGAN) - Number(a.user.upn === MEGAN));
});
afterAll(async () => {
  await t?.close();
});

describe("bec-containment on the emulated tenant", () => {
  it("scan found the rules this test is about", () => {
    for (const n of ["Accounts sync", "..", "Tidy"]) expect(ruleHit(ADELE, n), n).toBeDefined();
  });

  it("a dry run gathers (reads only), journals the context with the run, and a failing read never stops it", async () => {
    const mark = t.mark();
    const graph = new Proxy(t.handles.graph, {
      get(target, prop, recv) {
        if (prop === "getRiskyUser") return () => Promise.reject(new Error("Identity Protection is down"));
        return Reflect.get(target, prop, recv) as unknown;
      },
    });
    const out = await runHits(t.cfg, t.handles, hits, "dry-run", { actionCtx: { graph, ...fastPoll } });
    expect(t.writes(mark)).toEqual([]);
    const run = out.runs.find((r) => r.user === ADELE)!;
    expect(run.state).toBe("planned");
    const keys = run.steps.filter((s) => s.id === "disable-rule").map((s) => s.target);
    expect(keys.sort()).toEqual([ruleHit(ADELE, "Accounts sync").hitKey, ruleHit(ADELE, "..").hitKey].sort());

    const store = new SqliteCaseStore(t.cfg.store.path);
    try {
      const journal = store.journal({ runId: run.runId });
      const gathered = journal.filter((e) => e.kind === "context.gathered");
      const by = (id: string) =>
        gathered.find((e) => (e.detail as { gatherId: string }).gatherId === id)!.detail as {
          result: unknown;
          error?: string;
        };
      expect(gathered.map((e) => (e.detail as { gatherId: string }).gatherId)).toEqual([
        "rules",
        "forwarding",
        "delegates",
        "signIns",
        "risk",
        "peers",
      ]);
      // Journalled before the plans, in the run's first commit.
      const firstPlan = journal.find((e) => e.kind === "run.planned")!;
      expect(gathered.every((e) => e.seq < firstPlan.seq)).toBe(true);
      expect(by("risk")).toMatchObject({
        result: null,
        error: expect.stringContaining("Identity Protection is down"),
      });
      const rules = by("rules").result as { rules: { name?: string; hidden?: boolean }[] };
      expect(JSON.stringify(rules)).toContain("Accounts sync");
      expect(JSON.stringify(rules)).toContain("Junk E-mail Rule"); // hidden rules included
      expect(by("forwarding").result).toMatchObject({
        forwardingSmtpAddress: expect.stringContaining("mail-archive-secure.example"),
      });
      expect(by("delegates").result).toEqual({
        fullAccess: [
          { trustee: expect.stringMatching(/^leeg@contoso\.com$/i), accessRights: ["FullAccess"] },
        ],
        sendAs: [],
        sendOnBehalf: [],
      });
      expect(by("signIns").result).toMatchObject({
        attacker: { sessionIds: ["s-attacker"], ips: [ATTACKER_IP] },
      });
      expect(by("peers").result).toMatchObject({
        count: 1,
        peers: [{ user: { upn: expect.stringMatching(/^meganb@contoso\.com$/i) }, matchedOn: ["ip"] }],
      });
      const scored = journal.find((e) => e.kind === "assess.scored")!.detail as {
        score: number;
        severity: string;
        reasons: string[];
      };
      expect(scored.severity).toBe("high");
      expect(scored.reasons.some((r) => r.startsWith("Identity Protection"))).toBe(false);
      expect(
        scored.reasons.some((r) => r.startsWith("the attacker's session or IP touched other users")),
      ).toBe(true);
    } finally {
      store.close();
    }
  });

  it("--yes contains: the targeted rule and the other rule of the attacker's session, never the user's own", async () => {
    const notices: JobNotice[] = [];
    const out = await runHits(t.cfg, t.handles, hits, "execute", {
      actionCtx: fastPoll,
      notify: (n) => Promise.resolve(void notices.push(n)),
    });
    const run = out.runs.find((r) => r.user === ADELE)!;
    expect([run.state, run.error]).toEqual(["done", undefined]);
    expect(rule(ADELE, "Accounts sync").enabled).toBe(false);
    expect(rule(ADELE, "..").enabled).toBe(false);
    expect(rule(ADELE, "Tidy").enabled).toBe(true);
    expect(mailbox(ADELE)).toMatchObject({ forwardingSmtpAddress: null, deliverToMailboxAndForward: false });
    expect(stateUser(ADELE).accountEnabled).toBe(false);
    // notify.on leaves `contained` out: the done runs raised nothing.
    expect(out.runs.every((r) => r.state === "done")).toBe(true);
    expect(notices).toEqual([]);
    expect(run.steps.map((s) => s.id)).toEqual([
      "disable-rule",
      "disable-rule",
      "clear-forwarding",
      "revoke-sessions",
      "disable-account",
      "confirm-compromised",
    ]);
    const store = new SqliteCaseStore(t.cfg.store.path);
    try {
      // The execute run gathered again, with the working Identity Protection this time.
      const risk = store
        .journal({ runId: run.runId })
        .find(
          (e) => e.kind === "context.gathered" && (e.detail as { gatherId: string }).gatherId === "risk",
        )!;
      expect(risk.detail).toMatchObject({ result: { riskState: expect.any(String) } });
      expect((risk.detail as { error?: string }).error).toBeUndefined();
      expect(store.verifyChain().ok).toBe(true);
    } finally {
      store.close();
    }
  });
});
