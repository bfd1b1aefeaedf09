import { describe, expect, it } from "vitest";
import { analyzeForwarding, analyzeRule } from "../../src/rules/analyze.js";
import { isSystemRuleName } from "../../src/rules/lists.js";
import { isSystemRule } from "../../src/rules/system.js";
import {
  contentFingerprint,
  exoFolderLeaf,
  normalizeExoRule,
  normalizeGraphRule,
  parseExoRecipient,
} from "../../src/rules/normalize.js";

const D = ["contoso.com", "contoso.onmicrosoft.com"];

describe("recipient parsing", () => {
  it("reads Exchange's SMTP and EX forms", () => {
    expect(parseExoRecipient('"Eve" [SMTP:Eve@Evil.example]', D)).toEqual({
      kind: "external",
      address: "eve@evil.example",
      display: "Eve",
    });
    expect(
      parseExoRecipient(
        '"Rob Knight" [EX:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=abc]',
        D,
      ),
    ).toEqual({
      kind: "internal",
      display: "Rob Knight",
    });
    expect(parseExoRecipient("alex@sub.contoso.com", D).kind).toBe("internal");
    expect(parseExoRecipient("alex@contoso.com.evil.example", D).kind).toBe("external");
  });
  it("takes the leaf of an Exchange folder path", () => {
    expect(exoFolderLeaf("adelev:\\RSS Feeds")).toBe("rss feeds");
    expect(exoFolderLeaf("x:\\Inbox\\Sub\\Deep")).toBe("deep");
    expect(exoFolderLeaf(null)).toBeUndefined();
  });
});

describe("content fingerprint", () => {
  const exo = {
    name: "Invoices",
    enabled: true,
    priority: 1,
    subjectContainsWords: ["Invoice", "payment"],
    forwardTo: ['"X" [SMTP:x@evil.example]', '"Alex" [EX:/o=ExchangeLabs/cn=Recipients/cn=alex]'],
    markAsRead: true,
    moveToFolder: "adelev:\\RSS Feeds",
    stopProcessingRules: true,
  };
  const graph = {
    id: "AQAAAJ5dZp8=",
    displayName: "Invoices",
    sequence: 1,
    isEnabled: true,
    conditions: { subjectContains: ["PAYMENT", "invoice"] },
    actions: {
      forwardTo: [
        { emailAddress: { name: "X", address: "X@Evil.example" } },
        { emailAddress: { name: "Alex", address: "alex@contoso.com" } },
      ],
      markAsRead: true,
      moveToFolder: "folder-1",
      stopProcessingRules: true,
    },
  };
  const folders = (id: string) => (id === "folder-1" ? "RSS Feeds" : undefined);

  it("is the same on both transports", () => {
    expect(contentFingerprint(normalizeExoRule(exo, D))).toBe(
      contentFingerprint(normalizeGraphRule(graph, D, folders)),
    );
  });
  it("ignores enabled state and order but not content", () => {
    const a = contentFingerprint(normalizeExoRule(exo, D));
    expect(contentFingerprint(normalizeExoRule({ ...exo, enabled: false, priority: 9 }, D))).toBe(a);
    expect(
      contentFingerprint(normalizeExoRule({ ...exo, forwardTo: ['"X" [SMTP:y@evil.example]'] }, D)),
    ).not.toBe(a);
  });
  it("keeps an unresolved folder id distinct from any name", () => {
    const g = normalizeGraphRule(graph, D, () => undefined);
    expect(g.moveToFolder).toBe("id:folder-1");
  });
  it("marks Graph's read-only rules without content as unknown", () => {
    const g = normalizeGraphRule(
      { id: "x", displayName: "t", isEnabled: true, isReadOnly: true },
      D,
      () => undefined,
    );
    expect(g.contentUnknown).toBe(true);
  });
});

describe("rule analysis", () => {
  const rule = (over: Record<string, unknown>) => normalizeExoRule({ name: "r", enabled: true, ...over }, D);

  it("flags external forwarding as high with its address", () => {
    const a = analyzeRule(
      rule({ name: "Invoices", forwardTo: ['"E" [SMTP:e@evil.example]'], subjectContainsWords: ["invoice"] }),
    );
    expect(a.suspect).toBe(true);
    expect(a.score).toBeGreaterThanOrEqual(70);
    expect(a.reasons.map((r) => r.code)).toEqual(["forwards-external", "finance-keywords"]);
    expect(a.reasons[0]!.detail).toContain("e@evil.example");
  });
  it("does not flag forwarding inside the tenant", () => {
    expect(analyzeRule(rule({ forwardTo: ['"A" [SMTP:alex@contoso.com]'] })).suspect).toBe(false);
    expect(analyzeRule(rule({ redirectTo: ['"A" [EX:/o=x/cn=a]'] })).suspect).toBe(false);
  });
  it("flags the classic hiding rule: '.' moving security mail to RSS Feeds, read", () => {
    const a = analyzeRule(
      rule({
        name: ".",
        moveToFolder: "m:\\RSS Feeds",
        markAsRead: true,
        subjectOrBodyContainsWords: ["phish", "unusual sign-in"],
      }),
    );
    expect(a.suspect).toBe(true);
    expect(a.reasons.map((r) => r.code)).toEqual([
      "moves-to-hiding-folder",
      "marks-read",
      "security-keywords",
      "obscure-name",
    ]);
    expect(a.score).toBeGreaterThanOrEqual(70);
  });
  it("raises a rule that deletes mail from Microsoft and IT senders", () => {
    const a = analyzeRule(
      rule({
        name: "Microsoft",
        deleteMessage: true,
        fromAddressContainsWords: ["microsoft", "no-reply", "security"],
      }),
    );
    expect(a.reasons.map((r) => r.code)).toEqual(["deletes-mail", "security-senders"]);
    expect(a.score).toBeGreaterThanOrEqual(65);
  });
  it("leaves benign folder rules alone", () => {
    expect(
      analyzeRule(
        rule({ name: "Newsletters", moveToFolder: "m:\\Newsletters", fromAddressContainsWords: ["news"] }),
      ).suspect,
    ).toBe(false);
  });
  it("matches keywords as whole terms only", () => {
    const a = analyzeRule(
      rule({ name: "Cleanup", deleteMessage: true, subjectContainsWords: ["reach out"] }),
    );
    expect(a.reasons.map((r) => r.code)).toEqual(["deletes-mail"]);
  });
  it("caps a disabled rule at low but still reports it", () => {
    const a = analyzeRule(rule({ enabled: false, forwardTo: ['"E" [SMTP:e@evil.example]'] }));
    expect(a.suspect).toBe(true);
    expect(a.score).toBeLessThanOrEqual(20);
  });
  it("recognises system rules", () => {
    expect(isSystemRuleName("Junk E-mail Rule")).toBe(true);
    expect(isSystemRuleName("Microsoft.Exchange.OOF.KnownSenders.12345")).toBe(true);
    expect(isSystemRuleName("Delegate Rule -1")).toBe(true);
    expect(isSystemRuleName("Junk")).toBe(false);
  });
  it("tells a system rule by what it is, never by its name", () => {
    const junk = rule({ name: "Junk E-mail Rule", moveToFolder: "Junk Email" });
    expect(isSystemRule(junk, { hidden: true })).toBe(true);
    // Exchange hides its own rules: a visible one is a user's, whatever its name
    expect(isSystemRule(junk, { hidden: false })).toBe(false);
    const redirect = rule({ name: "Junk E-mail Rule", redirectTo: ['"D" [SMTP:d@evil.example]'] });
    expect(isSystemRule(redirect, { hidden: true })).toBe(false);
    const a = analyzeRule(redirect, { hidden: true });
    expect(a.reasons.map((r) => r.code)).toContain("impersonates-system-rule");
    // a delegate rule forwards meeting messages to delegates inside the tenant
    const delegate = rule({
      name: "Delegate Rule",
      forwardTo: ['"A" [EX:/o=ExchangeLabs/cn=Recipients/cn=alex]'],
    });
    expect(isSystemRule(delegate, { hidden: true })).toBe(true);
    expect(isSystemRule(rule({ name: "x", moveToFolder: "RSS Feeds" }), { hidden: true })).toBe(false);
  });
});

describe("forwarding analysis", () => {
  it("flags external SMTP forwarding, and ForwardingAddress, which wins when both are set", () => {
    const a = analyzeForwarding(
      {
        forwardingSmtpAddress: "smtp:x@evil.example",
        forwardingAddress: null,
        deliverToMailboxAndForward: true,
      },
      D,
    );
    expect(a.suspect).toBe(true);
    expect(a.reasons.map((r) => r.code)).toEqual(["mailbox-forwarding-external", "keeps-copy"]);
    const b = analyzeForwarding(
      {
        forwardingSmtpAddress: "smtp:x@evil.example",
        forwardingAddress: "Evil Contact",
        deliverToMailboxAndForward: false,
      },
      D,
    );
    expect(b.reasons.map((r) => r.code)).toEqual([
      "mailbox-forwarding-recipient",
      "mailbox-forwarding-external",
    ]);
  });
  it("ignores internal forwarding and empty settings", () => {
    expect(
      analyzeForwarding(
        {
          forwardingSmtpAddress: "smtp:boss@contoso.com",
          forwardingAddress: null,
          deliverToMailboxAndForward: true,
        },
        D,
      ).suspect,
    ).toBe(false);
    expect(
      analyzeForwarding(
        { forwardingSmtpAddress: null, forwardingAddress: null, deliverToMailboxAndForward: false },
        D,
      ).suspect,
    ).toBe(false);
  });
});
