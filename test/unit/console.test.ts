/**
 * The console's pieces without a browser: escaping of hostile text, the plan diff, tokens and sessions, the
 * config's binding rules, and the app's refusals (Host, sign-in, CSRF) through Hono's own request().
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createConsoleApp } from "../../src/console/app.js";
import { findHolder, hashToken, newToken, sameOrigin, Sessions } from "../../src/console/auth.js";
import { planDiff } from "../../src/console/diff.js";
import { escapeHtml, hiddenCharacters, text } from "../../src/console/text.js";
import { configSchema, isLoopbackHost } from "../../src/config/schema.js";
import { startConsole } from "../../src/console/server.js";
import { ensureCa, issueServerCert } from "../../src/emulator/ca.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { caDir } from "../helpers/tenant.js";
import { HOSTILE_STRINGS } from "../fixtures/hostile-strings.js";

describe("text", () => {
  it("escapes markup, keeps CR as a reference, shows NUL as U+FFFD", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
    expect(escapeHtml("a\r\nb\0")).toBe("a&#13;\nb\uFFFD");
  });
  it("no hostile string leaves a < or a quote unescaped", () => {
    for (const s of HOSTILE_STRINGS) {
      const out = text(s).toString();
      const inner = out.slice('<bdi class="v">'.length, out.indexOf("</bdi>"));
      expect(inner).not.toMatch(/[<>"']/);
    }
  });
  it("names bidi, zero-width and control characters, not ordinary text", () => {
    expect(hiddenCharacters("Invoice\u202Efdp.exe")).toEqual(["U+202E"]);
    expect(hiddenCharacters("adm\u200Bin\u2066")).toEqual(["U+200B", "U+2066"]);
    expect(hiddenCharacters("\x1b[31m")).toEqual(["U+001B"]);
    expect(hiddenCharacters("tab\tand\nline, שלום, 受信トレイ, 👍🏽")).toEqual([]);
    expect(text("a\u202Eb").toString()).toContain('<span class="hidden-chars"');
  });
});

describe("planDiff", () => {
  it("one row per field, changed ones marked, absent fields shown as absent", () => {
    const rows = planDiff({ enabled: true, name: "x", a: { b: 1 } }, { enabled: false, name: "x", c: 2 });
    expect(rows.map((r) => [r.path, r.changed])).toEqual([
      ["enabled", true],
      ["name", false],
      ["a.b", true],
      ["c", true],
    ]);
    expect(rows.find((r) => r.path === "c")!.hasBefore).toBe(false);
  });
  it("a single value, or null on one side", () => {
    expect(planDiff("smtp:a@evil.example", null)).toEqual([
      {
        path: "",
        before: "smtp:a@evil.example",
        after: null,
        hasBefore: true,
        hasAfter: true,
        changed: true,
      },
    ]);
    expect(planDiff(null, { x: 1 })).toHaveLength(1);
  });
});

describe("tokens and sessions", () => {
  it("a token is found by its hash; a near miss is not", () => {
    const a = newToken();
    const holders = [{ name: "alice", sha256: hashToken(a) }];
    expect(findHolder(holders, a)?.name).toBe("alice");
    expect(findHolder(holders, a.slice(0, -1))).toBeUndefined();
    expect(findHolder(holders, "")).toBeUndefined();
  });
  it("sessions expire", () => {
    let now = 0;
    const s = new Sessions(1000, () => now);
    const x = s.create("alice");
    expect(s.get(x.id)?.name).toBe("alice");
    now = 1000;
    expect(s.get(x.id)).toBeUndefined();
  });
  it("same origin: the Origin header, else Sec-Fetch-Site", () => {
    expect(sameOrigin({ origin: "http://127.0.0.1:1" }, "http://127.0.0.1:1")).toBe(true);
    expect(sameOrigin({ origin: "null" }, "http://127.0.0.1:1")).toBe(false);
    expect(sameOrigin({ origin: "http://127.0.0.1:1", secFetchSite: "same-origin" }, "http://x")).toBe(false);
    expect(sameOrigin({ secFetchSite: "same-origin" }, "http://127.0.0.1:1")).toBe(true);
    expect(sameOrigin({ secFetchSite: "cross-site" }, "http://127.0.0.1:1")).toBe(false);
    expect(sameOrigin({}, "http://127.0.0.1:1")).toBe(false);
  });
});

describe("config: console", () => {
  const base = {
    tenant: { id: "00000000-0000-0000-0000-000000000001", domains: ["contoso.com"] },
    credential: { type: "default" },
  };
  it("defaults to 127.0.0.1:8787 with no approvers", () => {
    const c = configSchema.parse(base);
    expect(c.console).toMatchObject({ host: "127.0.0.1", port: 8787, approvers: [] });
  });
  it("a host other than loopback needs TLS; approvers are unique; unknown keys are errors", () => {
    expect(isLoopbackHost("127.0.0.5")).toBe(true);
    expect(isLoopbackHost("::1")).toBe(true);
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
    expect(isLoopbackHost("192.168.1.2")).toBe(false);
    const open = configSchema.safeParse({ ...base, console: { host: "0.0.0.0" } });
    expect(open.success).toBe(false);
    expect(open.error!.issues[0]!.path).toEqual(["console", "tls"]);
    expect(
      configSchema.safeParse({
        ...base,
        console: { host: "0.0.0.0", tls: { certPath: "c.pem", keyPath: "k.pem" } },
      }).success,
    ).toBe(true);
    const h = hashToken("x".repeat(40));
    expect(
      configSchema.safeParse({
        ...base,
        console: {
          approvers: [
            { name: "a", sha256: h },
            { name: "a", sha256: hashToken("y".repeat(40)) },
          ],
        },
      }).success,
    ).toBe(false);
    expect(
      configSchema.safeParse({ ...base, console: { approvers: [{ name: "a", sha256: "plain" }] } }).success,
    ).toBe(false);
    expect(configSchema.safeParse({ ...base, console: { hots: "127.0.0.1" } }).success).toBe(false);
  });
});

describe("the app's refusals", () => {
  const token = newToken();
  const store = new SqliteCaseStore(":memory:", { create: true });
  const { app } = createConsoleApp({
    store,
    decideEnv: () => Promise.reject(new Error("no tenant in this test")),
    holders: [{ name: "alice", sha256: hashToken(token) }],
    sessionMinutes: 10,
    allowedHosts: () => new Set(["127.0.0.1:9"]),
    secure: false,
  });
  const req = (p: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    app.request(`http://127.0.0.1:9${p}`, { ...init, headers: { host: "127.0.0.1:9", ...init.headers } });

  it("another Host: 421 before anything else; security headers on every answer", async () => {
    const r = await req("/login", { headers: { host: "evil.example:9" } });
    expect(r.status).toBe(421);
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    const asset = await req("/assets/console.js");
    expect(asset.headers.get("content-type")).toContain("text/javascript");
    expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await req("/assets/package.json")).status).toBe(404);
    expect((await req("/assets/..%2F..%2F..%2Fpackage.json")).status).toBe(404);
  });

  it("no session: 303 to sign-in for pages, 401 for the API and POSTs; a bearer token works", async () => {
    expect((await req("/")).headers.get("location")).toBe("/login");
    expect((await req("/api/queue")).status).toBe(401);
    expect((await req("/decide", { method: "POST" })).status).toBe(401);
    const ok = await req("/api/queue", { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ waiting: [], halt: null });
  });

  it("sign-in: refused from another origin or without the form's cookie; then CSRF on every POST", async () => {
    const form = (f: Record<string, string>) => new URLSearchParams(f).toString();
    const urlenc = { "content-type": "application/x-www-form-urlencoded" };
    const page = await req("/login");
    const loginCsrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const loginCookie = page.headers.get("set-cookie")!.split(";")[0]!;
    expect(
      (
        await req("/login", {
          method: "POST",
          headers: { ...urlenc, cookie: loginCookie, origin: "https://evil.example" },
          body: form({ csrf: loginCsrf, token }),
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await req("/login", {
          method: "POST",
          headers: { ...urlenc, origin: "http://127.0.0.1:9" },
          body: form({ csrf: loginCsrf, token }),
        })
      ).status,
    ).toBe(403);
    const bad = await req("/login", {
      method: "POST",
      headers: { ...urlenc, cookie: loginCookie, origin: "http://127.0.0.1:9" },
      body: form({ csrf: loginCsrf, token: "wrong" }),
    });
    expect(bad.status).toBe(401);
    const good = await req("/login", {
      method: "POST",
      headers: { ...urlenc, cookie: loginCookie, origin: "http://127.0.0.1:9" },
      body: form({ csrf: loginCsrf, token }),
    });
    expect(good.status).toBe(303);
    const session = good.headers
      .getSetCookie()
      .find((c) => c.startsWith("mw_session="))!
      .split(";")[0]!;
    expect(good.headers.getSetCookie().find((c) => c.startsWith("mw_session="))).toMatch(
      /HttpOnly.*SameSite=Strict/i,
    );
    const home = await req("/", { headers: { cookie: session } });
    expect(home.status).toBe(200);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(await home.text())![1]!;
    const post = (body: Record<string, string>, origin = "http://127.0.0.1:9") =>
      req("/logout", { method: "POST", headers: { ...urlenc, cookie: session, origin }, body: form(body) });
    expect((await post({})).status).toBe(403);
    expect((await post({ csrf: "x" })).status).toBe(403);
    expect((await post({ csrf }, "https://evil.example")).status).toBe(403);
    expect((await post({ csrf })).status).toBe(303);
    expect((await req("/api/queue", { headers: { cookie: session } })).status).toBe(401);
  });
});

describe("TLS", () => {
  it("with console.tls: HTTPS, HSTS, Secure __Host- cookies", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mw-console-tls-"));
    const cert = issueServerCert(await ensureCa(caDir()), ["127.0.0.1"]);
    writeFileSync(path.join(dir, "cert.pem"), cert.certPem);
    writeFileSync(path.join(dir, "key.pem"), cert.keyPem, { mode: 0o600 });
    const store = new SqliteCaseStore(":memory:", { create: true });
    const parsed = configSchema.parse({
      tenant: { id: "00000000-0000-0000-0000-000000000001", domains: ["contoso.com"] },
      credential: { type: "default" },
      console: { port: 0, tls: { certPath: path.join(dir, "cert.pem"), keyPath: path.join(dir, "key.pem") } },
    });
    const running = await startConsole({
      store,
      console: parsed.console,
      holders: [{ name: "alice", sha256: hashToken(newToken()) }],
      decideEnv: () => Promise.reject(new Error("no tenant in this test")),
    });
    try {
      expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const r = await fetch(`${running.url}login`); // the test CA is trusted (NODE_EXTRA_CA_CERTS)
      expect(r.status).toBe(200);
      expect(r.headers.get("strict-transport-security")).toContain("max-age=");
      expect(r.headers.getSetCookie()[0]).toMatch(/^__Host-mw_login=.*; Secure/);
      await expect(fetch(running.url.replace("https:", "http:"))).rejects.toThrow();
    } finally {
      await running.close();
      store.close();
    }
  }, 60_000);
});
