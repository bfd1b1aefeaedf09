/** One engine per test file; `q` runs a query and returns its rows. */
import { afterAll, beforeAll } from "vitest";
import { KqlEngine, type KqlResult, type RunOptions } from "../../../src/hunt/kql/engine.js";

export const NOW = new Date("2026-03-01T12:00:00Z");

export function useEngine(setup?: (e: KqlEngine) => Promise<void>): {
  q: (query: string, opts?: RunOptions) => Promise<Record<string, unknown>[]>;
  run: (query: string, opts?: RunOptions) => Promise<KqlResult>;
  engine: () => KqlEngine;
} {
  let engine: KqlEngine | undefined;
  beforeAll(async () => {
    engine = await KqlEngine.create({ threads: 1 });
    if (setup) await setup(engine);
  });
  afterAll(() => engine?.close());
  const get = (): KqlEngine => {
    if (!engine) throw new Error("engine not ready");
    return engine;
  };
  const run = (query: string, opts: RunOptions = {}): Promise<KqlResult> =>
    get().run(query, { now: NOW, ...opts });
  return { run, q: async (query, opts) => (await run(query, opts)).rows, engine: get };
}
