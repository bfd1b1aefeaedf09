/**
 * Hunting quality on the generator's scenarios (issue 4 §6), through the whole offline path: exports written to
 * disk → adapters → KQL engine → mailwarden's queries → hits. The truth comes from the generator (truth.json), not
 * from the code under test.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTenant, writeGenerated, type Generated } from "../../src/emulator/generator/index.js";
import type { Hit } from "../../src/model/hit.js";
import { huntOffline, type OfflineRun } from "../../src/hunt/offline.js";

/** Mail activity after the fact: evidence on the hit it follows (A14), not a suspect action of its own. */
const FOLLOW_ON = new Set([
  "MailItemsAccessed",
  "Send",
  "SendAs",
  "SoftDelete",
  "HardDelete",
  "MoveToDeletedItems",
]);

let dir: string;
let g: Generated;
const runs: Partial<Record<"defender" | "sentinel", OfflineRun>> = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "mw-hunt-quality-"));
  g = generateTenant({ scenarios: "all", users: 20, days: 3, seed: 11 });
  await writeGenerated(g, dir, { formats: ["csv"] });
  for (const target of ["defender", "sentinel"] as const) {
    const r = await huntOffline({
      paths: [path.join(dir, target)],
      targets: [target],
      profile: "default",
      params: {},
      riskThreshold: 50,
      tenantId: "quality",
    });
    expect(r.load.totals.quarantined).toBe(0);
    runs[target] = r.runs[0];
  }
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(["defender", "sentinel"] as const)("%s query on every scenario", (target) => {
  const hitFor = (auditId: string): Hit | undefined =>
    runs[target]!.hits.find((h) => h.action.recordId === auditId);

  it("finds every attacker mailbox action and links it with the strongest key the records carry", () => {
    const missing: string[] = [];
    const wrongLink: string[] = [];
    for (const s of g.truth.scenarios)
      for (const a of s.actions) {
        if (FOLLOW_ON.has(a.operation)) continue;
        const h = hitFor(a.auditId);
        if (!h) {
          missing.push(`${s.name}: ${a.operation} ${a.auditId}`);
          continue;
        }
        const links = s.links.filter((l) => l.auditId === a.auditId);
        if (!links.length) continue;
        const strongest = (l: (typeof links)[number]) =>
          target === "defender" ? l.strongest : l.sentinelKeys[0];
        const order = ["token", "request", "session", "ip", "network", "user-time"];
        const best = links
          .map(strongest)
          .filter((k): k is NonNullable<typeof k> => !!k)
          .sort((x, y) => order.indexOf(x) - order.indexOf(y))[0];
        const first = h.links[0];
        const okSignIns = links.filter((l) => strongest(l) === best).map((l) => l.signInRequestId);
        // At least as strong as the truth's strongest key, and to the attacker's sign-in: a same-ASN network link
        // (enrichment) may beat the user-time link the generator's truth records for an IPv6/IPv4 pair.
        const allSignIns = links.map((l) => l.signInRequestId);
        if (
          !first ||
          order.indexOf(first.key) > order.indexOf(best!) ||
          !(first.key === best ? okSignIns : allSignIns).includes(first.signInRequestId ?? "")
        )
          wrongLink.push(
            `${s.name}: ${a.operation} linked by ${first?.key ?? "nothing"} (${first?.signInRequestId ?? "-"}), expected ${best} (${okSignIns.join("|")})`,
          );
      }
    expect(missing).toEqual([]);
    expect(wrongLink).toEqual([]);
  });

  it("rates the attacks that come with a risky linked session high, and explains each hit", () => {
    for (const name of ["aitm-rss-hide", "admin-transport-bcc", "token-replay", "hidden-rule"]) {
      const s = g.truth.scenarios.find((x) => x.name === name);
      if (!s) continue;
      const a = s.actions.find((x) => !FOLLOW_ON.has(x.operation) && !x.operation.startsWith("Remove-"))!;
      const h = hitFor(a.auditId)!;
      expect(h.severity, name).toBe("high");
      // high always comes with its cause: a risky linked sign-in, token replay, or own network signals on a link
      expect(
        h.reasons.some((r) => ["linked-risky-signin", "token-replay", "hosting-network"].includes(r.code)),
      ).toBe(true);
      expect(h.links.length).toBeGreaterThan(0);
    }
    for (const h of runs[target]!.hits) expect(h.score).toBe(Math.min(100, h.score));
  });

  it("rates no benign record high; prints the benign score distribution (docs/hunting.md)", () => {
    const attack = new Set(g.truth.scenarios.flatMap((x) => x.actions.map((a) => a.auditId)));
    const benign = runs[target]!.hits.filter(
      (h) => !(h.action.recordIds ?? [h.action.recordId ?? ""]).some((id) => attack.has(id)),
    );
    const bands = { low: 0, medium: 0, high: 0 };
    for (const h of benign) bands[h.severity] += 1;
    console.log(
      `benign score distribution (${target}): ${benign.length} hit(s) ${JSON.stringify(bands)}; scores ${JSON.stringify(benign.map((h) => h.score).sort((a, b) => a - b))}`,
    );
    expect(bands.high).toBe(0);
  });

  it("never rates a benign look-alike high", () => {
    const benignIds = new Set(g.truth.benign.flatMap((b) => b.auditIds));
    const high = runs[target]!.hits.filter(
      (h) => benignIds.has(h.action.recordId ?? "") && h.severity === "high",
    );
    expect(high.map((h) => `${h.user.upn} ${h.action.operation}`)).toEqual([]);
  });
});

describe("seed profile", () => {
  it("returns exactly the seed's rows (an independent evaluation of the seed over the same tables)", async () => {
    const r = await huntOffline({
      paths: [path.join(dir, "defender")],
      targets: ["defender"],
      profile: "seed",
      params: {},
      riskThreshold: 50,
      tenantId: "quality",
    });
    const run = r.runs[0]!;
    expect(run.columns.map((c) => c.name)).toEqual([
      "Timestamp",
      "ReportId",
      "ActionType",
      "IPAddress",
      "AccountObjectId",
      "ISP",
      "CountryCode",
    ]);
    const expected = seedOracle(g);
    expect(new Set(run.rows.map((x) => String(x["ReportId"])))).toEqual(expected);
    // and it shows what the seed misses: every attack action mailwarden finds that the seed does not return
    expect(run.comparison!.missedBySeed.length).toBeGreaterThan(0);
    expect(run.comparison!.mailwardenHits).toBeGreaterThan(run.comparison!.seedRows);
  });

  it("runs verbatim on an export whose sign-ins come only as EntraIdSignInEvents, and says what each side read", async () => {
    // Today's Defender exports name the table EntraIdSignInEvents; the seed reads AADSignInEventsBeta.
    const only = path.join(dir, "defender-entra-only");
    cpSync(path.join(dir, "defender"), only, { recursive: true });
    rmSync(path.join(only, "AADSignInEventsBeta.csv"));
    const r = await huntOffline({
      paths: [only],
      targets: ["defender"],
      profile: "seed",
      params: {},
      riskThreshold: 50,
      tenantId: "quality",
    });
    expect(r.load.tableRows["AADSignInEventsBeta"]).toBe(0);
    const run = r.runs[0]!;
    const expected = seedOracle(g, "EntraIdSignInEvents");
    expect(expected.size).toBeGreaterThan(0);
    expect(new Set(run.rows.map((x) => String(x["ReportId"])))).toEqual(expected);
    console.log(
      `seed on an EntraIdSignInEvents-only export: ${run.rows.length} row(s), expected ${expected.size}`,
    );
    const signIns = g.tables.defender["EntraIdSignInEvents"]!.length;
    expect(run.comparison!.signInTables).toEqual({
      seed: { table: "AADSignInEventsBeta", rowsFrom: ["EntraIdSignInEvents"], rows: signIns },
      mailwarden: { table: "EntraIdSignInEvents", rowsFrom: ["EntraIdSignInEvents"], rows: signIns },
    });
    // and mailwarden's side sees the same sign-ins as with both tables: the same hits
    const both = await huntOffline({
      paths: [path.join(dir, "defender")],
      targets: ["defender"],
      profile: "seed",
      params: {},
      riskThreshold: 50,
      tenantId: "quality",
    });
    expect(run.comparison!.mailwardenHits).toBe(both.runs[0]!.comparison!.mailwardenHits);
    expect(run.comparison!.seedRows).toBe(both.runs[0]!.comparison!.seedRows);
  });

  it("runs verbatim on an export whose sign-ins come only as AADSignInEventsBeta", async () => {
    const only = path.join(dir, "defender-beta-only");
    cpSync(path.join(dir, "defender"), only, { recursive: true });
    rmSync(path.join(only, "EntraIdSignInEvents.csv"));
    const r = await huntOffline({
      paths: [only],
      targets: ["defender"],
      profile: "seed",
      params: {},
      riskThreshold: 50,
      tenantId: "quality",
    });
    expect(new Set(r.runs[0]!.rows.map((x) => String(x["ReportId"])))).toEqual(
      seedOracle(g, "AADSignInEventsBeta"),
    );
    expect(r.runs[0]!.comparison!.signInTables.mailwarden.rowsFrom).toEqual(["AADSignInEventsBeta"]);
  });
});

/**
 * The seed query (../shared/reference/seed-query.kql) re-stated in TypeScript over the generator's row objects, with
 * KQL's semantics spelled out: `!=` is true for an empty value, `has_any` matches whole terms (case-insensitive).
 */
function seedOracle(
  gen: Generated,
  signInTable: "AADSignInEventsBeta" | "EntraIdSignInEvents" = "AADSignInEventsBeta",
): Set<string> {
  const t = gen.tables.defender;
  const s = (v: unknown) =>
    v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
  const impacted = new Set((t["AlertEvidence"] ?? []).map((r) => s(r["AccountObjectId"])).filter(Boolean));
  if (!impacted.size) return new Set();
  const sessions = new Set<string>();
  for (const r of t[signInTable] ?? []) {
    const id = s(r["AccountObjectId"]);
    if (!id || !s(r["IPAddress"]) || !impacted.has(id)) continue;
    if (r["IsManaged"] === 1 || r["IsCompliant"] === 1) continue;
    if (s(r["DeviceTrustType"])) continue;
    const risk = r["RiskLevelDuringSignIn"];
    if (typeof risk !== "number" || risk < 10) continue;
    if (s(r["SessionId"])) sessions.add(s(r["SessionId"]));
  }
  if (!sessions.size) return new Set();
  const ops = new Set([
    "New-InboxRule",
    "Set-InboxRule",
    "Set-Mailbox",
    "Set-TransportRule",
    "New-TransportRule",
    "Enable-InboxRule",
  ]);
  const out = new Set<string>();
  for (const r of t["CloudAppEvents"] ?? []) {
    const id = s(r["AccountObjectId"]);
    if (!id || r["ApplicationId"] !== 20893 || !impacted.has(id) || !ops.has(s(r["ActionType"]))) continue;
    const raw = s(r["RawEventData"]).toLowerCase();
    const hasTerm = [...sessions].some((sid) => {
      const needle = sid.toLowerCase();
      for (let i = raw.indexOf(needle); i >= 0; i = raw.indexOf(needle, i + 1)) {
        const before = i === 0 ? "" : raw[i - 1]!;
        const after = raw[i + needle.length] ?? "";
        if (!/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after)) return true;
      }
      return false;
    });
    if (hasTerm) out.add(s(r["ReportId"]));
  }
  return out;
}
