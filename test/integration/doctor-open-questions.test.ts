/**
 * doctor --probe --verbose answers the open questions of apis.md §E read-only: what a read can answer comes back `ok`
 * with the observation, the rest `unverified` with the reason; nothing is written. They are developer diagnostics:
 * without both probe and verbose none is asked, and they never count as something the user must fix.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDoctor, type Check } from "../../src/doctor/doctor.js";
import { openQuestions } from "../../src/doctor/open-questions.js";
import { openTenant } from "../../src/cli/tenant.js";
import type { InboxRuleState } from "../../src/emulator/state.js";
import { loadPlaybook } from "../../src/playbooks/load.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
const st = () => t.emulator.ctx.state;
const userId = (upn: string) => st().users.find((u) => u.userPrincipalName === upn)!.id;
const rule = (name: string, i: number, hidden = false): InboxRuleState => ({
  ruleIdentity: String(18000000000000000000n + BigInt(i)),
  graphId: Buffer.from(`oq-rule-${i}`).toString("base64"),
  name,
  priority: 30 + i,
  enabled: true,
  hidden,
  inError: false,
  conditions: { subjectContainsWords: [`oq${i}`] },
  actions: { markAsRead: true },
  createdBy: "graph",
});

beforeAll(async () => {
  t = await startTestTenant();
  const mb = st().mailboxes.find((m) => m.userId === userId("AlexW@contoso.com"))!;
  mb.rules.push(rule("oq one", 1), rule("oq two", 2), rule("oq three", 3), rule("oq hidden", 4, true));
}, 30_000);
afterAll(async () => {
  await t?.close();
});

const ask = (mailbox?: string, handles = t.handles) =>
  openQuestions({
    credential: handles.credential,
    graph: handles.graph,
    ...(handles.exchange ? { exchange: handles.exchange } : {}),
    ...(mailbox ? { mailbox } : {}),
  });
const byN = (rows: Check[], n: number) => rows.find((r) => r.check.startsWith(`open question ${n}:`));

describe("doctor open questions (apis.md §E)", () => {
  it("answers #2 (messageRules $top/paging) and #3 (id pairs) from reads, the rest unverified with a reason; writes nothing", async () => {
    const mark = t.mark();
    const rows = await ask(userId("AlexW@contoso.com"));
    expect(rows.map((r) => r.check.match(/^open question (\d):/)?.[1])).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
      "8",
    ]);
    expect(rows.map((r) => r.surface)).toEqual([
      "graph",
      "graph",
      "exchange",
      "exchange",
      "graph",
      "graph",
      "exchange",
      "exchange",
    ]);
    const q2 = byN(rows, 2)!;
    expect(q2.status).toBe("ok");
    // the emulated messageRules: $top=1 is honoured with a nextLink, or ignored — either way the row says which
    expect(q2.detail).toMatch(/\$top is (ignored|honoured)/);
    expect(q2.detail).toMatch(/returned \d+ of \d+ rule\(s\)/);
    const q3 = byN(rows, 3)!;
    expect(q3.status).toBe("ok");
    expect(q3.detail).toContain(`${Buffer.from("oq-rule-1").toString("base64")} ↔ 18000000000000000001`);
    expect(q3.detail).not.toContain("oq hidden");
    const q4 = byN(rows, 4)!;
    expect(q4).toMatchObject({ status: "unverified" });
    expect(q4.detail).toContain("[string]");
    for (const n of [1, 5, 7]) expect(byN(rows, n)!.status).toBe("unverified");
    expect(byN(rows, 6)).toMatchObject({ status: "unverified" });
    expect(byN(rows, 6)!.detail).toContain("holds User.RevokeSessions.All");
    expect(byN(rows, 6)!.fix).toBeUndefined();
    expect(byN(rows, 8)!.detail).toContain("Exchange.ManageAsApp");
    expect(t.writes(mark)).toEqual([]);
  });

  it("#2 with fewer than two rules cannot be told apart: unverified", async () => {
    const rows = await ask(userId("LeeG@contoso.com"));
    const lee = st().mailboxes.find((m) => m.userId === userId("LeeG@contoso.com"))!;
    if (lee.rules.filter((r) => !r.hidden).length < 2) expect(byN(rows, 2)!.status).toBe("unverified");
    else expect(byN(rows, 2)!.status).toBe("ok");
  });

  it("#6 without User.RevokeSessions.All names the fix; a failing read is reported as failed, not thrown", async () => {
    const app = st().apps[0]!;
    const saved = [...app.graphRoles];
    app.graphRoles = saved.filter(
      (r) => r !== "User.RevokeSessions.All" && r !== "MailboxSettings.ReadWrite",
    );
    const h = await openTenant(t.cfg);
    try {
      const rows = await ask(userId("AlexW@contoso.com"), h);
      expect(byN(rows, 6)).toMatchObject({
        status: "unverified",
        fix: expect.stringContaining("User.RevokeSessions.All"),
      });
      expect(byN(rows, 2)).toMatchObject({ status: "failed" });
      expect(byN(rows, 2)!.detail).toMatch(/403|forbidden|denied/i);
    } finally {
      app.graphRoles = saved;
      await h.close();
    }
  });

  it("runDoctor asks them only with probe and verbose, as diagnostic graph/exchange rows named `open question N: …`", async () => {
    const run = (probe: boolean, verbose?: boolean) =>
      runDoctor({
        config: t.cfg,
        playbook: loadPlaybook("contain-mailbox-exfiltration"),
        credential: t.handles.credential,
        graph: t.handles.graph,
        ...(t.handles.exchange ? { exchange: t.handles.exchange } : {}),
        probe,
        ...(verbose !== undefined ? { verbose } : {}),
      });
    const mark = t.mark();
    const questions = (cs: Check[]) => cs.filter((c) => c.check.startsWith("open question"));
    expect(questions(await run(false))).toEqual([]);
    expect(questions(await run(false, true))).toEqual([]);
    // A user's doctor --probe: the checks they must act on, no developer diagnostics.
    const plain = await run(true);
    expect(questions(plain)).toEqual([]);
    expect(plain.filter((c) => c.diagnostic)).toEqual([]);
    const all = await run(true, true);
    const rows = questions(all);
    expect(rows).toHaveLength(8);
    expect(all.filter((c) => c.diagnostic)).toEqual(rows);
    expect(rows.every((r) => r.diagnostic === true)).toBe(true);
    expect(rows.every((r) => r.surface === "graph" || r.surface === "exchange")).toBe(true);
    expect(rows.filter((r) => r.status === "failed")).toEqual([]);
    // The rest is the same with or without verbose.
    expect(all.filter((c) => !c.diagnostic).map((c) => [c.check, c.status])).toEqual(
      plain.map((c) => [c.check, c.status]),
    );
    expect(t.writes(mark)).toEqual([]);
  });
});
