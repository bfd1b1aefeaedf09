/**
 * The IP address forms of the audit log (formats.md §2.5: `1.2.3.4:5678`, `[2001:db8::1]:443`, `::ffff:1.2.3.4`,
 * upper-case hex, `nan`/`null` placeholders) as one address, in SQL so that million-row loads stay in DuckDB. The
 * same rules as `enrich/ip.ts` `normalizeIp` (a test checks both agree); text that is no IP address gives ''.
 */
export function ipSql(x: string): string {
  const t = `trim(coalesce(${x}, ''))`;
  // Strip brackets and port, then the IPv4-mapped prefix.
  const host =
    `CASE WHEN regexp_matches(${t}, '^\\[[^\\]]*\\]([:-][0-9]+)?$') THEN regexp_extract(${t}, '^\\[([^\\]]*)\\]', 1) ` +
    `WHEN regexp_matches(${t}, '^[0-9]{1,3}(\\.[0-9]{1,3}){3}[:-][0-9]+$') THEN regexp_extract(${t}, '^([0-9.]+)', 1) ` +
    `ELSE ${t} END`;
  const unmapped = `regexp_replace(lower(${host}), '^::ffff:([0-9]{1,3}(\\.[0-9]{1,3}){3})$', '\\1')`;
  return (
    `list_transform([${unmapped}], lambda h: CASE WHEN regexp_matches(h, '^([0-9]{1,3})(\\.[0-9]{1,3}){3}$') ` +
    `AND list_bool_and(list_transform(string_split(h, '.'), lambda o: TRY_CAST(o AS INTEGER) <= 255)) THEN h ` +
    `WHEN regexp_matches(h, '^[0-9a-f:.]+$') AND h LIKE '%:%' THEN h ELSE '' END)[1]`
  );
}
