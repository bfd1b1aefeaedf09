/**
 * A typed view of Kusto.Language's analysed syntax tree (the bridge objects are untyped; this is the only place that
 * touches their properties besides kusto.ts).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- the bridge is untyped; this class is its typed view. */
import { kusto, type KustoNode } from "./kusto.js";
import { KqlUnsupportedError, positionOf } from "./errors.js";
import { kqlTypeOf, type KqlColumn, type KqlType } from "./types.js";

let kindNames: Map<number, string> | undefined;

function syntaxKindName(kind: number): string {
  if (!kindNames) {
    kindNames = new Map();
    const enumObj = kusto().Language.Syntax.SyntaxKind as Record<string, unknown>;
    for (const [k, v] of Object.entries(enumObj)) if (typeof v === "number") kindNames.set(v, k);
  }
  return kindNames.get(kind) ?? `Kind${kind}`;
}

// Kusto.Language.Symbols.SymbolKind values used below.
const SYMBOL_TABLE = 10;
const SYMBOL_COLUMN = 9;
const SYMBOL_VARIABLE = 2;
const SYMBOL_FUNCTION = 3;
const SYMBOL_PARAMETER = 4;

export type SymbolKind = "table" | "column" | "variable" | "function" | "parameter" | "other";

export interface SymbolRef {
  kind: SymbolKind;
  name: string;
  /** The bridge object: identity is used to find the `let` that declared it. */
  raw: unknown;
}

export type ResultType = { table: KqlColumn[] } | { scalar: KqlType } | { other: string };

export class Syn {
  constructor(
    readonly raw: KustoNode,
    readonly source: string,
  ) {}

  static root(code: unknown, source: string): Syn {
    return new Syn((code as { Syntax: KustoNode }).Syntax, source);
  }

  /** Whether the node has a (non-null) property of this name. */
  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  /** The unescaped value of a token property (a JSON pair's key, a bracketed name `['x']`). */
  tokenValue(name: string): string {
    const t = this.raw[name];
    if (!t) return "";
    const v: unknown = t.ValueText ?? t.Text;
    return typeof v === "string" ? v : "";
  }

  /** SyntaxKind name: `PipeExpression`, `HasExpression`, `StringLiteralExpression`, ... */
  get kind(): string {
    return syntaxKindName(Number(this.raw.Kind));
  }

  get start(): number {
    return Number(this.raw.TextStart);
  }

  get width(): number {
    return Number(this.raw.Width);
  }

  get text(): string {
    return this.source.slice(this.start, this.start + this.width);
  }

  /** A child node by its Kusto.Language property name (`Condition`, `Left`, `Expression`, ...). */
  prop(name: string): Syn | undefined {
    const v: unknown = this.raw[name];
    return v ? new Syn(v, this.source) : undefined;
  }

  req(name: string): Syn {
    const c = this.prop(name);
    if (!c) throw this.unsupported(`${this.kind} without ${name}`);
    return c;
  }

  /** The elements of a list property (separators dropped). */
  list(name: string): Syn[] {
    const l = this.prop(name);
    return l ? l.elements() : [];
  }

  /** This node as a list: its children, separated elements unwrapped. */
  elements(): Syn[] {
    const out: Syn[] = [];
    const n = Number(this.raw.ChildCount);
    for (let i = 0; i < n; i++) {
      const c: KustoNode = this.raw.GetChild(i);
      if (!c) continue;
      const el: KustoNode = c.Element !== undefined && c.Separator !== undefined ? c.Element : c;
      if (el) out.push(new Syn(el, this.source));
    }
    return out;
  }

  /** Text of a token property (`Operator`, `Keyword`, ...), trimmed. */
  token(name: string): string {
    const t: unknown = this.raw[name];
    if (!t) return "";
    const text: unknown = (t as { Text: unknown }).Text;
    return typeof text === "string" ? text : "";
  }

  /** The simple name of a NameReference / NameDeclaration. */
  get simpleName(): string {
    return String(this.raw.SimpleName ?? "");
  }

  get symbol(): SymbolRef | undefined {
    const s: KustoNode = this.raw.ReferencedSymbol;
    if (!s) return undefined;
    const k = Number(s.Kind);
    const kind: SymbolKind =
      k === SYMBOL_TABLE
        ? "table"
        : k === SYMBOL_COLUMN
          ? "column"
          : k === SYMBOL_VARIABLE
            ? "variable"
            : k === SYMBOL_FUNCTION
              ? "function"
              : k === SYMBOL_PARAMETER
                ? "parameter"
                : "other";
    return { kind, name: String(s.Name), raw: s };
  }

  /** The type Kusto.Language inferred for this expression. */
  get resultType(): ResultType {
    const t: KustoNode = this.raw.ResultType;
    if (!t) return { other: "none" };
    const k = Number(t.Kind);
    if (k === SYMBOL_TABLE) {
      const cols: KqlColumn[] = [];
      const list = t.Columns;
      for (let i = 0; i < Number(list.Count); i++) {
        const c = list.getItem(i);
        const type = kqlTypeOf(String(c.Type?.Name ?? ""));
        if (!type) throw this.unsupported(`column type ${String(c.Type?.Name)}`);
        cols.push({ name: String(c.Name), type });
      }
      return { table: cols };
    }
    // Dynamic bags and arrays (SymbolKind Bag=7, Array=8) are `dynamic` to us.
    if (k === 7 || k === 8) return { scalar: "dynamic" };
    const name = String(t.Name ?? "");
    const scalar = kqlTypeOf(name);
    return scalar ? { scalar } : { other: name };
  }

  /** The columns of a tabular expression. */
  columns(): KqlColumn[] {
    const rt = this.resultType;
    if ("table" in rt) return rt.table;
    throw this.unsupported("tabular expression without a table type");
  }

  /** The scalar type of an expression. */
  scalarType(): KqlType {
    const rt = this.resultType;
    if ("scalar" in rt) return rt.scalar;
    throw this.unsupported(`expression of type ${"other" in rt ? rt.other : "table"}`);
  }

  scalarTypeOrUndefined(): KqlType | undefined {
    const rt = this.resultType;
    return "scalar" in rt ? rt.scalar : undefined;
  }

  isTabular(): boolean {
    return "table" in this.resultType;
  }

  /** The literal value Kusto.Language computed (strings unescaped, numbers, TimeSpan, ...). */
  get literalValue(): unknown {
    return this.raw.LiteralValue;
  }

  unsupported(construct?: string): KqlUnsupportedError {
    const snippet = this.text.trim().replace(/\s+/g, " ");
    return new KqlUnsupportedError(
      construct ?? this.kind,
      snippet.length > 80 ? `${snippet.slice(0, 77)}...` : snippet,
      positionOf(this.source, this.start),
    );
  }
}
