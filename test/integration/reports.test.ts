/**
 * Reports end to end on the emulated tenant, through the real SDKs and the Exchange bridge: a case from a
 * Defender incident is contained unattended (`--auto high`: the rule and the forwarding) and by a named person's
 * approval (the account-wide revocation), then its reports are written and the comment goes back to the incident.
 * The report's before / after, request ids, approver, exposure window and undo command are checked against what
 * the tenant and the store hold.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog } from "../../src/audit/log.js";
import { actionContext, runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { Hit } from "../../src/model/hit.js";
import { loadPlaybook } from "../../src/playbooks/load.js";
import { reportInvocation } from "../../src/reports/invocation.js";
import type { CaseReport } from "../../src/reports/model.js";
import { decide, listWaiting } from "../../src/runner/approvals.js";
import type { JobOutcome } from "../../src/runner/job.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let dir: string;
const fast = { poll: { attempts: 3, delayMs: 0, sleep: () => Promise.resolve() } };
const HOUR = 3_600_000;
const signInAt = new Date(Date.now() - 2 * HOUR).toISOString();
const actionAt = new Date(Date.now() - 1.5 * HOUR).toISOString();

const PLAYBOOK = `apiVersion: mailwarden/v1
kind: Playbook
metadata: { id: reporting, version: 1 }
trigger: { targets: [inboxRule, mailboxForwarding] }
steps:
  - { id: disable-rule, action: inboxRule.disable, if: { path: target.kind, equals: inboxRule } }
  - { id: clear-forwarding, action: mailboxForwarding.clear, if: { path: target.kind, equals: mailboxForwarding } }
  - { id: revoke-sessions, action: user.revokeSessions }
report:
  formats: [md, html, json]
  incidentComment: { when: { path: contained, equals: true } }
`;

beforeAll(async () => {
  t = await startTestTenant();
  dir = mkdtempSync(path.join(os.tmpdir(), "mw-reports-"));
  writeFileSync(path.join(dir, "reporting.yaml"), PLAYBOOK);
  t.emulator.ctx.state.apps[0]!.graphRoles.push("SecurityIncident.ReadWrite.All");
  t.emulator.ctx.state.incidents.push({
    id: "42",
    displayName: "BEC: inbox rule and forwarding",
    status: "active",
    severity: "high",
    classification: null,
    determination: null,
    assignedTo: null,
    createdDateTime: actionAt,
    lastUpdateDateTime: actionAt,
    tags: [],
    alertIds: [],
    comments: [],
  });
});
afterAll(async () => {
  await t?.close();
});

/** Adele's hits as hunting makes them from an incident: the action's time and the attacker's linked sign-in. */
function fromIncident(h: Hit): Hit {
  return {
    ...h,
    incidentId: "42",
    action: { ...h.action, time: actionAt, ip: "203.0.113.9", sessionId: "sess-attacker" },
    links: [
      {
        key: "session",
        strength: "strong",
        sessionId: "sess-attacker",
        uniqueTokenId: "utid-attacker",
        ip: "203.0.113.9",
        time: signInAt,
        asn: 64501,
        org: "Bulletproof Hosting",
        country: "RU",
        networkTags: ["hosting"],
        risk: 100,
        userAgent: "python-requests/2.31",
      },
    ],
  };
}

describe("a contained case's reports", () => {
  let outcome: JobOutcome;
  let report: CaseReport;
  let cfg: TestTenant["cfg"];
  let caseDir: string;

  it("contains unattended what policy allows, and a named person approves the revocation", async () => {
    cfg = { ...t.cfg, playbooks: { selected: ["reporting"], dirs: [dir] } };
    const scan = await scanWith(cfg, t.handles);
    const hits = scan.hits.filter((h) => h.user.upn === "AdeleV@contoso.com").map(fromIncident);
    expect(hits.map((h) => h.target.kind).sort()).toEqual(["inboxRule", "mailboxForwarding"]);
    const first = await runHits(cfg, t.handles, hits, "execute", {
      actionCtx: fast,
      unattended: { minSeverity: "high", cap: { max: 5, windowMs: HOUR } },
    });
    expect(first.runs.map((r) => r.state)).toEqual(["waiting"]);
    const store = new SqliteCaseStore(cfg.store.path);
    try {
      const w = listWaiting(store);
      expect(w.map((x) => x.stepId)).toEqual(["revoke-sessions"]);
      const done = await decide(
        {
          store,
          audit: createAuditLog(path.join(t.stateDir, "audit-decide.jsonl")),
          actionCtx: { ...actionContext(cfg, t.handles), ...fast },
          leaseMs: 30_000,
          playbooks: [loadPlaybook("reporting", [dir])],
        },
        {
          runId: w[0]!.runId,
          decision: "approve",
          by: "Jane Analyst",
          reason: "attacker session confirmed",
          planHashes: { [w[0]!.stepKey]: w[0]!.planHash },
        },
      );
      expect(done.state).toBe("done");
      outcome = { runs: [done], hits: [], skipped: [] };
    } finally {
      store.close();
    }
  });

  it("writes the reports and comments on the incident once; a dry run never comments", async () => {
    caseDir = path.join(dir, "out");
    const store = new SqliteCaseStore(cfg.store.path);
    try {
      const env = {
        store,
        outcome,
        playbooks: [loadPlaybook("reporting", [dir])],
        actionCtx: { ...actionContext(cfg, t.handles), ...fast },
        configFile: "tenant.yaml",
      };
      const mark = t.mark();
      const dry = await reportInvocation({ ...env, mode: "dry-run" });
      expect(dry.comments).toEqual([]);
      expect(t.writes(mark)).toEqual([]);

      const r = await reportInvocation({ ...env, mode: "execute", dir: caseDir, startedAt: new Date() });
      expect(r.comments).toEqual([
        expect.objectContaining({
          outcome: "commented",
          target: "incident 42",
          requestId: expect.any(String),
        }),
      ]);
      const incident = t.emulator.ctx.state.incidents.find((i) => i.id === "42")!;
      expect(incident.comments).toHaveLength(1);
      const commentReq = t.emulator
        .requests()
        .slice(mark)
        .find((q) => q.method === "POST" && q.path.includes("/security/incidents/42/comments"))!;
      expect(r.comments[0]!.requestId).toBe(commentReq.requestId);
      expect(r.caseFiles.map((f) => path.extname(f))).toEqual([".md", ".html", ".json"]);
      expect(r.summaryFiles.map((f) => path.extname(f))).toEqual([".csv", ".html", ".json"]);

      // Again: the marker is found; nothing is posted twice.
      const again = await reportInvocation({ ...env, mode: "execute" });
      expect(again.comments.map((c) => c.outcome)).toEqual(["already-commented"]);
      expect(incident.comments).toHaveLength(1);
      expect(incident.comments[0]!.comment).toContain(outcome.runs[0]!.caseId);

      report = JSON.parse(readFileSync(r.caseFiles[2]!, "utf8")) as CaseReport;
    } finally {
      store.close();
    }
  });

  it("holds the exact before / after of each change, with the Graph request ids the tenant answered", () => {
    const byAction = (a: string) => report.changes.find((c) => c.actionId === a)!;
    expect(byAction("inboxRule.disable")).toMatchObject({ status: "done", applied: true, verified: true });
    expect(byAction("inboxRule.disable")).toMatchObject({
      before: { enabled: true },
      after: { enabled: false },
    });
    const adele = t.emulator.ctx.state.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
    const rule = t.emulator.ctx.state.mailboxes
      .find((m) => m.userId === adele.id)!
      .rules.find((x) => x.name === "Accounts sync")!;
    expect(rule.enabled).toBe(false);
    expect(byAction("inboxRule.disable").targetId).toContain(rule.ruleIdentity);
    expect(byAction("mailboxForwarding.clear").before).toMatchObject({
      forwardingSmtpAddress: expect.stringMatching(/^smtp:/i),
    });
    expect(byAction("mailboxForwarding.clear").after).toEqual({
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
    // Each Graph write's request id is one the emulated tenant served for a write to this user.
    const served = new Map(
      t.emulator
        .requests()
        .filter((q) => q.write && q.face === "graph" && q.requestId)
        .map((q) => [q.requestId!, q]),
    );
    for (const a of ["inboxRule.disable", "user.revokeSessions"]) {
      const ids = byAction(a).requestIds;
      expect(ids.length, a).toBeGreaterThan(0);
      for (const id of ids) expect(served.get(id), `${a} ${id}`).toBeDefined();
    }
    expect(served.get(byAction("user.revokeSessions").requestIds[0]!)!.path).toContain(
      "revokeSignInSessions",
    );
    // The Exchange path (forwarding) has no request id to record.
    expect(byAction("mailboxForwarding.clear").requestIds).toEqual([]);
  });

  it("names who decided, the attacker's sign-in, the exposure window and how to undo", () => {
    expect(report.decisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "unattended-slot", by: "unattended" }),
        expect.objectContaining({
          kind: "approved",
          by: "Jane Analyst",
          reason: "attacker session confirmed",
          steps: ["revoke-sessions"],
        }),
      ]),
    );
    expect(report.signIns).toEqual([
      expect.objectContaining({
        ip: "203.0.113.9",
        asn: 64501,
        network: "Bulletproof Hosting",
        country: "RU",
        sessionId: "sess-attacker",
        uniqueTokenId: "utid-attacker",
        time: signInAt,
      }),
      expect.anything(),
    ]);
    const lastDone = report.changes
      .filter((c) => c.status === "done")
      .map((c) => c.at)
      .sort()
      .at(-1)!;
    expect(report.exposure).toMatchObject({
      start: signInAt,
      startFrom: "sign-in",
      contained: lastDone,
      containedBy: "revoke-sessions",
      closed: true,
    });
    expect(report.exposure.minutes).toBe(Math.round((Date.parse(lastDone) - Date.parse(signInAt)) / 60_000));
    expect(report.exposure.minutes).toBeGreaterThanOrEqual(120);
    const caseId = report.case.caseId;
    expect(report.undo.command).toBe(`mailwarden rollback --case ${caseId} -c tenant.yaml`);
    expect(report.undo.reversible).toBe(2);
    expect(report.undo.irreversible.map((i) => i.stepKey)).toEqual(["revoke-sessions"]);
    expect(report.verification.filter((v) => v.kind === "verify").every((v) => v.ok)).toBe(true);
    expect(report.comments).toEqual([expect.objectContaining({ target: "incident 42" })]);

    const md = readFileSync(path.join(caseDir, `case-${caseId}.md`), "utf8");
    const html = readFileSync(path.join(caseDir, `case-${caseId}.html`), "utf8");
    for (const doc of [md, html]) {
      expect(doc).toContain(`mailwarden rollback --case ${caseId} -c tenant.yaml`);
      expect(doc).toContain("Jane Analyst");
      expect(doc).toContain(`${report.exposure.minutes} minute(s)`);
      expect(doc).toContain("utid-attacker");
    }
  });

  it("a comment the tenant cannot take is reported and journalled, never thrown", async () => {
    // The incident is gone (merged or deleted in Defender): Graph answers 404.
    const s = t.emulator.ctx.state;
    s.incidents = s.incidents.filter((i) => i.id !== "42");
    const store = new SqliteCaseStore(cfg.store.path);
    try {
      const r = await reportInvocation({
        store,
        outcome,
        mode: "execute",
        playbooks: [loadPlaybook("reporting", [dir])],
        actionCtx: { ...actionContext(cfg, t.handles), ...fast },
      });
      expect(r.comments).toEqual([expect.objectContaining({ outcome: "failed", target: "incident 42" })]);
      expect(store.journal().filter((e) => e.kind === "incident.comment-failed")).toHaveLength(1);
      expect(store.verifyChain().ok).toBe(true);
    } finally {
      store.close();
    }
  });
});
