/** IP enrichment for hunting (issue §5): normalisation, ASN/country/tags, service-originated records. */
export { normalizeIp, parseIp, networkKeyOf, type IpParse, type IpVersion, type NormalizedIp } from "./ip.js";
export { IpIntel, type IpInfo, type IpIntelOptions, type UserCidrList } from "./ip-intel.js";
export { ensureIpDb } from "./range-table.js";
export {
  isServiceOriginated,
  serviceContextOf,
  type ServiceContext,
  type ServiceOrigin,
} from "./service-origin.js";
export { ipDataAttribution } from "./attribution.js";
export type { IpTag, TagEvidence, ListProblem } from "./tag-lists.js";
export type { MmdbSource } from "./mmdb.js";
