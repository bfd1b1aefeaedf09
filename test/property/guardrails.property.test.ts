/**
 * Properties of unattended containment against the emulated tenant, over random cases and policies (fast-check):
 * - a protected account (named by UPN or object id, any letter case) is never written unattended;
 * - a tenant-scope step (the transport rule) never runs without a person, whatever the playbook's approval says;
 * - no step whose approval resolves to manual, and no case below the invocation's severity, is written;
 * - the cases written unattended never exceed the cap, over several invocations with new store handles;
 * and of the kill switch: set at a random write of an attended run, it is followed by 0 writes.
 * Each check compares the tenant's own state before and after, never what the runner says of itself.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { closeAuditLog, createAuditLog } from "../../src/audit/log.js";
import { actionContext, runHits } from "../../src/cli/commands/run.js";
import { playbookSchema } from "../../src/playbooks/schema.js";
import { Job, type UnattendedPolicy } from "../../src/runner/job.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { RequestLog } from "../../src/emulator/requestLog.js";
import type { Hit } from "../../src/model/hit.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { massScenario } from "../helpers/mass.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
let hits: Hit[];
let n = 0;
const fast = { poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() } };
const USERS = Array.from({ length: 8 }, (_, i) => `user00${i}@contoso.com`);
const sev = fc.constantFrom("low" as const, "medium" as const, "high" as const);
const approval = fc.oneof(
  fc.constant(undefined),
  fc.constant("auto"),
  fc.constant("manual"),
  sev.map((s) => ({ autoIf: { path: "severity", atLeast: s } })),
  fc.integer({ min: 0, max: 100 }).map((x) => ({ autoIf: { path: "score", atLeast: x } })),
);

const userOf = (upn: string) =>
  t.emulator.ctx.state.users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase())!;
/** What containment could change for one user: rules' enabled flags, forwarding, sessions' valid-from. */
const stateOf = (upn: string) => {
  const u = userOf(upn);
  const m = t.emulator.ctx.state.mailboxes.find((x) => x.userId === u.id)!;
  return JSON.stringify([
    m.rules.map((r) => [r.ruleIdentity, r.enabled]),
    m.forwardingSmtpAddress,
    m.forwardingAddress,
    u.signInSessionsValidFromDateTime,
    u.accountEnabled,
  ]);
};
const transportState = () => JSON.stringify(t.emulator.ctx.state.transportRules.map((r) => r.state));

/** runHits, with a playbook object instead of the loader (and a new store handle per invocation). */
async function unattendedRun(
  cfg: typeof t.cfg,
  playbook: ReturnType<typeof playbookSchema.parse>,
  h: Hit[],
  unattended: UnattendedPolicy,
) {
  const store = new SqliteCaseStore(cfg.store.path, { create: true });
  const audit = createAuditLog(path.join(path.dirname(cfg.store.path), "audit.jsonl"));
  try {
    return await new Job({
      store,
      audit,
      actionCtx: { ...actionContext(cfg, t.handles), ...fast },
      playbooks: [playbook],
      guardrails: cfg.guardrails,
      leaseMs: 30_000,
      attended: false,
      unattended,
    }).run(h, "execute");
  } finally {
    store.close();
    await closeAuditLog(audit);
  }
}

beforeAll(async () => {
  t = await startTestTenant({ scenario: massScenario(8) });
  t.emulator.ctx.state.transportRules.push({
    guid: "6b2f4c1e-8f4a-4d3b-9d6e-1a2b3c4d5e6f",
    name: "Compliance journal",
    state: "Enabled",
    mode: "Enforce",
    priority: 0,
    description: "Bcc to archive@mail-archive-secure.example",
    conditions: { FromScope: "InOrganization" },
    blindCopyTo: ["archive@mail-archive-secure.example"],
    redirectMessageTo: [],
    copyTo: [],
    addToRecipients: [],
    deleteMessage: false,
    whenChanged: "2025-06-01T22:10:00Z",
  });
  hits = (await scanWith(t.cfg, t.handles)).hits;
  expect(hits.some((h) => h.target.kind === "transportRule")).toBe(true);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe("unattended guardrails (property, emulated tenant)", () => {
  it("never writes a protected account, a tenant-scope step, a manual step or a case below the threshold; never beyond the cap", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          protectedUsers: fc.subarray(USERS, { maxLength: 4 }),
          byId: fc.boolean(),
          upper: fc.boolean(),
          cap: fc.integer({ min: 0, max: 4 }),
          minSeverity: sev,
          severities: fc.array(sev, { minLength: 8, maxLength: 8 }),
          rule: approval,
          fwd: approval,
          revoke: approval,
          transport: approval,
          invocations: fc.integer({ min: 1, max: 2 }),
        }),
        async (p) => {
          const id = `prop-${++n}`;
          const dir = path.join(t.stateDir, id);
          mkdirSync(dir, { recursive: true });
          const step = (sid: string, action: string, a: unknown, cond?: string) =>
            [
              `  - id: ${sid}`,
              `    action: ${action}`,
              ...(cond ? [`    if: { path: target.kind, equals: ${cond} }`] : []),
              ...(a !== undefined ? [`    approval: ${JSON.stringify(a)}`] : []),
            ].join("\n");
          // Parsed by the schema only, not the loader's semantic checks (which refuse auto on a tenant step):
          // the runner must hold the line by itself.
          const playbook = playbookSchema.parse(
            YAML.parse(
              [
                "apiVersion: mailwarden/v1",
                "kind: Playbook",
                `metadata: { id: ${id}, version: 1 }`,
                "trigger: { targets: [inboxRule, mailboxForwarding, transportRule] }",
                "steps:",
                step("disable-rule", "inboxRule.disable", p.rule, "inboxRule"),
                step("clear-forwarding", "mailboxForwarding.clear", p.fwd, "mailboxForwarding"),
                step("disable-transport-rule", "transportRule.disable", p.transport, "transportRule"),
                step("revoke-sessions", "user.revokeSessions", p.revoke),
              ].join("\n"),
            ),
          );
          const protectedAccounts = p.protectedUsers.map((u) => {
            const v = p.byId ? userOf(u).id : u;
            return p.upper ? v.toUpperCase() : v;
          });
          const cfg = {
            ...t.cfg,
            guardrails: { ...t.cfg.guardrails, protectedAccounts },
            store: { ...t.cfg.store, path: path.join(dir, "runs.db") },
          };
          const sevOf = new Map(USERS.map((u, i) => [u, p.severities[i]!]));
          const caseHits = hits
            .filter((h) => sevOf.has(h.user.upn) || h.target.kind === "transportRule")
            .map((h) => ({ ...h, severity: sevOf.get(h.user.upn) ?? "high" }));
          const before = new Map(USERS.map((u) => [u, stateOf(u)]));
          const transportBefore = transportState();
          for (let i = 0; i < p.invocations; i++)
            await unattendedRun(cfg, playbook, i === 0 ? caseHits : [], {
              minSeverity: p.minSeverity,
              cap: { max: p.cap, windowMs: 3_600_000 },
            });
          const changed = USERS.filter((u) => stateOf(u) !== before.get(u));
          for (const u of p.protectedUsers) expect(changed, `protected ${u} written`).not.toContain(u);
          expect(transportState(), "tenant-scope step ran unattended").toBe(transportBefore);
          expect(changed.length, "cap").toBeLessThanOrEqual(p.cap);
          const rank = { low: 1, medium: 2, high: 3 };
          for (const u of changed)
            expect(rank[sevOf.get(u)!], `${u} below --auto ${p.minSeverity}`).toBeGreaterThanOrEqual(
              rank[p.minSeverity],
            );
          // Manual steps never ran: the store's effects name the steps that wrote.
          const store = new SqliteCaseStore(cfg.store.path);
          try {
            const wrote = store.listEffects({}).filter((e) => e.applied === true);
            const manual = new Set(
              [
                ["inboxRule.disable", p.rule],
                ["mailboxForwarding.clear", p.fwd],
                ["user.revokeSessions", p.revoke ?? "manual"],
              ]
                .filter(([, a]) => a === "manual")
                .map(([id]) => id as string),
            );
            for (const e of wrote) expect(manual.has(e.actionId), `${e.actionId} is manual`).toBe(false);
            expect(store.verifyChain().ok).toBe(true);
          } finally {
            store.close();
          }
          // Undo what was written so the next case starts from the attacker's state again.
          for (const m of t.emulator.ctx.state.mailboxes)
            for (const r of m.rules) if (!r.system) r.enabled = true;
        },
      ),
      { numRuns: 12 },
    );
  }, 600_000);
});

describe("the kill switch (property, emulated tenant)", () => {
  it("set at a random write of an attended run, no write follows it", async () => {
    // The log's own append, wrapped for the test (it never uses `this` in an unbound way: called with .call).
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const append = RequestLog.prototype.append;
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 6 }), async (k) => {
          const id = `halt-${++n}`;
          const cfg = {
            ...t.cfg,
            guardrails: { ...t.cfg.guardrails, protectedAccounts: [] },
            store: { ...t.cfg.store, path: path.join(t.stateDir, `${id}.db`) },
          };
          new SqliteCaseStore(cfg.store.path, { create: true }).close();
          for (const m of t.emulator.ctx.state.mailboxes)
            for (const r of m.rules) if (!r.system) r.enabled = true;
          let writes = 0;
          let after = -1;
          RequestLog.prototype.append = function (e) {
            append.call(this, e);
            if (after >= 0 && e.write) after++;
            if (e.write && ++writes === k) {
              // The switch goes on inside the tenant, right after this write landed.
              const s = new SqliteCaseStore(cfg.store.path);
              s.setHalt({ by: "prop", at: new Date().toISOString(), reason: "property" }, "prop", "property");
              s.close();
              after = 0;
            }
          };
          const massHits = hits.filter((h) => /^user00\d@/.test(h.user.upn));
          const out = await runHits(cfg, t.handles, massHits, "execute", { actionCtx: fast });
          RequestLog.prototype.append = append;
          expect(after, `writes after the halt (k=${k})`).toBe(0);
          expect(out.runs.some((r) => r.state === "halted")).toBe(true);
        }),
        { numRuns: 6 },
      );
    } finally {
      RequestLog.prototype.append = append;
    }
  }, 600_000);
});
