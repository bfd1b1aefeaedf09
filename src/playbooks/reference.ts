/**
 * docs/playbooks.md: hand-written prose (src/playbooks/guide.md) followed by a reference of every field of the
 * playbook schema — path, type, required or default, description — generated from the zod schema's JSON Schema.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { playbookSchema } from "./schema.js";

/** The prose, kept next to the schema in the source tree (read from src/ by both the test and `npm run gen`). */
const GUIDE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/playbooks/guide.md");

interface Node {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  items?: Node;
  properties?: Record<string, Node>;
  required?: string[];
  anyOf?: Node[];
  $ref?: string;
  default?: unknown;
  description?: string;
  minItems?: number;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function typeOf(n: Node): string {
  if (n.$ref) return "condition";
  if (n.const !== undefined) return `\`${JSON.stringify(n.const)}\``;
  if (n.enum) return n.enum.map((v) => `\`${String(v)}\``).join(" | ");
  if (n.anyOf) return n.anyOf.map(typeOf).join(" or ");
  if (n.type === "array")
    return `list of ${n.items ? typeOf(n.items) : "any"}${n.minItems ? ` (≥ ${n.minItems})` : ""}`;
  if (n.type === "object") return "object";
  if (n.type === "string" && n.pattern) return `string \`${n.pattern}\``;
  return n.type ?? "any";
}

function rows(n: Node, at: string, out: string[]): void {
  const props = n.properties ?? {};
  for (const [k, v] of Object.entries(props)) {
    const p = at ? `${at}.${k}` : k;
    const need = n.required?.includes(k)
      ? "required"
      : v.default !== undefined
        ? `default \`${JSON.stringify(v.default)}\``
        : "optional";
    const desc = v.description ?? v.items?.description ?? "";
    out.push(`| \`${p}\` | ${cell(typeOf(v))} | ${need} | ${cell(desc)} |`);
    if (v.type === "object") rows(v, p, out);
    else if (v.type === "array" && v.items?.type === "object") rows(v.items, `${p}[]`, out);
    else if (v.anyOf) for (const o of v.anyOf) if (o.type === "object") rows(o, p, out);
  }
}

export function playbookReference(): string {
  const schema = z.toJSONSchema(playbookSchema, { io: "input" }) as Node;
  const out = [
    readFileSync(GUIDE, "utf8").trimEnd(),
    "",
    "## Reference",
    "",
    "Generated from the zod schema (src/playbooks/schema.ts) by `npm run gen`; a test fails when it is stale.",
    "The JSON Schema is playbooks/schema.json. Every object is strict: an unknown key is an error at its dotted",
    "path. A `condition` is described under Conditions above.",
    "",
    "| field | type | required / default | description |",
    "|---|---|---|---|",
  ];
  rows(schema, "", out);
  return out.join("\n") + "\n";
}
