/**
 * Live hunting through the real Graph SDK (runHuntingQuery) and the Log Analytics API against the emulated tenant
 * serving a generated tenant's Defender and Sentinel tables. The live result must be the offline result of the
 * same data: same rows in, same hits out — what differs is only the transport.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchEmulator, type LaunchedEmulator } from "../../src/cli/commands/emulator.js";
import { openTenant } from "../../src/cli/tenant.js";
import { configSchema, type Config } from "../../src/config/schema.js";
import { generateTenant, writeGenerated, type Generated } from "../../src/emulator/generator/index.js";
import { runDefender, runSentinel, HuntServiceError } from "../../src/hunt/live.js";
import { huntLive } from "../../src/hunt/live-hunt.js";
import { huntOffline } from "../../src/hunt/offline.js";
import { caDir } from "../helpers/tenant.js";

let dir: string;
let g: Generated;
let launched: LaunchedEmulator;
let cfg: Config;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "mw-hunt-live-"));
  g = generateTenant({ scenarios: "all", users: 20, days: 3, seed: 5 });
  await writeGenerated(g, path.join(dir, "export"), { formats: ["json"] });
  launched = await launchEmulator({
    stateDir: path.join(dir, "state"),
    caDir: caDir(),
    tenant: { state: g.state, startTime: g.startTime, seed: 5 },
  });
  cfg = configSchema.parse({ ...launched.config, exchange: { enabled: false } });
}, 120_000);

afterAll(async () => {
  await launched?.emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What must be equal live and offline: the hit, its severity, and its strongest link (same-ASN links included). */
const keysOf = (hits: { hitKey: string; severity: string; links: { key: string }[] }[]) =>
  hits.map((h) => `${h.hitKey}:${h.severity}:${h.links[0]?.key ?? "-"}`).sort();

describe.each(["defender", "sentinel"] as const)("live %s", (target) => {
  it("returns the hits that the offline path finds in the same data", async () => {
    const live = await huntLive(
      cfg,
      { target, profile: "default", params: { tenantDomains: cfg.tenant.domains } },
      openTenant,
    );
    expect(live.problems).toEqual([]);
    expect(live.hits.length).toBeGreaterThan(0);
    expect(live.hits.some((h) => h.severity === "high")).toBe(true);
    const off = await huntOffline({
      paths: [path.join(dir, "export", target)],
      targets: [target],
      profile: "default",
      params: { tenantDomains: cfg.tenant.domains },
      riskThreshold: 50,
      tenantId: cfg.tenant.id,
      // the emulator's clock is its scenario time; offline uses the same instant for ago()
      now: launched.emulator.ctx.clock.now(),
    });
    expect(keysOf(live.hits)).toEqual(keysOf(off.runs[0]!.hits));
    // the enrichment pass before the query: live finds the same-ASN network links offline finds
    const asnLinks = (hits: typeof live.hits) =>
      hits.filter((h) => h.links.some((l) => l.key === "network" && l.asn !== undefined)).length;
    expect(asnLinks(off.runs[0]!.hits)).toBeGreaterThan(0);
    expect(asnLinks(live.hits)).toBe(asnLinks(off.runs[0]!.hits));
    // every hit carries what a responder needs to pivot (jsonl contract)
    for (const h of live.hits) {
      expect(h.action.recordId).toBeTruthy();
      expect(h.user.upn).toContain("@");
      for (const l of h.links)
        expect(["token", "request", "session", "ip", "network", "user-time"]).toContain(l.key);
    }
  }, 120_000);
});

describe("live errors", () => {
  it("passes Kusto's own semantic error through (Defender and Log Analytics)", async () => {
    const t = await openTenant(cfg);
    try {
      await expect(runDefender(t.graph, "CloudAppEvents | project NoSuchColumn")).rejects.toThrow(
        HuntServiceError,
      );
      await expect(runDefender(t.graph, "CloudAppEvents | project NoSuchColumn")).rejects.toThrow(
        /NoSuchColumn/,
      );
      const la = {
        credential: t.credential,
        baseUrl: cfg.endpoints.logAnalyticsBaseUrl,
        workspaceId: cfg.hunting.workspaceId!,
      };
      await expect(runSentinel(la, "OfficeActivity | project NoSuchColumn")).rejects.toThrow(
        /400.*NoSuchColumn/s,
      );
      const ok = await runSentinel(la, "OfficeActivity | count");
      expect(ok.rows[0]!["Count"]).toBe(g.tables.sentinel["OfficeActivity"]!.length);
    } finally {
      await t.close();
    }
  });

  it("the seed profile runs live in Defender and refuses Sentinel", async () => {
    const seed = await huntLive(cfg, { target: "defender", profile: "seed", params: {} }, openTenant);
    expect(seed.columns.map((c) => c.name)).toContain("ReportId");
    await expect(
      huntLive(cfg, { target: "sentinel", profile: "seed", params: {} }, openTenant),
    ).rejects.toThrow(/Defender/);
  }, 60_000);
});
