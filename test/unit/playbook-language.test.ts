/**
 * The playbook language: trigger (kinds, categories, severity, sources), gather / assess / notify, the loader's
 * semantic errors and warnings with dotted paths, the facts steps see (context.*, assess.*,
 * target.inAttackerSession), and the shipped playbooks.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { getAction } from "../../src/actions/registry.js";
import { defineAction, type ActionContext, type ActionDefinition } from "../../src/actions/types.js";
import { computeHitKey, hitSource, type Hit, type HitTarget } from "../../src/model/hit.js";
import { attackerMarks, inAttackerSession, linkedSignIns } from "../../src/model/session.js";
import {
  loadPlaybook,
  parsePlaybook,
  PlaybookError,
  playbookWarnings,
  validatePlaybook,
} from "../../src/playbooks/load.js";
import type { Playbook } from "../../src/playbooks/schema.js";
import { assess } from "../../src/runner/assess.js";
import { gatherCase, gatheredFacts } from "../../src/runner/gather.js";
import type { CaseStore } from "../../src/store/types.js";
import { routeHit, triggerTakes } from "../../src/runner/job.js";
import { caseFacts, expandSteps } from "../../src/runner/steps.js";

const rule = (name: string): HitTarget => ({
  kind: "inboxRule",
  mailboxId: "u1",
  upn: "adele@contoso.com",
  ruleName: name,
  contentFingerprint: name
    .padEnd(64, "0")
    .replace(/[^0-9a-f]/g, "a")
    .slice(0, 64),
  hidden: false,
  graphReadOnly: false,
});

function hit(
  target: HitTarget,
  o: Partial<Omit<Hit, "action">> & { action?: Partial<Hit["action"]> } = {},
): Hit {
  return {
    schemaVersion: 1,
    hitKey: computeHitKey("t", target),
    tenantId: "t",
    user: { id: "u1", upn: "adele@contoso.com" },
    target,
    links: [],
    severity: "high",
    score: 80,
    reasons: [{ code: "x", detail: "", weight: 0 }],
    detectedBy: "hunt",
    detectedAt: "2026-01-02T00:00:00Z",
    ...o,
    action: { operation: "New-InboxRule", source: "CloudAppEvents", ...o.action },
  };
}

const doc = (extra: Record<string, unknown>) =>
  JSON.stringify({
    apiVersion: "mailwarden/v1",
    kind: "Playbook",
    metadata: { id: "p", version: 1 },
    trigger: { targets: ["inboxRule"] },
    steps: [{ id: "disable", action: "inboxRule.disable" }],
    ...extra,
  });

const issuesOf = (text: string, o = {}) => validatePlaybook(text, "p.yaml", o).issues;

/** The ids other helpers add in their branches (issue 11), as stand-ins with their contract's shape. */
const OTHER_BRANCH_IDS = [
  "autoReply.read",
  "autoReply.clear",
  "oauthGrant.removeSessionGrants",
  "appRoleAssignment.removeSessionAssignments",
  "authMethod.removeSessionMethods",
  "mobileDevice.removeSessionDevices",
  "casMailbox.blockLegacyProtocols",
];
const standIn = (id: string): ActionDefinition<unknown> =>
  defineAction<unknown>({
    id,
    scope: "user",
    description: id,
    permissions: { graph: [], exchange: [] },
    reversibility: "reversible",
    ...(id.endsWith(".read") ? { readOnly: true as const } : {}),
    limits: [],
    inputFromHit: (h) => ({ userId: h.user.id }),
    targetId: () => "x",
    plan: () => Promise.reject(new Error("stand-in")),
    run: () => Promise.reject(new Error("stand-in")),
    verify: () => Promise.reject(new Error("stand-in")),
    compensate: () => Promise.resolve(),
  });
const withOthers = (id: string) => getAction(id) ?? (OTHER_BRANCH_IDS.includes(id) ? standIn(id) : undefined);

describe("the shipped playbooks", () => {
  it("the three existing playbooks still load, with their defaults", () => {
    for (const id of ["contain-mailbox-exfiltration", "contain-transport-rule", "remove-delegation"]) {
      const p = loadPlaybook(id);
      expect(p.gather).toEqual([]);
      expect(p.trigger.minSeverity).toBe("low");
      expect(p.assess).toBeUndefined();
    }
  });

  it("bec-containment loads against a catalogue that has the other branches' actions, warnings only", () => {
    const text = readFileSync("playbooks/bec-containment.yaml", "utf8");
    const r = validatePlaybook(text, "bec-containment.yaml", { getAction: withOthers });
    expect(r.issues.filter((i) => i.level === "error")).toEqual([]);
    expect(r.playbook?.gather.map((g) => g.action)).toEqual([
      "inboxRule.list",
      "mailboxForwarding.read",
      "delegation.list",
      "autoReply.read",
      "case.linkedSignIns",
      "user.readRisk",
      "case.sessionPeers",
    ]);
    // Irreversible steps are said: revocation and confirming compromise cannot be undone by a rollback.
    const warned = r.issues.filter((i) => i.level === "warning").map((i) => i.path);
    const at = (id: string) => `steps.${r.playbook!.steps.findIndex((s) => s.id === id)}.action`;
    expect(warned).toEqual(expect.arrayContaining([at("revoke-sessions"), at("confirm-compromised")]));
    // Password reset and re-enabling are left to a person: no step does either.
    expect(r.playbook!.steps.map((s) => s.action)).not.toContain("user.enable");
    expect(r.playbook!.steps.map((s) => s.action)).not.toContain("user.requirePasswordChange");
    // The account is disabled only when a person approves.
    expect(r.playbook!.steps.find((s) => s.id === "disable-account")!.approval).toBe("manual");
  });

  it("bec-containment with this branch's catalogue: the only errors are the other branches' action ids", () => {
    const text = readFileSync("playbooks/bec-containment.yaml", "utf8");
    const errors = issuesOf(text).filter((i) => i.level === "error");
    for (const e of errors) {
      expect(e.message).toMatch(/^unknown action /);
      expect(OTHER_BRANCH_IDS).toContain(e.message.replace("unknown action ", ""));
    }
  });
});

describe("loader: errors and warnings with dotted paths", () => {
  it("an unknown action in steps or gather is an error at its path", () => {
    const issues = issuesOf(
      doc({
        gather: [{ id: "rules", action: "inboxRule.lst" }],
        steps: [{ id: "a", action: "inboxRule.disabel" }],
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: "gather.0.action", message: "unknown action inboxRule.lst", level: "error" },
        { path: "steps.0.action", message: "unknown action inboxRule.disabel", level: "error" },
      ]),
    );
    expect(() => parsePlaybook(doc({ gather: [{ id: "r", action: "nope.nope" }] }), "p.yaml")).toThrow(
      PlaybookError,
    );
  });

  it("a writing action in gather is refused", () => {
    const issues = issuesOf(doc({ gather: [{ id: "x", action: "mailboxForwarding.clear" }] }));
    expect(issues).toContainEqual({
      path: "gather.0.action",
      message: expect.stringMatching(/^mailboxForwarding\.clear writes: gather takes read-only actions only/),
      level: "error",
    });
  });

  it("a step whose action acts on no target kind of the trigger is an error", () => {
    const issues = issuesOf(
      doc({ steps: [{ id: "t", action: "transportRule.disable", approval: "manual" }] }),
    );
    expect(issues).toContainEqual({
      path: "steps.0.action",
      message: expect.stringContaining(
        "transportRule.disable acts on transportRule targets; the trigger takes inboxRule",
      ),
      level: "error",
    });
    // Account-wide steps fit any trigger; categories bring auditAction hits, which user steps apply to.
    expect(
      issuesOf(doc({ steps: [{ id: "r", action: "user.revokeSessions" }] })).filter(
        (i) => i.level === "error",
      ),
    ).toEqual([]);
  });

  it("context paths must name a gather id gathered before; assess.* needs an assess section", () => {
    const issues = issuesOf(
      doc({
        gather: [
          { id: "first", action: "inboxRule.list", if: { path: "context.second", exists: true } },
          { id: "second", action: "mailboxForwarding.read" },
        ],
        assess: { rules: [{ when: { path: "context.nothere.x", equals: 1 }, add: 1, reason: "r" }] },
        steps: [
          {
            id: "a",
            action: "inboxRule.disable",
            if: {
              all: [
                { path: "context.second", exists: true },
                { not: { path: "context.risk", exists: true } },
              ],
            },
          },
        ],
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          path: "gather.0.if.path",
          message: "context.second is gathered after this condition is evaluated",
          level: "error",
        },
        {
          path: "assess.rules.0.when.path",
          message: "no gather step has id nothere (gather ids: first, second)",
          level: "error",
        },
        {
          path: "steps.0.if.all.1.not.path",
          message: "no gather step has id risk (gather ids: first, second)",
          level: "error",
        },
      ]),
    );
    expect(issues.some((i) => i.path === "steps.0.if.all.0.path")).toBe(false);
    expect(
      issuesOf(
        doc({
          steps: [
            {
              id: "a",
              action: "inboxRule.disable",
              approval: { autoIf: { path: "assess.score", atLeast: 50 } },
            },
          ],
        }),
      ),
    ).toContainEqual({
      path: "steps.0.approval.autoIf.path",
      message: "the playbook has no assess section: assess.* is never set",
      level: "error",
    });
  });

  it("warnings do not stop loading: an irreversible step, an unknown fact", () => {
    const text = doc({
      steps: [
        { id: "a", action: "inboxRule.disable", if: { path: "tagret.kind", equals: "inboxRule" } },
        { id: "b", action: "user.confirmCompromised" },
      ],
    });
    const p = parsePlaybook(text, "p.yaml");
    const w = playbookWarnings(p);
    expect(w).toEqual(
      expect.arrayContaining([
        {
          path: "steps.0.if.path",
          message: expect.stringMatching(/^tagret is not a fact/),
          level: "warning",
        },
        {
          path: "steps.1.action",
          message: expect.stringMatching(/^user\.confirmCompromised cannot be compensated \(irreversible\)/),
          level: "warning",
        },
      ]),
    );
  });

  it("unknown keys in the new sections are errors at their paths", () => {
    const issues = issuesOf(
      doc({
        trigger: { targets: ["inboxRule"], minSeverty: "high" },
        gather: [{ id: "r", action: "inboxRule.list", when: {} }],
        assess: {
          rules: [{ when: { path: "score", atLeast: 1 }, add: 1, reason: "r", weight: 2 }],
          severity: { hgh: 3 },
        },
        notify: { on: ["contained"], channel: "x" },
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        "trigger.minSeverty",
        "gather.0.when",
        "assess.rules.0.weight",
        "assess.severity.hgh",
        "notify.channel",
      ].sort(),
    );
    expect(issues.find((i) => i.path === "trigger.minSeverty")!.message).toBe(
      "unknown key; did you mean minSeverity?",
    );
  });
});

describe("routing by trigger", () => {
  const pb = (trigger: Record<string, unknown>, id = "p") =>
    parsePlaybook(
      doc({ metadata: { id, version: 1 }, trigger, steps: [{ id: "r", action: "user.revokeSessions" }] }),
      "p.yaml",
    );

  it("kinds, audit categories, minimum severity and sources", () => {
    const r = hit(rule("a"));
    expect(triggerTakes(pb({ targets: ["inboxRule"] }), r)).toBe(true);
    expect(triggerTakes(pb({ targets: ["mailboxForwarding"] }), r)).toBe(false);
    expect(
      triggerTakes(pb({ targets: ["inboxRule"], minSeverity: "high" }), { ...r, severity: "medium" }),
    ).toBe(false);
    expect(
      triggerTakes(pb({ targets: ["inboxRule"], minSeverity: "medium" }), { ...r, severity: "medium" }),
    ).toBe(true);
    expect(hitSource(r)).toBe("hunt-defender");
    expect(triggerTakes(pb({ targets: ["inboxRule"], sources: ["hunt-sentinel"] }), r)).toBe(false);
    expect(triggerTakes(pb({ targets: ["inboxRule"], sources: ["hunt-defender"] }), r)).toBe(true);
    const offline = { ...r, origin: "offline" as const };
    expect(triggerTakes(pb({ targets: ["inboxRule"], sources: ["hunt-defender"] }), offline)).toBe(false);
    expect(triggerTakes(pb({ targets: ["inboxRule"], sources: ["offline"] }), offline)).toBe(true);
    expect(hitSource({ ...r, detectedBy: "scan" })).toBe("scan");

    const tamper = hit({
      kind: "auditAction",
      upn: "a@x",
      category: "defenceTampering",
      summary: "POP enabled",
    });
    expect(triggerTakes(pb({ targets: ["inboxRule"] }), tamper)).toBe(false);
    expect(triggerTakes(pb({ targets: ["inboxRule"], categories: ["coverUp"] }), tamper)).toBe(false);
    expect(triggerTakes(pb({ targets: ["inboxRule"], categories: ["defenceTampering"] }), tamper)).toBe(true);
  });

  it("a hit below one playbook's minimum severity goes to the next selected one", () => {
    const strict = pb({ targets: ["inboxRule"], minSeverity: "high" }, "strict");
    const lenient = pb({ targets: ["inboxRule"] }, "lenient");
    expect(routeHit([strict, lenient], hit(rule("a")))?.metadata.id).toBe("strict");
    expect(routeHit([strict, lenient], hit(rule("a"), { severity: "low", score: 10 }))?.metadata.id).toBe(
      "lenient",
    );
    expect(routeHit([strict], hit(rule("a"), { severity: "low", score: 10 }))).toBeUndefined();
  });
});

describe("assess", () => {
  it("sums the rules that hold, keeps 0..100, bands by the thresholds, says why", () => {
    const spec = {
      rules: [
        { when: { path: "severity", equals: "high" as const }, add: 50, reason: "high hit" },
        { when: { path: "context.risk.riskLevel", in: ["high"] }, add: 30, reason: "risky user" },
        { when: { path: "context.peers.count", atLeast: 1 }, add: 40, reason: "peers" },
        { when: { path: "linkStrength", equals: "none" }, add: -10, reason: "no link" },
      ],
      severity: { medium: 40, high: 70 },
    };
    const facts = caseFacts([hit(rule("a"))], { context: { risk: { riskLevel: "high" } } });
    expect(assess(spec, facts)).toEqual({
      score: 70,
      severity: "high",
      reasons: ["high hit (+50)", "risky user (+30)", "no link (-10)"],
    });
    const all = caseFacts([hit(rule("a"))], {
      context: { risk: { riskLevel: "high" }, peers: { count: 2 } },
    });
    expect(assess(spec, all).score).toBe(100);
    expect(assess(spec, caseFacts([hit(rule("a"), { severity: "low" })]))).toEqual({
      score: 0,
      severity: "low",
      reasons: ["no link (-10)"],
    });
  });
});

describe("target.inAttackerSession and the facts steps see", () => {
  const attackerLink = {
    key: "session" as const,
    strength: "strong" as const,
    sessionId: "S-ATT",
    ip: "203.0.113.9",
    risk: 100,
  };
  const main = hit(rule("Accounts sync"), {
    action: { sessionId: "S-ATT", ip: "203.0.113.9" },
    links: [attackerLink],
  });
  const sameSession = hit(rule("."), { severity: "low", score: 20, action: { sessionId: "s-att" } });
  const sameIp = hit(rule("rss"), {
    severity: "low",
    score: 20,
    action: { ip: "203.0.113.9", sessionId: "S-OTHER" },
  });
  const own = hit(rule("newsletters"), {
    severity: "low",
    score: 20,
    action: { sessionId: "S-USER", ip: "198.51.100.7" },
    links: [{ key: "session", strength: "strong", sessionId: "S-USER", ip: "198.51.100.7", risk: 1 }],
  });
  const hits = [main, sameSession, sameIp, own];

  it("the attacker's marks come from high-severity hits and risky links; a low hit's own sign-in is not the attacker's", () => {
    const m = attackerMarks(hits);
    expect([...m.sessionIds]).toEqual(["s-att"]);
    expect([...m.ips]).toEqual(["203.0.113.9"]);
    expect(hits.map((h) => inAttackerSession(h, m))).toEqual([true, true, true, false]);
    const signIns = linkedSignIns(hits);
    expect(signIns.map((s) => [s.sessionId, s.attacker])).toEqual([
      ["S-ATT", true],
      ["S-USER", false],
    ]);
  });

  it("a step's if selects the other rules of the attacker's session; autoIf sees context and assess", () => {
    const p: Playbook = parsePlaybook(
      doc({
        gather: [{ id: "risk", action: "user.readRisk" }],
        assess: { rules: [{ when: { path: "severity", equals: "high" }, add: 80, reason: "high" }] },
        steps: [
          {
            id: "disable",
            action: "inboxRule.disable",
            if: {
              any: [
                { path: "severity", atLeast: "medium" },
                { path: "target.inAttackerSession", equals: true },
              ],
            },
            approval: { autoIf: { path: "target.inAttackerSession", equals: true } },
          },
          {
            id: "revoke",
            action: "user.revokeSessions",
            approval: {
              autoIf: {
                all: [
                  { path: "assess.severity", equals: "high" },
                  { path: "context.risk.riskLevel", equals: "high" },
                ],
              },
            },
          },
        ],
      }),
      "p.yaml",
    );
    const targets = hits.map((h) => ({ targetKey: h.hitKey, hit: h }));
    const extras = {
      context: { risk: { riskLevel: "high" } },
      assess: { score: 80, severity: "high" as const, reasons: ["high (+80)"] },
    };
    const steps = expandSteps(p, targets, extras);
    const disabled = steps
      .filter((s) => s.stepId === "disable")
      .map((s) => (s.input as { ruleName: string }).ruleName);
    expect(disabled).toEqual(["Accounts sync", ".", "rss"]);
    expect(steps.filter((s) => s.stepId === "disable").every((s) => s.approval?.mode === "auto")).toBe(true);
    expect(steps.find((s) => s.stepId === "revoke")!.approval?.mode).toBe("auto");
    // Without the gathered risk (a failed read), the condition does not hold: a person decides.
    const without = expandSteps(p, targets, { assess: extras.assess });
    expect(without.find((s) => s.stepId === "revoke")!.approval?.mode).toBe("manual");
  });
});

describe("gather (unit): journalled results, failures recorded, the abort signal honoured", () => {
  const main = hit(rule("Accounts sync"), {
    action: { sessionId: "S-ATT" },
    links: [{ key: "session", strength: "strong", sessionId: "S-ATT", risk: 100 }],
  });
  const peer = hit(rule("x"), {
    user: { id: "u2", upn: "megan@contoso.com" },
    action: { sessionId: "S-ATT" },
  });
  const p = parsePlaybook(
    doc({
      gather: [
        { id: "signIns", action: "case.linkedSignIns" },
        { id: "risk", action: "user.readRisk" },
        { id: "forwarding", action: "mailboxForwarding.read" },
        { id: "peers", action: "case.sessionPeers", if: { path: "context.signIns", exists: true } },
        { id: "never", action: "inboxRule.list", if: { path: "severity", equals: "low" } },
      ],
      assess: {
        rules: [
          { when: { path: "context.peers.count", atLeast: 1 }, add: 60, reason: "peers" },
          { when: { path: "context.risk.riskLevel", equals: "high" }, add: 30, reason: "risky" },
        ],
      },
    }),
    "p.yaml",
  );
  const store = {
    journalled: [] as { kind: string; detail: unknown }[],
    getCase: (id: string) => ({ caseId: id, userId: "u1" }),
    listCases: () => [
      { caseId: "c1", userId: "u1", userUpn: "adele@contoso.com", status: "open" },
      { caseId: "c2", userId: "u2", userUpn: "megan@contoso.com", status: "open" },
    ],
    listTargets: (id: string) => (id === "c2" ? [{ hit: peer }] : [{ hit: main }]),
    journal() {
      return this.journalled;
    },
  };
  let riskCalls = 0;
  const actionCtx = {
    tenantId: "t",
    tenantDomains: ["contoso.com"],
    graph: {
      getRiskyUser: () => {
        riskCalls++;
        return Promise.reject(new Error("Identity Protection is down"));
      },
    },
    now: () => new Date(),
    poll: { attempts: 1, delayMs: 0, sleep: () => Promise.resolve() },
  } as unknown as ActionContext;
  const env = (stop?: AbortSignal) => ({
    store: store as unknown as CaseStore,
    actionCtx,
    caseId: "c1",
    hits: [main],
    ...(stop ? { stop } : {}),
  });

  it("records each read or its failure, skips what its condition excludes, assesses on what was read", async () => {
    const g = await gatherCase(p, env());
    const details = g.journal.map((e) => [e.kind, e.detail] as const);
    const of = (id: string) =>
      details.find(([, d]) => (d as { gatherId?: string }).gatherId === id)![1] as Record<string, unknown>;
    expect(of("risk")).toMatchObject({ playbook: "p", result: null, error: "Identity Protection is down" });
    expect(of("forwarding").error).toMatch(/only be read through Exchange Online/);
    expect(of("never")).toMatchObject({ result: null, skipped: "its condition does not hold" });
    expect(of("peers").result).toMatchObject({ count: 1, peers: [{ caseId: "c2", matchedOn: ["session"] }] });
    expect(Object.keys(g.context).sort()).toEqual(["peers", "signIns"]);
    expect(g.assess).toEqual({ score: 60, severity: "medium", reasons: ["peers (+60)"] });
    expect(details.at(-1)).toEqual(["assess.scored", { playbook: "p", ...g.assess }]);
    // Read back from the journal (a later expansion of the same playbook sees what the run saw).
    store.journalled = g.journal.map((e) => ({ kind: e.kind, detail: e.detail }));
    const back = gatheredFacts(store as unknown as CaseStore, "c1", "p", [main]);
    expect(back.context).toEqual(g.context);
    expect(back.assess).toEqual(g.assess);
    expect(gatheredFacts(store as unknown as CaseStore, "c1", "other", [main]).context).toEqual({});
  });

  it("a stopped invocation gathers nothing more and says so", async () => {
    riskCalls = 0;
    const stop = new AbortController();
    stop.abort(new Error("SIGTERM"));
    const g = await gatherCase(p, env(stop.signal));
    expect(riskCalls).toBe(0);
    expect(g.context).toEqual({});
    expect(
      g.journal
        .filter((e) => e.kind === "context.gathered")
        .every((e) => (e.detail as { error?: string }).error === "not gathered: the invocation was stopped"),
    ).toBe(true);
  });
});
