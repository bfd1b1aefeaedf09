/**
 * DuckDB macros the generated SQL calls (created once per engine connection). Written in SQL so the hot path stays
 * inside DuckDB (no per-row JavaScript).
 */
const OCTET = String.raw`(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`;

export const MACROS: readonly string[] = [
  // RE2 pattern of a `has` needle (see sqltext.termPattern: the same definition for values known only at run time).
  String.raw`CREATE OR REPLACE MACRO kql_term_re(n) AS
    CASE WHEN regexp_matches(left(n, 1), '^[0-9A-Za-z]$') THEN '(?:^|[^0-9A-Za-z])' ELSE '' END
    || regexp_replace(n, '([\\^$.|?*+()\[\]{}])', '\\\1', 'g')
    || CASE WHEN regexp_matches(right(n, 1), '^[0-9A-Za-z]$') THEN '(?:$|[^0-9A-Za-z])' ELSE '' END`,
  // Kusto's timespan text: [-][d.]hh:mm:ss[.fffffff]
  String.raw`CREATE OR REPLACE MACRO kql_us_text(us) AS
    CASE WHEN us < 0 THEN '-' ELSE '' END
    || CASE WHEN abs(us) >= 86400000000 THEN CAST(abs(us) // 86400000000 AS VARCHAR) || '.' ELSE '' END
    || lpad(CAST((abs(us) // 3600000000) % 24 AS VARCHAR), 2, '0') || ':'
    || lpad(CAST((abs(us) // 60000000) % 60 AS VARCHAR), 2, '0') || ':'
    || lpad(CAST((abs(us) // 1000000) % 60 AS VARCHAR), 2, '0')
    || CASE WHEN abs(us) % 1000000 <> 0 THEN '.' || lpad(CAST((abs(us) % 1000000) * 10 AS VARCHAR), 7, '0') ELSE '' END`,
  `CREATE OR REPLACE MACRO kql_timespan_text(i) AS kql_us_text(epoch_us(i))`,
  String.raw`CREATE OR REPLACE MACRO kql_parse_timespan(s) AS
    CASE WHEN regexp_full_match(s, '-?\d+\.\d{1,2}:\d{2}:\d{2}(\.\d+)?')
      THEN (CASE WHEN starts_with(s, '-') THEN -1 ELSE 1 END)
        * (to_days(CAST(regexp_extract(s, '^-?(\d+)\.', 1) AS INTEGER))
           + TRY_CAST(regexp_extract(s, '\.(\d{1,2}:\d{2}:\d{2}(\.\d+)?)$', 1) AS INTERVAL))
      ELSE TRY_CAST(s AS INTERVAL) END`,
  `CREATE OR REPLACE MACRO kql_ipv4(s) AS
    CASE WHEN regexp_full_match(s, '${OCTET}(\\.${OCTET}){3}') THEN
      CAST(split_part(s, '.', 1) AS BIGINT) * 16777216 + CAST(split_part(s, '.', 2) AS BIGINT) * 65536
      + CAST(split_part(s, '.', 3) AS BIGINT) * 256 + CAST(split_part(s, '.', 4) AS BIGINT) END`,
  `CREATE OR REPLACE MACRO kql_ipv4_mask(s, p) AS
    CASE WHEN p BETWEEN 0 AND 32 THEN (kql_ipv4(s) >> (32 - CAST(p AS BIGINT))) << (32 - CAST(p AS BIGINT)) END`,
  `CREATE OR REPLACE MACRO kql_ipv4_in_range(s, r) AS
    kql_ipv4_mask(s, CASE WHEN contains(r, '/') THEN TRY_CAST(split_part(r, '/', 2) AS INTEGER) ELSE 32 END)
    = kql_ipv4_mask(split_part(r, '/', 1), CASE WHEN contains(r, '/') THEN TRY_CAST(split_part(r, '/', 2) AS INTEGER) ELSE 32 END)`,
  `CREATE OR REPLACE MACRO kql_ipv4_is_private(s) AS
    kql_ipv4_in_range(s, '10.0.0.0/8') OR kql_ipv4_in_range(s, '172.16.0.0/12') OR kql_ipv4_in_range(s, '192.168.0.0/16')`,
  `CREATE OR REPLACE MACRO kql_format_ipv4_mask(s, p) AS
    CAST(kql_ipv4_mask(s, p) >> 24 AS VARCHAR) || '.' || CAST((kql_ipv4_mask(s, p) >> 16) & 255 AS VARCHAR) || '.'
    || CAST((kql_ipv4_mask(s, p) >> 8) & 255 AS VARCHAR) || '.' || CAST(kql_ipv4_mask(s, p) & 255 AS VARCHAR)
    || '/' || CAST(p AS VARCHAR)`,
  // .NET Guid byte order: the first three groups are little-endian.
  `CREATE OR REPLACE MACRO kql_hex_guid(h) AS
    CASE WHEN length(h) = 32 THEN substr(h, 7, 2) || substr(h, 5, 2) || substr(h, 3, 2) || substr(h, 1, 2) || '-'
      || substr(h, 11, 2) || substr(h, 9, 2) || '-' || substr(h, 15, 2) || substr(h, 13, 2) || '-'
      || substr(h, 17, 4) || '-' || substr(h, 21, 12) END`,
  `CREATE OR REPLACE MACRO kql_base64_guid(s) AS coalesce(kql_hex_guid(lower(hex(try(from_base64(s))))), '')`,
];
