/** JSON Lines of table rows (the generator, streaming-API Storage blobs): the keys say which hunting table. */
import path from "node:path";
import { huntTables, storageColumns } from "../schema/schema.js";
import { truncate } from "../adapters/csvlines.js";
import { identifyTable } from "../adapters/identify.js";
import { mapDocs, sameNameMap } from "../adapters/mapping.js";
import type { FormatId } from "../adapters/types.js";
import { lineDocPlaces, runPlans, skip, stageLines } from "./pipeline.js";
import { defineFormat } from "./types.js";

export const tableJsonl = defineFormat({
  ids: ["defender-jsonl", "sentinel-jsonl"],
  container: "jsonl",
  // The last JSON Lines definition: keys no table fits are reported as skipped by the loader.
  recognise: () => true,
  async load(ctx, file, head) {
    const keys = new Set<string>();
    for (const s of head.samples)
      if (typeof s === "object" && s !== null) for (const k of Object.keys(s)) keys.add(k);
    await stageLines(ctx, file);
    const match = identifyTable([...keys], path.basename(file));
    if (!match) {
      skip(ctx, file, `JSON Lines keys match no known export: ${truncate([...keys].join(","), 200)}`);
      return;
    }
    const cols = storageColumns(match.table).map((c) => c.name);
    const rows = mapDocs(sameNameMap(cols, keys));
    const format: FormatId =
      huntTables[match.table]?.platform === "sentinel" ? "sentinel-jsonl" : "defender-jsonl";
    await runPlans(ctx, file, format, [{ table: match.table, rows, counted: true }], lineDocPlaces(ctx));
  },
});
