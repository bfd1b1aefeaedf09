/**
 * Both queries run by the offline engine on the generator's Defender and Sentinel tables (all scenarios, 20 users,
 * 3 days), judged against the generator's truth: every attacker mailbox action is a row linked with the strongest
 * key the tables allow, benign look-alikes never reach high, and the output keeps its column contract.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Generated } from "../../../src/emulator/generator/index.js";
import { buildQuery } from "../../../src/hunt/queries/index.js";
import { asnOf, engineAvailable, generated, loadTables, newEngine, type EngineLike } from "./fixture.js";

/** Mail activity after the fact: evidence on the row of the action it follows (A14), not a row of its own. */
const FOLLOW_ON = new Set([
  "MailItemsAccessed",
  "Send",
  "SendAs",
  "SoftDelete",
  "HardDelete",
  "MoveToDeletedItems",
]);
const KEYS = ["token", "request", "session", "ip", "network", "user-time"];

const CONTRACT: Record<string, string> = {
  Timestamp: "string",
  RecordId: "string",
  ReportId: "string",
  Operation: "string",
  Source: "string",
  UserId: "string",
  UserUpn: "string",
  MailboxUpn: "string",
  TargetKind: "string",
  RuleName: "string",
  Rule: "object",
  ClientIP: "string",
  SessionId: "string",
  UniqueTokenId: "string",
  TokenRequestId: "string",
  ClientInfo: "string",
  AppId: "string",
  Signals: "object",
  Links: "object",
  LinkKey: "string",
  RiskMax: "number",
  OwnSignals: "object",
  InAlert: "boolean",
  Score: "number",
  ScoreInputs: "object",
};

type Row = Record<string, unknown>;
interface Link {
  Key: string;
  Strength: string;
  RequestId: string;
  GapMinutes: number;
}

let g: Generated;
let seedError: string | undefined;
const rows: Partial<Record<"defender" | "sentinel" | "seed" | "beta", Row[]>> = {};

describe.skipIf(!engineAvailable)("queries on the generator's tables", () => {
  const engines: EngineLike[] = [];
  beforeAll(async () => {
    g = generated();
    for (const target of ["defender", "sentinel"] as const) {
      const e = await newEngine();
      engines.push(e);
      await loadTables(e, g.tables[target]);
      rows[target] = (await e.run(buildQuery({ target, params: { ipAsn: asnOf(g.tables[target]) } }))).rows;
      if (target === "defender") {
        // Only the deprecated sign-in table: the query falls back to it, and the token id decodes to its RequestId.
        const beta = await newEngine();
        engines.push(beta);
        await loadTables(beta, { ...g.tables.defender, EntraIdSignInEvents: [] });
        rows.beta = (
          await beta.run(buildQuery({ target, params: { ipAsn: asnOf(g.tables.defender) } }))
        ).rows;
      }
      if (target === "defender")
        try {
          rows.seed = (await e.run(buildQuery({ target, profile: "seed" }))).rows;
        } catch (err) {
          // e.g. the engine declaring only `Isp` while the seed reads `ISP` (schema.ts storageColumns)
          seedError = (err as Error).message;
        }
    }
  }, 300_000);
  afterAll(() => engines.forEach((e) => e.close()));

  describe.each(["defender", "sentinel"] as const)("%s", (target) => {
    const byId = () => new Map(rows[target]!.map((r) => [r.RecordId as string, r]));

    it("keeps the output contract, one row per action, ordered by score", () => {
      const r = rows[target]!;
      expect(r.length).toBeGreaterThan(0);
      for (const row of r) {
        expect(Object.keys(row)).toEqual(Object.keys(CONTRACT));
        for (const [k, t] of Object.entries(CONTRACT)) expect(typeof row[k], k).toBe(t);
        expect(row.Source).toBe(target === "defender" ? "CloudAppEvents" : "OfficeActivity");
        expect(Array.isArray(row.Signals) && (row.Signals as unknown[]).length).toBeTruthy();
      }
      expect(new Set(r.map((x) => x.RecordId)).size).toBe(r.length);
      const scores = r.map((x) => x.Score as number);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    });

    it("finds every attacker mailbox action, linked by the strongest key present", () => {
      const m = byId();
      const missed: string[] = [];
      for (const s of g.truth.scenarios)
        for (const a of s.actions) {
          if (FOLLOW_ON.has(a.operation)) continue;
          const links = s.links.filter((l) => l.auditId === a.auditId);
          const expected: string[] = links.map((l) =>
            target === "defender" ? l.strongest : (l.sentinelKeys[0] ?? ""),
          );
          const row = m.get(a.auditId);
          if (!row) missed.push(`${s.name} ${a.operation}: no row`);
          else if (!expected.includes(row.LinkKey as string))
            missed.push(
              `${s.name} ${a.operation}: key ${String(row.LinkKey)}, expected ${expected.join("/")}`,
            );
        }
      expect(missed).toEqual([]);
    });

    it("links each action to the attacker's sign-in, strongest key first", () => {
      const m = byId();
      for (const s of g.truth.scenarios)
        for (const a of s.actions) {
          const row = m.get(a.auditId);
          if (!row) continue;
          const links = row.Links as Link[];
          const ranks = links.map((l) => KEYS.indexOf(l.Key));
          expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
          expect(links[0]?.Key).toBe(row.LinkKey);
          const attacker = new Set(s.attackerSignIns.map((x) => x.requestId));
          expect(
            links.some((l) => attacker.has(l.RequestId)),
            `${s.name} ${a.operation}`,
          ).toBe(true);
          for (const l of links)
            expect(l.Strength).toBe(KEYS.indexOf(l.Key) <= 2 ? "strong" : l.Key === "ip" ? "medium" : "weak");
        }
    });

    it("lists each linked sign-in once", () => {
      for (const r of rows[target]!) {
        const ids = (r.Links as Link[]).map((l) => l.RequestId);
        expect(new Set(ids).size).toBe(ids.length);
      }
    });

    it("decodes the token id to the sign-in request id", () => {
      const tokenRows = rows[target]!.filter((r) => r.LinkKey === "token");
      expect(tokenRows.length).toBeGreaterThan(0);
      for (const r of tokenRows) expect((r.Links as Link[])[0]!.RequestId).toBe(r.TokenRequestId);
    });

    it("scores attacks with a risky strong link high, and never benign look-alikes", () => {
      const m = byId();
      const benignUsers = new Set(g.truth.benign.map((b) => b.userPrincipalName.toLowerCase()));
      const attackIds = new Set(g.truth.scenarios.flatMap((s) => s.actions.map((a) => a.auditId)));
      const explain = (r: Row | undefined) =>
        JSON.stringify(r && { ...r, Rule: undefined, Links: (r.Links as Link[]).map((l) => l.Key) });
      for (const b of g.truth.benign)
        for (const id of b.auditIds)
          expect((m.get(id)?.Score as number | undefined) ?? 0, explain(m.get(id))).toBeLessThan(70);
      for (const r of rows[target]!)
        if (!attackIds.has(r.RecordId as string) && benignUsers.has(r.UserUpn as string))
          expect(r.Score, explain(r)).toBeLessThan(70);
      const high = g.truth.scenarios.find((s) => s.name === "aitm-rss-hide")!.actions[0]!;
      expect(m.get(high.auditId)?.Score).toBeGreaterThanOrEqual(70);
    });

    it("marks the cover-up and the follow-on activity", () => {
      const m = byId();
      const removed = g.truth.scenarios.find((s) => s.name === "rule-created-then-removed")!;
      const codes = (id: string) => ((m.get(id)?.Signals ?? []) as { code: string }[]).map((s) => s.code);
      for (const a of removed.actions) expect(codes(a.auditId)).toContain("cover-up");
      const grant = g.truth.scenarios
        .find((s) => s.name === "fullaccess-mailitemsaccessed")!
        .actions.find((a) => a.operation === "Add-MailboxPermission")!;
      expect(codes(grant.auditId)).toEqual(expect.arrayContaining(["delegation", "follow-on"]));
    });
  });

  it("falls back to AADSignInEventsBeta and links by the decoded token id (C2)", () => {
    const m = new Map(rows.beta!.map((r) => [r.RecordId as string, r]));
    let request = 0;
    for (const s of g.truth.scenarios)
      for (const a of s.actions) {
        if (FOLLOW_ON.has(a.operation)) continue;
        const strongest = s.links.filter((l) => l.auditId === a.auditId).map((l) => l.strongest);
        const got = m.get(a.auditId)?.LinkKey;
        if (strongest.includes("token")) {
          expect(got, `${s.name} ${a.operation}`).toBe("request");
          request++;
        } else expect(strongest, `${s.name} ${a.operation}`).toContain(got);
      }
    expect(request).toBeGreaterThan(0);
  });

  it("the seed profile finds only what the default query also finds", (ctx) => {
    if (seedError) {
      console.warn(`seed query not run by the engine: ${seedError}`);
      ctx.skip();
    }
    const def = new Set(rows.defender!.map((r) => r.ReportId));
    expect(rows.seed!.every((r) => def.has(r.ReportId))).toBe(true);
    expect(rows.seed!.length).toBeLessThan(rows.defender!.length);
  });
});
