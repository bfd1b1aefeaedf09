/**
 * The web console in a real browser (headless Chromium from @sparticuz/chromium, driven by playwright-core),
 * against the built CLI (`mailwarden console`) and the emulated tenant:
 *
 * - approve and reject end to end: the tenant's request log shows the write only after the approval in the page,
 *   the journal names the approver (the token's name); a plan changed after the responder looked is planned again;
 * - a corpus of hostile strings (test/fixtures/hostile-strings.ts) in every attacker-controlled field of a case is
 *   rendered as text: no script ran (dialog listener, window flag, title), no element of a payload exists, and each
 *   value's text content is the string — checked with the CSP bypassed, so escaping alone must hold;
 * - requests without a session or token, with a wrong CSRF token, from another origin or another Host are refused;
 * - nothing listens on a non-loopback address by default, and a non-loopback host without TLS is a config error.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken, newToken } from "../../src/console/auth.js";
import type { StepState } from "../../src/engine/machine.js";
import { hitSchema, type Hit } from "../../src/model/hit.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { asHtmlText, HOSTILE_STRINGS } from "../fixtures/hostile-strings.js";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

// The page.evaluate callbacks run in the browser: its globals, typed as far as they are used here (no DOM lib).
interface BrowserElement {
  tagName: string;
  id: string;
  textContent: string | null;
  getAttributeNames(): string[];
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelectorAll(selector: string): Iterable<BrowserElement> & { length: number };
  querySelector(selector: string): BrowserElement | null;
};
declare const window: { __pwned?: unknown };

const BIN = path.resolve("dist/cli/bin.js");
const ALICE = newToken();
const HOSTILE_UPN = '<img src=x onerror="window.__pwned=1">\u202E@contoso.com';
/** How many fields of the hostile case carry each string (see hostileHit). */
const FIELDS_PER_STRING = 6;

let t: TestTenant;
let cfgFile: string;
let consoleProc: ResultPromise | undefined;
let base: string;
let operatorToken: string;
let browser: Browser;
let hostileCaseId: string;

const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 120_000 });
/** Hostile rule names put in Megan's mailbox: they travel the real way (Graph, Exchange, scan, the store). */
const TENANT_HOSTILE = [
  "<img src=x onerror=window.__pwned=1>",
  '"><script>window.__pwned=1</script>',
  "Invoice\u202Efdp.exe",
  '=HYPERLINK("http://evil.example","click")',
  "adm\u200Bin <b id=pwned-bold>rule</b>",
];
const meganMailbox = () => {
  const u = t.emulator.ctx.state.users.find((x) => x.userPrincipalName === "MeganB@contoso.com")!;
  return t.emulator.ctx.state.mailboxes.find((m) => m.userId === u.id)!;
};
const adele = () => t.emulator.ctx.state.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
const adeleMailbox = () => t.emulator.ctx.state.mailboxes.find((m) => m.userId === adele().id)!;

/** Starts `mailwarden console` and reads its URL and operator token from stderr. */
async function startConsole(): Promise<void> {
  consoleProc = execa(process.execPath, [BIN, "console", "-c", cfgFile, "--port", "0"], {
    reject: false,
    buffer: false,
  });
  let err = "";
  await new Promise<void>((resolve, reject) => {
    consoleProc!.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const url = /console listening on (\S+)/.exec(err);
      const tok = /operator token for this start, shown once: (\S+)/.exec(err);
      if (url && tok) {
        base = url[1]!.replace(/\/$/, "");
        operatorToken = tok[1]!;
        resolve();
      }
    });
    consoleProc!.once("exit", (code) => reject(new Error(`console exited ${code}: ${err}`)));
  });
}

function hostileHit(s: string, i: number, user: { id: string; upn: string }): Hit {
  const fp = createHash("sha256").update(`fp${i}`).digest("hex");
  const targets: Hit["target"][] = [
    {
      kind: "inboxRule",
      mailboxId: user.id,
      upn: user.upn,
      ruleName: s,
      contentFingerprint: fp,
      hidden: false,
      graphReadOnly: false,
    },
    {
      kind: "mailboxForwarding",
      mailboxId: user.id,
      upn: user.upn,
      forwardingSmtpAddress: s,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    },
    { kind: "transportRule", guid: randomUUID(), name: s, state: "Enabled" },
    {
      kind: "delegation",
      mailboxId: user.id,
      upn: user.upn,
      delegationType: "FolderPermission",
      trustee: `t${i}@evil.example`,
      accessRights: ["Owner"],
      folder: s,
    },
  ];
  return hitSchema.parse({
    schemaVersion: 1,
    hitKey: createHash("sha256").update(`hit${i}`).digest("hex").slice(0, 32),
    tenantId: t.cfg.tenant.id,
    user,
    target: targets[i % targets.length],
    action: {
      operation: "New-InboxRule",
      time: "2026-12-01T10:00:00Z",
      clientInfo: s,
      parameters: { Name: s },
    },
    links: [
      {
        key: "session",
        strength: "strong",
        ip: "203.0.113.7",
        time: "2026-12-01T09:58:00Z",
        gapMinutes: 2,
        asn: 64500,
        org: s,
        country: "ZZ",
        networkTags: ["hosting"],
        risk: 100,
        riskEventTypes: ["unfamiliarFeatures"],
        userAgent: s,
        app: "OfficeHome",
        interactive: true,
      },
    ],
    severity: "high",
    score: 90,
    reasons: [{ code: "hostile-test", detail: s, weight: 1 }],
    detectedBy: "hunt",
    detectedAt: "2026-12-01T10:05:00Z",
  });
}

/**
 * A case as hunting would leave it, every attacker-controlled field a hostile string, and a run waiting on a step
 * whose plan carries them too. Written through the store's own API; the console only reads it.
 */
function seedHostileCase(): string {
  const store = new SqliteCaseStore(t.cfg.store.path);
  try {
    const user = { id: randomUUID(), upn: HOSTILE_UPN };
    const { row } = store.openCase(t.cfg.tenant.id, user, "open");
    HOSTILE_STRINGS.forEach((s, i) => {
      const hit = hostileHit(s, i, user);
      store.addTarget(row.caseId, hit.hitKey, hit.target.kind, hit);
    });
    const s = HOSTILE_STRINGS;
    const step: StepState = {
      key: `disable-rule@${"a".repeat(32)}`,
      stepId: "disable-rule",
      action: "inboxRule.disable",
      scope: "object",
      input: { kind: "inboxRule", upn: HOSTILE_UPN, ruleName: s[0]!, graphRuleId: s[4]! },
      gate: `protected account ${s[1]!}`,
      outcome: "waiting",
      plan: {
        transport: "graph",
        before: { enabled: true, name: s[5]!, forwardTo: [s[7]!], [s[2]!]: s[3]! },
        after: { enabled: false, name: s[5]!, forwardTo: [s[7]!] },
        noop: false,
        reversibility: "reversible",
        idempotencyKey: "k",
        warnings: [],
      },
    };
    const runId = randomUUID();
    store.createRun(
      {
        runId,
        caseId: row.caseId,
        playbook: "hostile-fixture",
        mode: "execute",
        machineId: "playbook:hostile-fixture",
        machineVersion: "1",
        state: "waiting",
        snapshot: {
          status: "active",
          value: "waiting",
          context: { runId, caseId: row.caseId, mode: "execute", steps: [step], index: 0, approvals: [] },
        },
        input: { user, hitKeys: [] },
      },
      60_000,
    );
    store.releaseLease(runId);
    return row.caseId;
  } finally {
    store.close();
  }
}

/** A raw HTTP request (node:http: every header, Host included, as given). */
function request(
  method: string,
  p: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path: p, headers: { host: u.host, ...headers } },
      (res) => {
        let b = "";
        res.on("data", (d: Buffer) => (b += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: b }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function signIn(context: BrowserContext, token: string, name?: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login$/);
  await page.fill('input[name="token"]', token);
  if (name !== undefined) await page.fill('input[name="name"]', name);
  await page.click('button[type="submit"]');
  try {
    await page.waitForURL(`${base}/`);
  } catch (e) {
    const why = await page
      .locator("p.error")
      .textContent()
      .catch(() => null);
    throw new Error(`sign-in failed at ${page.url()}: ${why ?? String(e)}`);
  }
  return page;
}

interface Waiting {
  runId: string;
  caseId: string;
  stepKey: string;
  stepId: string;
  planHash: string;
  user: { upn: string };
}
const waiting = async () =>
  JSON.parse((await cli(["approvals", "list", "-c", cfgFile, "--format", "json"])).stdout) as Waiting[];

beforeAll(async () => {
  t = await startTestTenant({
    config: (c) => ({
      ...c,
      guardrails: {
        protectedAccounts: ["AdeleV@contoso.com", "MeganB@contoso.com"],
        maxContainmentsPerRun: 25,
      },
    }),
  });
  cfgFile = path.join(t.stateDir, "config.json");
  writeFileSync(
    cfgFile,
    JSON.stringify({
      ...t.config,
      guardrails: t.cfg.guardrails,
      console: { approvers: [{ name: "alice@contoso.com", sha256: hashToken(ALICE) }] },
    }),
    { mode: 0o600 },
  );
  // Copies of Megan's hiding rule "." under hostile names, each with its own identities.
  const mb = meganMailbox();
  const hiding = mb.rules.find((r) => r.name === ".")!;
  TENANT_HOSTILE.forEach((name, i) =>
    mb.rules.push({
      ...structuredClone(hiding),
      name,
      priority: mb.rules.length + 1,
      ruleIdentity: `${9_000_000_000_000_000_000n + BigInt(i)}`,
      graphId: randomBytes(8).toString("base64"),
    }),
  );
  const run = await cli(["run", "-c", cfgFile, "--yes"]);
  expect(run.exitCode, run.stderr).toBe(4); // both protected accounts wait
  hostileCaseId = seedHostileCase();
  await startConsole();
  const { default: chromium } = await import("@sparticuz/chromium");
  const { chromium: pw } = await import("playwright-core");
  browser = await pw.launch({
    executablePath: await chromium.executablePath(),
    // --single-process (meant for AWS Lambda) ends the browser when a context closes.
    args: chromium.args.filter((a) => a !== "--single-process"),
    headless: true,
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  consoleProc?.kill("SIGTERM");
  await consoleProc;
  await t?.close();
}, 60_000);

describe("the web console in a browser", () => {
  it("approve: the queue, the evidence and the plan; the write only after the approval, journalled as alice", async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context, ALICE);
      const q = await waiting();
      const first = q.find((w) => w.user.upn === "AdeleV@contoso.com")!;
      await expect.poll(() => page.locator("#queue tbody tr").count()).toBeGreaterThanOrEqual(3);
      await expect.poll(() => page.locator("#queue").innerText()).toContain("AdeleV@contoso.com");

      const mark = t.mark();
      await page.goto(`${base}/cases/${first.caseId}`);
      const step = page.locator(`article.step[data-run="${first.runId}"]`);
      await expect.poll(() => step.locator(".plan-hash").innerText()).toBe(first.planHash);
      // The plan as a before → after diff, and the evidence of the case.
      await expect.poll(() => step.locator("table.diff tr.changed").count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator("#evidence article.hit").count()).toBeGreaterThanOrEqual(1);
      expect(t.writes(mark)).toEqual([]);

      await step.locator("textarea[name=reason]").fill("confirmed with the user by phone");
      await step.locator("button.approve").click();
      // The run goes on to its next step, which waits: the page reloads itself with the new plan.
      await page.locator("article.step[data-step^='clear-forwarding']").waitFor({ timeout: 120_000 });
      const w = t.writes(mark);
      expect(w).toHaveLength(1); // exactly the approved step: the rule's PATCH
      expect(w[0]!.method).toBe("PATCH");
      await expect.poll(() => page.locator("#activity li.done").innerText()).toContain("alice@contoso.com");

      // The attacker changes the forwarding after the responder looked: the approval of what they saw does not
      // apply to the new state — planned again, nothing written, and the page shows the new plan.
      adeleMailbox().forwardingSmtpAddress = "smtp:another@evil.example";
      const fwd = page.locator("article.step[data-step^='clear-forwarding']");
      await fwd.locator("textarea[name=reason]").fill("forwarding to an outsider");
      await fwd.locator("button.approve").click();
      await expect
        .poll(() => page.locator("article.step[data-step^='clear-forwarding'] table.diff").innerText(), {
          timeout: 120_000,
        })
        .toContain("another@evil.example");
      expect(t.writes(mark)).toHaveLength(1);
      expect(adeleMailbox().forwardingSmtpAddress).toBe("smtp:another@evil.example");

      const s = new SqliteCaseStore(t.cfg.store.path);
      try {
        const j = s.journal({ runId: first.runId });
        expect(
          j.filter((e) => e.kind === "approval.granted").map((e) => (e.detail as { by: string }).by),
        ).toEqual(["alice@contoso.com", "alice@contoso.com"]);
        expect(j.some((e) => e.kind === "step.replanned")).toBe(true);
        expect(s.verifyChain().ok).toBe(true);
      } finally {
        s.close();
      }
    } finally {
      await context.close();
    }
  }, 300_000);

  it("reject: the run ends rejected, nothing written, journalled with the operator's name", async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context, operatorToken, "bob");
      const megan = (await waiting()).find((w) => w.user.upn === "MeganB@contoso.com")!;
      const mark = t.mark();
      await page.goto(`${base}/cases/${megan.caseId}`);
      const step = page.locator(`article.step[data-run="${megan.runId}"]`);
      await step.locator("textarea[name=reason]").fill("the rule is the user's own");
      await step.locator("button.reject").click();
      await expect
        .poll(() => page.locator(`[data-run-state="${megan.runId}"]`).innerText(), { timeout: 120_000 })
        .toBe("rejected");
      expect(t.writes(mark)).toEqual([]);
      expect((await waiting()).some((w) => w.runId === megan.runId)).toBe(false);
      const s = new SqliteCaseStore(t.cfg.store.path);
      try {
        const j = s.journal({ runId: megan.runId }).filter((e) => e.kind === "approval.rejected");
        expect(j.map((e) => (e.detail as { by: string; reason: string }).by)).toEqual([
          "bob (console operator)",
        ]);
      } finally {
        s.close();
      }
    } finally {
      await context.close();
    }
  }, 300_000);

  it(`${HOSTILE_STRINGS.length} hostile strings are rendered as text: no script ran, no element was made`, async () => {
    expect(HOSTILE_STRINGS.length).toBeGreaterThanOrEqual(200);
    // The CSP is bypassed: escaping alone must keep every payload inert.
    const context = await browser.newContext({ bypassCSP: true });
    const dialogs: string[] = [];
    try {
      const page = await signIn(context, ALICE);
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const inert = async () => {
        expect(dialogs).toEqual([]);
        expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
        expect(await page.title()).toMatch(/mailwarden console$/);
        // Only the console's own elements: no element or attribute a payload would bring.
        const found = await page.evaluate(() => {
          const bad: string[] = [];
          for (const e of document.querySelectorAll("*")) {
            for (const a of e.getAttributeNames())
              if (/^on/i.test(a) || a === "style" || a === "srcdoc") bad.push(`${e.tagName}[${a}]`);
            if (e.id && e.id.startsWith("pwned")) bad.push(`#${e.id}`);
          }
          for (const sel of [
            "img",
            "svg",
            "iframe",
            "object",
            "embed",
            "video",
            "audio",
            "style",
            "base",
            "b",
            "details",
            "marquee",
            "math",
            "template",
            "xmp",
            "plaintext",
            "noscript",
            "frame",
          ])
            if (document.querySelector(sel)) bad.push(sel);
          for (const s of document.querySelectorAll("script"))
            if (s.getAttribute("src") !== "/assets/console.js") bad.push("script");
          for (const l of document.querySelectorAll("link"))
            if (l.getAttribute("href") !== "/assets/console.css") bad.push("link");
          for (const a of document.querySelectorAll("a"))
            if (!/^\/|^$/.test(a.getAttribute("href") ?? "")) bad.push(`a[href=${a.getAttribute("href")}]`);
          for (const m of document.querySelectorAll("meta"))
            if (m.getAttribute("http-equiv")) bad.push("meta[http-equiv]");
          if (document.querySelectorAll("title").length !== 1) bad.push("title");
          return bad;
        });
        expect(found).toEqual([]);
      };

      // The queue: the waiting step of the hostile case (user, object, gate, before → after).
      await page.goto(`${base}/`);
      await expect.poll(() => page.locator("#queue tbody tr").count()).toBeGreaterThanOrEqual(1);
      await inert();
      const queueTexts = await page.$$eval("#queue bdi.v", (els) => els.map((e) => e.textContent));
      expect(queueTexts).toContain(asHtmlText(HOSTILE_UPN));
      expect(queueTexts).toContain(asHtmlText(`protected account ${HOSTILE_STRINGS[1]!}`));
      // A live update re-renders the rows with textContent: the same text, still inert.
      await expect
        .poll(() => page.locator("#live-status").innerText(), { timeout: 60_000 })
        .toContain("updated");
      await inert();
      expect(await page.$$eval("#queue bdi.v", (els) => els.map((e) => e.textContent))).toEqual(queueTexts);

      // The case: every hit's fields, the waiting step's plan.
      await page.goto(`${base}/cases/${hostileCaseId}`);
      await inert();
      const expected = HOSTILE_STRINGS.map(asHtmlText);
      const missing = await page.evaluate(
        ([want, per]) => {
          const count = new Map<string, number>();
          for (const e of document.querySelectorAll("bdi.v")) {
            const k = e.textContent ?? "";
            count.set(k, (count.get(k) ?? 0) + 1);
          }
          // A string may equal another one's field too (e.g. "null"): at least `per` appearances each.
          return want.filter((w) => (count.get(w) ?? 0) < per);
        },
        [expected, FIELDS_PER_STRING] as const,
      );
      expect(missing).toEqual([]);
      const diff = await page.$$eval("table.diff bdi.v", (els) => els.map((e) => e.textContent));
      for (const i of [2, 3, 5]) expect(diff).toContain(asHtmlText(HOSTILE_STRINGS[i]!));

      // Megan's case: the hostile rule names that came from the tenant through scan, as text.
      const megan = new SqliteCaseStore(t.cfg.store.path);
      const meganCase = megan.listCases().find((c) => c.userUpn === "MeganB@contoso.com")!;
      megan.close();
      await page.goto(`${base}/cases/${meganCase.caseId}`);
      await inert();
      const meganTexts = await page.$$eval("#evidence bdi.v", (els) => els.map((e) => e.textContent));
      for (const name of TENANT_HOSTILE) expect(meganTexts).toContain(name);
      await page.goto(`${base}/cases/${hostileCaseId}`);

      // Live updates insert text with textContent: let one poll run, then look again.
      await expect
        .poll(() => page.locator("#live-status").innerText(), { timeout: 60_000 })
        .toContain("updated");
      await inert();
    } finally {
      await context.close();
    }
  }, 300_000);

  it("refuses requests without a session or token, with a wrong CSRF token, from another origin or Host", async () => {
    // No session: pages send to sign-in, the API and every POST answer 401.
    const noSession = await request("GET", "/");
    expect(noSession.status).toBe(303);
    expect(noSession.headers.location).toBe("/login");
    expect((await request("GET", "/api/queue")).status).toBe(401);
    expect((await request("GET", `/cases/${hostileCaseId}`)).status).toBe(303);
    expect((await request("GET", "/api/queue", { authorization: "Bearer mwc_wrong" })).status).toBe(401);
    expect((await request("GET", "/api/queue", { authorization: `Bearer ${ALICE}` })).status).toBe(200);

    // Security headers on every answer.
    const login = await request("GET", "/login");
    expect(login.status).toBe(200);
    const csp = String(login.headers["content-security-policy"]);
    for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"])
      expect(csp).toContain(d);
    expect(login.headers["x-content-type-options"]).toBe("nosniff");
    expect(login.body).not.toMatch(/<script(?![^>]*src="\/assets\/console\.js")/);
    expect(login.body).not.toMatch(/\sstyle=/);

    // DNS rebinding: another Host is refused before anything else.
    expect((await request("GET", "/login", { host: "evil.example" })).status).toBe(421);
    expect((await request("GET", "/login", { host: `evil.example:${new URL(base).port}` })).status).toBe(421);

    // A signed-in browser session, then forged posts with it.
    const context = await browser.newContext();
    try {
      const page = await signIn(context, ALICE);
      const cookie = (await context.cookies()).find((c) => c.name === "mw_session")!;
      expect(cookie.httpOnly).toBe(true);
      expect(cookie.sameSite).toBe("Strict");
      const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
      const q = await waiting();
      const w = q.find((x) => x.user.upn === "AdeleV@contoso.com")!;
      const mark = t.mark();
      const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
      const fields = {
        runId: w.runId,
        stepKey: w.stepKey,
        planHash: w.planHash,
        decision: "approve",
        reason: "x",
      };
      const post = (headers: Record<string, string>, body: string) =>
        request("POST", "/decide", { "content-type": "application/x-www-form-urlencoded", ...headers }, body);
      const sess = { cookie: `mw_session=${cookie.value}` };
      const origin = { origin: base };
      expect((await post({ ...origin }, form({ ...fields, csrf: csrf! }))).status).toBe(401); // no session
      expect((await post({ ...sess, ...origin }, form(fields))).status).toBe(403); // no CSRF token
      expect((await post({ ...sess, ...origin }, form({ ...fields, csrf: "wrong" }))).status).toBe(403);
      expect(
        (await post({ ...sess, ...origin }, form({ ...fields, csrf: csrf!.slice(0, -1) + "A" }))).status,
      ).toBe(403);
      expect(
        (await post({ ...sess, origin: "https://evil.example" }, form({ ...fields, csrf: csrf! }))).status,
      ).toBe(403);
      expect((await post({ ...sess }, form({ ...fields, csrf: csrf! }))).status).toBe(403); // no Origin at all
      // Sign-in from another site (login CSRF) is refused too.
      expect(
        (
          await request(
            "POST",
            "/login",
            { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
            form({ token: ALICE, csrf: "x" }),
          )
        ).status,
      ).toBe(403);
      // With everything right but a plan hash nobody was shown: accepted as a request, refused as a decision.
      const forged = await post(
        { ...sess, ...origin },
        form({ ...fields, planHash: "0".repeat(64), csrf: csrf! }),
      );
      expect(forged.status).toBe(303);
      await page.goto(`${base}/cases/${w.caseId}`);
      await expect
        .poll(() => page.locator("#activity li.refused").innerText(), { timeout: 60_000 })
        .toContain("look at the plan again");
      expect(t.writes(mark)).toEqual([]);
      // Signed out: the session no longer works.
      await page.click("header form button");
      await page.waitForURL(/\/login$/);
      expect((await request("GET", "/api/queue", sess)).status).toBe(401);
    } finally {
      await context.close();
    }
  }, 300_000);

  it("listens on loopback only by default; a non-loopback host without TLS is refused", async () => {
    expect(new URL(base).hostname).toBe("127.0.0.1");
    const port = Number(new URL(base).port);
    const external = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && !a.address.startsWith("fe80:"))
      .map((a) => a!.address);
    for (const address of external) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: address, port, timeout: 10_000 });
        s.once("connect", () => {
          s.destroy();
          resolve(false);
        });
        s.once("error", () => resolve(true));
        s.once("timeout", () => {
          s.destroy();
          resolve(true);
        });
      });
      expect(refused, `${address}:${port}`).toBe(true);
    }
    // Linux: every listening socket on the console's port is bound to 127.0.0.1 (none on IPv6 at all).
    const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
    const listening = (file: string) => {
      try {
        return readFileSync(file, "utf8")
          .split("\n")
          .slice(1)
          .map((l) => l.trim().split(/\s+/))
          .filter((f) => f[3] === "0A" && f[1]?.endsWith(`:${hexPort}`))
          .map((f) => f[1]!.split(":")[0]!);
      } catch {
        return undefined;
      }
    };
    const v4 = listening("/proc/net/tcp");
    if (v4) {
      expect(v4).toEqual(["0100007F"]);
      expect(listening("/proc/net/tcp6") ?? []).toEqual([]);
    }
    const open = path.join(t.stateDir, "open.json");
    writeFileSync(open, JSON.stringify({ ...t.config, console: { host: "0.0.0.0" } }), { mode: 0o600 });
    const r = await cli(["console", "-c", open, "--port", "0"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("console.tls");
  }, 120_000);
});
