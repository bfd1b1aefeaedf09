import { describe, expect, it } from "vitest";
import { normalizeIp } from "../../../src/hunt/enrich/ip.js";
import { ipSql } from "../../../src/hunt/adapters/ipsql.js";
import { newSink } from "./helpers.js";

const FORMS = [
  "10.11.12.13",
  "10.11.12.13:12345",
  "[10.11.12.13]:12345",
  "[10.11.12.13]",
  "::ffff:10.11.12.13",
  "[::ffff:10.11.12.13]:12345",
  "2001:db8::abcd",
  "[2001:DB8::ABCD]:443",
  "::1",
  "",
  "nan",
  "localhost",
  "999.1.1.1",
  "10.1.2.3-443",
];

describe("ipSql", () => {
  it("agrees with enrich/ip.ts normalizeIp on the audit log's address forms", async () => {
    const sink = await newSink();
    for (const f of FORMS) {
      const r = await sink.connection.runAndReadAll(`SELECT ${ipSql("$1")} AS ip`, [f]);
      expect(r.getRows()[0]?.[0], f).toBe(normalizeIp(f)?.ip ?? "");
    }
  });
});
