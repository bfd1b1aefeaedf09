/**
 * A case store seeded as a contained case would leave it, with every journal kind a case report reads — the
 * runner's (step.intent / step.done with request ids / step.verified, approval.granted, auto.slot) and the ones
 * issue 11's other parts write (context.gathered, assess.scored, verify.recheck, watch.check, watch.recurrence,
 * incident.commented) — and attacker text wherever a tenant can put it.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SqliteCaseStore } from "../../src/store/sqlite.js";

export interface SeedText {
  ruleName: string;
  userAgent: string[];
  approver: string;
  parameter: string;
}

export const SEED_TIMES = {
  signIn: "2025-06-02T08:50:00.000Z",
  action: "2025-06-02T09:00:00.000Z",
};

export function seededStore(
  text: SeedText = {
    ruleName: "Accounts sync",
    userAgent: ["python-requests/2.31"],
    approver: "Jane Analyst",
    parameter: "invoices",
  },
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mw-report-"));
  const store = new SqliteCaseStore(path.join(dir, "cases.db"), { create: true });
  const { row } = store.openCase("tenant-1", { id: "user-1", upn: "adele@contoso.example" }, "open");
  const caseId = row.caseId;
  const hitKey = "a".repeat(32);
  const hit = {
    schemaVersion: 1,
    hitKey,
    tenantId: "tenant-1",
    user: { id: "user-1", upn: "adele@contoso.example" },
    target: {
      kind: "inboxRule",
      mailboxId: "user-1",
      upn: "adele@contoso.example",
      ruleName: text.ruleName,
      ruleIdentity: "123",
      contentFingerprint: "f".repeat(64),
      hidden: false,
      graphReadOnly: false,
    },
    action: {
      operation: "New-InboxRule",
      time: SEED_TIMES.action,
      ip: "203.0.113.7",
      sessionId: "sess-1",
      parameters: { SubjectContainsWords: text.parameter },
    },
    links: text.userAgent.map((ua, i) => ({
      key: "session",
      strength: "strong",
      sessionId: "sess-1",
      uniqueTokenId: `tok-${i}`,
      ip: "203.0.113.7",
      time: SEED_TIMES.signIn,
      asn: 64500,
      org: "Example Hosting",
      country: "NL",
      networkTags: ["hosting"],
      risk: 100,
      userAgent: ua,
    })),
    severity: "high",
    score: 90,
    reasons: [{ code: "forwards-external", detail: `forwards to ${text.parameter}`, weight: 40 }],
    detectedBy: "hunt",
    detectedAt: "2025-06-02T09:30:00.000Z",
    incidentId: "42",
  };
  store.addTarget(caseId, hitKey, "inboxRule", hit);
  const runId = "run-1";
  store.createRun(
    {
      runId,
      caseId,
      playbook: "contain-mailbox-exfiltration",
      mode: "execute",
      machineId: "playbook:contain-mailbox-exfiltration",
      machineVersion: "1",
      state: "planning",
      snapshot: {
        context: {
          approvals: [
            {
              stepKeys: ["revoke-sessions"],
              by: "mailwarden:host:1",
              reason: "released: --yes",
              at: "2025-06-02T10:00:00.000Z",
            },
          ],
        },
      },
      input: { steps: [{ key: `disable-rule@${hitKey}`, input: { kind: "inboxRule" } }] },
    },
    60_000,
  );
  const stepKey = `disable-rule@${hitKey}`;
  const at = { caseId, runId, stepKey, actionId: "inboxRule.disable", targetId: "rule-123", idemKey: "k1" };
  const owner = store.actor;
  store.commit({
    run: { runId, owner },
    journal: [
      {
        kind: "context.gathered",
        caseId,
        runId,
        detail: { gatherId: "rules", action: "inboxRule.read", result: [{ name: text.ruleName }] },
      },
      {
        kind: "assess.scored",
        caseId,
        runId,
        detail: { score: 95, severity: "high", reasons: [text.parameter] },
      },
      {
        kind: "approval.granted",
        caseId,
        runId,
        detail: { steps: [stepKey], by: text.approver, reason: "seen the evidence", planHashes: {} },
      },
      {
        kind: "auto.slot",
        caseId,
        runId,
        detail: { tenantId: "tenant-1", at: "x", slot: 1, max: 5, windowMs: 3600000 },
      },
    ],
  });
  store.commit({
    run: { runId, owner },
    effects: [
      {
        ...at,
        scope: "object",
        status: "intent",
        applied: null,
        before: { isEnabled: true },
        target: { ruleIdentity: "123" },
      },
    ],
    journal: [
      {
        ...at,
        kind: "step.intent",
        before: { isEnabled: true },
        after: { isEnabled: false },
        detail: { transport: "graph", reversibility: "reversible" },
      },
    ],
  });
  store.commit({
    run: { runId, owner, state: "done" },
    effects: [{ ...at, scope: "object", status: "done", applied: true, after: { isEnabled: false } }],
    verifications: [],
    journal: [
      {
        ...at,
        kind: "step.done",
        before: { isEnabled: true },
        after: { isEnabled: false },
        detail: { applied: true },
        requestIds: ["req-graph-1"],
      },
    ],
  });
  store.commit({
    run: { runId, owner },
    verifications: [{ idemKey: "k1", verified: true }],
    journal: [
      { ...at, kind: "step.verified", after: { isEnabled: false }, detail: { ok: true } },
      {
        caseId,
        runId,
        kind: "verify.recheck",
        detail: {
          stepKey,
          ok: true,
          observed: { isEnabled: false },
          due: "2025-06-02T10:20:00.000Z",
          at: "2025-06-02T10:21:00.000Z",
        },
      },
      { caseId, kind: "watch.check", detail: { at: "2025-06-03T10:00:00.000Z", findings: [] } },
      {
        caseId,
        kind: "watch.recurrence",
        detail: { at: "2025-06-04T10:00:00.000Z", what: `rule ${text.ruleName}`, reopened: true },
      },
      { caseId, kind: "incident.commented", detail: { incidentId: "42", requestId: "req-comment-1" } },
    ],
  });
  return { store, dir, caseId, runId, stepKey, hitKey };
}
