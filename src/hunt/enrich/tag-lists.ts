/**
 * Hosting / VPN evidence lists (detection-techniques.md B3), vendored in vendor/enrichment with their licences:
 * ASN lists (X4BNet input/{datacenter,vpn}/ASN.txt, brianhama bad-asn-list.csv) and organisation-name patterns.
 * The X4BNet CIDR lists are converted at build time into range files (see ipdb-build.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseCsv, type Info } from "csv-parse/sync";
import patternFile from "./org-patterns.json" with { type: "json" };

/** Tags an address can carry. `tor` only comes from a user-supplied list: no Tor list is vendored. */
export type IpTag =
  "hosting" | "vpn" | "tor" | "abuse-asn" | "private" | "loopback" | "link-local" | "reserved";

export interface TagEvidence {
  tag: IpTag;
  /** e.g. `x4bnet-datacenter-asn`, `x4bnet-vpn-cidr`, `bad-asn-list`, `org-pattern:hetzner`. */
  source: string;
}

export interface ListProblem {
  file: string;
  line: number;
  reason: string;
}

export interface AsnList {
  tag: IpTag;
  source: string;
  asns: ReadonlySet<number>;
}

export interface OrgPattern {
  id: string;
  tag: IpTag;
  regex: RegExp;
}

export const ORG_PATTERNS: readonly OrgPattern[] = patternFile.patterns.map((p) => ({
  id: p.id,
  tag: p.tag as IpTag,
  regex: new RegExp(p.regex, "i"),
}));

/** `AS123 # comment` lines (X4BNet); blank and `#` lines are skipped, anything else is reported. */
export function parseAsnTxt(text: string, file: string, problems: ListProblem[]): Set<number> {
  const out = new Set<number>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    const m = /^AS(\d+)$/i.exec(line);
    if (!m) problems.push({ file, line: i + 1, reason: `expected "AS<number>", got "${line}"` });
    else out.add(Number(m[1]));
  });
  return out;
}

/** `ASN,Entity` CSV (brianhama), ASN quoted or not, with stray spaces after commas. */
export function parseBadAsnCsv(text: string, file: string, problems: ListProblem[]): Set<number> {
  const out = new Set<number>();
  // `info` gives each record's real line number (blank lines are skipped, so indexes would drift).
  const rows = parseCsv(text, {
    trim: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  }) as unknown as { record: string[]; info: Info }[];
  for (const { record, info } of rows) {
    const asn = record[0] ?? "";
    if (info.lines === 1 && /^asn$/i.test(asn)) continue;
    if (!/^\d+$/.test(asn))
      problems.push({ file, line: info.lines, reason: `ASN is not a number: "${asn}"` });
    else out.add(Number(asn));
  }
  return out;
}

export function loadVendoredAsnLists(vendorDir: string, problems: ListProblem[]): AsnList[] {
  const read = (...parts: string[]): [string, string] => {
    const file = path.join(vendorDir, ...parts);
    return [readFileSync(file, "utf8"), file];
  };
  const [dc, dcFile] = read("x4bnet-lists_vpn", "input", "datacenter", "ASN.txt");
  const [vpn, vpnFile] = read("x4bnet-lists_vpn", "input", "vpn", "ASN.txt");
  const [bad, badFile] = read("bad-asn-list", "bad-asn-list.csv");
  return [
    { tag: "hosting", source: "x4bnet-datacenter-asn", asns: parseAsnTxt(dc, dcFile, problems) },
    { tag: "vpn", source: "x4bnet-vpn-asn", asns: parseAsnTxt(vpn, vpnFile, problems) },
    // A list of cloud/hosting/colo ASNs kept for anti-abuse: named for what it was built for.
    { tag: "abuse-asn", source: "bad-asn-list", asns: parseBadAsnCsv(bad, badFile, problems) },
  ];
}

/** Org-pattern evidence for one organisation name (callers cache per name: there are ~100k names, few lookups). */
export function orgPatternEvidence(
  org: string,
  patterns: readonly OrgPattern[] = ORG_PATTERNS,
): TagEvidence[] {
  const out: TagEvidence[] = [];
  for (const p of patterns) if (p.regex.test(org)) out.push({ tag: p.tag, source: `org-pattern:${p.id}` });
  return out;
}
