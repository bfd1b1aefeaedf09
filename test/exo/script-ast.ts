/**
 * Reads scripts/exo-bridge.ps1 with tree-sitter-powershell: the parse tree, and the data tables the script declares
 * (hashtables and arrays of string literals), so tests can compare them with the TypeScript allow-list.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type Parser from "tree-sitter";

export const SCRIPT_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../scripts/exo-bridge.ps1",
);

type Node = Parser.SyntaxNode;

export async function parseBridgeScript(text = readFileSync(SCRIPT_PATH, "utf8")): Promise<Parser.Tree> {
  // Both packages use top-level await in their ESM entry points: import them dynamically.
  const { default: TreeSitter } = await import("tree-sitter");
  // The grammar's package.json `types` entry ("bindings/node", a directory) does not resolve under NodeNext, so it
  // is imported through a string-typed specifier.
  const grammarPackage: string = "tree-sitter-powershell";
  const { default: PowerShell } = (await import(grammarPackage)) as { default: Parser.Language };
  const parser = new TreeSitter();
  parser.setLanguage(PowerShell);
  return parser.parse(text);
}

export function* walk(node: Node): Generator<Node> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

/** ERROR and MISSING nodes, as `type line:col text`. */
export function syntaxProblems(tree: Parser.Tree): string[] {
  const out: string[] = [];
  for (const n of walk(tree.rootNode)) {
    if (n.type === "ERROR" || n.isMissing)
      out.push(`${n.type} ${n.startPosition.row + 1}:${n.startPosition.column + 1} ${n.text.slice(0, 60)}`);
  }
  return out;
}

function literalText(node: Node): string {
  const t = node.text;
  return (t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))
    ? t.slice(1, -1)
    : t;
}

/** The value node of the top-level assignment `$Name = …`. */
export function assignedValue(tree: Parser.Tree, name: string): Node {
  for (const n of walk(tree.rootNode)) {
    if (n.type !== "assignment_expression") continue;
    const left = n.namedChildren[0];
    if (left && left.text.toLowerCase() === `$${name}`.toLowerCase()) {
      const value = n.namedChildren.at(-1);
      if (value) return value;
    }
  }
  throw new Error(`no assignment to $${name}`);
}

function firstOfType(node: Node, type: string): Node | undefined {
  for (const n of walk(node)) if (n.type === type) return n;
  return undefined;
}

/** Entries of the first hashtable literal under `node`, in source order: key text → value node. */
export function hashEntries(node: Node): Array<[string, Node]> {
  const body = firstOfType(node, "hash_literal_body");
  if (!body) throw new Error(`no hashtable in: ${node.text.slice(0, 60)}`);
  return body.namedChildren
    .filter((e) => e.type === "hash_entry")
    .map((e) => {
      const key = e.namedChildren[0];
      const value = e.namedChildren.at(-1);
      if (!key || !value) throw new Error(`odd hash entry: ${e.text}`);
      const literal = firstOfType(key, "string_literal");
      return [literal ? literalText(literal) : key.text, value] as [string, Node];
    });
}

/** Every string literal under `node`, quotes removed, in source order. */
export function stringLiterals(node: Node): string[] {
  return [...walk(node)].filter((n) => n.type === "string_literal").map(literalText);
}

/** The body of `function <name> { … }`. */
export function functionNode(tree: Parser.Tree, name: string): Node {
  for (const n of walk(tree.rootNode)) {
    if (
      n.type === "function_statement" &&
      n.namedChildren.some((c) => c.type === "function_name" && c.text === name)
    )
      return n;
  }
  throw new Error(`no function ${name}`);
}
