/** The scenario generator: determinism, counts, realism checks and ground truth that resolves in the tables. */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateTenant,
  GeneratorError,
  SCENARIO_NAMES,
  writeGenerated,
  type Generated,
  type LinkKey,
} from "../../../src/emulator/generator/index.js";
import { utiToRequestId } from "../../../src/emulator/generator/encode.js";
import { LINK_KEYS } from "../../../src/emulator/generator/truth.js";
import type { LogRow } from "../../../src/emulator/state.js";

let g: Generated;
const str = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
beforeAll(() => {
  g = generateTenant({ scenarios: "all", users: 25, days: 10, seed: 1234 });
});

const rows = (kind: "defender" | "sentinel", table: string): LogRow[] => g.tables[kind][table] ?? [];
const raw = (r: LogRow) => r.RawEventData as Record<string, unknown>;
const ctxOf = (r: LogRow) => raw(r).AppAccessContext as Record<string, unknown> | undefined;
const userByUpn = (upn: string) =>
  g.state.users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase())!;
const mailboxOf = (upn: string) => g.state.mailboxes.find((m) => m.userId === userByUpn(upn).id)!;

/** The test's own ClientIP normaliser (formats.md §2.5 forms). */
function plainIp(clientIp: string): string {
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(clientIp);
  let ip = bracket ? bracket[1]! : clientIp;
  if (!bracket && /^\d+\.\d+\.\d+\.\d+:\d+$/.test(ip)) ip = ip.split(":")[0]!;
  return ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
}

function inCidr(ip: string, cidr: string): boolean {
  const toInt = (s: string) => s.split(".").reduce((a, o) => a * 256 + Number(o), 0);
  const [base, len] = cidr.split("/");
  const size = 2 ** (32 - Number(len));
  const start = toInt(base!);
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip) && toInt(ip) >= start && toInt(ip) < start + size;
}

describe("generator options", () => {
  it.each([
    [{ scenarios: ["aitm-rss-hide", "nope"], users: 30, days: 3, seed: 1 }, "scenarios.1"],
    [{ scenarios: "all", users: 0, days: 3, seed: 1 }, "users"],
    [{ scenarios: "all", users: 30, days: 0, seed: 1 }, "days"],
    [{ scenarios: "all", users: 30, days: 3, seed: 1.5 }, "seed"],
    [{ scenarios: "all", users: 30, days: 3, seed: "abc" }, "seed"],
    [{ scenarios: "all", users: 30, days: 3, seed: -1 }, "seed"],
    [{ scenarios: "all", users: 30, days: 3, seed: 1, start: "yesterday" }, "start"],
    [{ scenarios: "some", users: 30, days: 3, seed: 1 }, "scenarios"],
    [{ scenarios: "all", users: 5, days: 3, seed: 1 }, "users"],
    [{ scenarios: ["late-rule-refresh-token"], users: 5, days: 1, seed: 1 }, "days"],
    [
      { scenarios: "default", users: 8, days: 1, seed: 1, variants: { logonType: "text" } },
      "variants.logonType",
    ],
    [{ scenarios: "default", users: 8, days: 1, seed: 1, colour: "red" }, "colour"],
  ])("rejects %j naming %s", (opts, field) => {
    let err: unknown;
    try {
      generateTenant(opts as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GeneratorError);
    expect((err as GeneratorError).issues.map((i) => i.path)).toContain(field);
    expect((err as GeneratorError).message).toContain(field);
  });
});

describe("generated tenant", () => {
  it("has N people with mailboxes (the first is the administrator) plus break-glass, over D days", () => {
    expect(g.state.mailboxes).toHaveLength(25);
    expect(g.state.users).toHaveLength(26);
    expect(g.state.users[0]!.privilegedRoles).toEqual(["Global Administrator"]);
    expect(g.startTime).toBe("2025-05-15T00:00:00Z");
    expect(g.truth.generator).toMatchObject({ windowStart: "2025-05-05T00:00:00Z", windowEnd: g.startTime });
    const days = new Set(rows("sentinel", "SigninLogs").map((r) => str(r.TimeGenerated).slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(8);
    for (const r of [...rows("defender", "CloudAppEvents"), ...rows("defender", "EntraIdSignInEvents")]) {
      expect(str(r.Timestamp) >= "2025-05-05T00:00:00" && str(r.Timestamp) < "2025-05-15T00:00:00").toBe(
        true,
      );
    }
    expect(g.state.apps[0]!.graphRoles).toContain("User.Read.All");
    expect(g.state.logs).toBe(g.tables);
    expect(g.truth.scenarios.map((s) => s.name)).toEqual(
      SCENARIO_NAMES.filter((n) => n !== "benign-lookalikes"),
    );
  });

  it("is deterministic: the same seed writes byte-identical files, another seed differs", async () => {
    const dirs: string[] = [];
    try {
      for (const seed of [77, 77, 78]) {
        const d = await mkdtemp(path.join(tmpdir(), "mw-gen-"));
        dirs.push(d);
        await writeGenerated(generateTenant({ scenarios: "default", users: 8, days: 3, seed }), d);
      }
      const read = async (d: string) => {
        const out: Record<string, string> = {};
        for (const sub of ["defender", "sentinel"])
          for (const f of await readdir(path.join(d, sub)))
            out[`${sub}/${f}`] = await readFile(path.join(d, sub, f), "utf8");
        for (const f of ["state.json", "truth.json"]) out[f] = await readFile(path.join(d, f), "utf8");
        return out;
      };
      const [a, b, c] = await Promise.all(dirs.map(read));
      expect(Object.keys(a!).length).toBe(2 * (5 + 4) + 2);
      expect(b).toEqual(a);
      expect(c!["truth.json"]).not.toEqual(a!["truth.json"]);
      expect(c!["defender/CloudAppEvents.jsonl"]).not.toEqual(a!["defender/CloudAppEvents.jsonl"]);
    } finally {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    }
  });

  it("renders sign-ins with the columns the seed query and formats.md use, integer codes in Defender", () => {
    const beta = rows("defender", "AADSignInEventsBeta");
    const entra = rows("defender", "EntraIdSignInEvents");
    expect(beta.length).toBe(g.state.signIns.length);
    expect(entra.length).toBe(beta.length);
    for (const col of [
      "AccountObjectId",
      "IPAddress",
      "IsManaged",
      "IsCompliant",
      "DeviceTrustType",
      "RiskLevelDuringSignIn",
      "SessionId",
      "RequestId",
      "Country",
    ])
      expect(beta[0]).toHaveProperty(col);
    expect(entra[0]).toHaveProperty("UniqueTokenId");
    expect(beta[0]).not.toHaveProperty("UniqueTokenId");
    expect(new Set(beta.map((r) => r.RiskLevelDuringSignIn))).toEqual(new Set([0, 10, 50, 100]));
    for (const r of entra) {
      expect(utiToRequestId(str(r.UniqueTokenId))).toBe(r.RequestId);
      expect(str(r.RequestId)).toMatch(/00$/);
    }
    // Non-interactive refreshes share their interactive root's SessionId.
    const roots = new Set(rows("sentinel", "SigninLogs").map((r) => r.SessionId));
    const refreshes = rows("sentinel", "AADNonInteractiveUserSignInLogs");
    expect(refreshes.length).toBeGreaterThan(0);
    for (const r of refreshes) expect(roots.has(r.SessionId)).toBe(true);
    expect(typeof refreshes[0]!.DeviceDetail).toBe("string");
    expect(typeof rows("sentinel", "SigninLogs")[0]!.DeviceDetail).toBe("object");
    // Benign interactive sign-ins are mostly from managed, compliant devices.
    const managed = beta.filter((r) => r.IsManaged === 1 && r.IsCompliant === 1 && r.DeviceTrustType !== "");
    expect(managed.length / beta.length).toBeGreaterThan(0.9);
  });

  it("writes audit records with second-precision CreationTime, ticks in the Id, and every ClientIP form", () => {
    const cae = rows("defender", "CloudAppEvents");
    const office = rows("sentinel", "OfficeActivity");
    expect(office.length).toBe(cae.length);
    const forms = new Set<string>();
    for (const r of cae) {
      const a = raw(r);
      expect(a.CreationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      expect(str(r.ActionType)).toBe(a.Operation);
      const ticks = BigInt(`0x${str(a.Id).slice(24)}`) << 16n;
      const ms = Number((ticks - 621_355_968_000_000_000n) / 10_000n);
      expect(new Date(ms).toISOString().slice(0, 19)).toBe(a.CreationTime);
      const ip = a.ClientIP;
      if (typeof ip !== "string") continue;
      if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(ip)) forms.add("v4:port");
      else if (/^\[[0-9a-f:]+\]:\d+$/i.test(ip) && !ip.includes("ffff")) forms.add("[v6]:port");
      else if (/^::ffff:\d+\.\d+\.\d+\.\d+$/.test(ip)) forms.add("::ffff:v4");
      else if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) forms.add("plain");
      else if (ip === "::1") forms.add("::1");
    }
    expect([...forms].sort()).toEqual(["::1", "::ffff:v4", "[v6]:port", "plain", "v4:port"]);
    // Some records carry no AppAccessContext, some only part of it.
    expect(cae.some((r) => ctxOf(r) === undefined && raw(r).UserId !== undefined)).toBe(true);
    expect(cae.some((r) => ctxOf(r)?.AADSessionId !== undefined)).toBe(true);
    // OfficeActivity: string RecordType, Parameters as JSON text, no top-level SessionId column.
    const rule = office.find((r) => r.Operation === "New-InboxRule")!;
    expect(rule.RecordType).toBe("ExchangeAdmin");
    expect(typeof rule.Parameters).toBe("string");
    expect(rule).not.toHaveProperty("SessionId");
  });

  it("keeps the hidden rule in hidden state only, with its containment ids", () => {
    const s = g.truth.scenarios.find((x) => x.name === "hidden-rule")!;
    const c = s.containment.rules[0]!;
    expect(c.hidden).toBe(true);
    const rule = mailboxOf(c.userPrincipalName).rules.find((r) => r.ruleIdentity === c.ruleIdentity)!;
    expect(rule).toMatchObject({ hidden: true, graphId: c.graphId });
    expect(rule.actions.redirectTo?.[0]?.address).toMatch(/\.example$/);
  });

  it("links every attacker action to its sign-ins by keys that resolve in the tables", () => {
    const cae = new Map(rows("defender", "CloudAppEvents").map((r) => [str(raw(r).Id), r]));
    const entra = new Map(rows("defender", "EntraIdSignInEvents").map((r) => [str(r.RequestId), r]));
    const sentinelSignIns = new Map(
      [...rows("sentinel", "SigninLogs"), ...rows("sentinel", "AADNonInteractiveUserSignInLogs")].map((r) => [
        str(r.Id),
        r,
      ]),
    );
    const office = new Map(rows("sentinel", "OfficeActivity").map((r) => [str(r.OfficeId), r]));
    const strongest: Record<string, Set<LinkKey>> = {};
    let checked = 0;
    for (const s of g.truth.scenarios) {
      strongest[s.name] = new Set();
      expect(s.actions.length).toBeGreaterThan(0);
      for (const a of s.actions) expect(cae.get(a.auditId)?.ReportId).toBe(a.reportId);
      for (const l of s.links) {
        const act = cae.get(l.auditId)!;
        const si = entra.get(l.signInRequestId)!;
        const sen = sentinelSignIns.get(l.signInRequestId)!;
        const oa = office.get(l.auditId)!;
        expect(act && si && sen && oa).toBeTruthy();
        expect(l.strongest).toBe(LINK_KEYS.find((k) => l.keys.includes(k)));
        strongest[s.name]!.add(l.strongest);
        for (const k of l.keys) {
          checked++;
          if (k === "token") {
            expect(ctxOf(act)!.UniqueTokenId).toBe(si.UniqueTokenId);
            expect(utiToRequestId(str(ctxOf(act)!.UniqueTokenId))).toBe(si.RequestId);
          } else if (k === "session") {
            expect([raw(act).SessionId, ctxOf(act)?.AADSessionId]).toContain(si.SessionId);
          } else if (k === "ip") {
            expect(plainIp(str(raw(act).ClientIP))).toBe(si.IPAddress);
            expect(act.IPAddress).toBe(si.IPAddress);
          } else if (k === "network") {
            expect(inCidr(str(act.IPAddress), l.network!.cidr)).toBe(true);
            expect(inCidr(str(si.IPAddress), l.network!.cidr)).toBe(true);
            expect(sen.AutonomousSystemNumber).toBe(str(l.network!.asn));
          } else if (k === "user-time") {
            expect(act.AccountObjectId).toBe(si.AccountObjectId);
            const dt = Date.parse(str(act.Timestamp)) - Date.parse(str(si.Timestamp));
            expect(dt).toBeGreaterThanOrEqual(0);
            expect(dt).toBeLessThanOrEqual(g.truth.userTimeWindowMinutes * 60_000 + 1000);
          }
        }
        for (const k of l.sentinelKeys) {
          const ctx = oa.AppAccessContext as Record<string, unknown> | null;
          if (k === "token") expect(ctx?.UniqueTokenId).toBe(sen.UniqueTokenIdentifier);
          if (k === "session") expect([ctx?.AADSessionId, oa.SessionId]).toContain(sen.SessionId);
        }
      }
      for (const si of s.attackerSignIns) expect(entra.get(si.requestId)?.IPAddress).toBe(si.ip);
    }
    expect(checked).toBeGreaterThan(50);
    expect(strongest["aitm-rss-hide"]).toContain("token");
    expect(strongest["external-forward"]).toContain("session");
    expect(strongest["external-forward"]).not.toContain("token");
    expect(strongest["outlook-client-rule"]).toEqual(new Set(["user-time"]));
    expect(strongest["one-ip-three-users"]).toContain("ip");
    expect(strongest["cloud-provider-overlap"]).toEqual(new Set(["network"]));
  });

  it("labels the scenarios' signals and containment consistently with the state", () => {
    const by = (n: string) => g.truth.scenarios.find((s) => s.name === n)!;
    const aitm = by("aitm-rss-hide");
    const dot = mailboxOf(aitm.victims[0]!.userPrincipalName).rules.find((r) => r.name === ".")!;
    expect(dot).toMatchObject({ ruleIdentity: aitm.containment.rules[0]!.ruleIdentity, hidden: false });
    expect(dot.actions).toMatchObject({ markAsRead: true });
    const rss = mailboxOf(aitm.victims[0]!.userPrincipalName).folders.find(
      (f) => f.id === dot.actions.moveToFolder,
    );
    expect(rss?.displayName).toBe("RSS Feeds");
    expect(aitm.attackerSignIns.find((s) => s.interactive)).toMatchObject({
      riskLevelDuringSignIn: "high",
      asn: 14061,
    });
    const fwd = by("external-forward");
    expect(mailboxOf(fwd.victims[0]!.userPrincipalName).forwardingSmtpAddress).toBe(
      fwd.containment.forwarding[0]!.forwardingSmtpAddress,
    );
    const bcc = by("admin-transport-bcc");
    expect(g.state.transportRules.map((t) => t.guid)).toContain(bcc.containment.transportRules[0]!.guid);
    const fa = by("fullaccess-mailitemsaccessed");
    const d = fa.containment.delegations[0]!;
    expect(mailboxOf(d.mailboxUpn).mailboxPermissions.map((p) => p.user)).toContain(d.trustee);
    expect(fa.actions.filter((a) => a.operation === "MailItemsAccessed").length).toBeGreaterThanOrEqual(6);
    const replay = by("token-replay");
    expect(replay.attackerSignIns).toHaveLength(1);
    expect(replay.attackerSignIns[0]).toMatchObject({ interactive: false, riskLevelDuringSignIn: "hidden" });
    expect(
      rows("defender", "AADSignInEventsBeta").find(
        (r) => r.RequestId === replay.attackerSignIns[0]!.requestId,
      )?.RiskLevelDuringSignIn,
    ).toBe(0);
    const late = by("late-rule-refresh-token");
    const root = late.attackerSignIns.find((s) => s.interactive)!;
    const lateLink = late.links.find((l) => l.signInRequestId === root.requestId)!;
    expect(lateLink.keys).toContain("session");
    expect(lateLink.keys).not.toContain("user-time");
    const removed = by("rule-created-then-removed");
    expect(removed.undone).toHaveLength(1);
    expect(removed.containment.rules).toEqual([]);
    expect(removed.actions.map((a) => a.operation)).toEqual(["New-InboxRule", "Remove-InboxRule"]);
    expect(new Set(by("one-ip-three-users").attackerSignIns.map((s) => s.ip)).size).toBe(1);
    expect(by("one-ip-three-users").victims).toHaveLength(3);
    // Alerts and evidence exist for some scenarios only.
    const withAlerts = g.truth.scenarios.filter((s) => s.alertIds.length).map((s) => s.name);
    expect(withAlerts.length).toBeGreaterThan(0);
    expect(withAlerts.length).toBeLessThan(g.truth.scenarios.length);
    const evidenceAlerts = new Set(rows("defender", "AlertEvidence").map((r) => r.AlertId));
    expect([...evidenceAlerts].sort()).toEqual(g.state.alerts.map((a) => a.id).sort());
    const sessionEvidence = rows("defender", "AlertEvidence").find(
      (r) => r.EntityType === "CloudLogonSession",
    )!;
    expect(JSON.parse(str(sessionEvidence.AdditionalFields)).SessionId).toMatch(/^[0-9a-f-]{36}$/);
    // Risk detections join their sign-ins by request id.
    for (const rd of g.state.riskDetections.filter((r) => r.requestId))
      expect(g.state.signIns.some((s) => s.id === rd.requestId)).toBe(true);
  });

  it("names benign look-alikes that are not attacker actions", () => {
    const kinds = g.truth.benign.map((b) => b.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(["own-newsletter-rule", "travel-sign-in", "assistant-fullaccess"]),
    );
    const attackerAudit = new Set(g.truth.scenarios.flatMap((s) => s.actions.map((a) => a.auditId)));
    const attackerSignIns = new Set(
      g.truth.scenarios.flatMap((s) => s.attackerSignIns.map((a) => a.requestId)),
    );
    for (const b of g.truth.benign) {
      for (const id of b.auditIds) expect(attackerAudit.has(id)).toBe(false);
      for (const id of b.signInRequestIds) expect(attackerSignIns.has(id)).toBe(false);
    }
    const travel = g.truth.benign.find((b) => b.kind === "travel-sign-in")!;
    const root = rows("defender", "AADSignInEventsBeta").find(
      (r) => r.RequestId === travel.signInRequestIds[0],
    )!;
    expect(root).toMatchObject({
      Country: "PT",
      IsManaged: 1,
      IsCompliant: 1,
      AuthenticationRequirement: "multiFactorAuthentication",
    });
  });

  it("switches the inferred renderings: OfficeActivity SessionId column, plain LogonType", () => {
    const v = generateTenant({
      scenarios: ["external-forward"],
      users: 3,
      days: 1,
      seed: 11,
      variants: { officeActivitySessionId: true, logonType: "plain" },
    });
    expect(v.truth.generator.variants).toEqual({ officeActivitySessionId: true, logonType: "plain" });
    const fwd = v.truth.scenarios[0]!;
    expect(fwd.links.some((l) => l.sentinelKeys.includes("session"))).toBe(true);
    const oa = v.tables.sentinel.OfficeActivity!.find((r) => r.OfficeId === fwd.actions[0]!.auditId)!;
    expect(oa.SessionId).toBe(fwd.attackerSignIns[0]!.sessionId);
    expect(new Set(v.tables.defender.AADSignInEventsBeta!.map((r) => r.LogonType))).toEqual(
      new Set(["interactiveUser", "nonInteractiveUser"]),
    );
    // Defaults: the inferred readings.
    expect(g.tables.sentinel.OfficeActivity![0]).not.toHaveProperty("SessionId");
    expect(g.tables.defender.AADSignInEventsBeta![0]!.LogonType).toMatch(/^\["(non)?[iI]nteractiveUser"\]$/);
    const dflt = g.truth.scenarios.find((s) => s.name === "external-forward")!;
    expect(dflt.links.some((l) => l.sentinelKeys.includes("session"))).toBe(false);
  });

  it("generates 200 users over 30 days in one go", () => {
    const big = generateTenant({ scenarios: "all", users: 200, days: 30, seed: 5 });
    expect(big.state.mailboxes).toHaveLength(200);
    expect(big.state.signIns.length).toBeGreaterThan(200 * 20);
  }, 120_000);
});

afterAll(() => undefined);
