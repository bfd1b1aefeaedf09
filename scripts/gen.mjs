#!/usr/bin/env node
// Regenerates the documents derived from code (run after `npm run build`): docs/cli.md, docs/schemas/*.json,
// playbooks/schema.json.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { generatedFiles } = await import("../dist/cli/generated.js");
for (const [rel, content] of Object.entries(generatedFiles())) {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  console.error(`wrote ${rel}`);
}
