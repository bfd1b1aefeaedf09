/** Injected faults on a running emulator: 429/503/504, latency, timeouts, dropped connections, the admin face. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RetryHandlerOptions } from "@microsoft/microsoft-graph-client";
import { adminJson, graphClient, rejection, startTestEmulator, type TestEmulator } from "./helpers.js";
import { rawGraph } from "./graph-fixture.js";

let t: TestEmulator;
let call: ReturnType<typeof rawGraph>;
const RULES = "/users/MeganB@contoso.com/mailFolders/inbox/messageRules";

async function putFaults(body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${t.emu.adminUrl}/faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  t = await startTestEmulator();
  call = rawGraph(t.emu);
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await putFaults({});
  await adminJson(t.emu, "/requests", { method: "DELETE" });
});

describe("injected faults", () => {
  it("429 with Retry-After in the A8 body; the SDK RetryHandler retries it", async () => {
    await putFaults({
      rules: [
        {
          face: "graph",
          match: `GET ${RULES}`.replace("MeganB@contoso.com", "{id}"),
          times: 1,
          fault: { type: "throttle", retryAfter: 0 },
        },
      ],
    });
    const res = await graphClient(t.emu).api(RULES).get();
    expect(res.value.length).toBeGreaterThan(0);
    const log = t.emu.requests().filter((r) => r.face === "graph");
    expect(log.map((r) => r.status)).toEqual([429, 200]);
    expect(log[0]?.write).toBe(false);
  });

  it("the 429 body and headers are the documented sample's; without retryAfter no Retry-After header", async () => {
    await putFaults({
      rules: [{ face: "graph", match: "GET /users/{id}", fault: { type: "throttle", retryAfter: 10 } }],
    });
    const res = await call("GET", "/v1.0/users/MeganB@contoso.com");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("10");
    expect(res.headers.get("content-type")).toMatch(/^application\/json;/);
    expect(res.body).toEqual({
      error: {
        code: "TooManyRequests",
        innerError: {
          code: "429",
          date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
          message: "Please retry after",
          "request-id": expect.any(String),
          status: "429",
        },
        message: "Please retry again later.",
      },
    });
    await putFaults({ rules: [{ face: "graph", match: "GET /users/{id}", fault: { type: "throttle" } }] });
    const bare = await call("GET", "/v1.0/users/MeganB@contoso.com");
    expect(bare.status).toBe(429);
    expect(bare.headers.get("retry-after")).toBeNull();
  });

  it("503/504: retried by the SDK when transient; surfaced when persistent", async () => {
    await putFaults({
      rules: [
        {
          face: "graph",
          match: "GET /users",
          times: 2,
          fault: { type: "unavailable", status: 503, retryAfter: 0 },
        },
      ],
    });
    const ok = await graphClient(t.emu).api("/users").get();
    expect(ok.value.length).toBeGreaterThan(0);
    expect(t.emu.requests().map((r) => r.status)).toEqual(expect.arrayContaining([503, 503, 200]));
    await putFaults({
      rules: [
        { face: "graph", match: "GET /users", fault: { type: "unavailable", status: 504, retryAfter: 0 } },
      ],
    });
    const err = await rejection(
      graphClient(t.emu)
        .api("/users")
        .middlewareOptions([new RetryHandlerOptions(0, 1)])
        .get(),
    );
    expect(err["statusCode"]).toBe(504);
  });

  it("after N / every Nth / seeded probability decide which calls fail", async () => {
    await putFaults({
      rules: [{ face: "graph", match: "GET /users/{id}", after: 2, every: 2, fault: { type: "throttle" } }],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call("GET", "/v1.0/users/MeganB@contoso.com")).status);
    // calls 3..8 are eligible; of those every 2nd matching call (4, 6, 8) fails.
    expect(statuses).toEqual([200, 200, 200, 429, 200, 429, 200, 429]);
    const run = async () => {
      await putFaults({
        seed: 42,
        rules: [{ face: "graph", match: "GET /users/{id}", probability: 0.5, fault: { type: "throttle" } }],
      });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await call("GET", "/v1.0/users/MeganB@contoso.com")).status);
      return out;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a).toContain(429);
    expect(a).toContain(200);
  });

  it("latency delays the answer; a timeout holds it until the client gives up; drop destroys the connection", async () => {
    await putFaults({
      rules: [{ face: "graph", match: "GET /users/{id}", fault: { type: "latency", ms: 150 } }],
    });
    const started = performance.now();
    expect((await call("GET", "/v1.0/users/MeganB@contoso.com")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);

    await putFaults({
      rules: [{ face: "graph", match: "GET /users/{id}", fault: { type: "timeout", ms: 10_000 } }],
    });
    const t0 = performance.now();
    const aborted = await call(
      "GET",
      "/v1.0/users/MeganB@contoso.com",
      undefined,
      AbortSignal.timeout(100),
    ).catch((e: Error) => e);
    expect(aborted).toBeInstanceOf(Error);
    expect(performance.now() - t0).toBeLessThan(5_000);

    await putFaults({ rules: [{ face: "graph", match: "GET /users/{id}", fault: { type: "drop" } }] });
    const dropped = await call("GET", "/v1.0/users/MeganB@contoso.com").catch((e: Error) => e);
    expect(dropped).toBeInstanceOf(Error);
    // The server is still healthy afterwards.
    await putFaults({});
    expect((await call("GET", "/v1.0/users/MeganB@contoso.com")).status).toBe(200);
    const health = await adminJson(t.emu, "/health");
    expect(health).toMatchObject({ status: "ok" });
  });

  it("applies to the token face and to Exchange cmdlets by name", async () => {
    await putFaults({
      rules: [
        {
          face: "token",
          match: "POST /{tenant}/oauth2/v2.0/token",
          fault: { type: "unavailable", status: 503 },
        },
      ],
    });
    const fresh = rawGraph(t.emu);
    await expect(fresh("GET", "/v1.0/users")).rejects.toThrow();
    expect(t.emu.requests().some((r) => r.face === "token" && r.status === 503)).toBe(true);

    await putFaults({
      rules: [{ face: "exchange", match: "Get-InboxRule", fault: { type: "throttle", retryAfter: 5 } }],
    });
    const exo = rawGraph(t.emu, "https://outlook.office365.com/.default");
    const hit = await exo("POST", `/adminapi/beta/${t.emu.tenantId}/InvokeCommand`, {
      CmdletInput: { CmdletName: "Get-InboxRule", Parameters: { Mailbox: "MeganB@contoso.com" } },
    });
    expect(hit.status).toBe(429);
    expect(hit.headers.get("retry-after")).toBe("5");
    const other = await exo("POST", `/adminapi/beta/${t.emu.tenantId}/InvokeCommand`, {
      CmdletInput: { CmdletName: "Get-Mailbox", Parameters: { Identity: "MeganB@contoso.com" } },
    });
    expect(other.status).toBe(200);
  });
});

describe("admin face", () => {
  it("GET /faults shows the parsed configuration; a bad PUT is 400 naming the path and keeps the old one", async () => {
    await putFaults({ rules: [{ face: "graph", fault: { type: "latency", ms: 1 } }] });
    const bad = await putFaults({ rules: [{ face: "graph", fault: { type: "explode" } }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("rules.0.fault.type");
    const current = (await adminJson(t.emu, "/faults")) as {
      rules: unknown[];
      limits: Record<string, boolean>;
    };
    expect(current.rules).toHaveLength(1);
    expect(current.limits["outlookConcurrency"]).toBe(true);
    const notJson = await fetch(`${t.emu.adminUrl}/faults`, { method: "PUT", body: "{" });
    expect(notJson.status).toBe(400);
  });
});

describe("startEmulator({ faults })", () => {
  it("rejects a malformed faults object naming the path", async () => {
    await expect(
      startTestEmulator({ faults: { rules: [{ face: "graph", every: 0, fault: { type: "drop" } }] } }),
    ).rejects.toThrow(/rules\.0\.every/);
  });
});
