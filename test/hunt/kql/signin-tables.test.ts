/**
 * Defender's sign-in table under both its names (AADSignInEventsBeta, EntraIdSignInEvents): whichever an export or
 * the emulated tenant holds, a query naming either reads the same rows, and no sign-in counts twice.
 */
import { describe, expect, it } from "vitest";
import { kqlHuntingEngine } from "../../../src/emulator/hunting-engine.js";
import { KqlEngine } from "../../../src/hunt/kql/engine.js";
import { huntTables } from "../../../src/hunt/schema/schema.js";

const cols = (t: string) => huntTables[t]!.columns.map((c) => ({ name: c.name, type: c.type }));
const row = (id: string, time: string, extra: Record<string, unknown> = {}) => ({
  Timestamp: time,
  RequestId: id,
  SessionId: `s-${id}`,
  AccountObjectId: "u1",
  IPAddress: "203.0.113.7",
  RiskLevelDuringSignIn: 50,
  ...extra,
});

async function engineWith(tables: Record<string, Record<string, unknown>[]>): Promise<KqlEngine> {
  const e = await KqlEngine.create({ threads: 1 });
  for (const t of ["EntraIdSignInEvents", "AADSignInEventsBeta"])
    await e.registerRows(t, cols(t), tables[t] ?? []);
  return e;
}

const ids = async (e: KqlEngine, table: string) =>
  (
    await e.run(
      `${table} | project RequestId, Dev = ${table === "AADSignInEventsBeta" ? "AadDeviceId" : "EntraIdDeviceId"} | order by RequestId asc`,
    )
  ).rows.map((r) => `${String(r["RequestId"])}:${String(r["Dev"])}`);

describe("bindSignInTables", () => {
  it("shows an EntraIdSignInEvents-only export under AADSignInEventsBeta too (device id mapped)", async () => {
    const e = await engineWith({
      EntraIdSignInEvents: [
        row("a", "2026-01-02T00:00:00Z", { EntraIdDeviceId: "d1" }),
        row("b", "2026-01-03T00:00:00Z"),
      ],
    });
    try {
      const b = await e.bindSignInTables();
      expect(b).toEqual([
        { table: "EntraIdSignInEvents", rowsFrom: ["EntraIdSignInEvents"], rows: 2 },
        { table: "AADSignInEventsBeta", rowsFrom: ["EntraIdSignInEvents"], rows: 2 },
      ]);
      expect(await ids(e, "AADSignInEventsBeta")).toEqual(["a:d1", "b:"]);
      expect(await ids(e, "EntraIdSignInEvents")).toEqual(["a:d1", "b:"]);
    } finally {
      e.close();
    }
  });

  it("shows an AADSignInEventsBeta-only export under EntraIdSignInEvents (no token id: empty)", async () => {
    const e = await engineWith({
      AADSignInEventsBeta: [row("a", "2026-01-02T00:00:00Z", { AadDeviceId: "d9" })],
    });
    try {
      await e.bindSignInTables();
      expect(await ids(e, "EntraIdSignInEvents")).toEqual(["a:d9"]);
      const r = await e.run("EntraIdSignInEvents | project UniqueTokenId");
      expect(r.rows).toEqual([{ UniqueTokenId: "" }]);
    } finally {
      e.close();
    }
  });

  it("with both names loaded: the new rows plus the old rows from before the rename, each once, under both names", async () => {
    const e = await engineWith({
      EntraIdSignInEvents: [row("new1", "2026-02-01T00:00:00Z"), row("new2", "2026-02-02T00:00:00Z")],
      AADSignInEventsBeta: [
        row("old", "2026-01-01T00:00:00Z"),
        row("new1", "2026-02-01T00:00:00Z"), // the same sign-in exported under the old name as well
      ],
    });
    try {
      const b = await e.bindSignInTables();
      expect(b.map((x) => x.rows)).toEqual([3, 3]);
      expect(await ids(e, "EntraIdSignInEvents")).toEqual(["new1:", "new2:", "old:"]);
      expect(await ids(e, "AADSignInEventsBeta")).toEqual(["new1:", "new2:", "old:"]);
    } finally {
      e.close();
    }
  });

  it("the emulated tenant's hunting engine answers a query on the old name from rows under the new one", async () => {
    const r = await kqlHuntingEngine.run(
      "AADSignInEventsBeta | where RiskLevelDuringSignIn >= 10 | project RequestId",
      { EntraIdSignInEvents: [row("a", "2026-01-02T00:00:00Z")] },
      new Date("2026-01-03T00:00:00Z"),
    );
    expect(r.results).toEqual([{ RequestId: "a" }]);
  });
});
