/** Entra admin center sign-in downloads (formats.md §4.1): read in JavaScript (irregular headers), staged. */
import path from "node:path";
import type { StagedRecord } from "../adapters/docs.js";
import { entraAdminRecords, isEntraAdminHeader } from "../adapters/entraCsv.js";
import { loadStaged } from "./pipeline.js";
import { defineFormat } from "./types.js";

export const entraAdminCsv = defineFormat({
  ids: ["entra-admin-csv"],
  container: "csv",
  recognise: (head) => isEntraAdminHeader(head.header),
  async load(ctx, file) {
    // The content has no interactivity: the download's name says which list it is.
    const nonInteractive = /noninteractive/i.test(path.basename(file));
    const staged: StagedRecord[] = [];
    for await (const r of entraAdminRecords(file, nonInteractive)) staged.push(r);
    await loadStaged(ctx, file, "entra-admin-csv", staged);
  },
});
