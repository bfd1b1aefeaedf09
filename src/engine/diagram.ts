/**
 * The run machine's state diagram, drawn from the machine itself (xstate/graph's directed graph), as Mermaid.
 * docs/runner-states.md is generated from it, so the diagram cannot drift from the engine.
 */
import { toDirectedGraph, type DirectedGraphNode } from "xstate/graph";
import type { Playbook } from "../playbooks/schema.js";
import { createPlaybookMachine } from "./machine.js";

const label = (event: string): string =>
  event
    .replace(/^xstate\.done\.actor\.(\w+)$/, "$1 done")
    .replace(/^xstate\.error\.actor\.(\w+)$/, "$1 error")
    .replace(/^$/, "always");

export function stateDiagram(p: Playbook): string {
  const g = toDirectedGraph(createPlaybookMachine(p));
  const lines = ["stateDiagram-v2", "  [*] --> planning"];
  const finals: string[] = [];
  const seen = new Set<string>();
  const walk = (n: DirectedGraphNode) => {
    for (const c of n.children) {
      const name = c.stateNode.key;
      if (c.stateNode.type === "final") finals.push(name);
      const add = (line: string) => {
        if (!seen.has(line)) {
          seen.add(line);
          lines.push(line);
        }
      };
      for (const e of c.edges) add(`  ${e.source.key} --> ${e.target.key}: ${label(e.label.text)}`);
      // Eventless (`always`) transitions, with their guards: the directed graph leaves them out.
      for (const t of c.stateNode.always ?? []) {
        const guard = (t.guard as { type?: string } | string | undefined) ?? undefined;
        const gname = typeof guard === "string" ? guard : guard?.type;
        for (const target of t.target ?? [])
          if (target.key !== name || gname)
            add(`  ${name} --> ${target.key}: ${gname ? `[${gname}]` : "otherwise"}`);
      }

      walk(c);
    }
  };
  walk(g);
  for (const f of finals) lines.push(`  ${f} --> [*]`);
  return lines.join("\n");
}

export function stateDiagramDoc(p: Playbook): string {
  return [
    "# The run machine's states",
    "",
    "Generated from `src/engine/machine.ts` by `npm run gen` (xstate/graph's directed graph); see",
    "[runner.md](runner.md) for what each state means. Edges in brackets are eventless (taken as soon as their guard",
    "holds, in the order drawn). `HALT` (kill switch, SIGTERM) is accepted in every state that is not final: in",
    "`waiting` it ends the run at once; in `planning`, `executing` and `verifying` it is recorded and the current",
    "actor finishes, and `next` then ends the run `halted` (a halt during verification lets the verdict stand).",
    "`rolledBack` is not a machine state: a rollback sets it on the run's record after the compensations succeed.",
    "",
    "```mermaid",
    stateDiagram(p),
    "```",
    "",
  ].join("\n");
}
