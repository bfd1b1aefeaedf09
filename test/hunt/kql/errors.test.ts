/** Refusals carry the construct and its position; the pure transpiler emits SQL without a database. */
import { describe, expect, it } from "vitest";
import { KqlSemanticError, KqlUnsupportedError } from "../../../src/hunt/kql/errors.js";
import { transpile } from "../../../src/hunt/kql/transpile.js";
import { useEngine } from "./helpers.js";

const { q, engine } = useEngine(async (e) => {
  await e.registerRows(
    "T",
    [
      { name: "a", type: "string" },
      { name: "n", type: "long" },
    ],
    [{ a: "x", n: 1 }],
  );
});

describe("errors", () => {
  it("a semantic error from Kusto.Language names the problem and its line:column", async () => {
    const err = await q("T\n| where nope == 1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KqlSemanticError);
    const e = err as KqlSemanticError;
    expect(e.position).toMatchObject({ line: 2, column: 9 });
    expect(e.message).toMatch(/^2:9: .*nope/);
  });

  it("a missing table is named", async () => {
    const err = await q("T | join kind=inner (Missing) on a").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KqlSemanticError);
    expect((err as Error).message).toContain("Missing");
  });

  it("an unsupported operator or function fails with the construct and its position, never rows", async () => {
    const op = await q("T\n| evaluate bag_unpack(a)").catch((e: unknown) => e);
    expect(op).toBeInstanceOf(KqlUnsupportedError);
    expect((op as KqlUnsupportedError).position).toMatchObject({ line: 2, column: 3 });
    expect((op as Error).message).toMatch(/EvaluateOperator.*evaluate bag_unpack\(a\)/);
    const fn = await q("T | extend h = hash_sha256(a)").catch((e: unknown) => e);
    expect(fn).toBeInstanceOf(KqlUnsupportedError);
    expect((fn as Error).message).toMatch(/^1:16: unsupported function hash_sha256\(\)/);
    const udf = await q("let f = (x:long) { x + 1 }; print f(1)").catch((e: unknown) => e);
    expect(udf).toBeInstanceOf(KqlUnsupportedError);
  });

  it("the pure transpiler gives SQL and columns; toscalar and has_any (T) become subqueries", () => {
    const t = transpile("let ids = T | distinct a; T | where a has_any (ids) and n == toscalar(T | count)", {
      tables: engine().tables,
      now: new Date("2026-01-01T00:00:00Z"),
    });
    expect(t.columns).toEqual([
      { name: "a", type: "string" },
      { name: "n", type: "long" },
    ]);
    expect(t.sql).toMatch(/^WITH /);
    expect(t.prefetch.map((p) => p.kind).sort()).toEqual(["list", "scalar"]);
  });

  it("the engine inlines prefetched values as constants (one pattern, no subquery)", async () => {
    const r = await engine().run("let ids = T | distinct a; T | where a has_any (ids) | project a");
    expect(r.rows).toEqual([{ a: "x" }]);
    expect(r.sql).toContain("'(?is)(?:(?:^|[^0-9A-Za-z])x(?:$|[^0-9A-Za-z]))'");
    expect(r.sql).not.toContain("string_agg");
  });
});
