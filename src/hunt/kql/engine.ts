/**
 * The offline KQL engine: Kusto.Language analyses the query, transpile.ts turns it into DuckDB SQL, DuckDB runs it.
 * Values that feed `has_any (T)` and `toscalar(T)` are computed first and inlined as constants, so a large string
 * column is matched against one RE2 program compiled once, never a per-row pattern.
 */
import {
  BOOLEAN,
  DuckDBInstance,
  DuckDBScalarFunction,
  VARCHAR,
  type DuckDBConnection,
} from "@duckdb/node-api";
import { KqlExecutionError, KqlTimeoutError } from "./errors.js";
import { loadRows, type LoadReport } from "./load.js";
import { addColumnsRead } from "./columns-read.js";
import {
  bindSignInTables,
  SIGNIN_TABLES,
  signInColumnsToStore,
  type SignInBinding,
} from "./signin-tables.js";
import { MACROS } from "./macros.js";
import { NeedleMatcher } from "./needles.js";
import { ident } from "./sqltext.js";
import { AnalysisCache } from "./cache.js";
import { Analysis, TapeMiss } from "./syntax.js";
import { analyse, tableDecls, transpileAnalysed, type Transpiled } from "./transpile.js";
import type { KqlColumn } from "./types.js";
import { isoFromMicros, toKqlValue } from "./values.js";

export interface KqlEngineOptions {
  /** DuckDB database file; default in memory. */
  path?: string;
  /** DuckDB worker threads (default: DuckDB's choice). */
  threads?: number;
  /** Where analysed queries are kept between runs (default: `AnalysisCache.fromEnvironment()`); false: nowhere. */
  analysisCache?: AnalysisCache | false;
}

export interface RunOptions {
  /** The instant `now()` / `ago()` refer to; default: the newest event of the input (see `newestEvent`). */
  now?: Date;
  /** Cancel the query after this many milliseconds (KqlTimeoutError). */
  timeoutMs?: number;
}

export interface KqlResult {
  columns: KqlColumn[];
  rows: Record<string, unknown>[];
  /** The `now` the query ran with (ISO 8601), so a caller can print it. */
  now: string;
  sql: string;
}

/** Columns whose maximum is "the newest event": Defender's `Timestamp`, Log Analytics' `TimeGenerated`. */
const TIME_COLUMNS = ["Timestamp", "TimeGenerated"];

export class KqlEngine {
  private readonly schemas = new Map<string, KqlColumn[]>();
  private queue: Promise<unknown> = Promise.resolve();
  /** `has_any` needle lists of the running query, by the id the SQL names (never the values themselves). */
  private readonly matchers = new Map<string, NeedleMatcher>();
  private matcherIds = 0;
  /** Names the temporary tables of materialised lets (unique on this engine's connection). */
  private tableSeq = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    /** The DuckDB connection queries run on (loaders may create tables on it, then `defineTable` them). */
    readonly connection: DuckDBConnection,
    private readonly cache: AnalysisCache | undefined,
  ) {}

  /** Another connection to this engine's database (loaders use it to load files at once; see TableSink.connect). */
  connect(): Promise<DuckDBConnection> {
    return utcConnection(this.instance);
  }

  /** How the last `run` got its analysis: from the cache, or from Kusto.Language (and then whether it was stored). */
  lastAnalysis: { source: "cache" | "analysed"; stored?: boolean; ms: number } | undefined;

  static async create(opts: KqlEngineOptions = {}): Promise<KqlEngine> {
    const config: Record<string, string> = {};
    if (opts.threads) config["threads"] = String(opts.threads);
    const instance = await DuckDBInstance.create(opts.path ?? ":memory:", config);
    const connection = await utcConnection(instance);
    for (const m of MACROS) await connection.run(m);
    const cache =
      opts.analysisCache === false ? undefined : (opts.analysisCache ?? AnalysisCache.fromEnvironment());
    const engine = new KqlEngine(instance, connection, cache);
    engine.registerMatcherFunction();
    return engine;
  }

  /** `kql_has_any_set(text, id)`: term matching of `text` against the needle list registered under `id`. */
  private registerMatcherFunction(): void {
    this.connection.registerScalarFunction(
      DuckDBScalarFunction.create({
        name: "kql_has_any_set",
        returnType: BOOLEAN,
        parameterTypes: [VARCHAR, VARCHAR],
        mainFunction: (info, input, output) => {
          const texts = input.getColumnVector(0);
          const ids = input.getColumnVector(1);
          for (let r = 0; r < input.rowCount; r++) {
            const text = texts.getItem(r);
            const m = this.matchers.get(String(ids.getItem(r)));
            if (!m) {
              info.setError(`kql_has_any_set: unknown needle list ${String(ids.getItem(r))}`);
              return;
            }
            output.setItem(r, typeof text === "string" ? m.test(text) : null);
          }
          output.flush();
        },
      }),
    );
  }

  private needleSet = (needles: readonly string[]): string => {
    this.matcherIds += 1;
    const id = `n${this.matcherIds}`;
    this.matchers.set(id, new NeedleMatcher(needles));
    return id;
  };

  /** The tables queries may name, with their KQL columns. */
  get tables(): Record<string, KqlColumn[]> {
    return Object.fromEntries(this.schemas);
  }

  /** Tables loaded with values in only some columns (LoadOptions.columns): the columns kept, by table. */
  private readonly narrow = new Map<string, Set<string>>();

  narrowed(name: string, kept: readonly string[]): void {
    this.narrow.set(name, new Set(kept.map((c) => c.toLowerCase())));
  }

  /** The declared column names of these tables, for reading plans. */
  private columnNames(tables: readonly string[]): Map<string, string[]> {
    return new Map(tables.map((t) => [t, (this.schemas.get(t) ?? []).map((c) => c.name)]));
  }

  /** Refuses a statement that reads a column a narrowed load left empty (it would read nothing, silently). */
  private async checkNarrow(sql: string): Promise<void> {
    if (this.narrow.size === 0) return;
    for (const [table, cols] of Object.entries(await this.statementColumns(sql, [...this.narrow.keys()]))) {
      const kept = this.narrow.get(table);
      const missing = cols.filter((c) => !kept?.has(c.toLowerCase()));
      if (missing.length)
        throw new KqlExecutionError(
          `${table} was loaded with only the columns the hunt reads; this query also reads ${missing.join(", ")} ` +
            `(load without LoadOptions.columns to query every column)`,
          sql,
        );
    }
  }

  /**
   * The columns of these tables a statement reads, from DuckDB's plan; a statement planned before (the same text,
   * schemas and DuckDB) answers from the cache without EXPLAIN.
   */
  private async statementColumns(sql: string, tables: readonly string[]): Promise<Record<string, string[]>> {
    const schemas = this.columnNames(tables);
    const ckey = this.cache?.columnsKey(
      sql,
      [...schemas].sort(([a], [b]) => a.localeCompare(b)),
    );
    const cached = ckey !== undefined ? this.cache?.getColumns(ckey) : undefined;
    if (cached) return cached;
    const own = new Map<string, Set<string>>();
    await addColumnsRead(this.connection, sql, schemas, own);
    const cols = Object.fromEntries([...own].map(([table, set]) => [table, [...set].sort()]));
    if (ckey !== undefined) this.cache?.putColumns(ckey, cols);
    return cols;
  }

  /** Declares a table (or view) someone else created on `connection`, with its KQL columns. */
  defineTable(name: string, columns: readonly KqlColumn[]): void {
    this.schemas.set(name, [...columns]);
  }

  /** Creates (or replaces) table `name` from JS row objects. */
  async registerRows(
    name: string,
    columns: readonly KqlColumn[],
    rows: readonly Record<string, unknown>[],
  ): Promise<LoadReport> {
    const report = await this.serial(() => loadRows(this.connection, name, columns, rows));
    this.defineTable(name, columns);
    return report;
  }

  /**
   * Binds Defender's two sign-in table names (EntraIdSignInEvents, AADSignInEventsBeta) to the same rows, after
   * every table is loaded: queries written for either name read whichever the export held (signin-tables.ts).
   */
  async bindSignInTables(): Promise<SignInBinding[]> {
    return this.serial(() => bindSignInTables(this.connection));
  }

  /** The newest `Timestamp` / `TimeGenerated` over the defined tables, or undefined when there is none. */
  async newestEvent(): Promise<Date | undefined> {
    const parts: string[] = [];
    for (const [name, cols] of this.schemas)
      for (const c of cols)
        if (c.type === "datetime" && TIME_COLUMNS.includes(c.name))
          parts.push(`SELECT max(${ident(c.name)}) AS m FROM ${ident(name)}`);
    if (!parts.length) return undefined;
    const rows = await this.serial(() =>
      this.exec(`SELECT max(m) FROM (${parts.join(" UNION ALL ")})`, undefined),
    );
    const v = rows[0]?.[0];
    if (!v) return undefined;
    return new Date(String(toKqlValue(v, "datetime")));
  }

  /** The query's analysis: from the cache when it holds one, else from Kusto.Language. */
  private analysisOf(query: string, tables: Record<string, KqlColumn[]>) {
    const key = this.cache?.key(query, tableDecls(tables));
    const cached = key !== undefined ? this.cache?.get(key) : undefined;
    return { key, cached, source: { code: cached ? Analysis.replay(cached) : analyse(query, tables) } };
  }

  /**
   * The columns of each table `query` reads (its value lists and scalars included), from DuckDB's plan; the query
   * does not run. Used before loading, to store only what the hunt reads (LoadOptions.columns).
   */
  async columnsRead(query: string, into = new Map<string, Set<string>>()): Promise<Map<string, Set<string>>> {
    const tables = this.tables;
    const { key, source } = this.analysisOf(query, tables);
    const t = this.transpileOn(source, query, {
      tables,
      // A fixed instant: which columns are read does not depend on it, and the statements' text (the cache key of
      // their plans) stays the same from run to run.
      now: new Date(0),
      constants: new Map(),
      needleSet: () => "unused",
    });
    if (key !== undefined && source.code.live) this.cache?.put(key, source.code.tape);
    // Without constants the final statement holds every materialised let as a CTE: their own plans add nothing.
    for (const sql of [...t.prefetch.filter((p) => p.kind !== "table").map((p) => p.sql), t.sql]) {
      const cols = await this.serial(() => this.statementColumns(sql, Object.keys(tables)));
      for (const [table, list] of Object.entries(cols)) {
        const set = into.get(table) ?? new Set<string>();
        into.set(table, set);
        for (const c of list) set.add(c);
      }
    }
    return into;
  }

  /**
   * LoadOptions.columns for a load that only these queries will read: per defined table the columns any of them
   * reads (none for a table none reads), both sign-in names storing the union (they show one set of rows).
   */
  async columnsToStore(queries: readonly string[]): Promise<Record<string, string[]>> {
    const read = new Map<string, Set<string>>();
    for (const q of queries) await this.columnsRead(q, read);
    const out: Record<string, string[]> = {};
    for (const name of this.schemas.keys()) out[name] = [...(read.get(name) ?? [])];
    const signIns = signInColumnsToStore(read);
    for (const t of SIGNIN_TABLES) if (this.schemas.has(t)) out[t] = signIns;
    return out;
  }

  async run(query: string, opts: RunOptions = {}): Promise<KqlResult> {
    const tables = this.tables;
    const t0 = performance.now();
    const { key, cached, source } = this.analysisOf(query, tables);
    const now = opts.now ?? (await this.newestEvent()) ?? new Date();
    const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : undefined;
    const constants = new Map<string, unknown>();
    const needleSet = this.needleSet;
    const ids: string[] = [];
    const track = (values: readonly string[]): string => {
      const id = needleSet(values);
      ids.push(id);
      return id;
    };
    this.lastAnalysis = { source: cached ? "cache" : "analysed", ms: Math.round(performance.now() - t0) };
    try {
      const res = await this.runAnalysed(
        source,
        query,
        tables,
        now,
        constants,
        track,
        deadline,
        opts.timeoutMs,
      );
      if (key !== undefined && source.code.live) {
        this.lastAnalysis.source = "analysed";
        this.lastAnalysis.stored = this.cache?.put(key, source.code.tape) ?? false;
      }
      return res;
    } finally {
      for (const id of ids) this.matchers.delete(id);
    }
  }

  /**
   * Transpiles on the current analysis; a replayed one that lacks an answer (a path through the tree this query's
   * data had not taken before) is replaced by a fresh analysis, first transpiled once without constants so that
   * its tape holds every path of the first pass, as a recorded one does.
   */
  private transpileOn(
    source: { code: Analysis },
    query: string,
    options: Parameters<typeof transpileAnalysed>[2],
  ): ReturnType<typeof transpileAnalysed> {
    try {
      return transpileAnalysed(source.code, query, options);
    } catch (e) {
      if (!(e instanceof TapeMiss)) throw e;
      source.code = analyse(query, options.tables);
      transpileAnalysed(source.code, query, { ...options, constants: new Map(), needleSet: () => "unused" });
      return transpileAnalysed(source.code, query, options);
    }
  }

  private async runAnalysed(
    source: { code: Analysis },
    query: string,
    tables: Record<string, KqlColumn[]>,
    now: Date,
    constants: Map<string, unknown>,
    needleSet: (values: readonly string[]) => string,
    deadline: number | undefined,
    timeoutMs: number | undefined,
  ): Promise<KqlResult> {
    const options = { tables, now, constants, needleSet };
    const made: string[] = [];
    try {
      return await this.runPrefetched(source, query, options, made, deadline, timeoutMs);
    } finally {
      // The materialised lets' tables live as long as the query (a failed drop must not hide the query's own error).
      for (const name of made)
        await this.serial(() => this.connection.run(`DROP TABLE IF EXISTS ${ident(name)}`)).catch(
          () => undefined,
        );
    }
  }

  private async runPrefetched(
    source: { code: Analysis },
    query: string,
    options: Parameters<typeof transpileAnalysed>[2] & { constants: Map<string, unknown>; now: Date },
    made: string[],
    deadline: number | undefined,
    timeoutMs: number | undefined,
  ): Promise<KqlResult> {
    const { constants, now } = options;
    let t = this.transpileOn(source, query, options);
    // First pass: each materialised let, value list and scalar in dependency order, re-transpiling so that later ones
    // use earlier results.
    for (;;) {
      const next = t.prefetch.find((p) => !constants.has(p.key));
      if (!next) break;
      // A materialised let's result stays in a table of its own, named by the constant.
      const table = next.kind === "table" ? `_mw_mat${++this.tableSeq}` : undefined;
      if (table) made.push(table);
      const pending = this.checkedExec(
        next.sql,
        table ? `CREATE TEMP TABLE ${ident(table)} AS ${next.sql}` : next.sql,
        deadline,
        timeoutMs,
      );
      // A materialised let's constant is its table's name, known before DuckDB fills it: the statements after it are
      // transpiled while DuckDB runs it (a macrotask later, once the statement is under way).
      let ahead: Promise<Transpiled> | undefined;
      if (table) {
        constants.set(next.key, table);
        ahead = new Promise((resolve, reject) =>
          setImmediate(() => {
            try {
              resolve(this.transpileOn(source, query, options));
            } catch (e) {
              reject(e instanceof Error ? e : new Error(String(e)));
            }
          }),
        );
        // Settled below whatever happens to the statement (its own error wins).
        ahead.catch(() => undefined);
      }
      const rows = await pending;
      if (ahead) t = await ahead;
      else {
        if (next.kind === "list")
          constants.set(
            next.key,
            rows.map((r) => toKqlValue(r[0], "string")),
          );
        else constants.set(next.key, rows.length ? toKqlValue(rows[0]?.[0], next.type) : null);
        t = this.transpileOn(source, query, options);
      }
    }
    const read = resultReading(t.sql, t.columns);
    const raw = await this.checkedExec(t.sql, read.sql, deadline, timeoutMs);
    const rows = raw.map(read.row);
    return { columns: t.columns, rows, now: isoFromMicros(BigInt(now.getTime()) * 1000n), sql: t.sql };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** Runs `run` (a statement around the query `sql`, or `sql` itself) after checking `sql` against a narrowed load. */
  private checkedExec(
    sql: string,
    run: string,
    deadline: number | undefined,
    timeoutMs: number | undefined,
  ): Promise<unknown[][]> {
    return this.serial(async () => {
      await this.checkNarrow(sql);
      return this.exec(run, deadline, timeoutMs);
    });
  }

  /** One statement at a time on the connection. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async exec(sql: string, deadline: number | undefined, timeoutMs?: number): Promise<unknown[][]> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (deadline !== undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new KqlTimeoutError(timeoutMs ?? 0);
      timer = setTimeout(() => {
        timedOut = true;
        this.connection.interrupt();
      }, left);
    }
    try {
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getRows().map((r) => r.map(plain));
    } catch (err) {
      if (timedOut) throw new KqlTimeoutError(timeoutMs ?? 0);
      throw new KqlExecutionError(`DuckDB: ${err instanceof Error ? err.message : String(err)}`, sql);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

/**
 * How the result rows are read into JavaScript. Texts and dynamic values (most of a hunt's result: rule JSON, links,
 * signals) come as one JSON document per row, `to_json` of a struct of them, parsed by `JSON.parse`: the client
 * decodes one string per row instead of one per value (over 300,000 for a scale-1 hunt), and a dynamic
 * value arrives parsed. Other types come as columns and convert as before (values.ts), exactly.
 */
function resultReading(
  sql: string,
  columns: readonly KqlColumn[],
): { sql: string; row: (r: unknown[]) => Record<string, unknown> } {
  const packed = (t: KqlColumn["type"]) => t === "string" || t === "guid" || t === "dynamic";
  const texts = columns.flatMap((c, i) => (packed(c.type) ? [i] : []));
  if (texts.length === 0)
    return {
      sql,
      row: (r) => Object.fromEntries(columns.map((c, i) => [c.name, toKqlValue(r[i], c.type)])),
    };
  const others = columns.flatMap((c, i) => (packed(c.type) ? [] : [i]));
  const fields = texts.map(
    (i) => `"f${i}" := CAST(c${i} AS ${columns[i]?.type === "dynamic" ? "JSON" : "VARCHAR"})`,
  );
  return {
    sql:
      `SELECT ${[...others.map((i) => `c${i}`), `to_json(struct_pack(${fields.join(", ")})) AS _mw_texts`].join(", ")} ` +
      `FROM (${sql}) AS _mw_result`,
    row: (r) => {
      const doc = JSON.parse(String(r[others.length])) as Record<string, unknown>;
      const o: Record<string, unknown> = {};
      let k = 0;
      columns.forEach((c, i) => {
        // A text's NULL is "" (values.ts); a dynamic value is already parsed.
        if (packed(c.type)) o[c.name] = c.type === "dynamic" ? (doc[`f${i}`] ?? null) : (doc[`f${i}`] ?? "");
        else o[c.name] = toKqlValue(r[k++], c.type);
      });
      return o;
    },
  };
}

/** A connection to `instance` reading texts without a zone as UTC (as every Microsoft export means them). */
async function utcConnection(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const c = await instance.connect();
  await c.run("SET TimeZone = 'UTC'");
  return c;
}

/** DuckDB value objects the converters understand: decimals become numbers; others pass through. */
function plain(v: unknown): unknown {
  if (v && typeof v === "object" && "toDouble" in v && typeof v.toDouble === "function")
    return (v as { toDouble(): number }).toDouble();
  return v;
}
