/**
 * Networks the generated people and attackers sign in from. Hosting networks (and Microsoft's own AS8075) are
 * listed in /work/shared/enrichment (x4bnet-lists_vpn input/datacenter/ASN.txt and output/datacenter/ipv4.txt;
 * bad-asn-list.csv); residential, mobile and office networks are ordinary carriers. Geolocation is plausible, not
 * looked up.
 */
import type { Rng } from "./rng.js";

export type NetworkKind = "office" | "residential" | "mobile" | "hosting" | "cloud";

export interface Network {
  key: string;
  kind: NetworkKind;
  asn: number;
  isp: string;
  country: string;
  state: string;
  city: string;
  latitude: number;
  longitude: number;
  /** IPv4 range, `a.b.c.d/len`, from which addresses are drawn. */
  v4: string;
  /** IPv6 /48 prefix (three groups) for dual-stack carriers. */
  v6?: string;
  /** CloudAppEvents enrichment. */
  ipCategory: string | null;
  ipTags: string[] | null;
}

const N = (n: Network): Network => n;

export const NETWORKS = {
  officeSeattle: N({
    key: "officeSeattle",
    kind: "office",
    asn: 7018,
    isp: "AT&T Services, Inc.",
    country: "US",
    state: "Washington",
    city: "Redmond",
    latitude: 47.674,
    longitude: -122.121,
    v4: "12.146.88.0/26",
    ipCategory: null,
    ipTags: null,
  }),
  officeLondon: N({
    key: "officeLondon",
    kind: "office",
    asn: 2856,
    isp: "British Telecommunications PLC",
    country: "GB",
    state: "England",
    city: "London",
    latitude: 51.507,
    longitude: -0.128,
    v4: "81.145.224.0/27",
    ipCategory: null,
    ipTags: null,
  }),
  comcast: N({
    key: "comcast",
    kind: "residential",
    asn: 7922,
    isp: "Comcast Cable Communications, LLC",
    country: "US",
    state: "Washington",
    city: "Seattle",
    latitude: 47.606,
    longitude: -122.332,
    v4: "73.53.0.0/16",
    v6: "2601:600:8a00",
    ipCategory: null,
    ipTags: null,
  }),
  verizon: N({
    key: "verizon",
    kind: "residential",
    asn: 701,
    isp: "Verizon Business",
    country: "US",
    state: "Washington",
    city: "Bellevue",
    latitude: 47.61,
    longitude: -122.2,
    v4: "71.231.0.0/16",
    ipCategory: null,
    ipTags: null,
  }),
  virgin: N({
    key: "virgin",
    kind: "residential",
    asn: 5089,
    isp: "Virgin Media Limited",
    country: "GB",
    state: "England",
    city: "Reading",
    latitude: 51.454,
    longitude: -0.978,
    v4: "86.14.0.0/16",
    v6: "2a02:c7c:5e00",
    ipCategory: null,
    ipTags: null,
  }),
  tmobile: N({
    key: "tmobile",
    kind: "mobile",
    asn: 21928,
    isp: "T-Mobile USA, Inc.",
    country: "US",
    state: "Washington",
    city: "Seattle",
    latitude: 47.606,
    longitude: -122.332,
    v4: "172.58.0.0/16",
    ipCategory: null,
    ipTags: null,
  }),
  hotelLisbon: N({
    key: "hotelLisbon",
    kind: "residential",
    asn: 3243,
    isp: "MEO - Servicos De Comunicacoes E Multimedia S.A.",
    country: "PT",
    state: "Lisboa",
    city: "Lisbon",
    latitude: 38.722,
    longitude: -9.139,
    v4: "85.243.0.0/16",
    ipCategory: null,
    ipTags: null,
  }),
  digitalocean: N({
    key: "digitalocean",
    kind: "hosting",
    asn: 14061,
    isp: "DigitalOcean, LLC",
    country: "NL",
    state: "North Holland",
    city: "Amsterdam",
    latitude: 52.374,
    longitude: 4.89,
    v4: "138.68.0.0/19",
    ipCategory: "Hosting",
    ipTags: ["Hosting"],
  }),
  hetzner: N({
    key: "hetzner",
    kind: "hosting",
    asn: 24940,
    isp: "Hetzner Online GmbH",
    country: "FI",
    state: "Uusimaa",
    city: "Helsinki",
    latitude: 60.17,
    longitude: 24.94,
    v4: "95.216.0.0/15",
    ipCategory: "Hosting",
    ipTags: ["Hosting"],
  }),
  ovh: N({
    key: "ovh",
    kind: "hosting",
    asn: 16276,
    isp: "OVH SAS",
    country: "FR",
    state: "Hauts-de-France",
    city: "Roubaix",
    latitude: 50.69,
    longitude: 3.18,
    v4: "51.75.0.0/16",
    ipCategory: "Hosting",
    ipTags: ["Hosting"],
  }),
  vultr: N({
    key: "vultr",
    kind: "hosting",
    asn: 20473,
    isp: "The Constant Company, LLC",
    country: "US",
    state: "New Jersey",
    city: "Piscataway",
    latitude: 40.55,
    longitude: -74.46,
    v4: "45.76.0.0/15",
    ipCategory: "Hosting",
    ipTags: ["Hosting"],
  }),
  azure: N({
    key: "azure",
    kind: "cloud",
    asn: 8075,
    isp: "Microsoft Corporation",
    country: "US",
    state: "Virginia",
    city: "Boydton",
    latitude: 36.667,
    longitude: -78.388,
    v4: "20.42.0.0/15",
    ipCategory: "Cloud provider",
    ipTags: ["Microsoft Azure"],
  }),
} as const satisfies Record<string, Network>;

export type NetworkKey = keyof typeof NETWORKS;

export const RESIDENTIAL_US: readonly NetworkKey[] = ["comcast", "verizon"];
export const RESIDENTIAL_GB: readonly NetworkKey[] = ["virgin"];

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToV4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** A host address in the network's IPv4 range (never the network or broadcast address). */
export function pickV4(net: Network, rng: Rng): string {
  const [base = "0.0.0.0", len = "32"] = net.v4.split("/");
  const size = 2 ** (32 - Number(len));
  return intToV4((v4ToInt(base) + rng.int(1, Math.max(1, size - 2))) >>> 0);
}

/** A host address in the network's IPv6 /48, or null when the carrier is IPv4-only here. */
export function pickV6(net: Network, rng: Rng): string | null {
  if (!net.v6) return null;
  const g = () => rng.int(0, 0xffff).toString(16);
  return `${net.v6}:${g()}:${g()}:${g()}:${g()}:${g()}`;
}

export function inV4(net: Network, ip: string): boolean {
  const [base = "0.0.0.0", len = "32"] = net.v4.split("/");
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const mask = Number(len) === 0 ? 0 : (~0 << (32 - Number(len))) >>> 0;
  return (v4ToInt(ip) & mask) >>> 0 === (v4ToInt(base) & mask) >>> 0;
}
