/**
 * Case reports and the invocation summary without a tenant: the model built from a seeded store (every journal
 * kind a report reads), the renderers with hostile text everywhere a tenant can put it, CSV formula cells, file
 * modes, and the playbook's `report:` section.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, describe, expect, it } from "vitest";
import { parseCaseFormats } from "../../src/cli/commands/report.js";
import { parsePlaybook } from "../../src/playbooks/load.js";
import { buildCaseReport } from "../../src/reports/build.js";
import { commentFacts, commentText } from "../../src/reports/comment.js";
import { renderCaseHtml } from "../../src/reports/html.js";
import { renderCaseMarkdown } from "../../src/reports/markdown.js";
import { caseReportSchema } from "../../src/reports/model.js";
import { buildInvocationSummary, renderSummaryCsv, renderSummaryHtml } from "../../src/reports/summary.js";
import { writeCaseReports, writeInvocationSummary } from "../../src/reports/write.js";
import type { JobOutcome } from "../../src/runner/job.js";
import type { SqliteCaseStore } from "../../src/store/sqlite.js";
import { HOSTILE_STRINGS } from "../fixtures/hostile-strings.js";
import { SEED_TIMES, seededStore } from "../helpers/report-store.js";

const open: SqliteCaseStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function seed(...a: Parameters<typeof seededStore>) {
  const s = seededStore(...a);
  open.push(s.store);
  return s;
}

describe("case report model", () => {
  it("holds the evidence, sign-ins, exposure window, decisions, changes with request ids, verification, watch and undo", () => {
    const { store, caseId, stepKey, hitKey } = seed();
    const r = buildCaseReport(store, caseId, { configFile: "mailwarden.yaml" });
    expect(caseReportSchema.parse(r)).toEqual(r);
    expect(r.hits).toHaveLength(1);
    expect(r.hits[0]).toMatchObject({ hitKey, kind: "inboxRule", severity: "high", incidentId: "42" });
    expect(r.hits[0]!.object).toContain('"Accounts sync"');
    expect(r.signIns[0]).toMatchObject({
      ip: "203.0.113.7",
      asn: 64500,
      network: "Example Hosting",
      country: "NL",
      sessionId: "sess-1",
      uniqueTokenId: "tok-0",
      time: SEED_TIMES.signIn,
    });
    // The window opens at the sign-in (before the rule was made) and closes when the rule was disabled.
    const done = store.journal({ caseId }).find((e) => e.kind === "step.done")!;
    expect(r.exposure).toEqual({
      start: SEED_TIMES.signIn,
      startFrom: "sign-in",
      contained: done.at,
      containedBy: stepKey,
      minutes: Math.round((Date.parse(done.at) - Date.parse(SEED_TIMES.signIn)) / 60_000),
      closed: true,
    });
    expect(r.decisions.map((d) => [d.kind, d.by])).toEqual(
      expect.arrayContaining([
        ["approved", "Jane Analyst"],
        ["unattended-slot", "unattended"],
        ["released", "mailwarden:host:1"],
      ]),
    );
    expect(r.changes).toEqual([
      expect.objectContaining({
        stepKey,
        actionId: "inboxRule.disable",
        status: "done",
        applied: true,
        before: { isEnabled: true },
        after: { isEnabled: false },
        verified: true,
        requestIds: ["req-graph-1"],
        reversibility: "reversible",
        undo: { outcome: "would-restore" },
      }),
    ]);
    expect(r.verification.map((v) => [v.kind, v.ok])).toEqual([
      ["verify", true],
      ["recheck", true],
    ]);
    expect(r.verification[1]).toMatchObject({
      due: "2025-06-02T10:20:00.000Z",
      at: "2025-06-02T10:21:00.000Z",
    });
    expect(r.watch.map((w) => w.kind)).toEqual(["check", "recurrence"]);
    expect(r.watch[0]!.summary).toBe("nothing came back");
    expect(r.watch[1]!.summary).toContain("case re-opened");
    expect(r.context).toEqual([expect.objectContaining({ gatherId: "rules", action: "inboxRule.read" })]);
    expect(r.assessment).toMatchObject({ score: 95, severity: "high" });
    expect(r.comments).toEqual([
      expect.objectContaining({ target: "incident 42", requestId: "req-comment-1" }),
    ]);
    expect(r.undo).toEqual({
      command: `mailwarden rollback --case ${caseId} -c mailwarden.yaml`,
      reversible: 1,
      irreversible: [],
    });
  });

  it("an open case with nothing contained says so: no end to the window", () => {
    const { store } = seed();
    const { row } = store.openCase("tenant-1", { id: "user-2", upn: "megan@contoso.example" }, "open");
    const r = buildCaseReport(store, row.caseId);
    expect(r.exposure).toEqual({ closed: false });
    expect(renderCaseMarkdown(r)).toContain("unknown (no attacker action time");
    expect(() => buildCaseReport(store, "nope")).toThrow(/no case nope/);
  });
});

/** The Markdown with every code span removed (a run of n backticks up to the next run of exactly n). */
function outsideCodeSpans(md: string): string {
  let out = "";
  let i = 0;
  while (i < md.length) {
    const m = /`+/g;
    m.lastIndex = i;
    const open = m.exec(md);
    if (!open) {
      out += md.slice(i);
      break;
    }
    out += md.slice(i, open.index);
    const fence = open[0];
    const close = new RegExp(`(?<!\`)${fence}(?!\`)`, "g");
    close.lastIndex = open.index + fence.length;
    const c = close.exec(md);
    if (!c) throw new Error(`unclosed code span at ${open.index}`);
    i = c.index + fence.length;
  }
  return out;
}

const OWN_TAGS = new Set(
  "html head meta title style body h1 h2 h3 p dl dt dd section ul li table thead tbody tr th td strong span bdi br pre".split(
    " ",
  ),
);

describe("renderers with hostile text", () => {
  const hostile = () =>
    seed({
      ruleName: HOSTILE_STRINGS[0]!,
      userAgent: HOSTILE_STRINGS,
      approver: '"><script>window.__pwned=1</script>',
      parameter: "</td></tr></table><img src=x onerror=alert(1)>",
    });

  it("HTML: every value is escaped text; only mailwarden's own tags, no script, no handler, no external URL", () => {
    const { store, caseId } = hostile();
    const out = renderCaseHtml(buildCaseReport(store, caseId));
    // Inside each value: nothing the parser could read as markup.
    const values = [...out.matchAll(/<bdi class="v">([\s\S]*?)<\/bdi>/g)].map((m) => m[1]!);
    expect(values.length).toBeGreaterThan(HOSTILE_STRINGS.length);
    for (const v of values) expect(v).not.toMatch(/[<>"']/);
    const markup = out.replace(/<bdi class="v">[\s\S]*?<\/bdi>/g, "");
    const tags = new Set([...markup.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
    for (const t of tags) expect(OWN_TAGS, `tag <${t}>`).toContain(t);
    expect(markup).not.toMatch(/\son[a-z]+\s*=/i);
    expect(markup).not.toMatch(/https?:|\/\/[a-z]|javascript:/i);
    expect(out).toContain(`http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;`);
    // Hidden characters are named next to the value.
    expect(out).toContain("hidden: U+202E");
  });

  it("Markdown: attacker text only inside code spans, invisible characters made visible", () => {
    const { store, caseId } = hostile();
    const md = renderCaseMarkdown(buildCaseReport(store, caseId));
    const plain = outsideCodeSpans(md.replace(/^```[\s\S]*?^```$/gm, ""));
    expect(plain).not.toMatch(/[<>]/);
    expect(plain).not.toMatch(/\]\(|javascript:|!\[/);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(md).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u0000-\u0008\u001b]/);
    expect(md).toContain("\\u{202e}");
    // Every heading is mailwarden's own.
    for (const h of md.split("\n").filter((l) => l.startsWith("#")))
      expect(h).toMatch(
        /^#{1,3} (mailwarden case report|Summary|Hits and evidence|Linked sign-ins|Context|Decisions|Changes|Verification|Watch|Written back|How to undo|`)/,
      );
  });

  it("JSON: verbatim (data), and valid against the schema", () => {
    const { store, caseId } = hostile();
    const r = buildCaseReport(store, caseId);
    const back = JSON.parse(JSON.stringify(r)) as unknown;
    expect(caseReportSchema.parse(back)).toEqual(r);
    expect(r.signIns.map((s) => s.userAgent)).toEqual(HOSTILE_STRINGS.filter((s) => s !== ""));
  });
});

const outcome = (user: string, playbook = "contain-mailbox-exfiltration"): JobOutcome => ({
  runs: [
    {
      runId: "run-1",
      caseId: "case-1",
      hitKey: "h",
      hitKeys: ["h"],
      user,
      mode: "execute",
      state: "done",
      playbook,
      steps: [
        { key: "a", id: "a", action: "x.y", scope: "object", object: "o", outcome: "done", warnings: [] },
        {
          key: "b",
          id: "b",
          action: "x.y",
          scope: "user",
          object: "o",
          outcome: "already-done",
          warnings: [],
        },
        { key: "c", id: "c", action: "x.y", scope: "user", object: "o", outcome: "skipped", warnings: [] },
      ],
      approvals: [],
    },
    {
      runId: "run-2",
      caseId: "case-2",
      hitKey: "h2",
      hitKeys: ["h2"],
      user: "b@x",
      mode: "execute",
      state: "waiting",
      playbook,
      steps: [
        { key: "a", id: "a", action: "x.y", scope: "object", object: "o", outcome: "waiting", warnings: [] },
      ],
      approvals: [],
    },
  ],
  hits: [{ hitKey: "h3", user: "c@x", kind: "auditAction", outcome: "not-containable", reason: "r" }],
  skipped: [],
});

describe("invocation summary", () => {
  it("counts cases by state and steps by outcome, and times the invocation", () => {
    const s = buildInvocationSummary({
      outcome: outcome("a@x"),
      startedAt: new Date("2025-06-02T10:00:00Z"),
      finishedAt: new Date("2025-06-02T10:01:30Z"),
    });
    expect(s.casesByState).toEqual({ done: 1, waiting: 1 });
    expect(s.stepsByOutcome).toEqual({ done: 1, "already-done": 1, waiting: 1 });
    expect(s.hitsNotRun).toEqual({ "not-containable": 1 });
    expect(s.totalSeconds).toBe(90);
  });

  it("CSV: cells a spreadsheet would run as formulas are neutralised", () => {
    for (const evil of [
      '=HYPERLINK("http://evil.example","x")',
      "+1+1",
      "-2+3",
      "@SUM(A1)",
      "\t=1",
      "\r=1",
    ]) {
      const csv = renderSummaryCsv(buildInvocationSummary({ outcome: outcome(evil, evil) }));
      const rows: string[][] = parse(csv);
      const row = rows[1]!;
      expect(row[2]).toBe(`'${evil}`);
      expect(row[3]).toBe(`'${evil}`);
      for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
  });

  it("HTML: hostile user names stay text", () => {
    const html = renderSummaryHtml(buildInvocationSummary({ outcome: outcome("<script>alert(1)</script>") }));
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
  });
});

describe("files", () => {
  it("case reports and the summary are written 0600 in every format asked for", () => {
    const { store, caseId, dir } = seed();
    const out = path.join(dir, "reports");
    const w = writeCaseReports({ store, caseIds: [caseId], dir: out, formats: ["md", "json"] });
    expect(w[0]!.files.map((f) => path.basename(f))).toEqual([`case-${caseId}.md`, `case-${caseId}.json`]);
    const s = writeInvocationSummary({ outcome: outcome("a@x"), dir: out, store });
    expect(s.files.map((f) => path.extname(f))).toEqual([".csv", ".html", ".json"]);
    for (const f of [...w[0]!.files, ...s.files]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(w[0]!.files[1]!, "utf8"))).toMatchObject({ schemaVersion: 1 });
  });
});

describe("playbook report section and the comment", () => {
  const base = `apiVersion: mailwarden/v1
kind: Playbook
metadata: { id: p, version: 1 }
trigger: { targets: [inboxRule] }
steps: [{ id: disable-rule, action: inboxRule.disable }]
`;
  it("defaults to all formats and never commenting; takes a condition; refuses unknown keys", () => {
    expect(parsePlaybook(base, "p.yaml").report).toBeUndefined();
    const p = parsePlaybook(`${base}report: {}\n`, "p.yaml");
    expect(p.report).toEqual({ formats: ["md", "html", "json"], incidentComment: { when: "never" } });
    const q = parsePlaybook(
      `${base}report: { formats: [html], incidentComment: { when: { path: contained, equals: true } } }\n`,
      "p.yaml",
    );
    expect(q.report?.incidentComment.when).toEqual({ path: "contained", equals: true });
    expect(() => parsePlaybook(`${base}report: { format: [html] }\n`, "p.yaml")).toThrow(/report/);
    expect(() => parsePlaybook(`${base}report: { formats: [pdf] }\n`, "p.yaml")).toThrow(/report\.formats/);
    expect(() =>
      parsePlaybook(`${base}report: { incidentComment: { when: sometimes } }\n`, "p.yaml"),
    ).toThrow(/incidentComment/);
  });

  it("the comment carries mailwarden's words and ids, never the rule name", () => {
    const { store, caseId } = seed({
      ruleName: "<b>evil</b>",
      userAgent: ["x"],
      approver: "a",
      parameter: "p",
    });
    const r = buildCaseReport(store, caseId);
    const t = commentText(r);
    expect(t).toContain(caseId);
    expect(t).toContain("mailwarden rollback --case");
    expect(t).not.toContain("evil");
    const facts = commentFacts(
      store.listTargets(caseId).map((x) => x.hit),
      r,
    );
    expect(facts).toMatchObject({ severity: "high", contained: true, changes: 1 });
  });
});

describe("report --format", () => {
  it("takes a comma-separated list of md, html, json; anything else is a usage error naming it", () => {
    expect(parseCaseFormats("html,json")).toEqual(["html", "json"]);
    expect(parseCaseFormats(" md , md ")).toEqual(["md"]);
    expect(() => parseCaseFormats("pdf,md")).toThrow(/pdf: give one or more of md,html,json/);
    expect(() => parseCaseFormats(",")).toThrow(/\(empty\)/);
  });
});
