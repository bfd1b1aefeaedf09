import { stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminJson, graphClient, startTestEmulator, type TestEmulator } from "./helpers.js";
import type { RequestLogEntry } from "../../src/emulator/context.js";
import type { TenantState } from "../../src/emulator/state.js";
import { DEFAULT_CLIENT_ID, DEFAULT_TENANT_ID } from "../../src/emulator/scenarios/default.js";

describe("server and admin face", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({
      registerFaces: [
        (app, ctx) => {
          app.get("/adminapi/boom", () => {
            throw new Error("exploded");
          });
          app.post("/adminapi/beta/:tenant/InvokeCommand", (c) => {
            c.set("write", true);
            return c.json({ tenant: ctx.state.tenantId, face: c.get("face") });
          });
        },
      ],
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("describes itself: loopback HTTPS URLs, tenant, organization, a fresh secret and a 0600 certificate PEM", async () => {
    const { emu } = t;
    expect(emu.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.graphBaseUrl).toBe(`${emu.baseUrl}/`);
    expect(emu.authorityHost).toBe(emu.baseUrl);
    expect(emu.exchangeConnectionUri).toBe(emu.baseUrl);
    expect(emu.adminUrl).toBe(`${emu.baseUrl}/_emulator`);
    expect(emu.tenantId).toBe(DEFAULT_TENANT_ID);
    expect(emu.clientId).toBe(DEFAULT_CLIENT_ID);
    expect(emu.organization).toBe("contoso.onmicrosoft.com");
    expect(emu.clientSecret).toMatch(/^.{3}8Q~.{34}$/);
    expect((await stat(emu.certificatePath)).mode & 0o777).toBe(0o600);
    const other = await startTestEmulator();
    try {
      expect(other.emu.clientSecret).not.toBe(emu.clientSecret);
      expect(other.emu.ctx.state.users.map((u) => u.id)).toEqual(emu.ctx.state.users.map((u) => u.id));
    } finally {
      await other.stop();
    }
  });

  it("turns an unexpected exception into a Graph-shaped 500 and keeps serving", async () => {
    const res = await fetch(`${t.emu.baseUrl}/adminapi/boom`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe("InternalServerError");
    expect(body.error.innerError["request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fetch(`${t.emu.adminUrl}/health`)).status).toBe(200);
    expect(t.emu.requests().at(-1)).toMatchObject({ face: "exchange", path: "/adminapi/boom", status: 500 });
  });

  it("registers extra faces with the face and write variables feeding the log", async () => {
    const res = await fetch(`${t.emu.baseUrl}/adminapi/beta/${t.emu.tenantId}/InvokeCommand`, {
      method: "POST",
    });
    expect(await res.json()).toEqual({ tenant: t.emu.tenantId, face: "exchange" });
    expect(t.emu.requests().at(-1)).toMatchObject({
      face: "exchange",
      method: "POST",
      status: 200,
      write: true,
    });
  });

  it("serves the request log (with ?since) and does not log its own requests", async () => {
    await graphClient(t.emu).api("/users").get();
    const all = (await adminJson(t.emu, "/requests")) as RequestLogEntry[];
    expect(all.length).toBeGreaterThan(0);
    expect(all.some((e) => e.face === "admin" || e.path.startsWith("/_emulator"))).toBe(false);
    expect(all).toEqual(t.emu.requests());
    const tail = (await adminJson(t.emu, `/requests?since=${all.length - 1}`)) as RequestLogEntry[];
    expect(tail).toEqual(all.slice(-1));
    expect(tail[0]).toMatchObject({
      face: "graph",
      method: "GET",
      path: "/v1.0/users",
      status: 200,
      write: false,
      time: "2025-06-02T09:00:00.000Z",
    });
    expect((await fetch(`${t.emu.adminUrl}/requests?since=abc`)).status).toBe(400);
  });

  it("clears the request log", async () => {
    expect((await fetch(`${t.emu.adminUrl}/requests`, { method: "DELETE" })).status).toBe(204);
    expect(t.emu.requests()).toEqual([]);
    expect(await adminJson(t.emu, "/requests")).toEqual([]);
  });

  it("reads and advances the clock (ms or seconds, forward only)", async () => {
    const start = (await adminJson(t.emu, "/clock")) as { now: string };
    const post = (body: unknown) =>
      fetch(`${t.emu.adminUrl}/clock/advance`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const r1 = await post({ ms: 250 });
    expect(((await r1.json()) as { now: string }).now).toBe(
      new Date(Date.parse(start.now) + 250).toISOString(),
    );
    const r2 = await post({ seconds: 60 });
    expect(((await r2.json()) as { now: string }).now).toBe(
      new Date(Date.parse(start.now) + 60_250).toISOString(),
    );
    expect((await post({ ms: -5 })).status).toBe(400);
    expect((await post({ minutes: 5 })).status).toBe(400);
    expect(t.emu.ctx.clock.now().toISOString()).toBe(new Date(Date.parse(start.now) + 60_250).toISOString());
  });

  it("dumps the tenant state with client secrets redacted", async () => {
    const res = await fetch(`${t.emu.adminUrl}/state`);
    const text = await res.text();
    expect(text).not.toContain(t.emu.clientSecret);
    const state = JSON.parse(text) as TenantState;
    expect(state.tenantId).toBe(t.emu.tenantId);
    expect(state.apps[0]?.secrets).toEqual(["***redacted***"]);
    expect(state.apps[0]?.certificates[0]).toContain("BEGIN CERTIFICATE");
    expect(state.mailboxes.length).toBe(t.emu.ctx.state.mailboxes.length);
    expect(t.emu.ctx.state.apps[0]?.secrets).toEqual([t.emu.clientSecret]);
  });

  it("answers unknown paths outside every face with a JSON 404 that is not logged", async () => {
    const before = t.emu.requests().length;
    const res = await fetch(`${t.emu.baseUrl}/nothing-here`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NotFound");
    expect(t.emu.requests().length).toBe(before);
  });
});

describe("default faces", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("registers the Exchange face by default, and logs its traffic as face 'exchange'", async () => {
    const res = await fetch(`${t.emu.exchangeConnectionUri}/adminapi/beta/${t.emu.tenantId}/InvokeCommand`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ CmdletInput: { CmdletName: "Get-Mailbox", Parameters: {} } }),
    });
    expect(res.status).toBe(401);
    expect(t.emu.requests()).toEqual([
      expect.objectContaining({ face: "exchange", method: "POST", status: 401, write: false }),
    ]);
  });
});
