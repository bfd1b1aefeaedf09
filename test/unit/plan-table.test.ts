/**
 * The plan a responder reads (`run --dry-run`, table): every target named (rule name and id, mailbox, forwarding
 * address), before → after in full (wrapped, never cut), irreversible steps marked in the table, a one-line
 * summary of what would be written; attacker-chosen text stays inert (no line breaks or bidi controls of its own).
 */
import { describe, expect, it } from "vitest";
import { renderRuns, summaryLine, type RunOutcome } from "../../src/cli/commands/run.js";
import { describeObject, type RunReport } from "../../src/runner/report.js";

const longAddress = `smtp:${"x".repeat(300)}@attacker.example`;
const hostileName = "Invoices\nfake row: done ✓\u202Egnp.exe";

const run = (over: Partial<RunReport> = {}): RunReport => ({
  runId: "0123456789abcdef-run",
  caseId: "fedcba9876543210-case",
  hitKey: "h1",
  hitKeys: ["h1", "h2"],
  user: "adele@contoso.com",
  mode: "dry-run",
  state: "planned",
  playbook: "contain-mailbox-exfiltration",
  approvals: [],
  steps: [
    {
      key: "disable-rule@h1",
      id: "disable-rule",
      action: "inboxRule.disable",
      scope: "object",
      target: "h1",
      object: describeObject("inboxRule.disable", {
        kind: "inboxRule",
        ruleName: hostileName,
        ruleIdentity: "7553706541371621377",
        upn: "adele@contoso.com",
      }),
      outcome: "planned",
      transport: "graph",
      reversibility: "reversible",
      before: { enabled: true },
      after: { enabled: false },
      warnings: [],
    },
    {
      key: "clear-forwarding@h2",
      id: "clear-forwarding",
      action: "mailboxForwarding.clear",
      scope: "object",
      target: "h2",
      object: describeObject("mailboxForwarding.clear", {
        kind: "mailboxForwarding",
        upn: "adele@contoso.com",
        forwardingSmtpAddress: longAddress,
      }),
      outcome: "planned",
      transport: "exchange",
      reversibility: "reversible",
      before: {
        forwardingSmtpAddress: longAddress,
        forwardingAddress: null,
        deliverToMailboxAndForward: true,
      },
      after: { forwardingSmtpAddress: null, forwardingAddress: null, deliverToMailboxAndForward: false },
      warnings: [],
    },
    {
      key: "revoke-sessions",
      id: "revoke-sessions",
      action: "user.revokeSessions",
      scope: "user",
      object: describeObject("user.revokeSessions", { userId: "u1", upn: "adele@contoso.com" }),
      outcome: "planned",
      transport: "graph",
      reversibility: "irreversible",
      before: { signInSessionsValidFromDateTime: "2025-05-28T16:03:10Z" },
      after: { signInSessionsValidFromDateTime: "(time of revocation)" },
      warnings: [],
      gate: "protected account adele@contoso.com: never contained without a human's approval of this step",
    },
  ],
  ...over,
});

const outcome = (runs: RunReport[]): RunOutcome => ({ runs, hits: [], skipped: [], notScanned: [] });

/** One column of the table, its wrapped lines joined again: what a reader reads down that column. */
const column = (t: string, n: number) =>
  t
    .split("\n")
    .filter((l) => l.startsWith("│"))
    .map((l) => (l.split("│")[n + 1] ?? "").replace(/\s+/g, ""))
    .join("");

describe("the dry-run plan table", () => {
  it("names every target, shows before → after in full, marks irreversible steps, ends with a summary", () => {
    const text = renderRuns(outcome([run()]), "table");
    const objects = column(text, 2);
    expect(objects).toContain("RuleIdentity7553706541371621377");
    expect(objects).toContain(`"adele@contoso.com"`);
    // the whole 300-character address, wrapped not cut
    expect(column(text, 5)).toContain(JSON.stringify(longAddress));
    expect(objects).toContain(JSON.stringify(longAddress));
    expect(text).not.toContain("…");
    expect(text).toContain("IRREVERSIBLE");
    expect(text).toContain("waits: protected account");
    expect(text.trim().split("\n").at(-1)).toBe(
      "would write 3 change(s) (1 irreversible) in 1 case(s); 0 already so; 1 step(s) would wait for a human; nothing was written",
    );
    for (const line of text.split("\n")) expect(line.length).toBeLessThan(260);
  });

  it("keeps attacker text inert: its line break and bidi override never reach the terminal raw", () => {
    const text = renderRuns(outcome([run()]), "table");
    expect(text).not.toContain("\u202E");
    expect(text).not.toMatch(/^│ *fake row/m);
    expect(column(text, 2)).toContain(String.raw`"Invoices\nfakerow:done✓\u{202e}gnp.exe"`);
  });

  it("summarises an execution as what was written", () => {
    const done = run({
      mode: "execute",
      state: "done",
      steps: run().steps.map((s) => ({ ...s, outcome: "done" as const, verified: true, gate: undefined })),
    });
    expect(summaryLine(outcome([done]))).toBe(
      "wrote 3 change(s) (1 irreversible) in 1 case(s); 0 already so; 0 step(s) wait for a human",
    );
  });
});

describe("ids by prefix", () => {
  it("takes a whole id or a unique prefix of 8+ characters; an ambiguous one lists the matches", async () => {
    const { resolveId } = await import("../../src/cli/commands/store.js");
    const ids = ["0123456789ab-1", "0123456789ab-2", "fedcba9876-1"];
    expect(resolveId("run", "fedcba98", ids)).toBe("fedcba9876-1");
    expect(resolveId("run", "0123456789ab-2", ids)).toBe("0123456789ab-2");
    expect(() => resolveId("run", "fedcba9", ids)).toThrow(/at least 8 characters/);
    expect(() => resolveId("run", "01234567", ids)).toThrow(
      "run id 01234567 is ambiguous: 0123456789ab-1, 0123456789ab-2",
    );
    expect(() => resolveId("case", "99999999", ids)).toThrow("no case 99999999 in the store");
  });
});
