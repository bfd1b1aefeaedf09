/**
 * Reads `let` parameters back out of a query with Kusto.Language's own parser, so the tests check what Kusto sees,
 * not what our escaping thinks it wrote.
 */
import { parseAndAnalyze, type KustoDiagnostic } from "../../../src/hunt/kql/kusto.js";

interface Node {
  ChildCount: number;
  GetChild(i: number): Node | null;
  constructor: { $$name?: string };
  LiteralValue?: unknown;
  TextStart: number;
  Width: number;
}

/** The bridge's Int64 values print their number. */
interface Int64Like {
  toString(): string;
}

const kind = (n: Node) => (n.constructor.$$name ?? "").split(".").pop() ?? "";

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < n.ChildCount; i++) {
    const c = n.GetChild(i);
    if (c) out.push(c);
  }
  return out;
}

/** Literal values (strings and numbers) under a node, in text order; the bridge's Int64 objects become numbers. */
function literals(n: Node, out: unknown[] = []): unknown[] {
  if (kind(n) === "LiteralExpression") {
    const v = n.LiteralValue;
    out.push(typeof v === "object" && v !== null ? Number((v as Int64Like).toString()) : v);
  }
  for (const c of children(n)) literals(c, out);
  return out;
}

export interface LetInfo {
  name: string;
  /** Text of the value expression. */
  text: string;
  /** Every literal value inside it, decoded by Kusto. */
  values: unknown[];
}

export interface ParsedQuery {
  diagnostics: KustoDiagnostic[];
  lets: LetInfo[];
  /** Every string literal of the query with the `let` it sits in (undefined: outside any let). */
  stringLiterals: { value: string; inLet: string | undefined }[];
}

export function parseQuery(text: string): ParsedQuery {
  const { code, diagnostics } = parseAndAnalyze(text);
  const lets: LetInfo[] = [];
  const stringLiterals: ParsedQuery["stringLiterals"] = [];
  const walk = (n: Node, inLet: string | undefined) => {
    let here = inLet;
    if (kind(n) === "LetStatement") {
      const [, nameNode, , value] = children(n);
      const name = nameNode ? text.slice(nameNode.TextStart, nameNode.TextStart + nameNode.Width).trim() : "";
      here = name;
      if (value)
        lets.push({
          name,
          text: text.slice(value.TextStart, value.TextStart + value.Width),
          values: literals(value),
        });
    }
    if (kind(n) === "LiteralExpression" && typeof n.LiteralValue === "string")
      stringLiterals.push({ value: n.LiteralValue, inLet: here });
    for (const c of children(n)) walk(c, here);
  };
  walk(code.Syntax as Node, undefined);
  return { diagnostics, lets, stringLiterals };
}
