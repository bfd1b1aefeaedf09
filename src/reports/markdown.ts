/**
 * The case report as Markdown, for tickets. Every value from the store or the tenant — attacker-chosen text
 * included — appears only inside code spans (`mdCode`: control, bidi and zero-width characters made visible,
 * a fence longer than any backtick run inside), so it cannot become a link, an image, markup or a heading.
 * Only mailwarden's own words are plain text.
 */
import { mdCode } from "../runner/plan-report.js";
import type { CaseReport } from "./model.js";
import { SIGN_IN_HEADERS, signInRows } from "./sign-in-table.js";

const code = (v: unknown): string => mdCode(typeof v === "string" ? v : JSON.stringify(v ?? null));

/** A Markdown table whose every cell is a code span (or empty). */
function grid(head: string[], rows: unknown[][]): string[] {
  const cell = (v: unknown) =>
    v === undefined || v === null || v === "" ? "" : code(v).replaceAll("|", "\\|");
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}

export function exposureLine(e: CaseReport["exposure"]): string {
  if (!e.start && !e.contained) return "unknown (no attacker action time and no containing step recorded)";
  const from = e.start
    ? `${code(e.start)} (first ${e.startFrom === "sign-in" ? "linked sign-in" : "attacker action"})`
    : "unknown";
  const to = e.contained ? `${code(e.contained)} (${code(e.containedBy ?? "")} done)` : "not contained yet";
  return `from ${from} to ${to}${e.minutes !== undefined ? `: ${e.minutes} minute(s)` : ""}`;
}

export function renderCaseMarkdown(r: CaseReport): string {
  const L: string[] = [];
  const c = r.case;
  L.push(`# mailwarden case report: ${code(c.user.upn)}`, "");
  L.push(
    `Case ${code(c.caseId)} (epoch ${c.epoch}) in tenant ${code(c.tenantId)}: ${code(c.status)}, opened ${code(c.openedAt)}${c.closedAt ? `, closed ${code(c.closedAt)} (${code(c.closeReason ?? "")})` : ""}.`,
  );
  L.push(
    `Generated ${code(r.generatedAt)} from the case store (journal entries ${r.journal.firstSeq ?? "-"} to ${r.journal.lastSeq ?? "-"}, ${r.journal.entries} in all). It holds before-images: keep it as confidential as the mailbox.`,
    "",
  );

  L.push(`## Summary`, "");
  L.push(`- Exposure window: ${exposureLine(r.exposure)}`);
  L.push(`- Hits: ${r.hits.length}; linked sign-ins: ${r.signIns.length}`);
  L.push(
    `- Changes: ${r.changes.filter((x) => x.status === "done" && x.applied !== false).length} made, ${r.changes.filter((x) => x.applied === false).length} already so, ${r.changes.filter((x) => x.status === "failed").length} failed, ${r.changes.filter((x) => x.status === "compensated").length} rolled back`,
  );
  const bad = r.verification.filter((v) => v.ok === false).length;
  L.push(`- Verification: ${r.verification.length} check(s), ${bad} not holding`);
  if (r.assessment)
    L.push(
      `- Assessment: severity ${code(r.assessment.severity ?? "?")}, score ${code(r.assessment.score ?? "?")}`,
    );
  L.push("");

  L.push(`## Hits and evidence`, "");
  for (const h of r.hits) {
    L.push(`### ${code(h.object)}`, "");
    L.push(
      `- Hit ${code(h.hitKey)} (${code(h.kind)}), severity ${code(h.severity ?? "?")}, score ${code(h.score ?? "?")}, detected by ${code(h.detectedBy ?? "?")} at ${code(h.detectedAt ?? "?")}`,
    );
    if (h.incidentId) L.push(`- Defender incident ${code(h.incidentId)}`);
    if (h.alertId) L.push(`- Defender alert ${code(h.alertId)}`);
    for (const [k, v] of Object.entries(h.action)) L.push(`- Action ${code(k)}: ${code(v)}`);
    for (const x of h.reasons) L.push(`- Why: ${code(x.code)}: ${code(x.detail)}`);
    L.push("");
  }

  L.push(`## Linked sign-ins`, "");
  if (!r.signIns.length) L.push("None linked.", "");
  else L.push(...grid([...SIGN_IN_HEADERS], signInRows(r)), "");

  if (r.context.length || r.assessment) {
    L.push(`## Context gathered and assessment`, "");
    for (const x of r.context)
      L.push(
        `- ${code(x.at)} ${code(x.gatherId)} (${code(x.action)}): ${x.error ? `error ${code(x.error)}` : code(x.result)}`,
      );
    if (r.assessment) for (const why of r.assessment.reasons) L.push(`- Assessment reason: ${code(why)}`);
    L.push("");
  }

  L.push(`## Decisions`, "");
  if (!r.decisions.length) L.push("None recorded.");
  for (const d of r.decisions)
    L.push(
      `- ${code(d.at)} ${d.kind} by ${code(d.by)}${d.steps.length ? ` (${d.steps.map(code).join(", ")})` : ""}: ${code(d.reason)}`,
    );
  L.push("");

  L.push(`## Changes`, "");
  if (!r.changes.length) L.push("None.");
  for (const x of r.changes) {
    L.push(`### ${code(x.stepKey)}`, "");
    L.push(
      `- ${code(x.actionId)} on ${code(x.targetId)}: ${x.status}${x.applied === false ? " (already so: nothing written)" : x.applied === null ? " (applied: unknown)" : ""} at ${code(x.at)}, run ${code(x.runId)}`,
    );
    L.push(`- Before: ${code(x.before)}`);
    L.push(`- After: ${code(x.after)}`);
    L.push(`- Verified: ${x.verified === null ? "not yet" : x.verified ? "yes" : "NO"}`);
    L.push(`- Request ids: ${x.requestIds.length ? x.requestIds.map(code).join(", ") : "none recorded"}`);
    L.push(`- Undo: ${x.undo.outcome}${x.undo.reason ? `: ${code(x.undo.reason)}` : ""}`);
    L.push("");
  }

  L.push(`## Verification`, "");
  if (!r.verification.length) L.push("None recorded.");
  for (const v of r.verification)
    L.push(
      `- ${code(v.at)} ${v.kind} ${code(v.stepKey)}: ${v.ok === null ? "?" : v.ok ? "holds" : "DOES NOT HOLD"}${v.due ? ` (due ${code(v.due)})` : ""}; observed ${code(v.observed)}${v.error ? `; error ${code(v.error)}` : ""}`,
    );
  L.push("");

  L.push(`## Watch`, "");
  if (!r.watch.length) L.push("Nothing recorded.");
  for (const w of r.watch) L.push(`- ${code(w.at)} ${w.kind}: ${code(w.summary)}`);
  L.push("");

  if (r.comments.length) {
    L.push(`## Written back to Defender`, "");
    for (const x of r.comments)
      L.push(`- ${code(x.at)} ${code(x.target)}${x.requestId ? ` (request ${code(x.requestId)})` : ""}`);
    L.push("");
  }

  L.push(`## How to undo`, "");
  L.push(
    `Preview, then apply (every reversible change restored from its before-image, newest first, verified by re-reading):`,
    "",
  );
  L.push("```", r.undo.command, `${r.undo.command} --yes`, "```", "");
  L.push(`${r.undo.reversible} change(s) can be restored.`);
  for (const i of r.undo.irreversible) L.push(`- Cannot be undone: ${code(i.stepKey)}: ${code(i.reason)}`);
  L.push("");
  return L.join("\n");
}
