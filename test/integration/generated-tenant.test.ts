/**
 * scan and the playbooks against a generated tenant with ground truth (every labelled scenario): each expected
 * containment object is found, benign look-alikes never reach high, and --yes contains what the truth expects.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchEmulator, type LaunchedEmulator } from "../../src/cli/commands/emulator.js";
import { runHits } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { openTenant, type TenantHandles } from "../../src/cli/tenant.js";
import { configSchema, type Config } from "../../src/config/schema.js";
import { generateTenant, type Generated } from "../../src/emulator/generator/index.js";
import type { Hit } from "../../src/model/hit.js";
import { caDir } from "../helpers/tenant.js";

let g: Generated;
let launched: LaunchedEmulator;
let cfg: Config;
let handles: TenantHandles;
let hits: Hit[];

beforeAll(async () => {
  g = generateTenant({ scenarios: "all", users: 20, days: 2, seed: 7 });
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "mw-gen-"));
  launched = await launchEmulator({
    stateDir,
    caDir: caDir(),
    tenant: { state: g.state, startTime: g.startTime, seed: g.seed },
  });
  cfg = configSchema.parse(launched.config);
  handles = await openTenant(cfg);
  hits = (await scanWith(cfg, handles)).hits;
}, 120_000);
afterAll(async () => {
  await handles?.close();
  await launched?.emulator.close();
});

type Containment = {
  rules: { userPrincipalName: string; ruleIdentity: string; name: string }[];
  forwarding: { userPrincipalName: string }[];
  delegations: { userPrincipalName: string; trustee: string }[];
  transportRules: { guid: string }[];
};
const scenarios = () =>
  (g.truth as unknown as { scenarios: { name: string; containment: Containment; undone?: unknown }[] })
    .scenarios;

describe("scan on a generated tenant (all scenarios)", () => {
  it("finds every rule, forwarding and transport rule the truth says to contain", () => {
    const missed: string[] = [];
    for (const s of scenarios()) {
      for (const r of s.containment.rules)
        if (!hits.some((h) => h.target.kind === "inboxRule" && h.target.ruleIdentity === r.ruleIdentity))
          missed.push(`${s.name}: rule ${r.name} of ${r.userPrincipalName}`);
      for (const f of s.containment.forwarding)
        if (
          !hits.some(
            (h) =>
              h.target.kind === "mailboxForwarding" &&
              h.user.upn.toLowerCase() === f.userPrincipalName.toLowerCase(),
          )
        )
          missed.push(`${s.name}: forwarding of ${f.userPrincipalName}`);
      for (const t of s.containment.transportRules)
        if (
          !hits.some(
            (h) => h.target.kind === "transportRule" && h.target.guid.toLowerCase() === t.guid.toLowerCase(),
          )
        )
          missed.push(`${s.name}: transport rule ${t.guid}`);
      for (const d of s.containment.delegations)
        if (
          !hits.some(
            (h) =>
              h.target.kind === "delegation" && h.target.trustee.toLowerCase() === d.trustee.toLowerCase(),
          )
        )
          missed.push(`${s.name}: delegation to ${d.trustee}`);
    }
    expect(missed).toEqual([]);
  });

  it("never rates a benign look-alike high", () => {
    const benign = (g.truth as unknown as { benign: { ruleIdentities: string[]; trustees: string[] }[] })
      .benign;
    const ids = new Set(benign.flatMap((b) => b.ruleIdentities));
    const trustees = new Set(benign.flatMap((b) => b.trustees.map((x) => x.toLowerCase())));
    const bad = hits.filter(
      (h) =>
        h.severity === "high" &&
        ((h.target.kind === "inboxRule" && h.target.ruleIdentity && ids.has(h.target.ruleIdentity)) ||
          (h.target.kind === "delegation" && trustees.has(h.target.trustee.toLowerCase()))),
    );
    expect(bad).toEqual([]);
  });

  it("--yes contains every expected rule and forwarding, and verifies", async () => {
    const out = await runHits(
      cfg,
      handles,
      hits.filter((h) => h.severity === "high"),
      "execute",
      {
        actionCtx: { poll: { attempts: 2, delayMs: 0, sleep: () => Promise.resolve() } },
        // The responder names the tenant-wide step (--tenant-step): --yes alone never disables a transport rule.
        namedSteps: ["disable-transport-rule"],
      },
    );
    expect(out.runs.filter((r) => r.state !== "done").map((r) => [r.user, r.error ?? r.waiting])).toEqual([]);
    const state = launched.emulator.ctx.state;
    for (const s of scenarios()) {
      for (const r of s.containment.rules) {
        const live = state.mailboxes.flatMap((m) => m.rules).find((x) => x.ruleIdentity === r.ruleIdentity);
        if (live) expect(live.enabled, `${s.name}: ${r.name}`).toBe(false);
      }
    }
  });
});
