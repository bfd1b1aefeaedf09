/**
 * The hunting queries as text ready to paste into Defender advanced hunting or Sentinel, or to run offline:
 * a prelude of `let` parameters (every value a KQL literal made by literals.ts) followed by the target's source part
 * and the shared analysis. The word/folder/name lists come from src/rules/lists.json, the same data the TypeScript
 * rule analysis reads.
 */
import { readFileSync } from "node:fs";
import { huntingLists } from "../../rules/lists.js";
import { kqlLong, kqlString, kqlPrefixPattern, kqlStringArray, kqlTimespan } from "./literals.js";

export type HuntTarget = "defender" | "sentinel";
export type HuntProfile = "default" | "seed";

export interface HuntParams {
  /** How far back to look (KQL timespan: `30d`, `12h`). */
  lookback: string;
  /** Sign-in risk at or above this counts as risky, on the Defender scale (10 low, 50 medium, 100 high). */
  riskThreshold: number;
  /** The tenant's own domains; empty = infer from the UPN domains in the data (A4). */
  tenantDomains: string[];
  /** Forwarding destinations that are never external exfiltration (exact addresses, lower-cased). */
  allowForwardAddresses: string[];
  /** Forwarding domains (and their subdomains) that are never external exfiltration. */
  allowForwardDomains: string[];
  /** C6: a risky sign-in of the same user this long before the action links it by user and time. */
  userTimeWindow: string;
  /** C4/C5: sign-ins this long before to this long after the action may link by IP or network. */
  ipTimeWindow: { before: string; after: string };
  /** A14: mail activity this long after the action counts as its follow-on. */
  followOnWindow: string;
  /** A9: a rule removed this soon after its creation is a cover-up. */
  coverUpWindow: string;
  /**
   * ASN of addresses, from offline enrichment (normalised IP → ASN), so two addresses of one ASN link as `network`
   * (C5). Empty by default: live tables carry no ASN for the audit side.
   */
  ipAsn: readonly { ip: string; asn: number }[];
  /** Rows returned (portal limit 30,000; API 100,000). */
  maxRows: number;
  /** The detection lists, by name (default: src/rules/lists.json). */
  lists: Record<HuntListName, readonly string[]>;
}

export type HuntListName =
  | "hidingFolders"
  | "strongHidingFolders"
  | "junkFolders"
  | "financeKeywords"
  | "securityKeywords"
  | "securitySenders"
  | "systemRuleNames"
  | "systemRulePrefixes"
  | "systemActorPrefixes"
  | "serviceClientInfoTerms"
  | "unusualUserAgents"
  | "legacyClientApps";

export function defaultHuntParams(): HuntParams {
  return {
    lookback: "30d",
    riskThreshold: 50,
    tenantDomains: [],
    allowForwardAddresses: [],
    allowForwardDomains: [],
    userTimeWindow: "2h",
    ipTimeWindow: { before: "24h", after: "1h" },
    followOnWindow: "2h",
    coverUpWindow: "3h",
    ipAsn: [],
    maxRows: 30000,
    lists: huntingLists(),
  };
}

const QUERY_DIR = new URL("../../../src/hunt/queries/", import.meta.url);
const cache = new Map<string, string>();

/** A .kql file of this folder (read from the source tree, which ships with the package). */
export function queryFile(name: "seed" | "defender" | "sentinel" | "core"): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`${name}.kql`, QUERY_DIR), "utf8");
    cache.set(name, text);
  }
  return text;
}

const lower = (v: readonly string[]) => v.map((s) => s.trim().toLowerCase()).filter(Boolean);

/** The `let` prelude: one statement per parameter, in a fixed order. */
export function paramPrelude(p: HuntParams): string {
  const lines: string[] = [
    `let lookback = ${kqlTimespan(p.lookback)};`,
    `let riskThreshold = ${kqlLong(p.riskThreshold, 0, 100, "riskThreshold")};`,
    `let tenantDomains = ${kqlStringArray(lower(p.tenantDomains))};`,
    `let allowForwardAddresses = ${kqlStringArray(lower(p.allowForwardAddresses))};`,
    `let allowForwardDomains = ${kqlStringArray(lower(p.allowForwardDomains))};`,
    `let userTimeWindow = ${kqlTimespan(p.userTimeWindow)};`,
    `let ipWindowBefore = ${kqlTimespan(p.ipTimeWindow.before)};`,
    `let ipWindowAfter = ${kqlTimespan(p.ipTimeWindow.after)};`,
    `let followOnWindow = ${kqlTimespan(p.followOnWindow)};`,
    `let coverUpWindow = ${kqlTimespan(p.coverUpWindow)};`,
    `let maxRows = ${kqlLong(p.maxRows, 1, 100000, "maxRows")};`,
    `let ipAsn = datatable(IP: string, Asn: long)[${p.ipAsn
      .map((x) => `${kqlString(x.ip.trim().toLowerCase())}, ${kqlLong(x.asn, 0, 4294967295, "asn")}`)
      .join(", ")}];`,
  ];
  for (const name of Object.keys(p.lists).sort() as HuntListName[])
    lines.push(`let ${name} = ${kqlStringArray(p.lists[name])};`);
  // the same prefixes as one pattern, so that a rule's name is tested in its row
  lines.push(`let systemRulePrefixPattern = ${kqlPrefixPattern(p.lists.systemRulePrefixes)};`);
  return `${lines.join("\n")}\n`;
}

export interface BuildQueryOptions {
  target: HuntTarget;
  profile?: HuntProfile;
  params?: Partial<HuntParams>;
}

/** The full query text for a target and profile. The `seed` profile is the seed verbatim (Defender only). */
export function buildQuery(opts: BuildQueryOptions): string {
  const profile = opts.profile ?? "default";
  if (profile === "seed") {
    if (opts.target !== "defender")
      throw new Error("the seed query exists for Microsoft Defender XDR only (--target defender)");
    if (opts.params && Object.keys(opts.params).length)
      throw new Error("the seed profile takes no parameters: it is the reference query verbatim");
    return queryFile("seed");
  }
  const base = defaultHuntParams();
  const params: HuntParams = {
    ...base,
    ...opts.params,
    ipTimeWindow: { ...base.ipTimeWindow, ...opts.params?.ipTimeWindow },
    lists: { ...base.lists, ...opts.params?.lists },
  };
  return [
    "// mailwarden hunting query — parameters",
    paramPrelude(params),
    queryFile(opts.target),
    queryFile("core"),
  ].join("\n");
}

export { kqlString };
