/** Licence attribution for the bundled IP data, for `--help`, docs and any output that shows ASN/country values. */
export function ipDataAttribution(): string {
  return [
    "IP enrichment data:",
    "  IP to ASN and organisation: ip-location-db/asn (sapics) built from RouteViews (routeviews.org), NRO (nro.net)",
    "    and DB-IP IP to ASN Lite (https://db-ip.com, 'IP Geolocation by DB-IP'); CC BY 4.0.",
    "  IP to country: ip-location-db geo-whois-asn-country (sapics): GeoFeed, RIR WHOIS and ASN data; the package is",
    "    published as CC0-1.0, its data from NRO (nro.net) is CC BY 4.0.",
    "  Hosting/VPN networks: X4BNet/lists_vpn (MIT, (c) 2024 X4B Mathew Heard);",
    "    brianhama/bad-asn-list (MIT, (c) 2025 Brian Hamachek).",
    "  Full notices: vendor/enrichment/SOURCES.md.",
  ].join("\n");
}
