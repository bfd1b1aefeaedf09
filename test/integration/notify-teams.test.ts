/**
 * Teams notices end to end against the emulated tenant: the configured delegated credential (password grant) posts
 * an escaped HTML message; an app-only credential is refused the way Graph refuses it and the result says what to
 * configure; a bad password fails the notice without leaking it; one channel failing never stops the other.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, notifySchema, type NotifyConfig } from "../../src/config/schema.js";
import { noticeChecks } from "../../src/doctor/notices.js";
import { createNotifier, type NoticeEvent } from "../../src/notify/index.js";
import { secretCredential, startTestEmulator, type TestEmulator } from "../emulator/helpers.js";
import {
  CHANNEL_ID,
  NOTICES_APP_ID,
  NOTICES_PASSWORD,
  NOTICES_UPN,
  TEAM_ID,
  UNCONSENTED_APP_ID,
  noticesCredential,
  teamsScenario,
} from "../emulator/teams-fixture.js";

let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator({ scenario: teamsScenario });
});
afterAll(async () => t.stop());

const HOSTILE_RULE = `</code><img src=x onerror=alert(1)>"'&`;
const event: NoticeEvent = {
  kind: "cap-reached",
  tenant: "placeholder",
  caseId: "case-9",
  runId: "run-9",
  user: { upn: `AdeleV@contoso.com<script>` },
  summary: `The containment cap (25) was reached; rule ${HOSTILE_RULE} waits`,
  steps: [{ id: "disable-rule", action: "inboxRule.disable", target: HOSTILE_RULE, status: "planned" }],
  counts: { contained: 25, cap: 25 },
  hint: "mailwarden run --resume run-9",
};

function teamsConfig(extra: Record<string, unknown> = {}): NotifyConfig {
  return notifySchema.parse({
    teams: {
      teamId: TEAM_ID,
      channelId: CHANNEL_ID,
      credential: {
        type: "usernamePassword",
        clientId: NOTICES_APP_ID,
        username: NOTICES_UPN,
        passwordEnv: "MW_NOTICES_PW",
      },
    },
    ...extra,
  });
}

function deps(env: Record<string, string> = { MW_NOTICES_PW: NOTICES_PASSWORD }) {
  return {
    tenantId: t.emu.tenantId,
    endpoints: {
      authorityHost: t.emu.authorityHost,
      graphBaseUrl: t.emu.graphBaseUrl,
      graphTimeoutMs: 10_000,
    },
    env,
    sleep: async () => {},
  };
}

function channelMessages() {
  return (
    t.emu.ctx.state.teams?.find((x) => x.id === TEAM_ID)?.channels.find((c) => c.id === CHANNEL_ID)
      ?.messages ?? []
  );
}

describe("Teams notices", () => {
  it("post an escaped HTML message as the notices account", async () => {
    const before = channelMessages().length;
    const results = await createNotifier(teamsConfig(), deps()).notify({ ...event, tenant: t.emu.tenantId });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ channel: "teams", status: "sent" });
    const msgs = channelMessages();
    expect(msgs).toHaveLength(before + 1);
    const m = msgs.at(-1)!;
    expect(m.id).toBe(results[0]?.messageId);
    expect(m.body.contentType).toBe("html");
    expect(m.fromDisplayName).toBe("mailwarden notices");
    expect(m.body.content).toContain("&lt;/code&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;");
    expect(m.body.content).toContain("AdeleV@contoso.com&lt;script&gt;");
    expect(m.body.content).not.toMatch(/<img|<script/);
    expect(m.body.content).toContain("Containment cap reached");
    const post = t.emu.requests().findLast((r) => r.method === "POST" && r.path.endsWith("/messages"));
    expect(post).toMatchObject({ status: 201, write: true });
  });

  it("one notifier sends notice after notice, each its own message", async () => {
    const n = createNotifier(teamsConfig(), deps());
    const before = channelMessages().length;
    const ids: (string | undefined)[] = [];
    for (const i of [1, 2, 3]) {
      const [r] = await n.notify({ ...event, tenant: t.emu.tenantId, caseId: `case-${i}` });
      expect(r?.status).toBe("sent");
      ids.push(r?.messageId);
    }
    expect(new Set(ids).size).toBe(3);
    expect(
      channelMessages()
        .slice(before)
        .map((m) => m.id),
    ).toEqual(ids);
  });

  it("an app-only credential is refused like Graph refuses it, and the reason says what to configure", async () => {
    const before = channelMessages().length;
    const n = createNotifier(teamsConfig(), { ...deps(), teamsCredential: secretCredential(t.emu) });
    const [r] = await n.notify({ ...event, tenant: t.emu.tenantId });
    expect(r).toMatchObject({ channel: "teams", status: "failed" });
    expect(r?.reason).toContain("403 Forbidden");
    expect(r?.reason).toContain("Missing role permissions on the request");
    expect(r?.reason).toContain("an app-only credential cannot post: configure notify.teams.credential");
    expect(channelMessages()).toHaveLength(before);
  });

  it("a wrong or missing password fails the notice, never the caller, and is never echoed", async () => {
    const wrong = "Wr0ng-But-Secret-Pass!";
    const [r] = await createNotifier(teamsConfig(), deps({ MW_NOTICES_PW: wrong })).notify({
      ...event,
      tenant: t.emu.tenantId,
    });
    expect(r).toMatchObject({ channel: "teams", status: "failed" });
    expect(r?.reason).toContain("AADSTS50126");
    expect(JSON.stringify(r)).not.toContain(wrong);
    const [missing] = await createNotifier(teamsConfig(), deps({})).notify({
      ...event,
      tenant: t.emu.tenantId,
    });
    expect(missing).toEqual({
      channel: "teams",
      status: "failed",
      reason: "environment variable MW_NOTICES_PW (notify.teams.credential.passwordEnv) is not set",
    });
  });

  it("one channel failing does not stop the other", async () => {
    const before = channelMessages().length;
    const config = teamsConfig({
      webhook: { url: "http://127.0.0.1:9/unreachable", secretEnv: "MW_HOOK", maxAttempts: 2 },
    });
    const results = await createNotifier(
      config,
      deps({ MW_NOTICES_PW: NOTICES_PASSWORD, MW_HOOK: "k3y-k3y-k3y" }),
    ).notify({
      ...event,
      tenant: t.emu.tenantId,
    });
    expect(results.map((r) => [r.channel, r.status])).toEqual([
      ["webhook", "failed"],
      ["teams", "sent"],
    ]);
    expect(channelMessages()).toHaveLength(before + 1);
  });

  it("the config refuses an app-only credential type for Teams and a malformed channel id", () => {
    const base = teamsConfig();
    const bad = (teams: Record<string, unknown>) =>
      notifySchema.safeParse({ teams: { ...base.teams, ...teams } }).success;
    expect(
      bad({ credential: { type: "clientSecret", clientId: NOTICES_APP_ID, clientSecretEnv: "X" } }),
    ).toBe(false);
    expect(bad({ channelId: "general" })).toBe(false);
    expect(bad({ channelId: "19:abc@thread.tacv2/../x" })).toBe(false);
    expect(bad({})).toBe(true);
  });
});

describe("doctor's notice rows (no notice sent)", () => {
  function config(notify: unknown) {
    return configSchema.parse({
      tenant: { id: t.emu.tenantId, domains: ["contoso.com", "contoso.onmicrosoft.com"] },
      credential: { type: "clientSecret", clientId: t.emu.clientId, clientSecret: "unused" },
      endpoints: { authorityHost: t.emu.authorityHost, graphBaseUrl: t.emu.graphBaseUrl },
      notify,
    });
  }
  const env = { MW_NOTICES_PW: NOTICES_PASSWORD };

  it("ok for a delegated token with ChannelMessage.Send; failed for an app-only one; missing without the scope", async () => {
    const before = t.emu.requests().filter((r) => r.face === "graph").length;
    const c = config({ teams: teamsConfig().teams });
    const [ok] = await noticeChecks(c, env);
    expect(ok).toMatchObject({ check: "notify teams token", status: "ok" });
    expect(ok?.detail).toContain(`delegated token for ${NOTICES_UPN} with ChannelMessage.Send`);

    const [appOnly] = await noticeChecks(c, env, secretCredential(t.emu));
    expect(appOnly).toMatchObject({ status: "failed" });
    expect(appOnly?.detail).toContain("an app-only token");

    const other = noticesCredential(t.emu, NOTICES_UPN, NOTICES_PASSWORD, UNCONSENTED_APP_ID);
    const [missing] = await noticeChecks(c, env, other);
    expect(missing).toMatchObject({ status: "missing" });
    expect(missing?.fix).toContain("ChannelMessage.Send");

    const [noPw] = await noticeChecks(c, {});
    expect(noPw).toMatchObject({ status: "failed" });
    // Doctor reads tokens only: nothing reached the Graph face.
    expect(t.emu.requests().filter((r) => r.face === "graph")).toHaveLength(before);
  });

  it("checks the webhook secret without calling the receiver", async () => {
    const c = config({ webhook: { url: "https://hooks.example.com/x?token=abc", secretEnv: "MW_HOOK" } });
    expect(await noticeChecks(c, { MW_HOOK: "s3cret-value" })).toEqual([
      expect.objectContaining({
        status: "ok",
        detail: expect.stringContaining("https://hooks.example.com (not probed"),
      }),
    ]);
    const [bad] = await noticeChecks(c, {});
    expect(bad).toMatchObject({
      status: "failed",
      detail: "environment variable MW_HOOK (webhook secretEnv) is not set",
    });
  });
});
