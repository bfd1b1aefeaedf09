/** The linked sign-ins as a table (headers and rows of plain values), shared by the Markdown and HTML reports. */
import type { CaseReport } from "./model.js";

/** Entra's numeric risk levels as words. */
const RISK: Record<number, string> = { 0: "not set", 1: "none", 10: "low", 50: "medium", 100: "high" };

export const SIGN_IN_HEADERS = [
  "time",
  "IP",
  "network (ASN)",
  "country",
  "session id",
  "unique token id",
  "link",
  "risk",
  "user agent",
  "app",
] as const;

export function signInRows(r: CaseReport): (string | undefined)[][] {
  return r.signIns.map((s) => [
    s.time,
    s.ip,
    [s.network, s.asn !== undefined ? `AS${s.asn}` : undefined, ...s.networkTags].filter(Boolean).join(" "),
    s.country,
    s.sessionId,
    s.uniqueTokenId,
    `${s.link} (${s.strength})`,
    s.risk !== undefined ? (RISK[s.risk] ?? String(s.risk)) : undefined,
    s.userAgent,
    s.app,
  ]);
}
