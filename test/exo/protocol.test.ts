import { describe, expect, it } from "vitest";
import { categorizeError, splitExchangeErrorText } from "../../src/adapters/exo/categories.js";
import { ExoError, isExoError, redact } from "../../src/adapters/exo/errors.js";
import { ConnectParamsSchema, parseBridgeLine, RequestSchema } from "../../src/adapters/exo/protocol.js";
import { parseExoRecipient } from "../../src/adapters/exo/recipient.js";
import { checkInvocation } from "../../src/adapters/exo/validate.js";

describe("bridge protocol", () => {
  it("reads ready lines, responses, and treats anything else as noise", () => {
    expect(parseBridgeLine('{"ready":true,"protocol":1}')).toEqual({
      kind: "ready",
      ready: { ready: true, protocol: 1 },
    });
    expect(parseBridgeLine('{"id":"3","ok":true,"result":[]}')).toEqual({
      kind: "response",
      response: { id: "3", ok: true, result: [] },
    });
    const error = parseBridgeLine(
      '{"id":null,"ok":false,"error":{"category":"NotFound","type":"T","message":"m"}}',
    );
    expect(error?.kind).toBe("response");
    expect(parseBridgeLine("WARNING: something")).toBeNull();
    expect(
      parseBridgeLine('{"id":"1","ok":false,"error":{"category":"Weird","type":"T","message":"m"}}'),
    ).toBeNull();
    expect(parseBridgeLine("[1,2]")).toBeNull();
  });

  it("validates requests", () => {
    expect(
      RequestSchema.safeParse({ id: "1", op: "invoke", cmdlet: "Get-Mailbox", params: { Identity: "a" } })
        .success,
    ).toBe(true);
    expect(RequestSchema.safeParse({ id: "", op: "ping" }).success).toBe(false);
    expect(RequestSchema.safeParse({ id: "1", op: "exec" }).success).toBe(false);
  });

  it("connect needs AppId, Organization and a token or certificate; unknown keys are refused", () => {
    expect(ConnectParamsSchema.safeParse({ AppId: "a", Organization: "o", AccessToken: "t" }).success).toBe(
      true,
    );
    expect(
      ConnectParamsSchema.safeParse({
        AppId: "a",
        Organization: "o",
        CertificateFilePath: "/c.pfx",
        CertificatePassword: "p",
      }).success,
    ).toBe(true);
    expect(ConnectParamsSchema.safeParse({ AppId: "a", Organization: "o" }).success).toBe(false);
    expect(ConnectParamsSchema.safeParse({ Organization: "o", AccessToken: "t" }).success).toBe(false);
    expect(
      ConnectParamsSchema.safeParse({ AppId: "a", Organization: "o", AccessToken: "t", Command: "x" })
        .success,
    ).toBe(false);
  });
});

describe("allow-list check", () => {
  it.each([
    ["Get-InboxRule", { Mailbox: "a@b.c", IncludeHidden: true }],
    ["Get-InboxRule", { Mailbox: "a@b.c", Identity: "16752869479666417665" }],
    [
      "Set-Mailbox",
      {
        Identity: "a@b.c",
        ForwardingSmtpAddress: null,
        ForwardingAddress: null,
        DeliverToMailboxAndForward: false,
        Confirm: false,
      },
    ],
    ["Get-Mailbox", { Identity: "a@b.c", ResultSize: "Unlimited" }],
    ["Get-Mailbox", { ResultSize: 5 }],
  ])("accepts %s %j", (cmdlet, params) => {
    expect(checkInvocation(cmdlet, params).ok).toBe(true);
  });

  it.each([
    ["Remove-Mailbox", { Identity: "a@b.c" }, "Unsupported"],
    ["get-inboxrule", { Mailbox: "a@b.c" }, "Unsupported"],
    ["Get-InboxRule", { Mailbox: "a@b.c", Filter: "x" }, "InvalidParameter"],
    ["Get-InboxRule", { mailbox: "a@b.c" }, "InvalidParameter"],
    ["Get-InboxRule", { Mailbox: "" }, "InvalidParameter"],
    ["Get-InboxRule", { Mailbox: "   " }, "InvalidParameter"],
    ["Get-InboxRule", { Mailbox: null }, "InvalidParameter"],
    ["Get-InboxRule", { Mailbox: "*" }, "InvalidParameter"],
    ["Get-InboxRule", { Mailbox: "a@b.c", Identity: "x?" }, "InvalidParameter"],
    ["Get-InboxRule", { Mailbox: "a@b.c", IncludeHidden: "true" }, "InvalidParameter"],
    ["Get-Mailbox", { ResultSize: 0 }, "InvalidParameter"],
    ["Get-Mailbox", { ResultSize: "unlimited" }, "InvalidParameter"],
    ["Set-Mailbox", { Identity: "a@b.c", ForwardingAddress: "*" }, "InvalidParameter"],
    ["Set-Mailbox", { Identity: "a@b.c", ForwardingSmtpAddress: 5 }, "InvalidParameter"],
    ["Get-Mailbox", '{"__proto__":"x"}', "InvalidParameter"],
  ])("refuses %s %j (%s)", (cmdlet, params, category) => {
    const raw = typeof params === "string" ? params : JSON.stringify(params);
    const checked = checkInvocation(cmdlet, JSON.parse(raw) as Record<string, unknown>);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error.category).toBe(category);
  });
});

describe("error categories", () => {
  it("splits Exchange's <id>|<type>|<message> text", () => {
    expect(
      splitExchangeErrorText(
        "Write-ErrorMessage : Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found on 'S'.",
      ),
    ).toEqual({
      type: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
      message: "The operation couldn't be performed because object 'x' couldn't be found on 'S'.",
    });
    expect(splitExchangeErrorText("plain text")).toBeNull();
  });

  it.each([
    [
      "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
      "couldn't be found",
      "NotFound",
    ],
    [
      "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
      "object: 'x' matches multiple entries.",
      "Ambiguous",
    ],
    ["Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException", "x", "Ambiguous"],
    ["System.Management.Automation.ParameterBindingException", "x", "InvalidParameter"],
    [
      "System.Exception",
      "You have reached the maximum number of concurrent requests per tenant. Please wait and try again",
      "Throttled",
    ],
    [
      "System.Management.Automation.CommandNotFoundException",
      "The term 'Remove-InboxRule' is not recognized",
      "Unsupported",
    ],
    [
      "System.Management.Automation.PSInvalidOperationException",
      "PowerShell is in NonInteractive mode.",
      "Failed",
    ],
  ])("%s / %s → %s", (type, message, category) => {
    expect(categorizeError(type, message)).toBe(category);
  });
});

describe("errors and recipients", () => {
  it("ExoError carries category, retryability and cmdlet; isExoError checks the name", () => {
    const e = new ExoError({ category: "Throttled", message: "busy", cmdlet: "Get-Mailbox" });
    expect(e.retryable).toBe(true);
    expect(new ExoError({ category: "NotFound", message: "x" }).retryable).toBe(false);
    expect(isExoError(e)).toBe(true);
    expect(isExoError(new Error("x"))).toBe(false);
    expect(e.name).toBe("ExoError");
  });

  it("redacts secrets", () => {
    expect(redact("token eyJabc.def and eyJabc.def", ["eyJabc.def", "ab"])).toBe(
      "token [redacted] and [redacted]",
    );
  });

  it("parses rendered recipients", () => {
    expect(parseExoRecipient('"Rob Knight" [SMTP:rob@contoso.com]')).toEqual({
      kind: "smtp",
      name: "Rob Knight",
      address: "rob@contoso.com",
    });
    expect(parseExoRecipient('"Say "hi"" [SMTP:x@y.z]')).toEqual({
      kind: "smtp",
      name: 'Say "hi"',
      address: "x@y.z",
    });
    expect(parseExoRecipient('"Alex" [EX:/o=ExchangeLabs/cn=Recipients/cn=abc-alex]')).toEqual({
      kind: "ex",
      name: "Alex",
      legacyExchangeDn: "/o=ExchangeLabs/cn=Recipients/cn=abc-alex",
    });
    expect(parseExoRecipient("rob@contoso.com")).toEqual({ kind: "unknown", raw: "rob@contoso.com" });
  });
});
