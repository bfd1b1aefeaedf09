/** Malformed requests on every new Graph face: never a crash, always a Graph-shaped 400 (issue 3 item 6). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "./helpers.js";
import { grantRoles, rawGraph, seedSecurityData } from "./graph-fixture.js";

let t: TestEmulator;
let call: ReturnType<typeof rawGraph>;

beforeAll(async () => {
  t = await startTestEmulator({
    faults: { limits: { identityProtection: false, signIns: false, securityAlerts: false } },
  });
  grantRoles(t.emu);
  seedSecurityData(t.emu);
  call = rawGraph(t.emu);
});
afterAll(async () => t.stop());

const GRAPH_400 = {
  error: {
    code: expect.any(String),
    message: expect.any(String),
    innerError: {
      date: expect.any(String),
      "request-id": expect.any(String),
      "client-request-id": expect.any(String),
    },
  },
};

describe("bad bodies", () => {
  const writes = (alert: string): [string, string][] => [
    ["PATCH", "/v1.0/users/AlexW@contoso.com"],
    ["POST", "/v1.0/users/AlexW@contoso.com/mailFolders/inbox/messageRules"],
    ["POST", "/v1.0/identityProtection/riskyUsers/confirmCompromised"],
    ["POST", "/v1.0/identityProtection/riskyUsers/dismiss"],
    ["PATCH", `/v1.0/security/alerts_v2/${alert}`],
    ["POST", `/v1.0/security/alerts_v2/${alert}/comments`],
    ["PATCH", "/v1.0/security/incidents/101"],
    ["POST", "/v1.0/security/incidents/101/comments"],
    ["POST", "/v1.0/security/runHuntingQuery"],
  ];
  const bodies = ["{", "[1,2]", "42", "null", '"text"', '{"a":{"b":', "\u0000\u0001"];

  it("each write endpoint answers every malformed body with a Graph-shaped 400", async () => {
    const alert = t.emu.ctx.state.alerts[0]?.id ?? "";
    for (const [method, path] of writes(alert)) {
      for (const body of bodies) {
        const res = await call(method, path, body);
        expect({ method, path, body, status: res.status }).toEqual({ method, path, body, status: 400 });
        expect(res.body).toMatchObject(GRAPH_400);
      }
    }
    expect(t.emu.requests().some((r) => r.status >= 500)).toBe(false);
  });
});

describe("bad query options", () => {
  it("answers 400 for bad $top/$filter/$select/$skiptoken/$expand, never 500", async () => {
    const paths = [
      "/v1.0/auditLogs/signIns?$top=abc",
      "/v1.0/auditLogs/signIns?$top=0",
      "/v1.0/auditLogs/signIns?$filter=(userId eq 'x'",
      "/v1.0/auditLogs/signIns?$filter=userId eq",
      "/v1.0/auditLogs/signIns?$filter=userId zz 'x'",
      "/v1.0/auditLogs/signIns?$filter=startsWith(userId)",
      "/v1.0/auditLogs/signIns?$skiptoken=garbage",
      "/v1.0/identityProtection/riskyUsers?$select=nope",
      "/v1.0/identityProtection/riskDetections?$filter='x' eq riskLevel",
      "/v1.0/security/alerts_v2?$skip=-1",
      "/v1.0/security/incidents?$expand=everything",
      "/v1.0/users/AlexW@contoso.com/mailboxSettings?$select=forwardingSmtpAddress",
      "/beta/auditLogs/signIns?$filter=signInEventTypes/any(t: t eq )",
    ];
    for (const p of paths) {
      const res = await call("GET", p);
      expect({ p, status: res.status }).toEqual({ p, status: 400 });
      expect(res.body).toMatchObject(GRAPH_400);
    }
  });

  it("survives odd paths and percent-encoding", async () => {
    for (const p of [
      "/v1.0/identityProtection/riskyUsers/%E0%A4%A",
      "/v1.0/security/alerts_v2/%00",
      "/v1.0/auditLogs/signIns/x",
    ]) {
      const res = await call("GET", p);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });
});
