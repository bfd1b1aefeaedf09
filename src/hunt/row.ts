/**
 * One row of mailwarden's hunting queries (src/hunt/queries/README.md has the contract): one suspect mailbox action
 * with its parsed parameters, the sign-ins linked to it and the query's own signals. Rows come from Defender
 * (runHuntingQuery), Log Analytics or the offline engine; every field is read defensively because a row is data.
 */
import { z } from "zod";
import { textOf } from "./kql/values.js";

// One "value as text" for the whole hunting path: the engine's (strings as they are, objects as JSON).
export { textOf };

const text = z.preprocess((v) => textOf(v), z.string());
const num = z.preprocess((v) => (v === null || v === undefined || v === "" ? 0 : Number(v)), z.number());
const dyn = <T extends z.ZodType>(inner: T) =>
  z.preprocess((v) => {
    if (typeof v !== "string") return v ?? undefined;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }, inner);

export const huntLinkSchema = z.looseObject({
  Key: text,
  Strength: text.optional(),
  SignInTime: text.optional(),
  GapMinutes: z.preprocess((v) => (v === null || v === "" ? undefined : v), z.coerce.number().optional()),
  RequestId: text.optional(),
  SessionId: text.optional(),
  UniqueTokenId: text.optional(),
  IP: text.optional(),
  Country: text.optional(),
  UserAgent: text.optional(),
  AppDisplayName: text.optional(),
  ClientAppUsed: text.optional(),
  Interactive: z.unknown().optional(),
  RiskLevelDuringSignIn: z.unknown().optional(),
  RiskLevelAggregated: z.unknown().optional(),
  RiskEventTypes: z.unknown().optional(),
});

export const huntSignalSchema = z.looseObject({ code: text, value: z.unknown().optional() });

export const huntRowSchema = z.looseObject({
  Timestamp: text,
  RecordId: text,
  ReportId: text.optional(),
  Operation: text,
  Source: text.optional(),
  UserId: text.optional(),
  UserUpn: text,
  MailboxUpn: text.optional(),
  TargetKind: text,
  RuleName: text.optional(),
  Rule: dyn(z.record(z.string(), z.unknown())).optional().catch({}),
  ClientIP: text.optional(),
  SessionId: text.optional(),
  UniqueTokenId: text.optional(),
  TokenRequestId: text.optional(),
  ClientInfo: text.optional(),
  AppId: text.optional(),
  Signals: dyn(z.array(z.union([huntSignalSchema, z.string()])))
    .optional()
    .catch([]),
  Links: dyn(z.array(huntLinkSchema)).optional().catch([]),
  LinkKey: text.optional(),
  RiskMax: num.optional(),
  OwnSignals: dyn(z.array(z.union([huntSignalSchema, z.string()])))
    .optional()
    .catch([]),
  InAlert: z.unknown().optional(),
  Score: num.optional(),
  ScoreInputs: z.unknown().optional(),
});

export type HuntRow = z.output<typeof huntRowSchema>;
export type HuntLink = z.output<typeof huntLinkSchema>;

export function signalCode(s: string | { code: string }): string {
  return typeof s === "string" ? s : s.code;
}

export function signalValue(s: string | { code: string; value?: unknown }): string {
  if (typeof s === "string") return "";
  const v = s.value;
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Risk on Defender's integer scale from either platform's spelling (formats.md §1.3 / §3.2; B1). */
export function riskScale(v: unknown): number {
  if (v === null || v === undefined || v === "") return 0;
  if (typeof v === "number") return v;
  const s = textOf(v).trim().toLowerCase();
  const n = Number(s);
  if (s !== "" && Number.isFinite(n)) return n;
  return { none: 1, low: 10, medium: 50, high: 100, hidden: 0 }[s] ?? 0;
}

export function truthy(v: unknown): boolean | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if (typeof v === "boolean") return v;
  const s = textOf(v).toLowerCase();
  return s === "true" || s === "1" ? true : s === "false" || s === "0" ? false : undefined;
}
