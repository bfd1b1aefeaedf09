/**
 * A typed view of Kusto.Language's analysed syntax tree (the bridge objects are untyped; this is the only place that
 * touches their properties besides kusto.ts).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- the bridge is untyped; this class is its typed view. */
import { kusto, type KustoNode } from "./kusto.js";
import { KqlUnsupportedError, positionOf } from "./errors.js";
import { kqlTypeOf, type KqlColumn, type KqlType } from "./types.js";
import { textOf } from "./values.js";

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
  /** The symbol's identity (an id within one analysis): it finds the `let` that declared it. */
  raw: unknown;
}

export type ResultType = { table: KqlColumn[] } | { scalar: KqlType } | { other: string };

/** What the transpiler reads of an expression's type: the symbol kind, its name, a table's columns. */
interface RawType {
  k: number;
  name: string;
  cols?: { name: string; type: string }[];
}

/** A literal's value as recorded: primitives as they are, bridge values by their text (and a TimeSpan's ticks). */
type RawLiteral = string | number | boolean | null | { text: string; ticks?: string };

/**
 * One node of a tape: what the transpiler asked of an analysed node, with the answers. A cache hit replays it
 * without loading Kusto.Language; a question the tape does not hold is a `TapeMiss` (the caller analyses afresh).
 */
export interface TapeNode {
  kind?: string;
  start?: number;
  width?: number;
  props?: Record<string, TapeNode | null>;
  has?: Record<string, boolean>;
  elements?: TapeNode[];
  tokens?: Record<string, string>;
  tokenValues?: Record<string, string>;
  simpleName?: string;
  symbol?: { kind: SymbolKind; name: string; id: number } | null;
  type?: RawType | null;
  literal?: RawLiteral;
}

export class TapeMiss extends Error {
  override readonly name = "TapeMiss";
}

/** The questions Syn asks of a node, answered by the bridge (recording) or by a tape (replaying). */
interface NodeAccess {
  kind(): string;
  start(): number;
  width(): number;
  prop(name: string): NodeAccess | undefined;
  has(name: string): boolean;
  elements(): NodeAccess[];
  token(name: string): string;
  tokenValue(name: string): string;
  simpleName(): string;
  symbol(): { kind: SymbolKind; name: string; id: number } | undefined;
  type(): RawType | undefined;
  literal(): unknown;
}

function symbolKind(k: number): SymbolKind {
  return k === SYMBOL_TABLE
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
}

/** Symbols by identity → small ids (1, 2, …), the same for every node of one analysis. */
class SymbolIds {
  private readonly ids = new Map<unknown, number>();
  of(raw: unknown): number {
    let id = this.ids.get(raw);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(raw, id);
    }
    return id;
  }
}

/** A bridge node that writes every answer into its tape node. */
class LiveNode implements NodeAccess {
  constructor(
    private readonly raw: KustoNode,
    readonly tape: TapeNode,
    private readonly symbols: SymbolIds,
  ) {}

  kind(): string {
    return (this.tape.kind ??= syntaxKindName(Number(this.raw.Kind)));
  }
  start(): number {
    return (this.tape.start ??= Number(this.raw.TextStart));
  }
  width(): number {
    return (this.tape.width ??= Number(this.raw.Width));
  }
  prop(name: string): NodeAccess | undefined {
    const v: unknown = this.raw[name];
    const props = (this.tape.props ??= {});
    if (!v) {
      props[name] = null;
      return undefined;
    }
    const child = (props[name] ??= {});
    return new LiveNode(v, child, this.symbols);
  }
  has(name: string): boolean {
    const v: unknown = this.raw[name];
    return ((this.tape.has ??= {})[name] = v !== undefined && v !== null);
  }
  elements(): NodeAccess[] {
    const out: NodeAccess[] = [];
    const n = Number(this.raw.ChildCount);
    const tapes: TapeNode[] = [];
    let i = 0;
    for (let c = 0; c < n; c++) {
      const child: KustoNode = this.raw.GetChild(c);
      if (!child) continue;
      const el: KustoNode =
        child.Element !== undefined && child.Separator !== undefined ? child.Element : child;
      if (!el) continue;
      const t = this.tape.elements?.[i] ?? {};
      tapes.push(t);
      out.push(new LiveNode(el, t, this.symbols));
      i++;
    }
    this.tape.elements = tapes;
    return out;
  }
  token(name: string): string {
    const t: unknown = this.raw[name];
    const text: unknown = t ? (t as { Text: unknown }).Text : "";
    return ((this.tape.tokens ??= {})[name] = typeof text === "string" ? text : "");
  }
  tokenValue(name: string): string {
    const t = this.raw[name];
    const v: unknown = t ? (t.ValueText ?? t.Text) : "";
    return ((this.tape.tokenValues ??= {})[name] = typeof v === "string" ? v : "");
  }
  simpleName(): string {
    return (this.tape.simpleName ??= String(this.raw.SimpleName ?? ""));
  }
  symbol(): { kind: SymbolKind; name: string; id: number } | undefined {
    const s: KustoNode = this.raw.ReferencedSymbol;
    this.tape.symbol = s
      ? { kind: symbolKind(Number(s.Kind)), name: String(s.Name), id: this.symbols.of(s) }
      : null;
    return this.tape.symbol ?? undefined;
  }
  type(): RawType | undefined {
    const t: KustoNode = this.raw.ResultType;
    if (!t) {
      this.tape.type = null;
      return undefined;
    }
    const out: RawType = { k: Number(t.Kind), name: String(t.Name ?? "") };
    if (out.k === SYMBOL_TABLE) {
      out.cols = [];
      const list = t.Columns;
      for (let i = 0; i < Number(list.Count); i++) {
        const c = list.getItem(i);
        out.cols.push({ name: String(c.Name), type: String(c.Type?.Name ?? "") });
      }
    }
    this.tape.type = out;
    return out;
  }
  literal(): unknown {
    const v: unknown = this.raw.LiteralValue;
    if (v === null || v === undefined) this.tape.literal = null;
    else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") this.tape.literal = v;
    else {
      const ticks = (v as { ticks?: { toString(): string } }).ticks;
      this.tape.literal = { text: textOf(v), ...(ticks !== undefined ? { ticks: ticks.toString() } : {}) };
    }
    return v;
  }
}

/** A node read back from a tape. */
class TapeAccess implements NodeAccess {
  constructor(private readonly t: TapeNode) {}
  private need<T>(v: T | undefined, what: string): T {
    if (v === undefined) throw new TapeMiss(what);
    return v;
  }
  kind(): string {
    return this.need(this.t.kind, "kind");
  }
  start(): number {
    return this.need(this.t.start, "start");
  }
  width(): number {
    return this.need(this.t.width, "width");
  }
  prop(name: string): NodeAccess | undefined {
    const v = this.need(this.t.props?.[name], `prop ${name}`);
    return v ? new TapeAccess(v) : undefined;
  }
  has(name: string): boolean {
    return this.need(this.t.has?.[name], `has ${name}`);
  }
  elements(): NodeAccess[] {
    return this.need(this.t.elements, "elements").map((e) => new TapeAccess(e));
  }
  token(name: string): string {
    return this.need(this.t.tokens?.[name], `token ${name}`);
  }
  tokenValue(name: string): string {
    return this.need(this.t.tokenValues?.[name], `tokenValue ${name}`);
  }
  simpleName(): string {
    return this.need(this.t.simpleName, "simpleName");
  }
  symbol(): { kind: SymbolKind; name: string; id: number } | undefined {
    return this.need(this.t.symbol, "symbol") ?? undefined;
  }
  type(): RawType | undefined {
    return this.need(this.t.type, "type") ?? undefined;
  }
  literal(): unknown {
    const v = this.need(this.t.literal, "literal");
    if (v === null || typeof v !== "object") return v;
    const { text, ticks } = v;
    return {
      toString: () => text,
      ...(ticks !== undefined ? { ticks: { toString: () => ticks } } : {}),
    };
  }
}

/**
 * The analysed tree of one query: live (Kusto.Language's bridge objects, recorded on a tape as the transpiler reads
 * them) or replayed from a tape. The tape is plain JSON (the analysis cache stores it).
 */
export class Analysis {
  private constructor(
    private readonly root: NodeAccess,
    /** The tape being recorded (live) or replayed. */
    readonly tape: TapeNode,
    readonly live: boolean,
  ) {}

  static live(code: unknown): Analysis {
    const tape: TapeNode = {};
    return new Analysis(
      new LiveNode((code as { Syntax: KustoNode }).Syntax, tape, new SymbolIds()),
      tape,
      true,
    );
  }

  static replay(tape: TapeNode): Analysis {
    return new Analysis(new TapeAccess(tape), tape, false);
  }

  rootNode(): NodeAccess {
    return this.root;
  }
}

export class Syn {
  private constructor(
    private readonly node: NodeAccess,
    readonly source: string,
  ) {}

  static root(code: Analysis, source: string): Syn {
    return new Syn(code.rootNode(), source);
  }

  /** Whether the node has a (non-null) property of this name. */
  has(name: string): boolean {
    return this.node.has(name);
  }

  /** The unescaped value of a token property (a JSON pair's key, a bracketed name `['x']`). */
  tokenValue(name: string): string {
    return this.node.tokenValue(name);
  }

  /** SyntaxKind name: `PipeExpression`, `HasExpression`, `StringLiteralExpression`, ... */
  get kind(): string {
    return this.node.kind();
  }

  get start(): number {
    return this.node.start();
  }

  get width(): number {
    return this.node.width();
  }

  get text(): string {
    return this.source.slice(this.start, this.start + this.width);
  }

  /** A child node by its Kusto.Language property name (`Condition`, `Left`, `Expression`, ...). */
  prop(name: string): Syn | undefined {
    const v = this.node.prop(name);
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
    return this.node.elements().map((e) => new Syn(e, this.source));
  }

  /** Text of a token property (`Operator`, `Keyword`, ...), trimmed. */
  token(name: string): string {
    return this.node.token(name);
  }

  /** The simple name of a NameReference / NameDeclaration. */
  get simpleName(): string {
    return this.node.simpleName();
  }

  /** `raw` is the symbol's id in this analysis: identity finds the `let` that declared it. */
  get symbol(): SymbolRef | undefined {
    const s = this.node.symbol();
    return s ? { kind: s.kind, name: s.name, raw: s.id } : undefined;
  }

  /** The type Kusto.Language inferred for this expression. */
  get resultType(): ResultType {
    const t = this.node.type();
    if (!t) return { other: "none" };
    if (t.k === SYMBOL_TABLE) {
      const cols: KqlColumn[] = [];
      for (const c of t.cols ?? []) {
        const type = kqlTypeOf(c.type);
        if (!type) throw this.unsupported(`column type ${c.type}`);
        cols.push({ name: c.name, type });
      }
      return { table: cols };
    }
    // Dynamic bags and arrays (SymbolKind Bag=7, Array=8) are `dynamic` to us.
    if (t.k === 7 || t.k === 8) return { scalar: "dynamic" };
    const scalar = kqlTypeOf(t.name);
    return scalar ? { scalar } : { other: t.name };
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
    return this.node.literal();
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
