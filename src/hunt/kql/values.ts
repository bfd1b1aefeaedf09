/** DuckDB result values → KQL-faithful JS values (what Kusto's JSON results carry). */
import type { KqlType } from "./types.js";

/** Text of a value: strings as is, plain objects and arrays as JSON, numbers and bridge values by their toString. */
export function textOf(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "";
  if (typeof v === "object") {
    // Bridge.NET values (boxed numbers, Int64, TimeSpan) carry their own toString; plain data becomes JSON.
    const own = (v as { toString?: unknown }).toString;
    if (Array.isArray(v) || typeof own !== "function" || own === Object.prototype.toString)
      return JSON.stringify(v);
    return (v as { toString(): string }).toString();
  }
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  return "";
}

interface Micros {
  micros: bigint;
}
interface IntervalLike {
  months: number;
  days: number;
  micros: bigint;
}

function num(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

/** ISO 8601 UTC (`...Z`): milliseconds when exact, microseconds otherwise. */
export function isoFromMicros(us: bigint): string {
  const ms = us / 1000n;
  const rest = us % 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return rest === 0n ? iso : iso.replace(/Z$/, `${String(rest < 0n ? -rest : rest).padStart(3, "0")}Z`);
}

/** Kusto timespan text `[-][d.]hh:mm:ss[.fffffff]`. */
export function timespanText(us: bigint): string {
  const neg = us < 0n;
  let a = neg ? -us : us;
  const days = a / 86_400_000_000n;
  a %= 86_400_000_000n;
  const p2 = (x: bigint): string => String(x).padStart(2, "0");
  const h = a / 3_600_000_000n;
  const m = (a / 60_000_000n) % 60n;
  const s = (a / 1_000_000n) % 60n;
  const frac = a % 1_000_000n;
  return `${neg ? "-" : ""}${days ? `${days}.` : ""}${p2(h)}:${p2(m)}:${p2(s)}${frac ? `.${String(frac * 10n).padStart(7, "0")}` : ""}`;
}

function intervalMicros(v: IntervalLike): bigint {
  return BigInt(v.months) * 30n * 86_400_000_000n + BigInt(v.days) * 86_400_000_000n + BigInt(v.micros);
}

/** One value of a column of KQL type `type`. */
export function toKqlValue(v: unknown, type: KqlType): unknown {
  if (v === null || v === undefined) return type === "string" ? "" : null;
  switch (type) {
    case "string":
    case "guid":
      return textOf(v);
    case "int":
    case "long":
      if (typeof v === "bigint") return num(v);
      if (typeof v === "number") return Math.trunc(v);
      return num(BigInt(textOf(v)));
    case "real":
      if (typeof v === "number") return v;
      if (typeof v === "bigint") return Number(v);
      return Number(textOf(v));
    case "bool":
      return Boolean(v);
    case "datetime":
      if (typeof v === "object" && "micros" in v) return isoFromMicros((v as Micros).micros);
      return textOf(v);
    case "timespan":
      if (typeof v === "object" && "months" in v) return timespanText(intervalMicros(v as IntervalLike));
      return textOf(v);
    case "dynamic":
      if (typeof v === "string") {
        try {
          return JSON.parse(v) as unknown;
        } catch {
          return v;
        }
      }
      return v;
  }
}
