/**
 * `createNotifier(config.notify, deps).notify(event)`: sends one notice to every configured channel and resolves
 * with one result per channel. It never throws and never rejects: a notice failing never fails a containment.
 * Each channel is bounded in time (the webhook by maxTotalMs, Teams by the Graph call bound).
 */
import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/identity";
import { trustingFetch, type FetchLike } from "../adapters/tls.js";
import type { Config, NotifyConfig } from "../config/schema.js";
import { noticeEventSchema, type NoticeEvent, type NoticePayload, type NoticeResult } from "./event.js";
import { resolveSecret } from "./secret.js";
import { createTeamsSender } from "./teams.js";
import { deliverWebhook } from "./webhook.js";

export interface NotifierDeps {
  /** The tenant's id (the Teams credential signs in there). */
  tenantId: string;
  /** Default: Microsoft's public cloud. */
  endpoints?: Partial<Pick<Config["endpoints"], "authorityHost" | "graphBaseUrl" | "graphTimeoutMs">>;
  env?: NodeJS.ProcessEnv;
  /** The webhook's fetch (default: Node's, trusting endpoints.caFile when given). */
  fetch?: FetchLike;
  /** Injected in tests so retries do not wait real seconds. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  random?: () => number;
  /** Replaces notify.teams.credential (another delegated credential; tests). */
  teamsCredential?: TokenCredential;
}

export interface Notifier {
  /** One result per configured channel; never throws. */
  notify(event: NoticeEvent): Promise<NoticeResult[]>;
}

const USER_AGENT = "mailwarden-notices/1";

/** One line, with any occurrence of a secret removed (belt and braces: reasons are built without secrets). */
function scrub(reason: string, secrets: string[]): string {
  // One line: Entra's error descriptions span several.
  let out = reason.replace(/\s*\r?\n\s*/g, " ");
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("***");
  return out;
}

export function createNotifier(config: NotifyConfig | undefined, deps: NotifierDeps): Notifier {
  const env = deps.env ?? process.env;
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  const fetchImpl = deps.fetch ?? trustingFetch;

  async function webhook(
    cfg: NonNullable<NotifyConfig["webhook"]>,
    payload: NoticePayload,
  ): Promise<NoticeResult> {
    const secret = await resolveSecret(cfg, env);
    if (!secret.ok) return { channel: "webhook", status: "failed", reason: secret.reason, attempts: 0 };
    const out = await deliverWebhook(cfg, secret.secret, JSON.stringify(payload), payload.id, {
      fetch: fetchImpl,
      sleep,
      now,
      random,
      userAgent: USER_AGENT,
    });
    return out.ok
      ? { channel: "webhook", status: "sent", attempts: out.attempts }
      : {
          channel: "webhook",
          status: "failed",
          attempts: out.attempts,
          reason: scrub(out.reason, [secret.secret]),
        };
  }

  const teamsSender = config?.teams
    ? createTeamsSender(config.teams, {
        tenantId: deps.tenantId,
        authorityHost: deps.endpoints?.authorityHost ?? "https://login.microsoftonline.com",
        graphBaseUrl: deps.endpoints?.graphBaseUrl ?? "https://graph.microsoft.com/",
        graphTimeoutMs: deps.endpoints?.graphTimeoutMs ?? 120_000,
        env,
        sleep,
        ...(deps.teamsCredential ? { credential: deps.teamsCredential } : {}),
      })
    : undefined;

  async function teams(
    cfg: NonNullable<NotifyConfig["teams"]>,
    payload: NoticePayload,
  ): Promise<NoticeResult> {
    if (!teamsSender) return { channel: "teams", status: "failed", reason: "notify.teams is not configured" };
    const out = await teamsSender(payload);
    const password = env[cfg.credential.passwordEnv];
    return out.ok
      ? { channel: "teams", status: "sent", messageId: out.messageId }
      : { channel: "teams", status: "failed", reason: scrub(out.reason, password ? [password] : []) };
  }

  /**
   * Runs a channel, turning anything it throws into a failed result, within a deadline (a backstop: each channel
   * bounds its own calls; this also covers a sign-in that hangs).
   */
  async function guarded(
    channel: NoticeResult["channel"],
    deadlineMs: number,
    fn: () => Promise<NoticeResult>,
  ): Promise<NoticeResult> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<NoticeResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ channel, status: "failed", reason: `no answer within ${deadlineMs} ms` }),
        deadlineMs,
      );
      timer.unref();
    });
    try {
      return await Promise.race([fn(), late]);
    } catch (e) {
      const name = (e as Error | undefined)?.name ?? "Error";
      return { channel, status: "failed", reason: `unexpected ${name} while sending the notice` };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async notify(event: NoticeEvent): Promise<NoticeResult[]> {
      if (!config) return [];
      const channels: NoticeResult["channel"][] = [
        ...(config.webhook ? (["webhook"] as const) : []),
        ...(config.teams ? (["teams"] as const) : []),
      ];
      const parsed = noticeEventSchema.safeParse(event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const reason = `invalid notice event: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`;
        return channels.map((channel) => ({ channel, status: "failed", reason }));
      }
      if (!config.on.includes(parsed.data.kind)) {
        return channels.map((channel) => ({
          channel,
          status: "skipped",
          reason: `notify.on does not include ${parsed.data.kind}`,
        }));
      }
      const payload: NoticePayload = {
        schemaVersion: 1,
        id: randomUUID(),
        ...parsed.data,
        tenant: parsed.data.tenant ?? deps.tenantId,
        timestamp: parsed.data.timestamp ?? now().toISOString(),
      };
      const jobs: Promise<NoticeResult>[] = [];
      const { webhook: w, teams: t } = config;
      // The webhook bounds itself by maxTotalMs (on the injectable clock); the backstop allows one more attempt.
      if (w) jobs.push(guarded("webhook", w.maxTotalMs + w.timeoutMs, () => webhook(w, payload)));
      // Graph calls are bounded by graphTimeoutMs; the sign-in and Teams pacing come on top.
      const graphBound = deps.endpoints?.graphTimeoutMs ?? 120_000;
      if (t) jobs.push(guarded("teams", graphBound + 30_000, () => teams(t, payload)));
      return Promise.all(jobs);
    },
  };
}

/** The notifier for a loaded config: its notify key, tenant and endpoints. */
export function notifierFromConfig(
  config: Config,
  deps: Omit<NotifierDeps, "tenantId" | "endpoints"> = {},
): Notifier {
  return createNotifier(config.notify, { ...deps, tenantId: config.tenant.id, endpoints: config.endpoints });
}
