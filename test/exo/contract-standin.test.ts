/**
 * apis.md B2 samples replayed through the stand-in and the bridge projection: what ExchangeClient receives for the
 * live forwarding-rule sample (RuleIdentity exact beyond 2^53, EX recipient), the hidden Junk rule, the not-found
 * error, and permission rows (comma-joined rights split).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExchangeClient } from "../../src/adapters/exo/client.js";
import { parseExoRecipient } from "../../src/adapters/exo/recipient.js";
import { rejection, startExoEnv, type ExoTestEnv } from "./helpers.js";

const MEGAN = "MeganB@contoso.com";
const LEE = "LeeG@contoso.com";

describe("apis.md B2 samples through the stand-in", () => {
  let t: ExoTestEnv;
  let client: ExchangeClient;
  beforeAll(async () => {
    t = await startExoEnv();
    client = t.client();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("the forwarding-rule sample projects with its exact RuleIdentity and an EX recipient without SMTP", async () => {
    const owner = t.mailbox(MEGAN);
    t.emu.ctx.state.users.find((u) => u.userPrincipalName === LEE)!.displayName = "Rob Knight";
    owner.rules.push({
      ruleIdentity: "15394007230974001153",
      graphId: "AQAAAAAAAAE=",
      name: "g2o-test-forward",
      priority: 9,
      enabled: true,
      hidden: false,
      inError: false,
      conditions: { subjectContainsWords: ["g2o-test-forward"] },
      actions: { forwardTo: [{ address: LEE }] },
    });
    const rule = await client.getInboxRule(MEGAN, "15394007230974001153");
    expect(rule).toMatchObject({
      name: "g2o-test-forward",
      identity: `${owner.userId}\\15394007230974001153`,
      ruleIdentity: "15394007230974001153",
      enabled: true,
      errorType: "None",
      supportedByTask: true,
      mailboxOwnerId: owner.userId,
      subjectContainsWords: ["g2o-test-forward"],
      description:
        "If the message: the message includes specific words in the subject 'g2o-test-forward' Take the following actions: forward the message to 'Rob Knight'",
    });
    expect(rule.forwardTo).toHaveLength(1);
    const recipient = parseExoRecipient(rule.forwardTo[0]!);
    expect(recipient).toMatchObject({ kind: "ex", name: "Rob Knight" });
    expect(JSON.stringify(recipient)).not.toContain("@");
  });

  it("the hidden Junk rule projects with defaults for the members the REST object omits", async () => {
    const junk = (await client.getInboxRules(LEE, { includeHidden: true })).find(
      (r) => r.name === "Junk E-mail Rule",
    );
    expect(junk).toMatchObject({
      priority: 0,
      enabled: true,
      errorType: null,
      description: "",
      supportedByTask: false,
      mailboxOwnerId: "",
      forwardTo: [],
    });
  });

  it("the not-found sample becomes a typed NotFound carrying Exchange's type and text", async () => {
    const e = await rejection(client.getMailbox("user2@contoso.com"));
    expect(e).toMatchObject({
      category: "NotFound",
      type: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
    });
    expect(String(e["message"])).toMatch(
      /^The operation couldn't be performed because object 'user2@contoso\.com' couldn't be found on '[A-Z0-9.]+'\.$/,
    );
  });

  it("permission rows: SELF's comma-joined rights arrive split", async () => {
    const [self] = await client.getMailboxPermissions(LEE);
    expect(self).toEqual({
      identity: t.mailbox(LEE).userId,
      user: "NT AUTHORITY\\SELF",
      accessRights: ["FullAccess", "ReadPermission"],
      isInherited: false,
      deny: false,
      inheritanceType: "All",
    });
    const [sendAs] = await client.getRecipientPermissions(LEE);
    expect(sendAs).toEqual({
      identity: t.mailbox(LEE).userId,
      trustee: "NT AUTHORITY\\SELF",
      accessControlType: "Allow",
      accessRights: ["SendAs"],
      isInherited: false,
    });
  });
});
