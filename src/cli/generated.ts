/**
 * Documents generated from the code, so they cannot drift: the CLI reference, the hit model's JSON Schema and
 * the run output's JSON Schema, the run machine's state diagram and the playbook JSON Schema. `npm run gen` writes them; a test fails when a checked-in copy is stale.
 */
import { z } from "zod";
import { actionCatalogue } from "../actions/catalogue.js";
import { stateDiagramDoc } from "../engine/diagram.js";
import { hitJsonSchema } from "../model/hit.js";
import { loadPlaybook } from "../playbooks/load.js";
import { caseReportJsonSchema } from "../reports/model.js";
import { summaryJsonSchema } from "../reports/summary.js";
import { runJsonSchema } from "../runner/report.js";
import { playbookReference } from "../playbooks/reference.js";
import { playbookSchema } from "../playbooks/schema.js";
import { cliReference } from "./reference.js";

export function generatedFiles(): Record<string, string> {
  return {
    "docs/actions.md": actionCatalogue(),
    "docs/cli.md": cliReference(),
    "docs/playbooks.md": playbookReference(),
    "docs/runner-states.md": stateDiagramDoc(loadPlaybook("contain-mailbox-exfiltration")),
    "docs/schemas/hit.schema.json": JSON.stringify(hitJsonSchema(), null, 2) + "\n",
    "docs/schemas/run.schema.json": JSON.stringify(runJsonSchema(), null, 2) + "\n",
    "docs/schemas/case-report.schema.json": JSON.stringify(caseReportJsonSchema(), null, 2) + "\n",
    "docs/schemas/summary.schema.json": JSON.stringify(summaryJsonSchema(), null, 2) + "\n",
    "playbooks/schema.json": JSON.stringify(z.toJSONSchema(playbookSchema, { io: "input" }), null, 2) + "\n",
  };
}
