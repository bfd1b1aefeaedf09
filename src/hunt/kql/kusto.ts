/**
 * Microsoft's own KQL parser and analyser (Kusto.Language, shipped as `@kusto/language-service-next`), loaded once
 * and wrapped in a small typed surface. The bridge is a Bridge.NET build that installs a global `Kusto`.
 */
import { createRequire } from "node:module";
import { huntTables, kustoSchemaText } from "../schema/schema.js";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- the bridge is untyped; this module is its one typed wrapper. */
type KustoNs = any;
export type KustoNode = any;
export type KustoCodeObj = any;

let ns: KustoNs = undefined;

/** The `Kusto` namespace of the bridge (loaded on first use: several seconds on a busy machine). */
export function kusto(): KustoNs {
  if (!ns) {
    const require = createRequire(import.meta.url);
    require("@kusto/language-service-next/bridge.js");
    require("@kusto/language-service-next");
    ns = (globalThis as unknown as { Kusto: KustoNs }).Kusto;
    if (!ns?.Language?.KustoCode) throw new Error("@kusto/language-service-next did not load");
  }
  return ns;
}

export interface KustoDiagnostic {
  severity: string;
  code: string;
  message: string;
  /** Offset in the analysed text. */
  start: number;
  length: number;
  line: number;
  column: number;
}

export interface TableDecl {
  name: string;
  /** Kusto schema text, `(A:string, B:long)`. */
  schema: string;
}

const globalsCache = new Map<string, unknown>();

/** Kusto GlobalState with one database holding `tables` (by default every hunting table of the schema file). */
export function globalsFor(tables?: readonly TableDecl[]): unknown {
  const decls = tables ?? Object.keys(huntTables).map((name) => ({ name, schema: kustoSchemaText(name) }));
  const key = JSON.stringify(decls);
  const hit = globalsCache.get(key);
  if (hit) return hit;
  const K = kusto();
  const S = K.Language.Symbols;
  const symbols = decls.map((t) => new S.TableSymbol.$ctor7(t.name, t.schema, null));
  const db = new S.DatabaseSymbol.ctor("mailwarden", symbols);
  const cluster = new S.ClusterSymbol.ctor("offline", [db]);
  const globals = K.Language.GlobalState.Default.WithCluster(cluster).WithDatabase(db);
  globalsCache.set(key, globals);
  return globals;
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  return { line, column: offset - last };
}

export interface Analysed {
  code: KustoCodeObj;
  diagnostics: KustoDiagnostic[];
}

/** Parses and analyses `text` against `tables` (default: the hunting schema). */
export function parseAndAnalyze(text: string, tables?: readonly TableDecl[]): Analysed {
  const K = kusto();
  const code = K.Language.KustoCode.ParseAndAnalyze(text, globalsFor(tables));
  const list = code.GetDiagnostics();
  const diagnostics: KustoDiagnostic[] = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    const start = Number(d.Start);
    diagnostics.push({
      severity: String(d.Severity),
      code: String(d.Code),
      message: String(d.Message),
      start,
      length: Number(d.Length),
      ...lineColumn(text, start),
    });
  }
  return { code, diagnostics };
}
