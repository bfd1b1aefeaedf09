/**
 * Config v1: one zod schema that later features extend. Precedence: defaults < file < environment < flags.
 * Every object is strict, at every depth: an unknown (e.g. misspelt) key is an error naming its dotted path
 * (src/config/issues.ts adds "did you mean …"), never a silently ignored setting.
 */
import ipaddr from "ipaddr.js";
import { z } from "zod";

const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "a GUID");
const domain = z
  .string()
  .min(3)
  .regex(/^(?!-)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, "a DNS domain name")
  .transform((d) => d.toLowerCase());
const httpsUrl = z.url({ protocol: /^https$/, error: "an https:// URL" });

export const credentialSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("clientSecret"),
    clientId: guid,
    /** Prefer `clientSecretEnv` (or MAILWARDEN_CLIENT_SECRET): a secret in a file is warned about. */
    clientSecret: z.string().min(1).optional(),
    clientSecretEnv: z.string().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal("certificate"),
    clientId: guid,
    /** PEM file holding the certificate and its private key. */
    certificatePath: z.string().min(1),
    certificatePasswordEnv: z.string().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal("managedIdentity"),
    /** Client id of a user-assigned identity; omitted for the system-assigned one. */
    clientId: guid.optional(),
  }),
  z.strictObject({ type: z.literal("default") }),
]);

export const NOTICE_KINDS = ["approval-needed", "contained", "cap-reached", "halted", "failed"] as const;

/** https, or plain http to a loopback address only (a local relay): notices carry UPNs and case ids. */
const webhookUrl = z.url({ protocol: /^https?$/, error: "an https:// URL" }).refine((u) => {
  const url = new URL(u);
  return url.protocol === "https:" || ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
}, "an https:// URL (plain http only to 127.0.0.1, [::1] or localhost)");

/**
 * A delegated credential for Teams notices: Graph posts channel messages only on behalf of a user
 * (ChannelMessage.Send, delegated); application permission (Teamwork.Migrate.All) is for migration only.
 */
const teamsCredentialSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("usernamePassword"),
    /** A public-client app registration granted the delegated ChannelMessage.Send permission (admin consent). */
    clientId: guid,
    /** The notices account (a member of the team), e.g. mailwarden-notices@contoso.com. */
    username: z.string().min(3),
    /** Environment variable holding its password (never in the file). */
    passwordEnv: z.string().min(1),
  }),
]);

export const notifySchema = z
  .strictObject({
    /** Which events send notices; default: all of them. */
    on: z
      .array(z.enum(NOTICE_KINDS))
      .min(1)
      .default([...NOTICE_KINDS]),
    webhook: z
      .strictObject({
        url: webhookUrl,
        /** The HMAC-SHA256 key: an environment variable name, or a file (first line) — exactly one. */
        secretEnv: z.string().min(1).optional(),
        secretFile: z.string().min(1).optional(),
        /** Attempts in all (the first one included); retried on network errors, 408, 429 and 5xx. */
        maxAttempts: z.number().int().min(1).max(10).default(5),
        /** Backoff: baseDelayMs·2ⁿ with 50–100 % jitter, capped at maxDelayMs; a Retry-After is honoured. */
        baseDelayMs: z.number().int().min(0).max(60_000).default(1_000),
        maxDelayMs: z.number().int().min(0).max(300_000).default(30_000),
        /** Bound on one attempt, and on the whole delivery with its retries. */
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
        maxTotalMs: z
          .number()
          .int()
          .min(100)
          .max(15 * 60_000)
          .default(120_000),
      })
      .refine((w) => (w.secretEnv === undefined) !== (w.secretFile === undefined), {
        message: "set exactly one of secretEnv and secretFile",
        path: ["secretEnv"],
      })
      .optional(),
    teams: z
      .strictObject({
        /** The team's id (its Microsoft 365 group id). */
        teamId: guid,
        /** The channel's id, e.g. 19:…@thread.tacv2. */
        channelId: z
          .string()
          .regex(/^19:[^/\\?#\s]+@thread\.(tacv2|skype)$/, "a channel id (19:…@thread.tacv2)"),
        credential: teamsCredentialSchema,
      })
      .optional(),
  })
  .refine((n) => n.webhook !== undefined || n.teams !== undefined, {
    message: "configure at least one of notify.webhook and notify.teams",
  });

/** A host the console may bind without TLS: a loopback address or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  const h = host.replace(/^\[(.*)\]$/, "$1");
  if (!ipaddr.isValid(h)) return false;
  const a = ipaddr.process(h);
  return a.range() === "loopback";
}

/**
 * `mailwarden console` (docs/console.md): where it listens, its TLS files (required to bind anything but
 * loopback), and the named approvers' tokens, stored as sha256 hashes (`mailwarden console hash-token`).
 */
export const consoleSchema = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1"),
    /** 0 = a free port (printed at start). */
    port: z.number().int().min(0).max(65_535).default(8787),
    tls: z
      .strictObject({
        /** PEM certificate (chain) and private key. */
        certPath: z.string().min(1),
        keyPath: z.string().min(1),
      })
      .optional(),
    /** Host names (with :port when not the default) the console answers besides loopback: the Host header check. */
    allowedHosts: z.array(z.string().min(1)).default([]),
    /** Named approvers: an approval's `by` is the name of the token that signed in. */
    approvers: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(200),
          sha256: z
            .string()
            .regex(/^[0-9a-f]{64}$/, "the token's sha256 in hex (mailwarden console hash-token)"),
        }),
      )
      .default([]),
    /** A signed-in browser session ends after this many minutes (and when the console stops). */
    sessionMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(8 * 60),
  })
  .superRefine((c, ctx) => {
    if (!isLoopbackHost(c.host) && !c.tls)
      ctx.addIssue({
        code: "custom",
        path: ["tls"],
        message: `host ${c.host} is not loopback: binding it needs tls (certPath and keyPath)`,
      });
    const names = c.approvers.map((a) => a.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: "custom", path: ["approvers"], message: `approver ${dup} is named twice` });
    const hashes = c.approvers.map((a) => a.sha256);
    if (hashes.some((h, i) => hashes.indexOf(h) !== i))
      ctx.addIssue({ code: "custom", path: ["approvers"], message: "two approvers share one token" });
  });

export const configSchema = z.strictObject({
  version: z.literal(1).default(1),
  tenant: z.strictObject({
    id: guid,
    /** The tenant's own mail domains: forwarding anywhere else is external. */
    domains: z.array(domain).min(1),
    /** The *.onmicrosoft.com domain, the Organization for Exchange Online. Defaults to the first such domain. */
    organization: domain.optional(),
  }),
  credential: credentialSchema,
  endpoints: z
    .strictObject({
      authorityHost: httpsUrl.default("https://login.microsoftonline.com"),
      graphBaseUrl: httpsUrl.default("https://graph.microsoft.com/"),
      /** Exchange Online PowerShell's -ConnectionUri; unset means the module's default (Exchange Online). */
      exchangeConnectionUri: httpsUrl.optional(),
      /** Bound on each Graph call, retries included: a held response never hangs a step. */
      graphTimeoutMs: z
        .number()
        .int()
        .positive()
        .max(15 * 60_000)
        .default(120_000),
      /** Log Analytics query API (Sentinel hunting). */
      logAnalyticsBaseUrl: httpsUrl.default("https://api.loganalytics.io/"),
      /** A CA bundle to trust besides the default roots (the emulated tenant's); see adapters/tls.ts. */
      caFile: z.string().min(1).optional(),
    })
    .prefault({}),
  exchange: z
    .strictObject({
      enabled: z.boolean().default(true),
      pwshPath: z.string().min(1).default("pwsh"),
      /** Override the bridge script (default: the packaged scripts/exo-bridge.ps1). */
      scriptPath: z.string().min(1).optional(),
      commandTimeoutMs: z
        .number()
        .int()
        .positive()
        .max(16 * 60_000)
        .default(15 * 60_000 + 30_000),
      /**
       * Transient Exchange failures (throttling, 429/503, 502/504, dropped connections, a bridge that died) are
       * retried inside each cmdlet call: up to `maxRetries` times after `baseDelayMs`·2ⁿ (capped at `maxDelayMs`,
       * 50–100 % jitter), or after the delay the service names. Permanent failures are never retried.
       */
      retry: z
        .strictObject({
          maxRetries: z.number().int().min(0).max(10).default(4),
          baseDelayMs: z.number().int().min(0).max(60_000).default(2_000),
          maxDelayMs: z
            .number()
            .int()
            .min(0)
            .max(10 * 60_000)
            .default(30_000),
        })
        .prefault({}),
    })
    .prefault({}),
  playbooks: z
    .strictObject({
      /** Playbook ids (files under playbooks/ or `dirs`); each hit runs the first one whose trigger takes it. */
      selected: z
        .array(z.string().min(1))
        .min(1)
        .default(["contain-mailbox-exfiltration", "contain-transport-rule"]),
      dirs: z.array(z.string().min(1)).default([]),
      /**
       * Cases driven at once by one invocation (each its own run and lease; the budget, the unattended cap and
       * the kill switch hold as one after another). 1: one case after another.
       */
      concurrency: z.number().int().min(1).max(64).optional(),
    })
    .prefault({}),
  guardrails: z
    .strictObject({
      /** UPNs or object ids never touched unattended (break-glass, executives). */
      protectedAccounts: z.array(z.string().min(1)).default([]),
      /** At most this many runs contain anything in one invocation; the rest are planned only. */
      maxContainmentsPerRun: z.number().int().min(0).max(10_000).default(25),
      /** The kill switch in the config: while set (to the reason), no step writes; `mailwarden halt` sets it in the store. */
      halt: z.string().min(1).optional(),
    })
    .prefault({}),
  unattended: z
    .strictObject({
      /**
       * When true, `run` with none of --dry-run / --yes / --auto runs unattended at `minSeverity` (for schedulers).
       * `run --auto [SEVERITY]` runs unattended either way.
       */
      enabled: z.boolean().default(false),
      /** Unattended containment acts only on cases at least this severe (and only on steps whose approval is auto). */
      minSeverity: z.enum(["low", "medium", "high"]).default("high"),
      /**
       * The blast-radius cap: at most `max` cases contained without a person per `window` per tenant, counted in
       * the store (across invocations, processes and restarts). Beyond it cases wait for a person.
       */
      cap: z
        .strictObject({
          max: z.number().int().min(0).max(10_000).default(5),
          window: z
            .string()
            .regex(/^\d+(s|m|h|d)$/, "a duration such as 30m, 1h or 1d")
            .default("1h"),
        })
        .prefault({}),
    })
    .prefault({}),
  hunting: z
    .strictObject({
      /** Where `hunt` runs live: Defender XDR advanced hunting (Graph) or a Sentinel workspace (Log Analytics). */
      target: z.enum(["defender", "sentinel"]).default("defender"),
      /** The Sentinel (Log Analytics) workspace id; required for target sentinel. */
      workspaceId: guid.optional(),
      lookbackDays: z.number().int().min(1).max(180).default(30),
      /** A linked sign-in at or above this Entra risk level counts as risky (the seed counts low too). */
      riskThreshold: z.enum(["low", "medium", "high"]).default("medium"),
      /** C6: a risky sign-in of the same user this many hours before the action links weakly. */
      userTimeWindowHours: z.number().min(0).max(72).default(2),
      /** Forwarding to these is never suspect (lower-cased). */
      allowForwardAddresses: z.array(z.string().min(3)).default([]),
      allowForwardDomains: z.array(domain).default([]),
      /** Rows per query: the portal shows 30,000; the API returns at most 100,000. */
      maxRows: z.number().int().min(1).max(100_000).default(100_000),
      /** A MaxMind-format .mmdb (ASN, country or city) that overrides the bundled IP data. */
      ipDatabase: z.string().min(1).optional(),
    })
    .prefault({}),
  /** `run -c` (docs/main-job.md): where its hits come from. */
  run: z
    .strictObject({
      /**
       * hunt: live hunting (hunting.target: Defender or Sentinel) over the audit logs; scan: read every mailbox's
       * rules and forwarding now; both: the two, one hit per suspect object. Default scan (needs no hunting
       * permission); `run --hits FILE` takes its hits from the file whatever this says.
       */
      source: z.enum(["hunt", "scan", "both"]).default("scan"),
    })
    .prefault({}),
  /** `watch -c` (docs/main-job.md): the long-running unattended form. */
  watch: z
    .strictObject({
      /** How often it hunts and reads new Defender alerts and incidents. */
      interval: z
        .string()
        .regex(/^[1-9]\d*(s|m|h)$/, "a duration such as 30s, 5m or 1h")
        .default("5m"),
      /** Read new Defender alerts (Graph /security/alerts_v2): each names users whose mailboxes are scanned. */
      alerts: z.boolean().default(true),
      /** Each hunt reaches this far before the last one (records that reach the logs late); the store dedups. */
      overlap: z
        .string()
        .regex(/^\d+(m|h)$/, "a duration such as 30m or 1h")
        .default("1h"),
      /** Where the hunt watermark and alert cursor are kept (default: watch-state.json beside store.path). */
      stateFile: z.string().min(1).optional(),
    })
    .prefault({}),
  store: z
    .strictObject({
      /** SQLite file for cases, run snapshots and the hash-chained effect journal (created 0600). */
      path: z.string().min(1).default(".mailwarden/runs.db"),
      /**
       * A run's lease: only its holder drives it. Renewed every third of this; a holder that died (same host:
       * its pid is gone) is taken over at once, one on another host when the lease expires.
       */
      leaseSeconds: z.number().int().min(2).max(3600).default(60),
    })
    .prefault({}),
  audit: z
    .strictObject({
      /** Append-only JSON-lines audit log. */
      path: z.string().min(1).default(".mailwarden/audit.jsonl"),
    })
    .prefault({}),
  /** Notices to people when a case needs approval, is contained, hits the cap, is halted or fails (docs/notices.md). */
  notify: notifySchema.optional(),
  console: consoleSchema.prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type CredentialConfig = z.output<typeof credentialSchema>;
export type NotifyConfig = z.output<typeof notifySchema>;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
