/**
 * The session-containment actions through the runner: a playbook of them runs on a hunt-shaped hit (linked
 * sign-in time and IP) against the default tenant, every step is journalled and verified, and rolling the case back
 * re-creates the consent and the assignment (new ids, the same before-image) and the auto-reply, while the removed
 * authentication methods are reported irreversible.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog } from "../../src/audit/log.js";
import { actionContext, runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { openTenant } from "../../src/cli/tenant.js";
import { ATTACKER_IP, ATTACKER_SIGNIN_TIME } from "../../src/emulator/scenarios/default.js";
import { hitSchema, type Hit } from "../../src/model/hit.js";
import { applyRollback } from "../../src/runner/rollback.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const PLAYBOOK = `apiVersion: mailwarden/v1
kind: Playbook
metadata: { id: session-cleanup, version: 1 }
trigger: { targets: [mailboxForwarding] }
steps:
  - { id: remove-grants, action: oauthGrant.removeSessionGrants, approval: auto }
  - { id: remove-assignments, action: appRoleAssignment.removeSessionAssignments, approval: auto }
  - { id: remove-methods, action: authMethod.removeSessionMethods, approval: auto }
  - { id: clear-auto-reply, action: autoReply.clear, approval: auto }
`;

let t: TestTenant;
let hit: Hit;
const fastPoll = { poll: { attempts: 3, delayMs: 0, sleep: () => Promise.resolve() } };
const state = () => t.emulator.ctx.state;
const adeleId = () => state().users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!.id;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mw-session-pb-"));
  writeFileSync(path.join(dir, "session-cleanup.yaml"), PLAYBOOK);
  t = await startTestTenant({
    config: (c) => ({ ...c, playbooks: { selected: ["session-cleanup"], dirs: [dir] } }),
  });
  state().apps[0]!.graphRoles.push(
    "DelegatedPermissionGrant.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "Directory.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
    "AuditLog.Read.All",
  );
  await t.handles.close();
  t.handles = await openTenant(t.cfg);
  const scanned = (await scanWith(t.cfg, t.handles)).hits.find(
    (h) => h.target.kind === "mailboxForwarding" && h.user.upn === "AdeleV@contoso.com",
  )!;
  // What a hunt adds to the same finding: the action's time and the attacker's sign-in it links to.
  hit = hitSchema.parse({
    ...scanned,
    detectedBy: "hunt",
    action: { ...scanned.action, operation: "Set-Mailbox", time: "2025-06-01T22:35:00Z", ip: ATTACKER_IP },
    links: [{ key: "session", strength: "strong", time: ATTACKER_SIGNIN_TIME, ip: ATTACKER_IP }],
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe("session cleanup playbook", () => {
  it("runs every step once for the user, verified, and removes only the session's objects", async () => {
    const out = await runHits(t.cfg, t.handles, [hit], "execute", { actionCtx: fastPoll });
    expect(out.hits.map((h) => h.outcome)).not.toContain("failed");
    const store = new SqliteCaseStore(t.cfg.store.path);
    try {
      const kinds = store.journal({}).map((e) => `${e.kind}:${e.stepKey ?? ""}`);
      for (const s of ["remove-grants", "remove-assignments", "remove-methods", "clear-auto-reply"])
        expect(kinds, s).toContain(`step.verified:${s}`);
    } finally {
      store.close();
    }
    expect(state().oauth2PermissionGrants!.filter((g) => g.principalId === adeleId())).toHaveLength(2);
    expect(state().appRoleAssignments!.filter((a) => a.principalId === adeleId())).toHaveLength(1);
    expect(state().authMethods!.filter((m) => m.userId === adeleId())).toHaveLength(2);
    expect(state().mailboxes.find((m) => m.userId === adeleId())!.automaticReplies!.status).toBe("disabled");
  });

  it("rollback re-creates the consent, the assignment and the auto-reply, and says the methods cannot come back", async () => {
    const store = new SqliteCaseStore(t.cfg.store.path);
    try {
      const c = store.listCases({}).find((x) => x.userUpn === "AdeleV@contoso.com")!;
      const res = await applyRollback(
        {
          store,
          audit: createAuditLog(undefined),
          actionCtx: { ...actionContext(t.cfg, t.handles), ...fastPoll },
          leaseMs: 10_000,
        },
        { caseId: c.caseId },
      );
      expect(res.map((r) => [r.actionId, r.outcome, r.verified])).toEqual(
        expect.arrayContaining([
          ["oauthGrant.removeSessionGrants", "rolled-back", true],
          ["appRoleAssignment.removeSessionAssignments", "rolled-back", true],
          ["autoReply.clear", "rolled-back", true],
          ["authMethod.removeSessionMethods", "irreversible", undefined],
        ]),
      );
    } finally {
      store.close();
    }
    expect(state().oauth2PermissionGrants!.filter((g) => g.principalId === adeleId())).toHaveLength(3);
    expect(state().mailboxes.find((m) => m.userId === adeleId())!.automaticReplies!.status).toBe(
      "alwaysEnabled",
    );
  });
});
