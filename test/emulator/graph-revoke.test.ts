import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminJson,
  graphClient,
  rejection,
  secretCredential,
  startTestEmulator,
  type TestEmulator,
} from "./helpers.js";

describe("Graph face: revokeSignInSessions", () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator();
  });
  afterAll(async () => {
    await t.stop();
  });

  const validFrom = (upn: string) =>
    t.emu.ctx.state.users.find((u) => u.userPrincipalName === upn)?.signInSessionsValidFromDateTime;

  it("answers 200 with the Edm.Boolean body and moves signInSessionsValidFromDateTime to the emulator clock", async () => {
    const client = graphClient(t.emu);
    expect(validFrom("AdeleV@contoso.com")).toBe("2025-05-28T16:03:10Z");
    const token = (await secretCredential(t.emu).getToken("https://graph.microsoft.com/.default")).token;
    const raw = await fetch(`${t.emu.baseUrl}/v1.0/users/AdeleV%40contoso.com/revokeSignInSessions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({
      "@odata.context": `${t.emu.baseUrl}/v1.0/$metadata#Edm.Boolean`,
      value: true,
    });
    expect(validFrom("AdeleV@contoso.com")).toBe("2025-06-02T09:00:00Z");

    const advanced = (await adminJson(t.emu, "/clock/advance", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ seconds: 90.5 }),
    })) as { now: string };
    expect(advanced.now).toBe("2025-06-02T09:01:30.500Z");
    const res = await client.api("/users/AdeleV@contoso.com/revokeSignInSessions").post({});
    expect(res.value).toBe(true);
    expect(validFrom("AdeleV@contoso.com")).toBe("2025-06-02T09:01:30Z");
    const selected = await client
      .api("/users/AdeleV@contoso.com")
      .select("signInSessionsValidFromDateTime")
      .get();
    expect(selected.signInSessionsValidFromDateTime).toBe("2025-06-02T09:01:30Z");
    const writes = t.emu.requests().filter((e) => e.path.endsWith("/revokeSignInSessions"));
    expect(writes).toEqual([
      expect.objectContaining({ method: "POST", status: 200, write: true, time: "2025-06-02T09:00:00.000Z" }),
      expect.objectContaining({ method: "POST", status: 200, write: true, time: "2025-06-02T09:01:30.500Z" }),
    ]);
  });

  it("answers an unknown user with 404 Request_ResourceNotFound and no write", async () => {
    const err = await rejection(
      graphClient(t.emu).api("/users/ghost@contoso.com/revokeSignInSessions").post({}),
    );
    expect(err).toMatchObject({ statusCode: 404, code: "Request_ResourceNotFound" });
    expect(String(err["message"])).toBe(
      "Resource 'ghost@contoso.com' does not exist or one of its queried reference-property objects are not present.",
    );
    expect(t.emu.requests().at(-1)).toMatchObject({ status: 404, write: false });
  });
});
