/**
 * The webhook channel against a real local HTTP server: the signature verifies the way docs/notices.md tells a
 * receiver to check it, retries happen (503, 429 with Retry-After, refused connections) on an injected sleep, and
 * the notifier gives up cleanly — bounded attempts and total time, never throwing, never leaking the secret.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { tsImport } from "tsx/esm/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { notifySchema } from "../../src/config/schema.js";
import { createNotifier, type NoticeEvent } from "../../src/notify/index.js";

const SECRET = "whsec-0123456789abcdef-test-secret";
const env = { MW_HOOK_SECRET: SECRET };

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  url: string;
}
type Responder = (n: number, req: Received, res: ServerResponse) => void;

let server: Server;
let base = "";
let received: Received[] = [];
let respond: Responder = (_n, _r, res) => res.writeHead(204).end();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), url: req.url ?? "" };
      received.push(r);
      respond(received.length, r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  received = [];
  respond = (_n, _r, res) => res.writeHead(204).end();
});

/** A fake clock that the injected sleep advances: no real waiting, and maxTotalMs is judged on it. */
function fakeTime() {
  let t = Date.parse("2026-12-05T10:00:00Z");
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(t),
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

function notifier(
  webhook: Record<string, unknown>,
  extra: { on?: string[] } = {},
  e: Record<string, string> = env,
) {
  const time = fakeTime();
  const config = notifySchema.parse({
    ...extra,
    webhook: { url: `${base}/hooks/mailwarden?token=url-token-xyz`, secretEnv: "MW_HOOK_SECRET", ...webhook },
  });
  const n = createNotifier(config, {
    tenantId: "t-1",
    env: e,
    sleep: time.sleep,
    now: time.now,
    random: () => 0,
  });
  return { n, time };
}

const HOSTILE = `"><img src=x onerror=alert(1)> ${"\u202e"}evil\u0000 'quote' & <script>`;

const event: NoticeEvent = {
  kind: "approval-needed",
  tenant: "6a1d0ac2-3e0b-4d6f-9a51-c0f4b9e3d2a7",
  caseId: "case-42",
  runId: "run-7",
  user: { upn: "AdeleV@contoso.com", id: "1b6b4f1c-0000-4000-8000-000000000001" },
  summary: `Rule ${HOSTILE} forwards mail outside`,
  steps: [{ id: "disable-rule", action: "inboxRule.disable", target: HOSTILE, status: "waiting" }],
  counts: { stepsWaiting: 1 },
  hint: "mailwarden approve run-7 --step disable-rule",
};

/** What a receiver does (docs/notices.md): recompute the HMAC over `timestamp.body`, compare in constant time. */
function verifies(r: Received, secret: string, nowSeconds: number): boolean {
  const ts = String(r.headers["x-mailwarden-timestamp"]);
  const sig = String(r.headers["x-mailwarden-signature"]);
  if (Math.abs(nowSeconds - Number(ts)) > 300) return false;
  const want = `sha256=${createHmac("sha256", secret).update(`${ts}.${r.body}`).digest("hex")}`;
  return sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want));
}

describe("webhook notices", () => {
  it("POSTs the event as JSON with a signature a receiver verifies", async () => {
    const { n, time } = notifier({});
    const results = await n.notify(event);
    expect(results).toEqual([{ channel: "webhook", status: "sent", attempts: 1 }]);
    expect(received).toHaveLength(1);
    const r = received[0]!;
    expect(r.url).toBe("/hooks/mailwarden?token=url-token-xyz");
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(verifies(r, SECRET, time.now().getTime() / 1000)).toBe(true);
    // A tampered body, another secret or a replayed old timestamp do not verify.
    expect(
      verifies({ ...r, body: r.body.replace("case-42", "case-43") }, SECRET, time.now().getTime() / 1000),
    ).toBe(false);
    expect(verifies(r, "another-secret", time.now().getTime() / 1000)).toBe(false);
    expect(verifies(r, SECRET, time.now().getTime() / 1000 + 3600)).toBe(false);
    const payload = JSON.parse(r.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      schemaVersion: 1,
      kind: "approval-needed",
      caseId: "case-42",
      summary: event.summary,
      steps: [{ id: "disable-rule", target: HOSTILE }],
      timestamp: "2026-12-05T10:00:00.000Z",
    });
    expect(payload["id"]).toBe(r.headers["x-mailwarden-delivery"]);
  });

  it("fills the tenant from the notifier when the event leaves it out", async () => {
    const { n } = notifier({});
    const { tenant: _omitted, ...withoutTenant } = event;
    expect((await n.notify(withoutTenant))[0]?.status).toBe("sent");
    expect(JSON.parse(received[0]!.body)).toMatchObject({ tenant: "t-1", caseId: "case-42" });
  });

  it("retries 503s with exponential backoff, the same delivery id, a fresh signature each time", async () => {
    respond = (k, _r, res) => (k < 3 ? res.writeHead(503).end("busy") : res.writeHead(200).end("ok"));
    const { n, time } = notifier({ baseDelayMs: 1000, maxAttempts: 5 });
    const results = await n.notify(event);
    expect(results).toEqual([{ channel: "webhook", status: "sent", attempts: 3 }]);
    expect(time.sleeps).toEqual([500, 1000]); // base·2ⁿ at 50 % jitter (random() = 0)
    expect(new Set(received.map((r) => r.headers["x-mailwarden-delivery"])).size).toBe(1);
    // Signed at each attempt's own time (the fake clock: +0.5 s, then +1 s).
    const t0 = Date.parse("2026-12-05T10:00:00Z") / 1000;
    expect(received.map((r) => Number(r.headers["x-mailwarden-timestamp"]))).toEqual([t0, t0, t0 + 1]);
    for (const r of received)
      expect(verifies(r, SECRET, Number(r.headers["x-mailwarden-timestamp"]))).toBe(true);
  });

  it("honours Retry-After on a 429 (seconds and HTTP date)", async () => {
    respond = (k, _r, res) =>
      k === 1
        ? res.writeHead(429, { "Retry-After": "7" }).end()
        : k === 2
          ? res
              .writeHead(503, { "Retry-After": new Date(Date.parse("2026-12-05T10:00:19Z")).toUTCString() })
              .end()
          : res.writeHead(202).end();
    const { n, time } = notifier({});
    expect((await n.notify(event))[0]).toMatchObject({ status: "sent", attempts: 3 });
    expect(time.sleeps).toEqual([7000, 12000]);
  });

  it("gives up after maxAttempts, naming only the origin (never the URL's token)", async () => {
    respond = (_k, _r, res) => res.writeHead(500).end();
    const { n, time } = notifier({ maxAttempts: 3 });
    const [r] = await n.notify(event);
    expect(r).toMatchObject({ channel: "webhook", status: "failed", attempts: 3 });
    expect(r?.reason).toBe(`${base} answered 500; gave up after 3 attempts`);
    expect(received).toHaveLength(3);
    expect(time.sleeps).toHaveLength(2);
  });

  it("stops before a retry that would pass maxTotalMs", async () => {
    respond = (_k, _r, res) => res.writeHead(503, { "Retry-After": "3600" }).end();
    const { n, time } = notifier({ maxTotalMs: 60_000 });
    const [r] = await n.notify(event);
    expect(r).toMatchObject({ status: "failed", attempts: 1 });
    expect(r?.reason).toContain("would pass maxTotalMs (60000 ms)");
    expect(time.sleeps).toEqual([]);
  });

  it("does not retry a 4xx other than 408/429, and does not follow redirects", async () => {
    respond = (_k, _r, res) => res.writeHead(401).end();
    const { n } = notifier({});
    expect(await n.notify(event)).toEqual([
      { channel: "webhook", status: "failed", attempts: 1, reason: `${base} answered 401` },
    ]);
    received = [];
    respond = (_k, _r, res) => res.writeHead(302, { Location: "http://127.0.0.1:1/elsewhere" }).end();
    const [r] = await n.notify(event);
    expect(r).toMatchObject({ status: "failed", attempts: 1 });
    expect(r?.reason).toContain("redirect: not followed");
    expect(received).toHaveLength(1);
  });

  it("retries a refused connection and reports it", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const time = fakeTime();
    const config = notifySchema.parse({
      webhook: { url: `http://127.0.0.1:${port}/x`, secretEnv: "MW_HOOK_SECRET", maxAttempts: 3 },
    });
    const n = createNotifier(config, {
      tenantId: "t",
      env,
      sleep: time.sleep,
      now: time.now,
      random: () => 1,
    });
    const [r] = await n.notify(event);
    expect(r).toMatchObject({ status: "failed", attempts: 3 });
    expect(r?.reason).toContain("ECONNREFUSED");
    expect(time.sleeps).toEqual([1000, 2000]); // 100 % jitter (random() = 1)
  });

  it("bounds one attempt by timeoutMs (a receiver that never answers)", async () => {
    const hanging: ServerResponse[] = [];
    respond = (_k, _r, res) => void hanging.push(res);
    const { n } = notifier({ timeoutMs: 150, maxAttempts: 2 });
    const [r] = await n.notify(event);
    expect(r).toMatchObject({ status: "failed", attempts: 2 });
    expect(r?.reason).toContain("timed out");
    for (const h of hanging) h.destroy();
  });

  it("reads the secret from a file; a missing secret fails without sending", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mw-notify-"));
    try {
      const file = path.join(dir, "secret");
      await writeFile(file, `${SECRET}\n`, { mode: 0o600 });
      const time = fakeTime();
      const config = notifySchema.parse({ webhook: { url: `${base}/f`, secretFile: file } });
      const n = createNotifier(config, { tenantId: "t", env: {}, sleep: time.sleep, now: time.now });
      expect((await n.notify(event))[0]?.status).toBe("sent");
      expect(verifies(received[0]!, SECRET, time.now().getTime() / 1000)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    received = [];
    const { n } = notifier({}, {}, {});
    expect(await n.notify(event)).toEqual([
      {
        channel: "webhook",
        status: "failed",
        attempts: 0,
        reason: "environment variable MW_HOOK_SECRET (webhook secretEnv) is not set",
      },
    ]);
    expect(received).toHaveLength(0);
  });

  it("never throws: a broken fetch, an invalid event, an event kind not in `on`", async () => {
    const config = notifySchema.parse({
      webhook: { url: `${base}/x`, secretEnv: "MW_HOOK_SECRET", maxAttempts: 1 },
    });
    const broken = createNotifier(config, {
      tenantId: "t",
      env,
      fetch: () => {
        throw new TypeError(`boom ${SECRET}`);
      },
    });
    const [r] = await broken.notify(event);
    expect(r?.status).toBe("failed");
    expect(JSON.stringify(r)).not.toContain(SECRET);

    const { n } = notifier({}, { on: ["contained"] });
    expect(await n.notify(event)).toEqual([
      { channel: "webhook", status: "skipped", reason: "notify.on does not include approval-needed" },
    ]);
    const bad = await n.notify({ ...event, kind: "exploded" } as unknown as NoticeEvent);
    expect(bad[0]).toMatchObject({ status: "failed" });
    expect(bad[0]?.reason).toMatch(/^invalid notice event: kind/);
    expect(received).toHaveLength(0);
  });
});

describe("the notifier's backstop", () => {
  it("cuts off a channel that never settles (a fetch deaf to its abort signal)", async () => {
    const config = notifySchema.parse({
      webhook: { url: `${base}/x`, secretEnv: "MW_HOOK_SECRET", timeoutMs: 100, maxTotalMs: 100 },
    });
    const n = createNotifier(config, { tenantId: "t", env, fetch: () => new Promise<Response>(() => {}) });
    expect(await n.notify(event)).toEqual([
      { channel: "webhook", status: "failed", reason: "no answer within 200 ms" },
    ]);
  });
});

describe("the receiver recipe in docs/notices.md", () => {
  it("verifies a real delivery, and refuses a tampered one", async () => {
    const doc = await readFile("docs/notices.md", "utf8");
    const block = /```ts\n([\s\S]*?verifyMailwardenNotice[\s\S]*?)```/.exec(doc)?.[1];
    expect(block, "docs/notices.md shows the recipe").toBeDefined();
    const dir = await mkdtemp(path.join(tmpdir(), "mw-recipe-"));
    try {
      const file = path.join(dir, "verify.ts");
      await writeFile(file, block!);
      const { verifyMailwardenNotice: verify } = (await tsImport(file, import.meta.url)) as {
        verifyMailwardenNotice: (body: string, headers: Record<string, string>, secret: string) => boolean;
      };
      const config = notifySchema.parse({ webhook: { url: `${base}/r`, secretEnv: "MW_HOOK_SECRET" } });
      // The real clock: the recipe checks freshness against Date.now().
      expect((await createNotifier(config, { tenantId: "t", env }).notify(event))[0]?.status).toBe("sent");
      const r = received[0]!;
      const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]));
      expect(verify(r.body, headers, SECRET)).toBe(true);
      expect(verify(`${r.body} `, headers, SECRET)).toBe(false);
      expect(verify(r.body, headers, "not-the-secret")).toBe(false);
      expect(verify(r.body, { ...headers, "x-mailwarden-timestamp": "1700000000" }, SECRET)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("notify config", () => {
  it("is strict at every depth and needs exactly one secret source", () => {
    const ok = { webhook: { url: "https://hooks.example.com/x", secretEnv: "S" } };
    expect(notifySchema.safeParse(ok).success).toBe(true);
    expect(notifySchema.safeParse({ ...ok, colour: 1 }).success).toBe(false);
    expect(notifySchema.safeParse({ webhook: { ...ok.webhook, retries: 3 } }).success).toBe(false);
    expect(notifySchema.safeParse({ webhook: { url: ok.webhook.url } }).success).toBe(false);
    expect(notifySchema.safeParse({ webhook: { ...ok.webhook, secretFile: "/x" } }).success).toBe(false);
    expect(
      notifySchema.safeParse({ webhook: { ...ok.webhook, url: "http://hooks.example.com/x" } }).success,
    ).toBe(false);
    expect(notifySchema.safeParse({ on: ["contained"] }).success).toBe(false);
    expect(notifySchema.safeParse({ ...ok, on: ["exploded"] }).success).toBe(false);
  });
});
