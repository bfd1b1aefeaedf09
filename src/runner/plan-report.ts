/**
 * The dry run as an audit: a Markdown report of every case and step — the exact before → after read from the
 * live tenant, whether a person's `--yes` would run it or it would wait (and why), and whether an unattended run
 * (`--auto`) under the configured policy would do it or leave it to a person (approval policy, severity, cap,
 * protected account, scope). Attacker-chosen text (rule names, addresses) only ever appears inside code spans,
 * with control, bidi and zero-width characters made visible, so it cannot become a link, markup or a heading.
 */
import { termSafe } from "../text/table.js";
import type { HitAccount, RunReport, SkippedRun } from "./report.js";

/** A CommonMark code span holding `s` verbatim (its fence longer than any backtick run inside). */
export function mdCode(s: string): string {
  const text = termSafe(s, Number.POSITIVE_INFINITY);
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") || text.startsWith(" ") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

const json = (v: unknown) => mdCode(JSON.stringify(v ?? null));

export interface PlanReportMeta {
  generatedAt: string;
  tenantId: string;
  configFile: string;
  playbooks: string[];
  unattended: { minSeverity: string; capMax: number; capWindow: string };
  protectedAccounts: number;
  /**
   * What the plan was made from: the live tenant (default), or exports (`run --offline`): then the before is the
   * evidence in the exported records, not the live state, and the report says so.
   */
  basis?: { kind: "live" } | { kind: "exports"; paths: string[] };
}

export interface PlanReportInput {
  runs: RunReport[];
  hits: HitAccount[];
  skipped: SkippedRun[];
}

function countBy<T>(xs: T[], key: (x: T) => string): string {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m].map(([k, n]) => `${n} ${k}`).join(", ") || "none";
}

/** The kind of reason a step would wait, for the summary (the full reason is on the step). */
export function waitKind(why: string): string {
  if (why.startsWith("protected account")) return "protected account";
  if (why.startsWith("tenant-scope")) return "tenant scope";
  if (why.includes("attended-only")) return "attended-only action";
  if (why.startsWith("blast-radius cap:")) return "cap";
  if (why.includes("below the unattended threshold")) return "severity";
  if (why.startsWith("approval:")) return "approval policy";
  if (why.startsWith("containment budget")) return "budget";
  return "other";
}

export function renderPlanReport(o: PlanReportInput, meta: PlanReportMeta): string {
  const steps = o.runs.flatMap((r) => r.steps.filter((s) => s.outcome !== "skipped").map((s) => ({ r, s })));
  const changes = steps.filter(({ s }) => s.outcome === "planned");
  const attendedWait = changes.filter(({ s }) => s.gate);
  const auto = changes.filter(({ s }) => s.unattended?.auto);
  const autoWait = changes.filter(({ s }) => s.unattended && !s.unattended.auto);
  const L: string[] = [];
  L.push(`# mailwarden dry run: the plan, for audit`, "");
  if (meta.basis?.kind === "exports") {
    L.push(
      `Generated ${meta.generatedAt} from exported records (${meta.basis.paths.map(mdCode).join(", ")}), tenant ${mdCode(meta.tenantId)} (config ${mdCode(meta.configFile)}).`,
    );
    L.push(
      `**Planned from the exports, not from live state.** No tenant was contacted and nothing was written. Each "Before" below is the evidence in the exported audit records (what the attacker's action set, and the sign-ins it links to), which may no longer be the mailbox's state: a live dry run (\`run -c FILE --dry-run\`) reads the state and shows the exact before → after an approval binds to.`,
      "",
    );
  } else {
    L.push(
      `Generated ${meta.generatedAt} from the live tenant ${mdCode(meta.tenantId)} (config ${mdCode(meta.configFile)}).`,
    );
    L.push(
      `**Nothing was written to the tenant.** Every before-image below was read now; an approval binds to it.`,
      "",
    );
  }
  L.push(`## Policy`, "");
  L.push(`- Playbooks: ${meta.playbooks.map(mdCode).join(", ")}`);
  L.push(
    `- Unattended (\`run --auto ${meta.unattended.minSeverity}\`): only steps whose approval resolves to auto, on cases of severity ${meta.unattended.minSeverity} or more; at most ${meta.unattended.capMax} cases per ${meta.unattended.capWindow} per tenant (counted in the store); never protected accounts (${meta.protectedAccounts} configured), tenant-wide or attended-only steps.`,
  );
  L.push("");
  L.push(`## Summary`, "");
  L.push(
    `- Cases: ${new Set(o.runs.map((r) => r.caseId)).size}; steps that would change something: ${changes.length} (${changes.filter(({ s }) => s.reversibility === "irreversible").length} irreversible); already as wanted: ${steps.filter(({ s }) => s.outcome === "already-done").length}; could not be planned: ${steps.filter(({ s }) => s.outcome === "failed").length}.`,
  );
  L.push(
    `- With a person (\`run --yes\`): ${changes.length - attendedWait.length} would run; ${attendedWait.length} would still wait (${countBy(attendedWait, ({ s }) => waitKind(s.gate!))}).`,
  );
  L.push(
    `- Unattended (\`run --auto ${meta.unattended.minSeverity}\`): ${auto.length} would run; ${autoWait.length} would wait for a person (${countBy(autoWait, ({ s }) => waitKind(s.unattended!.why))}).`,
  );
  if (o.hits.length)
    L.push(
      `- Hits no run takes: ${o.hits.length} (${countBy(o.hits, (h) => h.outcome)}); listed at the end.`,
    );
  L.push("");
  for (const r of o.runs) {
    L.push(`## Case ${mdCode(r.caseId)}: ${mdCode(r.user)}`, "");
    L.push(
      `Run ${mdCode(r.runId)}, playbook ${mdCode(r.playbook)}, ${r.hitKeys.length} hit(s): ${r.hitKeys.map(mdCode).join(", ")}.`,
    );
    if (r.error) L.push("", `Error: ${mdCode(r.error)}`);
    L.push("");
    for (const s of r.steps.filter((x) => x.outcome !== "skipped")) {
      L.push(`### ${mdCode(s.key)}`, "");
      L.push(`- Action: ${mdCode(s.action)} (${s.scope} scope) on ${mdCode(s.object)}`);
      L.push(`- Plan: ${s.outcome}${s.transport ? ` via ${s.transport}, ${s.reversibility ?? ""}` : ""}`);
      if (s.before !== undefined)
        L.push(
          `- ${meta.basis?.kind === "exports" ? "Before (the evidence in the exports)" : "Before"}: ${json(s.before)}`,
        );
      if (s.after !== undefined) L.push(`- After: ${json(s.after)}`);
      if (s.approval) L.push(`- Approval policy: ${mdCode(s.approval)}`);
      if (s.outcome === "planned") {
        L.push(`- With \`--yes\`: ${s.gate ? `waits: ${mdCode(s.gate)}` : "runs"}`);
        if (s.unattended)
          L.push(
            `- Unattended: ${s.unattended.auto ? `runs (${mdCode(s.unattended.why)})` : `waits: ${mdCode(s.unattended.why)}`}`,
          );
      }
      for (const w of s.warnings) L.push(`- Warning: ${mdCode(w)}`);
      if (s.error) L.push(`- Error: ${mdCode(s.error)}`);
      L.push("");
    }
  }
  if (o.hits.length) {
    L.push(`## Hits no run takes`, "");
    for (const h of o.hits)
      L.push(`- ${mdCode(h.hitKey)} ${mdCode(h.user)} ${mdCode(h.kind)}: ${h.outcome}: ${mdCode(h.reason)}`);
    L.push("");
  }
  if (o.skipped.length) {
    L.push(`## Stored runs not planned`, "");
    for (const s of o.skipped) L.push(`- run ${mdCode(s.runId)}: ${s.reason}: ${mdCode(s.detail)}`);
    L.push("");
  }
  return L.join("\n");
}
