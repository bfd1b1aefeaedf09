/**
 * JSON Lines whose lines are envelopes — Event Hub captures (`{records:[…]}`, Defender streaming), diagnostic
 * settings, labelled samples (`{label, table?, record|event}`): small, read in JavaScript and staged by kind.
 */
import { readFile } from "node:fs/promises";
import { huntTables } from "../schema/schema.js";
import { documentRecords, type StagedRecord } from "../adapters/docs.js";
import type { FormatId } from "../adapters/types.js";
import { loadStaged } from "./pipeline.js";
import { defineFormat } from "./types.js";

export const jsonlEnvelope = defineFormat({
  ids: ["defender-streaming-json", "entra-diagnostic-json"],
  container: "jsonl",
  recognise: (head) => {
    const first = head.samples[0];
    return (
      typeof first === "object" &&
      first !== null &&
      ("records" in first || "record" in first || "event" in first || "properties" in first)
    );
  },
  async load(ctx, file) {
    const text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
    const staged: StagedRecord[] = [];
    let format: FormatId = "defender-streaming-json";
    text.split("\n").forEach((l, i) => {
      if (l.trim() === "") return;
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch (e) {
        staged.push({
          loc: String(i + 1),
          rec: { kind: "bad", reason: `invalid JSON: ${(e as Error).message}` },
          raw: l.slice(0, 300),
        });
        return;
      }
      const o = v as Record<string, unknown>;
      const inner = o.record ?? o.event;
      // Labelled samples (`{label, table?, record}`) wrap one original record; their `table` names its table.
      const wrapped = inner !== undefined && typeof o.label === "string";
      const doc = documentRecords(wrapped ? inner : v);
      if ("error" in doc) {
        staged.push({ loc: String(i + 1), rec: { kind: "bad", reason: doc.error }, raw: l.slice(0, 300) });
        return;
      }
      if (doc.format === "entra-diagnostic-json") format = "entra-diagnostic-json";
      const named = wrapped && typeof o.table === "string" && huntTables[o.table] ? o.table : undefined;
      for (const r of doc.records) {
        const rec = named && r.rec.kind === "row" ? { ...r.rec, table: named } : r.rec;
        staged.push({ ...r, rec, loc: r.loc ? `${i + 1}:${r.loc}` : String(i + 1) });
      }
    });
    await loadStaged(ctx, file, format, staged);
  },
});
