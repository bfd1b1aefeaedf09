/**
 * One JSON document (a portal download, an API page, `{schema, results}`, `{records}`, an array): read in JavaScript,
 * each record recognised by its keys (docs.ts) and staged by kind.
 */
import { readFile } from "node:fs/promises";
import { documentRecords } from "../adapters/docs.js";
import type { FormatId } from "../adapters/types.js";
import { loadStaged, skip } from "./pipeline.js";
import { defineFormat } from "./types.js";

export const jsonDocument = defineFormat({
  ids: [
    "defender-hunting-json",
    "defender-legacy-json",
    "defender-streaming-json",
    "graph-audit-json",
    "management-api-json",
    "graph-signin-json",
    "entra-diagnostic-json",
    "graph-riskdetection-json",
  ],
  container: "json",
  recognise: () => true,
  async load(ctx, file) {
    let root: unknown;
    try {
      root = JSON.parse((await readFile(file, "utf8")).replace(/^\uFEFF/, ""));
    } catch (e) {
      skip(ctx, file, `invalid JSON document: ${(e as Error).message}`);
      return;
    }
    const doc = documentRecords(root);
    if ("error" in doc) {
      skip(ctx, file, doc.error);
      return;
    }
    const format: FormatId = doc.format === "rows-json" ? "defender-hunting-json" : doc.format;
    await loadStaged(ctx, file, format, doc.records, doc.schemaColumns);
  },
});
