/**
 * MaxMind-format (.mmdb) readers: the bundled country database and an optional user database (GeoLite2 / DB-IP
 * ASN, Country or City style) whose fields override the bundled ones one by one.
 */
import { readFile } from "node:fs/promises";
import { Reader } from "mmdb-lib";

/** The one call IpIntel needs; tests inject a fake. */
export interface MmdbSource {
  /** Record for a canonical address, or null. */
  get(ip: string): unknown;
  /** 4 when the database holds IPv4 only (IPv6 lookups are then skipped). */
  ipVersion: 4 | 6;
}

export interface MmdbFields {
  asn?: number;
  org?: string;
  country?: string;
}

export async function openMmdb(file: string): Promise<MmdbSource> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new Error(`cannot read .mmdb file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let reader: Reader<Record<string, unknown>>;
  try {
    reader = new Reader<Record<string, unknown>>(buf);
  } catch (err) {
    throw new Error(`${file} is not a MaxMind .mmdb database: ${(err as Error).message}`, { cause: err });
  }
  return { get: (ip) => reader.get(ip), ipVersion: reader.metadata.ipVersion === 4 ? 4 : 6 };
}

/**
 * Reads the fields mailwarden uses from any of the common layouts: `autonomous_system_number` /
 * `autonomous_system_organization` (GeoLite2-ASN, DB-IP ASN), `country.iso_code` (GeoLite2/DB-IP Country and City),
 * `country_code` (ip-location-db). Anything else is ignored.
 */
export function mmdbFields(record: unknown): MmdbFields {
  const out: MmdbFields = {};
  if (!isObject(record)) return out;
  const asn = record.autonomous_system_number;
  if (typeof asn === "number" && Number.isInteger(asn) && asn >= 0) out.asn = asn;
  const org = record.autonomous_system_organization;
  if (typeof org === "string" && org !== "") out.org = org;
  const country = isObject(record.country) ? record.country.iso_code : record.country_code;
  if (typeof country === "string" && /^[A-Za-z]{2}$/.test(country)) out.country = country.toUpperCase();
  return out;
}

export function lookupMmdb(source: MmdbSource, ip: string, version: 4 | 6): MmdbFields {
  if (version === 6 && source.ipVersion === 4) return {};
  return mmdbFields(source.get(ip));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
