/**
 * The faults file (JSON or YAML): injected faults per face and endpoint, the service limits the emulator enforces
 * (each switchable), and eventual consistency. Validated with zod; a bad file fails with the dotted path of each
 * offending field (`rules.0.fault.status: …`).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeIssues } from "../../config/issues.js";

/** Upper bound of any emulated wait (latency, timeout hold), real milliseconds. */
export const MAX_WAIT_MS = 120_000;

const waitMs = z.number().int().min(0).max(MAX_WAIT_MS);

const faultSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("latency"), ms: waitMs }),
  /** 429 TooManyRequests (A8 body); `retryAfter` seconds, or null/absent for no Retry-After header. */
  z.strictObject({
    type: z.literal("throttle"),
    retryAfter: z.number().min(0).max(3600).nullable().optional(),
  }),
  z.strictObject({
    type: z.literal("unavailable"),
    status: z.union([z.literal(503), z.literal(504)]).default(503),
    retryAfter: z.number().min(0).max(3600).nullable().optional(),
  }),
  /** Holds the response until the client gives up, at most `ms`; then 504 (seldom seen by anyone). */
  z.strictObject({ type: z.literal("timeout"), ms: waitMs.default(30_000) }),
  /** Destroys the connection without an HTTP response. */
  z.strictObject({ type: z.literal("drop") }),
]);

export type Fault = z.output<typeof faultSchema>;

const ruleSchema = z
  .strictObject({
    face: z.enum(["graph", "exchange", "token", "loganalytics"]),
    /**
     * Graph: `METHOD /path/template` without the version (`GET /users/{id}/mailFolders/inbox/messageRules`,
     * `{x}` = any one segment, a final `*` = any rest); Exchange: a cmdlet name (`Get-InboxRule`); token and Log
     * Analytics: a path template like Graph's. `*` (default) = every request of the face.
     */
    match: z.string().min(1).default("*"),
    /** Only calls after the first N matching calls are affected. */
    after: z.number().int().min(0).optional(),
    /** Only every Nth matching call (N, 2N, …). */
    every: z.number().int().min(1).optional(),
    /** Each matching call is affected with this probability (seeded PRNG). */
    probability: z.number().min(0).max(1).optional(),
    /** At most this many calls are affected. */
    times: z.number().int().min(1).optional(),
    fault: faultSchema,
  })
  .superRefine((r, ctx) => {
    if (r.match === "*") return;
    if (r.face === "exchange") {
      if (!/^[A-Za-z]+-[A-Za-z]+$/.test(r.match))
        ctx.addIssue({
          code: "custom",
          path: ["match"],
          message: "expected a cmdlet name such as Get-InboxRule",
        });
    } else if (!/^(?:(GET|POST|PATCH|PUT|DELETE)\s+)?\/\S*$/.test(r.match)) {
      ctx.addIssue({
        code: "custom",
        path: ["match"],
        message:
          "expected 'METHOD /path/template' (method optional), e.g. GET /users/{id}/mailFolders/inbox/messageRules",
      });
    }
  });

export type FaultRule = z.output<typeof ruleSchema>;

const limitsSchema = z
  .strictObject({
    /** Outlook: 10,000 requests per 10 minutes per app per mailbox [D A8]. */
    outlookMailbox: z.boolean().default(true),
    /** Outlook: 4 concurrent requests per app and mailbox (MailboxConcurrency) [D A8, throttling-limits]. */
    outlookConcurrency: z.boolean().default(true),
    /** Identity Protection: 1 request per second per tenant, 429 without Retry-After [D A5]. */
    identityProtection: z.boolean().default(true),
    /** Identity and access reports (signIns): 5 requests per 10 s per app per tenant [D A6]. */
    signIns: z.boolean().default(true),
    /** Advanced hunting: 45 calls per minute per tenant [D A1]. */
    hunting: z.boolean().default(true),
    /** /security alerts and incidents: 150 requests per minute per app per tenant [D A7]. */
    securityAlerts: z.boolean().default(true),
  })
  .default({
    outlookMailbox: true,
    outlookConcurrency: true,
    identityProtection: true,
    signIns: true,
    hunting: true,
    securityAlerts: true,
  });

const delayMs = z
  .number()
  .int()
  .min(0)
  .max(24 * 3600_000);

const consistencySchema = z
  .strictObject({
    /** Default off: writes are visible to reads at once. */
    enabled: z.boolean().default(false),
    /** revokeSignInSessions: "a small delay of a few minutes" [D A3]; 3 minutes chosen [I]. */
    revokeDelayMs: delayMs.default(180_000),
    /** Inbox rule create/change/delete [I]. */
    ruleDelayMs: delayMs.default(60_000),
    /** Mailbox forwarding change (Set-Mailbox) [I]. */
    forwardingDelayMs: delayMs.default(60_000),
  })
  .default({ enabled: false, revokeDelayMs: 180_000, ruleDelayMs: 60_000, forwardingDelayMs: 60_000 });

/**
 * Behaviours the documentation is silent on (tag [I] in the fidelity table), switchable here. Defaults are the
 * emulator's best guess.
 */
const behaviourSchema = z
  .strictObject({
    /** riskyUsers/dismiss also dismisses the user's atRisk risk detections. */
    dismissClearsDetections: z.boolean().default(true),
    /** riskyUsers/confirmCompromised on a user with no riskyUser entry creates one (else the id is ignored). */
    confirmCreatesRiskyUser: z.boolean().default(true),
    /** beta signIn carries `sessionId` (the SDK models reviewed in apis.md A6 have none). */
    betaSignInSessionId: z.boolean().default(true),
    /** `$filter` string comparisons ignore case. */
    caseInsensitiveFilters: z.boolean().default(true),
  })
  .default({
    dismissClearsDetections: true,
    confirmCreatesRiskyUser: true,
    betaSignInSessionId: true,
    caseInsensitiveFilters: true,
  });

export type Behaviour = z.output<typeof behaviourSchema>;

/** What a face uses when no fault engine is attached (unit fixtures). */
export const DEFAULT_BEHAVIOUR: Behaviour = {
  dismissClearsDetections: true,
  confirmCreatesRiskyUser: true,
  betaSignInSessionId: true,
  caseInsensitiveFilters: true,
};

export const faultsSchema = z.strictObject({
  /** Seed of the PRNG behind `probability` rules. Default 1. */
  seed: z.number().int().default(1),
  rules: z.array(ruleSchema).default([]),
  limits: limitsSchema,
  consistency: consistencySchema,
  behaviour: behaviourSchema,
});

/** What a caller writes (every member optional). */
export type FaultsConfig = z.input<typeof faultsSchema>;
/** After defaults. */
export type ParsedFaults = z.output<typeof faultsSchema>;

export interface FaultsIssue {
  path: string;
  message: string;
}

export class FaultsError extends Error {
  override readonly name = "FaultsError";
  constructor(
    readonly source: string,
    readonly issues: FaultsIssue[],
  ) {
    super(
      `invalid faults file (${source}):\n${issues.map((i) => `  ${i.path || "(root)"}: ${i.message}`).join("\n")}`,
    );
  }
}

export function parseFaults(input: unknown, source = "faults object"): ParsedFaults {
  const result = faultsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new FaultsError(source, describeIssues(faultsSchema, input ?? {}, result.error));
}

export async function loadFaultsFile(file: string): Promise<ParsedFaults> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new FaultsError(file, [{ path: "", message: `cannot read: ${(err as Error).message}` }]);
  }
  let data: unknown;
  try {
    data = path.extname(file).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new FaultsError(file, [{ path: "", message: `cannot parse: ${(err as Error).message}` }]);
  }
  return parseFaults(data, file);
}

/** A faults option as startEmulator takes it: a file path, an object, or nothing (defaults). */
export async function resolveFaults(input: FaultsConfig | string | undefined): Promise<ParsedFaults> {
  if (typeof input === "string") return loadFaultsFile(input);
  return parseFaults(input ?? {});
}
