/**
 * Transient Exchange failures are retried inside each ExchangeClient call (backoff with jitter on an injectable
 * sleep, or the delay the service names); permanent ones are not. Unit cells use a scripted invoker; end-to-end
 * cells run ExchangeClient → runner → pwsh stand-in → the emulated tenant with injected faults and count the
 * requests in the emulator's request log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EXO_WRITE_RETRY,
  ExchangeClient,
  exoBackoffMs,
  type CmdletInvoker,
  type ExoRetryOptions,
} from "../../src/adapters/exo/client.js";
import { ExoError, exoTransience, retryAfterFromMessage } from "../../src/adapters/exo/errors.js";
import type { InvokeParams } from "../../src/adapters/exo/protocol.js";
import type { FaultsConfig } from "../../src/emulator/faults/config.js";
import { rejection, startExoEnv, type ExoTestEnv } from "./helpers.js";

const ADELE = "AdeleV@contoso.com";
const MEGAN = "MeganB@contoso.com";
const ALEX = "AlexW@contoso.com";
const LEE = "LeeG@contoso.com";

const busy = (cmdlet = "Get-Mailbox") =>
  new ExoError({
    category: "Throttled",
    cmdlet,
    type: "System.Net.Http.HttpRequestException",
    message: "The server is busy (HTTP 503); try again later.",
  });
const dropped = (cmdlet: string) =>
  new ExoError({
    category: "Failed",
    cmdlet,
    type: "System.Net.Http.HttpRequestException",
    message: "An error occurred while sending the request: other side closed.",
  });
const notFound = (cmdlet: string) =>
  new ExoError({
    category: "NotFound",
    cmdlet,
    type: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
    message: "The operation couldn't be performed because object 'x' couldn't be found.",
  });

/** An invoker that answers each call with the next scripted outcome (an ExoError is thrown, anything else returned). */
function scripted(outcomes: unknown[]): CmdletInvoker {
  return {
    invoke<T>() {
      const next = outcomes.length ? outcomes.shift() : [];
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next as T);
    },
    close: () => Promise.resolve(),
  };
}

function client(outcomes: unknown[], retry: ExoRetryOptions = {}) {
  const invoker = scripted(outcomes);
  const sleeps: number[] = [];
  const calls: string[] = [];
  const wrapped: CmdletInvoker = {
    invoke<T>(cmdlet: string, params?: InvokeParams, opts?: { signal?: AbortSignal }) {
      calls.push(cmdlet);
      return invoker.invoke<T>(cmdlet, params, opts);
    },
    close: () => invoker.close(),
  };
  const c = new ExchangeClient(wrapped, {
    random: () => 1,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...retry,
  });
  return { c, sleeps, calls };
}

const MAILBOX_ROW = {
  name: "Adele",
  alias: "AdeleV",
  displayName: "Adele Vance",
  userPrincipalName: ADELE,
  primarySmtpAddress: ADELE,
  recipientTypeDetails: "UserMailbox",
  exchangeGuid: "00000000-0000-0000-0000-000000000001",
  externalDirectoryObjectId: "00000000-0000-0000-0000-000000000002",
  emailAddresses: [],
  isMailboxEnabled: true,
  identity: "x",
  forwardingAddress: null,
  forwardingSmtpAddress: null,
  deliverToMailboxAndForward: false,
  accountDisabled: false,
  grantSendOnBehalfTo: [],
};

describe("classification", () => {
  it("types failures as refused (not run), unknown (may have run) or permanent", () => {
    const t = (category: ExoError["category"], type: string, message: string) =>
      new ExoError({ category, type, message }).transience;
    expect(t("Throttled", "System.Net.Http.HttpRequestException", "busy")).toBe("refused");
    expect(t("Failed", "System.Exception", "Micro delay; the server is busy, try again")).toBe("refused");
    expect(
      t(
        "Failed",
        "System.Net.Http.HttpRequestException",
        "Response status code does not indicate success: 504 (Gateway Timeout).",
      ),
    ).toBe("unknown");
    expect(
      t(
        "Failed",
        "System.Net.Http.HttpRequestException",
        "Response status code does not indicate success: 502.",
      ),
    ).toBe("unknown");
    expect(
      t(
        "Failed",
        "System.Net.Http.HttpRequestException",
        "Response status code does not indicate success: 503.",
      ),
    ).toBe("refused");
    expect(
      t("Failed", "System.Net.Http.HttpRequestException", "An error occurred while sending the request."),
    ).toBe("unknown");
    expect(t("Failed", "System.IO.IOException", "The response ended prematurely.")).toBe("unknown");
    expect(t("Timeout", "", "Get-Mailbox did not complete")).toBe("unknown");
    expect(t("BridgeFailed", "", "The Exchange bridge process ended (signal SIGKILL).")).toBe("unknown");
    // permanent
    expect(
      t(
        "Failed",
        "System.Net.Http.HttpRequestException",
        "Response status code does not indicate success: 500.",
      ),
    ).toBeUndefined();
    expect(
      t(
        "Failed",
        "System.Net.Http.HttpRequestException",
        "Response status code does not indicate success: 400.",
      ),
    ).toBeUndefined();
    for (const c of [
      "NotFound",
      "AccessDenied",
      "InvalidParameter",
      "Ambiguous",
      "Unsupported",
      "NotConnected",
    ] as const)
      expect(
        t(c, "System.Net.Http.HttpRequestException", "An error occurred while sending the request."),
      ).toBeUndefined();
    expect(
      t("Failed", "System.Management.Automation.PSInvalidOperationException", "prompt refused"),
    ).toBeUndefined();
    expect(
      new ExoError({ category: "BridgeFailed", message: "no pwsh", retryable: false }).transience,
    ).toBeUndefined();
    expect(new ExoError({ category: "Failed", message: "bad shape", retryable: false }).retryable).toBe(
      false,
    );
    // retryable follows the classification
    expect(
      exoTransience(
        "Failed",
        "System.Net.Http.HttpRequestException",
        "An error occurred while sending the request.",
      ),
    ).toBe("unknown");
    expect(dropped("Get-Mailbox").retryable).toBe(true);
  });

  it("reads a delay the service names", () => {
    expect(
      retryAfterFromMessage("The server is busy (HTTP 429); try again later. Retry after 7 seconds."),
    ).toBe(7_000);
    expect(retryAfterFromMessage("Retry-After: 2")).toBe(2_000);
    expect(retryAfterFromMessage("Request is throttled. Suggested Backoff Time: 30000 milliseconds")).toBe(
      30_000,
    );
    expect(retryAfterFromMessage("busy")).toBeUndefined();
  });

  it("backs off exponentially with 50–100 % jitter, capped", () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => exoBackoffMs(a, {}, () => 1))).toEqual([
      2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(exoBackoffMs(0, {}, () => 0)).toBe(1000);
    expect(exoBackoffMs(2, { baseDelayMs: 10, maxDelayMs: 25 }, () => 1)).toBe(25);
  });

  it("documents a retry rule for every write cmdlet on the allow-list", async () => {
    const { EXO_CMDLETS } = await import("../../src/adapters/exo/allowlist.js");
    for (const cmdlet of Object.keys(EXO_CMDLETS).filter((c) => !c.startsWith("Get-")))
      expect(EXO_WRITE_RETRY[cmdlet], cmdlet).toBeDefined();
  });
});

describe("ExchangeClient retries (scripted bridge)", () => {
  it("retries a throttled read with backoff on the injected sleep until it succeeds", async () => {
    const { c, sleeps, calls } = client([busy(), busy(), [MAILBOX_ROW]]);
    expect((await c.getMailbox(ADELE)).userPrincipalName).toBe(ADELE);
    expect(calls).toEqual(["Get-Mailbox", "Get-Mailbox", "Get-Mailbox"]);
    expect(sleeps).toEqual([2000, 4000]);
  });

  it("honours the delay the service names", async () => {
    const slow = new ExoError({
      category: "Throttled",
      message: "The server is busy (HTTP 429); try again later. Retry after 7 seconds.",
    });
    const { c, sleeps } = client([slow, [MAILBOX_ROW]]);
    await c.getMailbox(ADELE);
    expect(sleeps).toEqual([7000]);
    const capped = client(
      [new ExoError({ category: "Throttled", message: "x", retryAfterMs: 3_600_000 }), [MAILBOX_ROW]],
      {
        maxServerDelayMs: 60_000,
      },
    );
    await capped.c.getMailbox(ADELE);
    expect(capped.sleeps).toEqual([60_000]);
  });

  it("gives up after maxRetries with the typed, retryable error and the attempt count", async () => {
    const { c, sleeps, calls } = client([busy(), busy(), busy(), busy()], { maxRetries: 2 });
    const e = await rejection(c.getMailbox(ADELE));
    expect(e).toMatchObject({
      name: "ExoError",
      category: "Throttled",
      retryable: true,
      cmdlet: "Get-Mailbox",
    });
    expect(String(e["message"])).toContain("gave up after 3 attempts");
    expect(calls).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it("never retries a permanent failure", async () => {
    for (const err of [
      notFound("Get-Mailbox"),
      new ExoError({
        category: "AccessDenied",
        message: "Forbidden",
        type: "System.UnauthorizedAccessException",
      }),
      new ExoError({ category: "InvalidParameter", message: "bad", type: "System.ArgumentException" }),
      new ExoError({
        category: "Failed",
        message: "Response status code does not indicate success: 500.",
        type: "System.Net.Http.HttpRequestException",
      }),
    ]) {
      const { c, sleeps, calls } = client([err, [MAILBOX_ROW]]);
      expect(await rejection(c.getMailbox(ADELE))).toBe(err);
      expect(calls).toHaveLength(1);
      expect(sleeps).toEqual([]);
    }
  });

  it("does not retry a timed-out cmdlet unless told to", async () => {
    const timeout = () =>
      new ExoError({ category: "Timeout", cmdlet: "Get-Mailbox", message: "did not complete" });
    const a = client([timeout(), [MAILBOX_ROW]]);
    expect(await rejection(a.c.getMailbox(ADELE))).toMatchObject({ category: "Timeout" });
    expect(a.calls).toHaveLength(1);
    const b = client([timeout(), [MAILBOX_ROW]], { retryTimeouts: true });
    await b.c.getMailbox(ADELE);
    expect(b.calls).toHaveLength(2);
  });

  it("retries idempotent writes after a dropped connection or a dead bridge, and refused writes always", async () => {
    const died = new ExoError({
      category: "BridgeFailed",
      message: "The Exchange bridge process ended (signal SIGKILL).",
    });
    const a = client([dropped("Set-Mailbox"), died, []]);
    await a.c.setMailboxForwarding(ADELE, {
      forwardingSmtpAddress: null,
      forwardingAddress: null,
      deliverToMailboxAndForward: false,
    });
    expect(a.calls).toEqual(["Set-Mailbox", "Set-Mailbox", "Set-Mailbox"]);
    const b = client([busy("Add-MailboxFolderPermission"), []]);
    await b.c.addFolderPermission(`${ALEX}:\\Inbox`, LEE, ["Reviewer"]);
    expect(b.calls).toHaveLength(2);
  });

  it("a Remove after an unknown outcome that finds nothing to remove is done; a first NotFound still fails", async () => {
    const a = client([dropped("Remove-InboxRule"), notFound("Remove-InboxRule")]);
    await a.c.removeInboxRule(MEGAN, "16752869479666417665", { deleteOutlookClientRules: true });
    expect(a.calls).toEqual(["Remove-InboxRule", "Remove-InboxRule"]);
    const b = client([notFound("Remove-InboxRule")]);
    expect(
      await rejection(b.c.removeInboxRule(MEGAN, "16752869479666417665", { deleteOutlookClientRules: true })),
    ).toMatchObject({
      category: "NotFound",
    });
    // a refused first attempt did not run: a NotFound after it is a real NotFound
    const c = client([busy("Remove-InboxRule"), notFound("Remove-InboxRule")]);
    expect(
      await rejection(c.c.removeInboxRule(MEGAN, "16752869479666417665", { deleteOutlookClientRules: true })),
    ).toMatchObject({
      category: "NotFound",
    });
    const exists = new ExoError({
      category: "Failed",
      type: "Microsoft.Exchange.Management.StoreTasks.UserAlreadyExistsInPermissionEntryException",
      message: "An existing permission entry was found for user: Lee Gu.",
    });
    const d = client([dropped("Add-MailboxFolderPermission"), exists]);
    await d.c.addFolderPermission(`${ALEX}:\\Inbox`, LEE, ["Reviewer"]);
    expect(d.calls).toHaveLength(2);
  });

  it("stops waiting when the caller aborts", async () => {
    const ac = new AbortController();
    const c = new ExchangeClient(scripted([busy(), [MAILBOX_ROW]]), {
      sleep: (_ms, signal) =>
        new Promise((_r, reject) => {
          signal?.addEventListener("abort", () => reject(new Error("aborted")));
          ac.abort();
        }),
    });
    expect(await rejection(c.getMailbox(ADELE, { signal: ac.signal }))).toMatchObject({
      category: "Aborted",
    });
  });
});

describe("ExchangeClient retries against the emulated tenant", () => {
  let t: ExoTestEnv;
  beforeAll(async () => {
    t = await startExoEnv();
  });
  afterAll(async () => {
    await t.stop();
  });

  const setFaults = (f: FaultsConfig) => t.emu.ctx.faults!.replace(f);
  const exchangeStatuses = (since: number) =>
    t.emu
      .requests()
      .slice(since)
      .filter((r) => r.face === "exchange")
      .map((r) => r.status);

  it("~10 % transient Exchange faults (fixed seed): every read and write succeeds after retries, on a fake clock", async () => {
    setFaults({
      seed: 42,
      rules: [
        { face: "exchange", probability: 0.08, fault: { type: "unavailable", status: 503 } },
        { face: "exchange", probability: 0.03, fault: { type: "throttle", retryAfter: null } },
        { face: "exchange", probability: 0.02, fault: { type: "unavailable", status: 504 } },
        { face: "exchange", probability: 0.02, fault: { type: "drop" } },
      ],
    });
    const sleeps: number[] = [];
    const c = t.client({
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    const mark = t.emu.requests().length;
    const started = Date.now();
    try {
      const rule = t.mailbox(MEGAN).rules.find((r) => r.name === ".")!;
      for (let round = 0; round < 3; round++) {
        for (const upn of [ADELE, MEGAN, ALEX, LEE]) {
          expect((await c.getMailbox(upn)).userPrincipalName.toLowerCase()).toBe(upn.toLowerCase());
          await c.getInboxRules(upn, { includeHidden: true });
          await c.getMailboxPermissions(upn);
          await c.getRecipientPermissions(upn);
          await c.getFolderPermissions(`${upn}:\\Inbox`);
        }
        await c.setMailboxForwarding(LEE, {
          forwardingSmtpAddress: "lee.archive@contoso.com",
          forwardingAddress: null,
          deliverToMailboxAndForward: true,
        });
        await c.setMailboxForwarding(LEE, {
          forwardingSmtpAddress: null,
          forwardingAddress: null,
          deliverToMailboxAndForward: false,
        });
        await c.disableInboxRule(MEGAN, rule.ruleIdentity, { deleteOutlookClientRules: true });
        expect((await c.getInboxRule(MEGAN, rule.ruleIdentity)).enabled).toBe(false);
        await c.enableInboxRule(MEGAN, rule.ruleIdentity, { deleteOutlookClientRules: true });
        await c.addMailboxPermission(ADELE, ALEX, ["FullAccess"], { autoMapping: false });
        await c.removeMailboxPermission(ADELE, ALEX, ["FullAccess"]);
        await c.addSendAs(LEE, ALEX);
        await c.removeSendAs(LEE, ALEX);
        await c.setGrantSendOnBehalfTo(MEGAN, { add: [LEE] });
        await c.setGrantSendOnBehalfTo(MEGAN, { remove: [LEE] });
        await c.addFolderPermission(`${ALEX}:\\Inbox`, LEE, ["Reviewer"]);
        await c.removeFolderPermission(`${ALEX}:\\Inbox`, LEE);
        await c.getTransportRules();
      }
      // Every write converged.
      expect(t.mailbox(LEE).forwardingSmtpAddress).toBeNull();
      expect(rule.enabled).toBe(true);
      expect(t.mailbox(ADELE).mailboxPermissions).toEqual([]);
      expect(t.mailbox(LEE).recipientPermissions).toEqual([]);
      expect(t.mailbox(MEGAN).grantSendOnBehalfTo).toEqual([]);
    } finally {
      setFaults({});
    }
    const statuses = exchangeStatuses(mark);
    const failed = statuses.filter((s) => s !== 200);
    // The seed injects a fair share of faults, every one of them was retried (one sleep each), none leaked.
    expect(failed.length).toBeGreaterThanOrEqual(8);
    expect(failed.length / statuses.length).toBeGreaterThan(0.05);
    expect(new Set(failed)).toEqual(new Set([503, 429, 504, 444]));
    expect(sleeps).toHaveLength(failed.length);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  it("a persistent 503 is tried 1 + maxRetries times, then fails typed and retryable", async () => {
    setFaults({
      rules: [{ face: "exchange", match: "Get-Mailbox", fault: { type: "unavailable", status: 503 } }],
    });
    const sleeps: number[] = [];
    const c = t.client({ random: () => 1, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) });
    const mark = t.emu.requests().length;
    try {
      const e = await rejection(c.getMailbox(ADELE));
      expect(e).toMatchObject({ name: "ExoError", category: "Throttled", retryable: true });
      expect(String(e["message"])).toContain("gave up after 5 attempts");
    } finally {
      setFaults({});
    }
    expect(exchangeStatuses(mark)).toEqual([503, 503, 503, 503, 503]);
    expect(sleeps).toEqual([2000, 4000, 8000, 16000]);
  });

  it("honours Retry-After from a throttled Exchange answer", async () => {
    setFaults({
      rules: [
        { face: "exchange", match: "Get-Mailbox", times: 1, fault: { type: "throttle", retryAfter: 7 } },
      ],
    });
    const sleeps: number[] = [];
    const c = t.client({ sleep: (ms) => (sleeps.push(ms), Promise.resolve()) });
    const mark = t.emu.requests().length;
    try {
      await c.getMailbox(ADELE);
    } finally {
      setFaults({});
    }
    expect(exchangeStatuses(mark)).toEqual([429, 200]);
    expect(sleeps).toEqual([7000]);
  });

  it("permanent failures are sent once: NotFound, InvalidParameter, AccessDenied", async () => {
    const sleeps: number[] = [];
    const c = t.client({ sleep: (ms) => (sleeps.push(ms), Promise.resolve()) });
    let mark = t.emu.requests().length;
    expect(await rejection(c.getMailbox("nobody@contoso.com"))).toMatchObject({
      category: "NotFound",
      retryable: false,
    });
    expect(exchangeStatuses(mark)).toHaveLength(1);

    mark = t.emu.requests().length;
    expect(
      await rejection(
        c.setMailboxForwarding(ADELE, {
          forwardingSmtpAddress: "not an address",
          forwardingAddress: null,
          deliverToMailboxAndForward: false,
        }),
      ),
    ).toMatchObject({ category: "InvalidParameter", retryable: false });
    expect(exchangeStatuses(mark)).toHaveLength(1);

    const app = t.emu.ctx.state.apps[0]!;
    const saved = [...app.directoryRoles];
    app.directoryRoles = ["Security Administrator"];
    mark = t.emu.requests().length;
    try {
      expect(
        await rejection(
          c.setMailboxForwarding(ADELE, {
            forwardingSmtpAddress: null,
            forwardingAddress: null,
            deliverToMailboxAndForward: false,
          }),
        ),
      ).toMatchObject({ category: "AccessDenied", retryable: false });
    } finally {
      app.directoryRoles = saved;
    }
    expect(exchangeStatuses(mark)).toEqual([403]);
    expect(sleeps).toEqual([]);
  });
});
