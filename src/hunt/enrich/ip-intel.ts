/**
 * IpIntel: one address in, what is known about it out — ASN, organisation, country, and hosting / VPN / abuse tags,
 * each with the source that said so. Used for offline exports and, identically, for rows returned by live Defender
 * or Sentinel queries (enrichment is local, after the query).
 */
import ipaddr from "ipaddr.js";
import path from "node:path";
import { addressObject, ipv6ToWords, parseAddress, type IpVersion } from "./ip.js";
import { lookupMmdb, openMmdb, type MmdbSource } from "./mmdb.js";
import { IPDB_DIR, VENDOR_DIR } from "./paths.js";
import { encodeCidrList, IPDB_FILES } from "./ipdb-build.js";
import { RangeTable, type RangeHit } from "./range-table.js";
import {
  loadVendoredAsnLists,
  orgPatternEvidence,
  ORG_PATTERNS,
  type AsnList,
  type IpTag,
  type ListProblem,
  type OrgPattern,
  type TagEvidence,
} from "./tag-lists.js";

export interface IpInfo {
  ip: string;
  version: IpVersion;
  asn?: number;
  org?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country?: string;
  /** Distinct tags, in first-evidence order. */
  tags: readonly IpTag[];
  /** Where each value came from: `asn:ip-location-db`, `country:user-mmdb`, `hosting:x4bnet-datacenter-asn` … */
  sources: readonly string[];
  /** Every tag with its source (one tag can have several). */
  evidence: readonly Readonly<TagEvidence>[];
}

/** IpInfo while it is being filled in. */
interface DraftInfo extends Omit<IpInfo, "tags" | "sources" | "evidence"> {
  tags: IpTag[];
  sources: string[];
  evidence: TagEvidence[];
}

/** A user-supplied CIDR list, e.g. Tor exit nodes (no Tor list is vendored). */
export interface UserCidrList {
  tag: IpTag;
  source: string;
  ranges: RangeTable;
}

export interface IpIntelOptions {
  /** User .mmdb whose ASN / organisation / country override the bundled values field by field. */
  mmdbPath?: string;
  /** Already-open user database (tests, or callers that share one reader). Wins over `mmdbPath`. */
  userMmdb?: MmdbSource;
  /** Folder of the generated range files; default dist/ipdb. */
  ipdbDir?: string;
  vendorDir?: string;
  userLists?: UserCidrList[];
  /** Results remembered per raw text (logs repeat few addresses many times); 0 turns the memo off. Default 100,000. */
  cacheSize?: number;
}

const SOURCE_ASN = "ip-location-db";
const SOURCE_COUNTRY = "geo-whois-asn-country";
const SOURCE_USER = "user-mmdb";

/** IANA special ranges (ipaddr.js names) → tag; public ranges (`unicast`, `6to4`, `teredo`) get none. */
const SPECIAL_TAGS: Record<string, IpTag | undefined> = {
  private: "private",
  uniqueLocal: "private",
  carrierGradeNat: "private",
  loopback: "loopback",
  linkLocal: "link-local",
  unspecified: "reserved",
  multicast: "reserved",
  broadcast: "reserved",
  reserved: "reserved",
  benchmarking: "reserved",
  amt: "reserved",
  as112: "reserved",
  as112v6: "reserved",
  orchid2: "reserved",
  droneRemoteIdProtocolEntityTags: "reserved",
  rfc6052: "reserved",
  rfc6145: "reserved",
};

export class IpIntel {
  /** Lines of the vendored lists that could not be read (kept, not fatal). */
  readonly listProblems: readonly ListProblem[];
  private readonly words = new Uint32Array(4);
  private readonly orgEvidence = new Map<string, TagEvidence[]>();
  private readonly memo = new Map<string, Readonly<IpInfo>>();
  private cacheSize = 100_000;

  private constructor(
    private readonly asnTable: RangeTable,
    private readonly cidrLists: readonly (UserCidrList & { user: boolean })[],
    private readonly asnLists: readonly AsnList[],
    private readonly patterns: readonly OrgPattern[],
    private readonly countryTable: RangeTable,
    private readonly user: MmdbSource | undefined,
    problems: ListProblem[],
  ) {
    this.listProblems = problems;
  }

  static async open(opts: IpIntelOptions = {}): Promise<IpIntel> {
    const dir = opts.ipdbDir ?? IPDB_DIR;
    const problems: ListProblem[] = [];
    const asnTable = RangeTable.open(path.join(dir, IPDB_FILES.asn));
    const cidrLists = [
      { tag: "hosting" as const, source: "x4bnet-datacenter-cidr", file: IPDB_FILES.datacenterCidr },
      { tag: "vpn" as const, source: "x4bnet-vpn-cidr", file: IPDB_FILES.vpnCidr },
    ].map((l) => ({
      tag: l.tag,
      source: l.source,
      ranges: RangeTable.open(path.join(dir, l.file)),
      user: false,
    }));
    const asnLists = loadVendoredAsnLists(opts.vendorDir ?? VENDOR_DIR, problems);
    const country = RangeTable.open(path.join(dir, IPDB_FILES.country));
    const user = opts.userMmdb ?? (opts.mmdbPath ? await openMmdb(opts.mmdbPath) : undefined);
    const intel = new IpIntel(
      asnTable,
      [...cidrLists, ...(opts.userLists ?? []).map((l) => ({ ...l, user: true }))],
      asnLists,
      ORG_PATTERNS,
      country,
      user,
      problems,
    );
    if (opts.cacheSize !== undefined) intel.cacheSize = opts.cacheSize;
    return intel;
  }

  /**
   * A user CIDR / address list (one per line, `#` comments), e.g. Tor exit nodes tagged `tor`. Bad lines are
   * returned with their line numbers, never silently dropped.
   */
  static userList(
    tag: IpTag,
    source: string,
    text: string,
    file: string,
  ): { list: UserCidrList; problems: ListProblem[] } {
    const problems: ListProblem[] = [];
    const ranges = RangeTable.fromBuffer(encodeCidrList(text, file, problems));
    return { list: { tag, source, ranges }, problems };
  }

  /**
   * What is known about `raw` (any log spelling), or null when it is not an IP address (see `parseIp`). Results are
   * frozen: they are shared between callers through the memo.
   */
  lookup(raw: unknown): Readonly<IpInfo> | null {
    if (typeof raw !== "string" || this.cacheSize === 0) return this.compute(raw);
    const hit = this.memo.get(raw);
    if (hit) return hit;
    const info = this.compute(raw);
    if (info) {
      if (this.memo.size >= this.cacheSize) this.memo.clear();
      this.memo.set(raw, info);
    }
    return info;
  }

  private compute(raw: unknown): Readonly<IpInfo> | null {
    const parsed = parseAddress(raw);
    if (!parsed.ok) return null;
    const { ip, version } = parsed;
    const info: DraftInfo = { ip, version, tags: [], sources: [], evidence: [] };

    const v4 = parsed.v4;
    const v6 = version === 6 ? ipv6ToWords(addressObject(parsed) as ipaddr.IPv6, this.words) : undefined;
    const inTable = (t: RangeTable): RangeHit | undefined => (v6 ? t.lookupV6(v6) : t.lookupV4(v4));

    const asnHit = inTable(this.asnTable);
    // Routed addresses have an ASN; only the rest can be special-purpose (range() is slow, so ask only then).
    const range = asnHit ? "unicast" : addressObject(parsed).range();
    const special = SPECIAL_TAGS[range];
    if (special) {
      // Not routed on the Internet: no bundled owner or list applies. A user's own data still may (lab ranges).
      this.tag(info, { tag: special, source: `iana-special:${range}` });
    } else {
      if (asnHit) {
        info.asn = asnHit.asn;
        info.org = asnHit.org;
        info.sources.push(`asn:${SOURCE_ASN}`, `org:${SOURCE_ASN}`);
      }
      const countryHit = inTable(this.countryTable);
      if (countryHit) {
        info.country = countryHit.org;
        info.sources.push(`country:${SOURCE_COUNTRY}`);
      }
    }
    if (this.user) this.applyUser(info, lookupMmdb(this.user, ip, version));

    for (const list of this.cidrLists) {
      if ((special === undefined || list.user) && inTable(list.ranges)) this.tag(info, list);
    }
    if (info.asn !== undefined) {
      for (const list of this.asnLists) if (list.asns.has(info.asn)) this.tag(info, list);
    }
    if (info.org !== undefined) for (const e of this.patternEvidence(info.org)) this.tag(info, e);
    Object.freeze(info.tags);
    Object.freeze(info.sources);
    for (const e of info.evidence) Object.freeze(e);
    Object.freeze(info.evidence);
    return Object.freeze(info);
  }

  private applyUser(info: DraftInfo, user: { asn?: number; org?: string; country?: string }): void {
    const replace = (field: "asn" | "org" | "country"): void => {
      info.sources = info.sources.filter((s) => !s.startsWith(`${field}:`));
      info.sources.push(`${field}:${SOURCE_USER}`);
    };
    if (user.asn !== undefined) {
      // A different ASN makes the bundled organisation name wrong too, even when the user file has none.
      if (user.asn !== info.asn && user.org === undefined && info.org !== undefined) {
        delete info.org;
        info.sources = info.sources.filter((s) => !s.startsWith("org:"));
      }
      info.asn = user.asn;
      replace("asn");
    }
    if (user.org !== undefined) {
      info.org = user.org;
      replace("org");
    }
    if (user.country !== undefined) {
      info.country = user.country;
      replace("country");
    }
  }

  private patternEvidence(org: string): TagEvidence[] {
    let cached = this.orgEvidence.get(org);
    if (!cached) {
      cached = orgPatternEvidence(org, this.patterns);
      this.orgEvidence.set(org, cached);
    }
    return cached;
  }

  private tag(info: DraftInfo, e: TagEvidence): void {
    info.evidence.push({ tag: e.tag, source: e.source });
    info.sources.push(`${e.tag}:${e.source}`);
    if (!info.tags.includes(e.tag)) info.tags.push(e.tag);
  }
}
