import { DuckDBInstance } from "@duckdb/node-api";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import type { KqlType } from "../../../src/hunt/schema/schema.js";
import type { TableSink } from "../../../src/hunt/adapters/types.js";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const fixtures = path.join(root, "test/fixtures/hunt");
export const realdata = path.resolve(root, "../shared/realdata");
export const hasRealdata = existsSync(realdata);

/** A fresh in-memory DuckDB with the sink interface the KQL engine offers. */
export async function newSink(): Promise<
  TableSink & { defined: Map<string, { name: string; type: KqlType }[]> }
> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  const defined = new Map<string, { name: string; type: KqlType }[]>();
  // Like the engine: more connections to the same database, in UTC (loadExports loads two files at once).
  const connect = async () => {
    const c = await db.connect();
    await c.run("SET TimeZone = 'UTC'");
    return c;
  };
  return { connection, defined, defineTable: (name, columns) => void defined.set(name, columns), connect };
}

export async function rows(sink: TableSink, sql: string): Promise<Record<string, unknown>[]> {
  return (await sink.connection.runAndReadAll(sql)).getRowObjectsJson();
}

/** A scratch folder inside the project (git-ignored), never /tmp; removed when the test that made it ends. */
export function scratch(name: string): string {
  const base = path.join(root, ".scratch");
  const dir = mkdtempSync(path.join(base, `${name}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
