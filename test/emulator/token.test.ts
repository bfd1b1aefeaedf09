import { X509Certificate, createHash, createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { SignJWT, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  certificateCredential,
  rejection,
  secretCredential,
  startTestEmulator,
  type TestEmulator,
} from "./helpers.js";
import { defaultScenario } from "../../src/emulator/scenarios/default.js";

const GRAPH = "https://graph.microsoft.com/.default";
const EXO = "https://outlook.office365.com/.default";

describe("token face", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator();
  });
  afterAll(async () => {
    await t.stop();
  });

  const tokenUrl = (tenant = t.emu.tenantId) => `${t.emu.baseUrl}/${tenant}/oauth2/v2.0/token`;
  const postForm = (fields: Record<string, string>, tenant?: string) =>
    fetch(tokenUrl(tenant), {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "client-request-id": "3f1c2d4e-0000-4000-8000-000000000001",
      },
      body: new URLSearchParams(fields).toString(),
    });

  it("issues a Graph token to ClientSecretCredential with the documented claims", async () => {
    const token = await secretCredential(t.emu).getToken(GRAPH);
    expect(token.token.split(".")).toHaveLength(3);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 50 * 60_000);
    const claims = decodeJwt(token.token);
    expect(claims).toMatchObject({
      aud: "https://graph.microsoft.com",
      iss: `https://sts.windows.net/${t.emu.tenantId}/`,
      tid: t.emu.tenantId,
      appid: t.emu.clientId,
      azp: t.emu.clientId,
      appidacr: "1",
      idtyp: "app",
      oid: defaultScenario.apps[0]?.servicePrincipalId,
    });
    expect(claims.roles).toEqual([
      "User.Read.All",
      "MailboxSettings.ReadWrite",
      "Mail.ReadBasic.All",
      "User.RevokeSessions.All",
      "ThreatHunting.Read.All",
    ]);
    expect(claims.exp! - claims.iat!).toBe(3599);
    expect(Math.abs(claims.iat! * 1000 - Date.now())).toBeLessThan(60_000);
    expect(decodeProtectedHeader(token.token).alg).toBe("RS256");
  });

  it("issues an Exchange token with the Exchange roles and the directory role's wids", async () => {
    const token = await secretCredential(t.emu).getToken(EXO);
    const claims = decodeJwt(token.token);
    expect(claims.aud).toBe("https://outlook.office365.com");
    expect(claims.roles).toEqual(["Exchange.ManageAsApp"]);
    expect(claims["wids"]).toEqual(["29232cdf-9323-42fd-ade2-1d097af3e4de"]);
  });

  it("issues tokens to ClientCertificateCredential (assertion signed by the registered certificate)", async () => {
    const token = await certificateCredential(t.emu).getToken(GRAPH);
    const claims = decodeJwt(token.token);
    expect(claims.appid).toBe(t.emu.clientId);
    expect(claims["appidacr"]).toBe("2");
  });

  it("signs tokens with a key published in the discovered JWKS", async () => {
    const config = (await (
      await fetch(`${t.emu.baseUrl}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(config["token_endpoint"]).toBe(`${t.emu.baseUrl}/${t.emu.tenantId}/oauth2/v2.0/token`);
    expect(config["issuer"]).toBe(`${t.emu.baseUrl}/${t.emu.tenantId}/v2.0`);
    const jwks = createRemoteJWKSet(new URL(config["jwks_uri"]!));
    const token = await secretCredential(t.emu).getToken(GRAPH);
    const { payload } = await jwtVerify(token.token, jwks, { audience: "https://graph.microsoft.com" });
    expect(payload.tid).toBe(t.emu.tenantId);
  });

  it("rejects a wrong secret: the SDK throws with AADSTS7000215", async () => {
    const err = await rejection(secretCredential(t.emu, "not-the-secret").getToken(GRAPH));
    expect(String(err["message"])).toContain("AADSTS7000215");
  });

  it("answers a wrong secret with Entra's 401 invalid_client body", async () => {
    const res = await postForm({
      grant_type: "client_credentials",
      client_id: t.emu.clientId,
      client_secret: "nope",
      scope: GRAPH,
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      error: "invalid_client",
      error_codes: [7000215],
      correlation_id: "3f1c2d4e-0000-4000-8000-000000000001",
    });
    expect(String(body["error_description"])).toMatch(
      /^AADSTS7000215: Invalid client secret provided\..*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: 3f1c2d4e-0000-4000-8000-000000000001\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );
    expect(body["timestamp"]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(body["trace_id"]).toBe(res.headers.get("x-ms-request-id"));
  });

  it("rejects an unknown client id (400 unauthorized_client, AADSTS700016), also through the SDK", async () => {
    const res = await postForm({
      grant_type: "client_credentials",
      client_id: "00000000-1111-4222-8333-444444444444",
      client_secret: "x",
      scope: GRAPH,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
    const err = await rejection(
      secretCredential(t.emu, "x", "00000000-1111-4222-8333-444444444444").getToken(GRAPH),
    );
    expect(String(err["message"])).toContain("AADSTS700016");
  });

  it.each([
    ["https://graph.microsoft.com/User.Read.All", 1002012],
    ["https://graph.microsoft.com/.default https://outlook.office365.com/.default", 70011],
    ["https://management.azure.com/.default", 70011],
  ])("rejects scope %s with invalid_scope %i", async (scope, code) => {
    const res = await postForm({
      grant_type: "client_credentials",
      client_id: t.emu.clientId,
      client_secret: t.emu.clientSecret,
      scope,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_scope", error_codes: [code] });
  });

  it("accepts the resource app id form of the scope", async () => {
    const res = await postForm({
      grant_type: "client_credentials",
      client_id: t.emu.clientId,
      client_secret: t.emu.clientSecret,
      scope: "00000003-0000-0000-c000-000000000000/.default",
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599 });
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "ext_expires_in", "token_type"]);
  });

  it.each(["grant_type", "client_id", "scope"])(
    "answers a missing %s with 400 invalid_request AADSTS900144",
    async (missing) => {
      const fields: Record<string, string> = {
        grant_type: "client_credentials",
        client_id: t.emu.clientId,
        client_secret: t.emu.clientSecret,
        scope: GRAPH,
      };
      delete fields[missing];
      const res = await postForm(fields);
      expect(res.status).toBe(400);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ error: "invalid_request", error_codes: [900144] });
      expect(String(body["error_description"])).toContain(`'${missing}'`);
    },
  );

  it("answers a request without client credentials with 401 invalid_client", async () => {
    const res = await postForm({ grant_type: "client_credentials", client_id: t.emu.clientId, scope: GRAPH });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_client", error_codes: [7000218] });
  });

  it("rejects an unknown tenant with AADSTS90002, at discovery and at the token endpoint", async () => {
    const res = await postForm(
      {
        grant_type: "client_credentials",
        client_id: t.emu.clientId,
        client_secret: t.emu.clientSecret,
        scope: GRAPH,
      },
      "fabrikam.com",
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_codes: [90002] });
    const disc = await fetch(`${t.emu.baseUrl}/fabrikam.com/v2.0/.well-known/openid-configuration`);
    expect(disc.status).toBe(400);
    expect(await disc.json()).toMatchObject({ error: "invalid_tenant", error_codes: [90002] });
  });

  it("accepts a verified domain as the tenant", async () => {
    const res = await postForm(
      {
        grant_type: "client_credentials",
        client_id: t.emu.clientId,
        client_secret: t.emu.clientSecret,
        scope: GRAPH,
      },
      "contoso.com",
    );
    expect(res.status).toBe(200);
  });

  it("rejects a client assertion signed by an unregistered certificate", async () => {
    const { generateKeyPair } = await import("jose");
    const { privateKey } = await generateKeyPair("RS256");
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256", x5t: "AAAAAAAAAAAAAAAAAAAAAAAAAAA" })
      .setIssuer(t.emu.clientId)
      .setSubject(t.emu.clientId)
      .setAudience(tokenUrl())
      .setExpirationTime("10m")
      .sign(privateKey);
    const res = await postForm({
      grant_type: "client_credentials",
      client_id: t.emu.clientId,
      scope: GRAPH,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_client", error_codes: [700027] });
  });

  describe("client assertions signed with the registered certificate's key", () => {
    const assertWith = async (opts: {
      aud?: string;
      iss?: string;
      exp?: number;
      alg?: "RS256" | "PS256";
    }) => {
      const pem = await readFile(t.emu.certificatePath, "utf8");
      const cert = new X509Certificate(pem);
      const key = createPrivateKey(pem);
      const alg = opts.alg ?? "RS256";
      const header =
        alg === "PS256"
          ? { alg, "x5t#S256": createHash("sha256").update(cert.raw).digest("base64url") }
          : { alg, x5t: createHash("sha1").update(cert.raw).digest("base64url") };
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ jti: "j1" })
        .setProtectedHeader(header)
        .setIssuer(opts.iss ?? t.emu.clientId)
        .setSubject(opts.iss ?? t.emu.clientId)
        .setAudience(opts.aud ?? tokenUrl())
        .setIssuedAt(now - 60)
        .setNotBefore(now - 60)
        .setExpirationTime(opts.exp ?? now + 600)
        .sign(key);
      return postForm({
        grant_type: "client_credentials",
        client_id: t.emu.clientId,
        scope: EXO,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      });
    };

    it("accepts RS256 with x5t and PS256 with x5t#S256, aud = token endpoint (id or domain form)", async () => {
      expect((await assertWith({})).status).toBe(200);
      expect((await assertWith({ alg: "PS256" })).status).toBe(200);
      expect(
        (await assertWith({ aud: `${t.emu.baseUrl}/contoso.onmicrosoft.com/oauth2/v2.0/token` })).status,
      ).toBe(200);
    });

    it.each([
      ["a foreign audience", { aud: "https://login.microsoftonline.com/common/oauth2/v2.0/token" }, 700023],
      ["another issuer", { iss: "11111111-2222-4333-8444-555555555555" }, 700021],
      ["an expired assertion", { exp: Math.floor(Date.now() / 1000) - 3600 }, 700024],
    ])("rejects %s", async (_label, opts, code) => {
      const res = await assertWith(opts);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: "invalid_client", error_codes: [code] });
    });
  });

  it("logs token requests with face 'token'", () => {
    const entries = t.emu.requests().filter((e) => e.face === "token");
    expect(
      entries.some(
        (e) => e.method === "POST" && e.path === `/${t.emu.tenantId}/oauth2/v2.0/token` && e.status === 200,
      ),
    ).toBe(true);
    expect(entries.some((e) => e.status === 401)).toBe(true);
    expect(entries.every((e) => e.write === false)).toBe(true);
  });
});

describe("token face: an app granted nothing", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({ scenario: { ...defaultScenario, apps: [{ displayName: "bare app" }] } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("gets a token with no roles claim at all", async () => {
    const token = await secretCredential(t.emu).getToken(GRAPH);
    const claims = decodeJwt(token.token);
    expect(claims.appid).toBe(t.emu.clientId);
    expect("roles" in claims).toBe(false);
    expect("wids" in claims).toBe(false);
  });
});
