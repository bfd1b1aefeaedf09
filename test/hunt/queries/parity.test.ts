/**
 * One source of truth for the detection lists: the query's `let`s are exactly src/rules/lists.json, the .kql files
 * spell none of the words themselves, and on a corpus of rules the KQL (run by the offline engine) and analyzeRule
 * (the TypeScript analysis scan uses) give the same reason codes and matched words.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildQuery, defaultHuntParams, queryFile } from "../../../src/hunt/queries/index.js";
import { analyzeRule } from "../../../src/rules/analyze.js";
import { normalizeExoRule, type ExoRuleLike } from "../../../src/rules/normalize.js";
import { engineAvailable, newEngine, type EngineLike } from "./fixture.js";
import { parseQuery } from "./kusto-tree.js";
import { storageColumns } from "../../../src/hunt/schema/schema.js";

const json = JSON.parse(readFileSync(new URL("../../../src/rules/lists.json", import.meta.url), "utf8")) as {
  keywords: { finance: string[]; security: string[] };
} & Record<string, unknown>;

/** let name → where it lives in lists.json. */
const FROM_JSON: Record<string, (j: typeof json) => unknown> = {
  hidingFolders: (j) => j.hidingFolders,
  strongHidingFolders: (j) => j.strongHidingFolders,
  junkFolders: (j) => j.junkFolders,
  financeKeywords: (j) => j.keywords.finance,
  securityKeywords: (j) => j.keywords.security,
  securitySenders: (j) => j.securitySenders,
  systemRuleNames: (j) => j.systemRuleNames,
  systemRulePrefixes: (j) => j.systemRulePrefixes,
  systemActorPrefixes: (j) => j.systemActorPrefixes,
  serviceClientInfoTerms: (j) => j.serviceClientInfoTerms,
  unusualUserAgents: (j) => j.unusualUserAgents,
  legacyClientApps: (j) => j.legacyClientApps,
};

describe("lists shared with the TypeScript analysis", () => {
  it("every list of lists.json is a let of the query, value for value", { timeout: 120_000 }, () => {
    const jsonLists = Object.keys(json).filter((k) => k !== "$comment" && k !== "keywords");
    expect(Object.keys(FROM_JSON).sort()).toEqual(
      [...jsonLists, "financeKeywords", "securityKeywords"].sort(),
    );
    // The prelude alone (the body does not change it); Kusto decodes the literals.
    const q = buildQuery({ target: "defender" });
    const prelude = q.slice(0, q.indexOf(queryFile("defender")));
    const lets = new Map(parseQuery(`${prelude}\nprint 1`).lets.map((l) => [l.name, l.values]));
    for (const [name, get] of Object.entries(FROM_JSON)) expect(lets.get(name), name).toEqual(get(json));
  });

  it("the .kql files spell no list entry themselves", () => {
    const text = ["defender", "sentinel", "core"].map((f) => queryFile(f as "core")).join("\n");
    // "archive" mirrors analyze.ts, which weighs the Archive folder lower than the other hiding folders.
    const allowed = new Set(["archive"]);
    const entries = Object.values(FROM_JSON).flatMap((get) => get(json) as string[]);
    const spelled = entries.filter((e) => !allowed.has(e) && e.length >= 3 && text.includes(`"${e}"`));
    expect(spelled).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Signal parity on a corpus of New-InboxRule records

const DOMAINS = ["contoso.com"];
/** Concepts both sides name the same way. */
const SHARED = [
  "forwards-external",
  "deletes-mail",
  "moves-to-hiding-folder",
  "marks-read",
  "security-keywords",
  "finance-keywords",
  "security-senders",
  "obscure-name",
  "stops-processing",
];

interface CorpusRule extends ExoRuleLike {
  label: string;
}

function corpus(): CorpusRule[] {
  const l = defaultHuntParams().lists;
  const out: CorpusRule[] = [];
  const base = { enabled: true };
  for (const f of l.hidingFolders) {
    out.push({ ...base, label: `folder ${f}`, name: "Tidy", moveToFolder: `m:\\${f}` });
    out.push({
      ...base,
      label: `folder upper ${f}`,
      name: "Tidy",
      moveToFolder: `:\\Inbox\\${f.toUpperCase()}`,
    });
  }
  for (const k of [...l.financeKeywords, ...l.securityKeywords])
    out.push({
      ...base,
      label: `keyword ${k}`,
      name: "Clean",
      deleteMessage: true,
      subjectContainsWords: [k],
    });
  for (const s of l.securitySenders)
    out.push({
      ...base,
      label: `sender ${s}`,
      name: "Senders",
      softDeleteMessage: true,
      fromAddressContainsWords: [s],
    });
  const lookalikes: [string, Partial<ExoRuleLike>][] = [
    ["reach not ach", { deleteMessage: true, subjectContainsWords: ["reach out", "coach"] }],
    ["Archive 2024 is not Archive", { moveToFolder: "m:\\Archive 2024" }],
    ["Newsletters", { moveToFolder: "m:\\Newsletters", markAsRead: true }],
    ["security team", { deleteMessage: true, bodyContainsWords: ["security team"], markAsRead: true }],
    [
      "password reset",
      { moveToFolder: "m:\\RSS Feeds", subjectOrBodyContainsWords: ["password reset", "w-2"] },
    ],
    ["phishing", { moveToFolder: "m:\\Conversation History", subjectContainsWords: ["PHISHING"] }],
    ["internal forward", { forwardTo: ['"Boss" [SMTP:boss@contoso.com]'] }],
    ["subdomain forward", { forwardTo: ["ops@eu.contoso.com"] }],
    ["EX forward", { redirectTo: ['"A" [EX:/o=ExchangeLabs/ou=x/cn=Recipients/cn=a]'] }],
    ["external forward", { forwardTo: ['"E" [SMTP:e@evil.example]'], stopProcessingRules: true }],
    ["external redirect", { redirectTo: ["drop@mail.evil.example"], markAsRead: true }],
    ["external as attachment", { forwardAsAttachmentTo: ["x@gmail.com"], subjectContainsWords: ["invoice"] }],
    ["look-alike domain", { forwardTo: ["a@contoso.com.evil.example"] }],
    ["mixed recipients", { forwardTo: ["boss@contoso.com", "leak@evil.example"] }],
  ];
  for (const [label, over] of lookalikes) out.push({ ...base, label, name: "Rule", ...over });
  for (const name of [".", "..", "...", ",,", "a", "ab", "abc", " . ", "\u200b.", "--", "Invoices"])
    out.push({ ...base, label: `name ${JSON.stringify(name)}`, name, deleteMessage: true });
  out.push({ ...base, label: "disabled", name: "Off", enabled: false, forwardTo: ["e@evil.example"] });
  return out;
}

const joinList = (v: string[] | null | undefined) => (v ?? []).join(";");

function auditRow(r: CorpusRule, i: number): Record<string, unknown> {
  const p: { Name: string; Value: string }[] = [{ Name: "Name", Value: r.name }];
  const add = (name: string, value: string) => {
    if (value) p.push({ Name: name, Value: value });
  };
  add("ForwardTo", joinList(r.forwardTo));
  add("RedirectTo", joinList(r.redirectTo));
  add("ForwardAsAttachmentTo", joinList(r.forwardAsAttachmentTo));
  add("From", joinList(r.from));
  add("FromAddressContainsWords", joinList(r.fromAddressContainsWords));
  add("SubjectContainsWords", joinList(r.subjectContainsWords));
  add("BodyContainsWords", joinList(r.bodyContainsWords));
  add("SubjectOrBodyContainsWords", joinList(r.subjectOrBodyContainsWords));
  add("MoveToFolder", r.moveToFolder ?? "");
  if (r.deleteMessage) add("DeleteMessage", "True");
  if (r.softDeleteMessage) add("SoftDeleteMessage", "True");
  if (r.markAsRead) add("MarkAsRead", "True");
  if (r.stopProcessingRules) add("StopProcessingRules", "True");
  if (!r.enabled) add("Enabled", "False");
  const id = `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`;
  const t = new Date(Date.UTC(2025, 4, 5, 10, 0, i % 60)).toISOString();
  return {
    Timestamp: t,
    ActionType: "New-InboxRule",
    Application: "Microsoft Exchange Online",
    ApplicationId: 20893,
    AccountObjectId: `u-${i}`,
    AccountId: `u-${i}`,
    AccountType: "Regular",
    ReportId: `r${i}_20893`,
    IPAddress: "",
    RawEventData: {
      Id: id,
      Operation: "New-InboxRule",
      UserId: `user${i}@contoso.com`,
      ClientIP: "",
      Parameters: p,
    },
  };
}

/** analyze.ts puts the matched words after the colon of the reason detail. */
function wordsOf(detail: string): string[] {
  const i = detail.indexOf(": ");
  return i < 0
    ? []
    : detail
        .slice(i + 2)
        .split(", ")
        .sort();
}

describe.skipIf(!engineAvailable)("signal parity with analyzeRule (offline engine)", () => {
  const rules = corpus();
  let engine: EngineLike;
  let rows: Record<string, unknown>[] = [];

  beforeAll(async () => {
    engine = await newEngine();
    await engine.registerRows("CloudAppEvents", storageColumns("CloudAppEvents"), rules.map(auditRow));
    for (const t of ["EntraIdSignInEvents", "AADSignInEventsBeta", "AlertEvidence"])
      await engine.registerRows(t, storageColumns(t), []);
    const q = buildQuery({ target: "defender", params: { tenantDomains: DOMAINS, lookback: "3650d" } });
    rows = (await engine.run(q, { now: new Date("2025-05-06T00:00:00Z") })).rows;
  }, 240_000);
  afterAll(() => engine?.close());

  it("gives the same shared codes and words for every rule of the corpus", () => {
    expect(rules.length).toBeGreaterThan(200);
    const byId = new Map(rows.map((r) => [r.RecordId as string, r]));
    const diffs: string[] = [];
    rules.forEach((r, i) => {
      const ts = analyzeRule(normalizeExoRule(r, DOMAINS));
      const tsCodes = ts.reasons
        .map((x) => x.code)
        .filter((c) => SHARED.includes(c))
        .sort();
      const row = byId.get(`00000000-0000-0000-0000-${String(i).padStart(12, "0")}`);
      const signals = (row?.Signals ?? []) as { code: string; value: string }[];
      const kqlCodes = signals
        .map((s) => s.code)
        .filter((c) => SHARED.includes(c))
        .sort();
      if (JSON.stringify(tsCodes) !== JSON.stringify(kqlCodes))
        diffs.push(`${r.label}: ts ${tsCodes.join(",")} | kql ${kqlCodes.join(",")}`);
      for (const code of ["security-keywords", "finance-keywords", "security-senders"]) {
        const t = ts.reasons.find((x) => x.code === code);
        const k = signals.find((s) => s.code === code);
        if (t && k && JSON.stringify(wordsOf(t.detail)) !== JSON.stringify(k.value.split(";").sort()))
          diffs.push(`${r.label} ${code}: ts ${wordsOf(t.detail).join(",")} | kql ${k.value}`);
      }
    });
    expect(diffs).toEqual([]);
  });

  it("scores a disabled rule low on both sides", () => {
    const i = rules.findIndex((r) => r.label === "disabled");
    const row = rows.find((r) => r.RecordId === `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`);
    expect(analyzeRule(normalizeExoRule(rules[i]!, DOMAINS)).score).toBeLessThanOrEqual(20);
    expect(row?.Score).toBeLessThan(40);
  });
});
