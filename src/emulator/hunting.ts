/**
 * The hook where a KQL engine plugs in (it belongs to the hunting issue). `POST /security/runHuntingQuery` runs
 * queries on the Defender tables and the Log Analytics face on the Sentinel tables, both through `runHunting`.
 * Until an engine is registered, every query is refused with a Kusto-style 400 — never canned rows.
 */
import type { LogRow } from "./state.js";

export interface HuntingColumn {
  name: string;
  /** Kusto type name as the Graph API reports it: String, DateTime, Int32, Int64, Double, Boolean, Dynamic, Guid. */
  type: string;
}

export interface HuntingResult {
  schema: HuntingColumn[];
  results: Record<string, unknown>[];
}

/** A query the engine refuses (syntax or semantic error): the message is passed through as Kusto's text. */
export class HuntingQueryError extends Error {
  override readonly name = "HuntingQueryError";
}

export interface HuntingEngine {
  /**
   * Runs `query` over `tables` (by table name) as of `now` (the emulator clock). Throws HuntingQueryError for a
   * query it cannot run. `options.timespan`: the ISO 8601 timespan the caller sent, if any.
   */
  run(
    query: string,
    tables: Record<string, LogRow[]>,
    now: Date,
    options?: { timespan?: string },
  ): Promise<HuntingResult>;
}

let registered: HuntingEngine | undefined;

/** Registers (or, with undefined, removes) the KQL engine every emulator in this process uses. */
export function registerHuntingEngine(engine: HuntingEngine | undefined): void {
  registered = engine;
}

export const NO_ENGINE_MESSAGE =
  "Query could not be executed: the emulated tenant has no KQL engine yet, so it runs no hunting query. Fix semantic errors in your query.";

export type HuntingOutcome = { ok: true; result: HuntingResult } | { ok: false; message: string };

export async function runHunting(
  query: string,
  tables: Record<string, LogRow[]>,
  now: Date,
  options: { timespan?: string } = {},
): Promise<HuntingOutcome> {
  if (!registered) return { ok: false, message: NO_ENGINE_MESSAGE };
  try {
    return { ok: true, result: await registered.run(query, tables, now, options) };
  } catch (err) {
    if (err instanceof HuntingQueryError) return { ok: false, message: err.message };
    throw err;
  }
}

/** The timespan forms runHuntingQuery documents (apis.md A1 [D]); Log Analytics takes the same ISO 8601 forms. */
export function isIsoTimespan(v: string): boolean {
  const dt = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})`;
  const dur = String.raw`P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?`;
  return new RegExp(`^(?:${dt}|${dur})(?:/(?:${dt}|${dur}))?$`).test(v.trim());
}
