import type { AccessToken, TokenCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { decodeClaims, tenantCheckedCredential } from "../../src/adapters/token-claims.js";

const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
const cred = (token: string): TokenCredential => ({
  getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3600_000 } as AccessToken),
});

describe("token claims", () => {
  it("reads tid, appid, aud and roles (none → [])", () => {
    expect(
      decodeClaims(
        jwt({ tid: "T", appid: "A", aud: "https://graph.microsoft.com", roles: ["User.Read.All"] }),
      ),
    ).toEqual({
      tid: "T",
      appid: "A",
      aud: "https://graph.microsoft.com",
      roles: ["User.Read.All"],
    });
    expect(decodeClaims(jwt({ tid: "T" })).roles).toEqual([]);
  });

  it("refuses a token issued by another tenant, and passes the right one", async () => {
    const right = "11111111-1111-1111-1111-111111111111";
    await expect(
      tenantCheckedCredential(cred(jwt({ tid: right.toUpperCase() })), right).getToken("s"),
    ).resolves.toBeTruthy();
    await expect(
      tenantCheckedCredential(cred(jwt({ tid: "22222222-2222-2222-2222-222222222222" })), right).getToken(
        "s",
      ),
    ).rejects.toMatchObject({ name: "WrongTenantError" });
    await expect(tenantCheckedCredential(cred(jwt({})), right).getToken("s")).rejects.toMatchObject({
      name: "WrongTenantError",
    });
  });
});
