/** The generator's options, validated: a bad value is reported with the option's name. */
import { GeneratorError, type GeneratorIssue } from "./errors.js";
import type { Variants } from "./recorder.js";

export const SCENARIO_NAMES = [
  "aitm-rss-hide",
  "external-forward",
  "outlook-client-rule",
  "admin-transport-bcc",
  "fullaccess-mailitemsaccessed",
  "token-replay",
  "late-rule-refresh-token",
  "one-ip-three-users",
  "rule-created-then-removed",
  "hidden-rule",
  "cloud-provider-overlap",
  "benign-lookalikes",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** `"default"`: a small mix (one attack of each kind of evidence, plus the look-alikes). */
export const DEFAULT_MIX: readonly ScenarioName[] = [
  "aitm-rss-hide",
  "external-forward",
  "hidden-rule",
  "benign-lookalikes",
];

/** Default start of the activity window (a fixed date: output never depends on the wall clock). */
export const DEFAULT_START = "2025-05-05T00:00:00Z";
export const MAX_USERS = 5000;
export const MAX_DAYS = 90;

export interface GenerateOptions {
  scenarios: "default" | "all" | string[];
  /** People with a mailbox (the first is the tenant's IT administrator); a break-glass account is added. */
  users: number;
  /** Length of the activity window in days. */
  days: number;
  seed: number;
  /** ISO 8601 start of the activity window; the emulator's clock starts at its end. */
  start?: string;
  /** Switches for renderings formats.md marks as inferred (defaults: the inferred reading). */
  variants?: Variants;
}

export interface ParsedOptions {
  scenarios: ScenarioName[];
  users: number;
  days: number;
  seed: number;
  startMs: number;
  variants: Variants;
}

const isName = (s: string): s is ScenarioName => (SCENARIO_NAMES as readonly string[]).includes(s);

export function parseOptions(input: unknown): ParsedOptions {
  const issues: GeneratorIssue[] = [];
  const o = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  if (typeof input !== "object" || input === null)
    issues.push({ path: "", message: "expected an options object" });

  let scenarios: ScenarioName[] = [];
  const s = o.scenarios;
  if (s === "default") scenarios = [...DEFAULT_MIX];
  else if (s === "all") scenarios = [...SCENARIO_NAMES];
  else if (Array.isArray(s)) {
    if (s.length === 0) issues.push({ path: "scenarios", message: "name at least one scenario" });
    s.forEach((n: unknown, i) => {
      if (typeof n !== "string" || !isName(n))
        issues.push({
          path: `scenarios.${i}`,
          message: `unknown scenario ${JSON.stringify(n)}; known: ${SCENARIO_NAMES.join(", ")}`,
        });
      else if (!scenarios.includes(n)) scenarios.push(n);
    });
  } else issues.push({ path: "scenarios", message: `expected "default", "all" or a list of scenario names` });

  const int = (key: string, lo: number, hi: number): number => {
    const v = o[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < lo || v > hi) {
      issues.push({
        path: key,
        message: `expected an integer from ${lo} to ${hi}, got ${JSON.stringify(v)}`,
      });
      return lo;
    }
    return v;
  };
  const users = int("users", 1, MAX_USERS);
  const days = int("days", 1, MAX_DAYS);
  const seed = int("seed", 0, 0xffffffff);

  let startMs = Date.parse(DEFAULT_START);
  if (o.start !== undefined) {
    const ok =
      typeof o.start === "string" &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(o.start) &&
      Number.isFinite(Date.parse(o.start));
    if (!ok) issues.push({ path: "start", message: "expected an ISO 8601 date-time with a zone (…Z)" });
    else startMs = Date.parse(o.start as string);
  }
  const variants: Variants = {};
  if (o.variants !== undefined) {
    const v = (typeof o.variants === "object" && o.variants !== null ? o.variants : null) as Record<
      string,
      unknown
    > | null;
    if (!v) issues.push({ path: "variants", message: "expected an object" });
    else
      for (const [k, val] of Object.entries(v)) {
        if (k === "officeActivitySessionId" && typeof val === "boolean")
          variants.officeActivitySessionId = val;
        else if (k === "logonType" && (val === "json-array" || val === "plain")) variants.logonType = val;
        else
          issues.push({
            path: `variants.${k}`,
            message: 'expected officeActivitySessionId: boolean or logonType: "json-array" | "plain"',
          });
      }
  }
  const known = new Set(["scenarios", "users", "days", "seed", "start", "variants"]);
  for (const k of Object.keys(o)) if (!known.has(k)) issues.push({ path: k, message: "unknown option" });
  if (issues.length) throw new GeneratorError(issues);
  return { scenarios, users, days, seed, startMs, variants };
}
