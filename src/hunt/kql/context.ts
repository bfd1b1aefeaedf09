/** State shared by the translators while one query is transpiled. */
import type { Syn } from "./syntax.js";
import type { KqlColumn, KqlType } from "./types.js";

/** A translated scalar expression and its KQL type. */
export interface Sql {
  sql: string;
  type: KqlType;
}

/** A translated tabular expression: a complete SELECT and its columns in order. */
export interface Rel {
  sql: string;
  cols: KqlColumn[];
}

export type Binding =
  | { kind: "scalar"; sql: string; type: KqlType; value?: unknown }
  | { kind: "tabular"; cte: string; cols: KqlColumn[] };

/**
 * A value the engine computes before the main query so it can be inlined as a constant: the needles of
 * `has_any (T)`, the result of `toscalar(T)`. `sql` is self-contained (it carries the WITH clause it needs).
 */
export interface Prefetch {
  key: string;
  /** `table`: a materialised let, which the engine stores as a temporary table (its constant is the table's name). */
  kind: "scalar" | "list" | "table";
  type: KqlType;
  sql: string;
}

/** How column references resolve: unqualified, or through the `$left` / `$right` aliases of a join condition. */
export interface Scope {
  left?: string;
  right?: string;
}

export const ROW: Scope = {};

export class Ctx {
  private readonly bySymbol = new Map<unknown, Binding>();
  private readonly byName = new Map<string, Binding>();
  readonly ctes: string[] = [];
  readonly prefetch: Prefetch[] = [];
  private counter = 0;

  constructor(
    readonly source: string,
    /** SQL expression of "now" (a TIMESTAMP literal). */
    readonly nowSql: string,
    /** Values computed by a first pass, by prefetch key. */
    readonly constants: ReadonlyMap<string, unknown>,
    /**
     * Registers a `has_any` needle list with the engine's matcher function and returns its id; absent in the pure
     * transpiler (then a regex is emitted).
     */
    readonly needleSet?: (needles: readonly string[]) => string,
  ) {}

  fresh(prefix: string): string {
    this.counter += 1;
    return `_${prefix}${this.counter}`;
  }

  bind(symbol: unknown, name: string, b: Binding): void {
    if (symbol) this.bySymbol.set(symbol, b);
    this.byName.set(name, b);
  }

  lookup(symbol: unknown, name: string): Binding | undefined {
    return (symbol ? this.bySymbol.get(symbol) : undefined) ?? this.byName.get(name);
  }

  /** A constant the first pass computed, or undefined (then the caller emits an equivalent subquery). */
  constant(key: string): { value: unknown } | undefined {
    return this.constants.has(key) ? { value: this.constants.get(key) } : undefined;
  }

  /** The WITH clause of every CTE defined so far. */
  withClause(): string {
    return this.ctes.length ? `WITH ${this.ctes.join(",\n")}\n` : "";
  }

  requestPrefetch(node: Syn, kind: Prefetch["kind"], type: KqlType, select: string): string {
    const key = `${kind}@${node.start}+${node.width}`;
    if (!this.prefetch.some((p) => p.key === key))
      this.prefetch.push({ key, kind, type, sql: `${this.withClause()}${select}` });
    return key;
  }
}
