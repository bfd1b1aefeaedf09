/**
 * The errors of the offline KQL engine. Every refusal names where in the query it happened, so a user can fix the
 * query; the engine never answers a query it does not fully understand (no silently wrong rows).
 */
import { lineColumn } from "./kusto.js";

export interface KqlPosition {
  /** Offset in the query text. */
  offset: number;
  line: number;
  column: number;
}

export function positionOf(text: string, offset: number): KqlPosition {
  return { offset, ...lineColumn(text, offset) };
}

/** Kusto.Language reported an Error diagnostic (unknown table or column, type error, syntax error). */
export class KqlSemanticError extends Error {
  override readonly name = "KqlSemanticError";
  constructor(
    readonly diagnostic: string,
    readonly position: KqlPosition,
  ) {
    super(`${position.line}:${position.column}: ${diagnostic}`);
  }
}

/** A valid KQL construct the transpiler does not implement. */
export class KqlUnsupportedError extends Error {
  override readonly name = "KqlUnsupportedError";
  constructor(
    readonly construct: string,
    readonly snippet: string,
    readonly position: KqlPosition,
  ) {
    super(`${position.line}:${position.column}: unsupported ${construct}: ${snippet}`);
  }
}

/** The query ran longer than the caller allowed. */
export class KqlTimeoutError extends Error {
  override readonly name = "KqlTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`the query was cancelled after ${timeoutMs} ms`);
  }
}

/** DuckDB refused the generated SQL or failed while running it (a transpiler gap: reported with the SQL). */
export class KqlExecutionError extends Error {
  override readonly name = "KqlExecutionError";
  constructor(
    message: string,
    readonly sql: string,
  ) {
    super(message);
  }
}
