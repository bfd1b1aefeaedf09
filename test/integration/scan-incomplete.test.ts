/**
 * A mailbox or listing that could not be read is never silently missing: after the adapters' retries, `scan` reports
 * it as not scanned (mailbox or page, surface, reason), and the CLI exits 5 (incomplete). A fault that clears within
 * the retries leaves the scan complete (exit 0). Faults are injected into the emulated tenant (seeded, counted).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanWith } from "../../src/cli/commands/scan.js";
import type { FaultsConfig } from "../../src/emulator/faults/config.js";
import { scanMailboxes } from "../../src/scan/scan.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

const BIN = path.resolve("dist/cli/bin.js");
const ADELE = "AdeleV@contoso.com";
/** Exchange retries in this file: 2 retries, 1–5 ms apart (the policy itself is covered in test/exo/retry.test.ts). */
const RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const ATTEMPTS = RETRY.maxRetries + 1;

let t: TestTenant;
let cfgFile: string;
/** Index of Adele's Get-Mailbox among the scan's Get-Mailbox calls (one per listed user, in listing order). */
let adeleIndex: number;

const setFaults = (f: FaultsConfig) => t.emulator.ctx.faults!.replace(f);
const cli = (args: string[]) =>
  execa(process.execPath, [BIN, ...args], { reject: false, env: {}, timeout: 120_000 });
/** Adele's Get-Mailbox answers 503 `times` times (the calls before hers go through). */
const adeleMailbox503 = (times: number): FaultsConfig => ({
  rules: [
    {
      face: "exchange",
      match: "Get-Mailbox",
      after: adeleIndex,
      times,
      fault: { type: "unavailable", status: 503 },
    },
  ],
});

beforeAll(async () => {
  t = await startTestTenant({
    config: (c) => ({ ...c, exchange: { ...c.exchange, retry: RETRY } }),
  });
  cfgFile = path.join(t.stateDir, "config.json");
  writeFileSync(
    cfgFile,
    JSON.stringify({ ...t.config, exchange: { ...t.config.exchange, retry: RETRY } }, null, 2),
    { mode: 0o600 },
  );
  const users = await t.handles.graph.listUsers();
  adeleIndex = users.findIndex((u) => u.userPrincipalName === ADELE);
  expect(adeleIndex).toBeGreaterThan(0);
});
afterAll(async () => {
  await t?.close();
});

describe("scan reports what it could not read", () => {
  it("a complete scan has no notScanned entries", async () => {
    const r = await scanWith(t.cfg, t.handles);
    expect(r.notScanned).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it("Get-Mailbox answering 503 persistently for one mailbox: that mailbox is not scanned (forwarding unseen), the rest is", async () => {
    setFaults(adeleMailbox503(ATTEMPTS));
    const mark = t.mark();
    let r;
    try {
      r = await scanWith(t.cfg, t.handles);
    } finally {
      setFaults({});
    }
    const adele = t.emulator.ctx.state.users.find((u) => u.userPrincipalName === ADELE)!;
    expect(r.notScanned).toEqual([
      {
        mailbox: ADELE,
        userId: adele.id,
        surface: "exchange mailbox",
        reason: expect.stringMatching(
          /forwarding and delegation not read: .*HTTP 503.*gave up after 3 attempts/,
        ),
      },
    ]);
    expect(r.errors).toHaveLength(1);
    // Her forwarding could not be seen, so there is no hit for it: the report says so instead of staying silent.
    expect(r.hits.some((h) => h.user.upn === ADELE && h.target.kind === "mailboxForwarding")).toBe(false);
    // Her rules and everyone else were still read.
    expect(r.hits.some((h) => h.user.upn === ADELE && h.target.kind === "inboxRule")).toBe(true);
    expect(r.hits.some((h) => h.user.upn === "MeganB@contoso.com")).toBe(true);
    const statuses = t.emulator
      .requests()
      .slice(mark)
      .filter((x) => x.face === "exchange")
      .map((x) => x.status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(ATTEMPTS);
  });

  it("Get-Mailbox answering 503 once: retried, the scan is complete", async () => {
    setFaults(adeleMailbox503(1));
    let r;
    try {
      r = await scanWith(t.cfg, t.handles);
    } finally {
      setFaults({});
    }
    expect(r.notScanned).toEqual([]);
    expect(r.hits.some((h) => h.user.upn === ADELE && h.target.kind === "mailboxForwarding")).toBe(true);
  });

  it("the Graph user listing failing after the SDK's retries: the listing is reported incomplete", async () => {
    setFaults({
      rules: [
        { face: "graph", match: "GET /users", fault: { type: "unavailable", status: 503, retryAfter: 0 } },
      ],
    });
    let r;
    try {
      r = await scanWith(t.cfg, t.handles);
    } finally {
      setFaults({});
    }
    expect(r.notScanned).toEqual([
      {
        page: "GET /users",
        surface: "graph users",
        reason: expect.stringMatching(/^the user listing is incomplete: .*503/),
      },
    ]);
    expect(r.mailboxes).toEqual([]);
  }, 60_000);

  it("a dropped Graph connection is read again (by the adapter, then the scan); a mailbox whose Graph rules stay unreadable is named", async () => {
    const sleeps: number[] = [];
    const opts = {
      tenantId: t.cfg.tenant.id,
      tenantDomains: t.cfg.tenant.domains,
      graph: t.handles.graph,
      ...(t.handles.exchange ? { exchange: t.handles.exchange } : {}),
      retry: { retries: 2, sleep: (ms: number) => (sleeps.push(ms), Promise.resolve()) },
    };
    const rules = "GET /users/{id}/mailFolders/inbox/messageRules";
    // Two drops: the Graph adapter itself reads again (a GET is safe to repeat); the scan never sees them.
    setFaults({ rules: [{ face: "graph", match: rules, times: 2, fault: { type: "drop" } }] });
    try {
      const r = await scanMailboxes(opts);
      expect(r.notScanned).toEqual([]);
      expect(sleeps).toEqual([]);
    } finally {
      setFaults({});
    }
    sleeps.length = 0;
    // Drops that outlast the adapter's retries (3 attempts) and the scan's (3 reads): the mailbox is named.
    setFaults({
      rules: [{ face: "graph", match: rules, after: adeleIndex, times: 9, fault: { type: "drop" } }],
    });
    try {
      const r = await scanMailboxes(opts);
      expect(r.notScanned).toEqual([expect.objectContaining({ mailbox: ADELE, surface: "graph rules" })]);
      expect(sleeps).toEqual([1000, 2000]);
    } finally {
      setFaults({});
    }
  });

  it("--user: a user that cannot be looked up is not scanned", async () => {
    const r = await scanWith(t.cfg, t.handles, ["nobody@contoso.com", ADELE]);
    expect(r.notScanned).toEqual([
      { mailbox: "nobody@contoso.com", surface: "graph user", reason: expect.stringContaining("404") },
    ]);
    expect(r.mailboxes.map((m) => m.upn)).toEqual([ADELE]);
  });
});

describe("mailwarden scan exit code", () => {
  it("exits 5 and names the mailbox when one could not be read; json keeps its fields and adds notScanned", async () => {
    setFaults(adeleMailbox503(ATTEMPTS));
    let r;
    try {
      r = await cli(["scan", "-c", cfgFile, "--format", "json"]);
    } finally {
      setFaults({});
    }
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/not scanned: AdeleV@contoso\.com \(exchange mailbox\): .*503/);
    expect(r.stderr).toContain("INCOMPLETE: 1 mailbox(es) or listing(s) not fully scanned");
    const doc = JSON.parse(r.stdout) as Record<string, unknown> & {
      notScanned: { mailbox: string; surface: string; reason: string }[];
      hits: unknown[];
    };
    expect(Object.keys(doc)).toEqual([
      "schemaVersion",
      "tenantId",
      "scannedAt",
      "hits",
      "mailboxes",
      "errors",
      "notScanned",
    ]);
    expect(doc.notScanned).toEqual([
      expect.objectContaining({ mailbox: ADELE, surface: "exchange mailbox" }),
    ]);
    expect(doc.hits.length).toBeGreaterThan(0);
  }, 120_000);

  it("exits 0 when a 503 clears within the retries", async () => {
    setFaults(adeleMailbox503(1));
    let r;
    try {
      r = await cli(["scan", "-c", cfgFile]);
    } finally {
      setFaults({});
    }
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toContain("not scanned");
  }, 120_000);
});
