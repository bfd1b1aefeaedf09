/**
 * The case report as one self-contained HTML file: inline CSS only, no script, no external resource (the page's
 * Content-Security-Policy forbids both, should anything slip). Every value from the store goes through `text()`
 * (src/text/html.ts: escaped, bidi-isolated, hidden characters named); hono's `html` tag escapes anything else.
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { text } from "../text/html.js";
import type { CaseReport } from "./model.js";
import { SIGN_IN_HEADERS, signInRows } from "./sign-in-table.js";

export type H = HtmlEscapedString;
/** hono's `html` is synchronous when nothing interpolated is a promise, as here. */
export const h = (s: TemplateStringsArray, ...v: unknown[]): H => html(s, ...v) as H;

const compact = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v ?? null));

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#111;padding:0 1em}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .4em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.v{font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
.hidden-chars{background:#fde68a;color:#7c2d12;font-size:.8em;margin-left:.4em;padding:0 .2em}
.bad{color:#b91c1c;font-weight:bold}.ok{color:#15803d}.meta{color:#555}dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dt{font-weight:600}pre{background:#f6f6f6;padding:.6em;overflow-x:auto}@media print{body{margin:0}}`;

/** The page's policy: nothing but its own inline style; no script, image, frame, form or fetch. */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export function page(title: string, body: H): string {
  return String(h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${raw(CSS)}</style>
</head>
<body>
${body}
</body>
</html>
`);
}

/** A table whose cells are all attacker-safe text. */
export function grid(head: string[], rows: unknown[][]): H {
  return h`<table><thead><tr>${head.map((x) => h`<th>${x}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => h`<tr>${r.map((c) => h`<td>${c === undefined || c === null ? "" : text(compact(c))}</td>`)}</tr>`,
  )}</tbody></table>`;
}

const yesNo = (v: boolean | null, yes: string, no: string) =>
  v === null ? h`<span>?</span>` : v ? h`<span class="ok">${yes}</span>` : h`<span class="bad">${no}</span>`;

function exposure(e: CaseReport["exposure"]): H {
  return h`from ${e.start ? h`${text(e.start)} (first ${e.startFrom === "sign-in" ? "linked sign-in" : "attacker action"})` : "unknown"} to ${
    e.contained
      ? h`${text(e.contained)} (${text(e.containedBy ?? "")} done)`
      : h`<span class="bad">not contained yet</span>`
  }${e.minutes !== undefined ? h`: <strong>${e.minutes} minute(s)</strong>` : ""}`;
}

export function renderCaseHtml(r: CaseReport): string {
  const c = r.case;
  const made = r.changes.filter((x) => x.status === "done" && x.applied !== false).length;
  const body = h`<h1>mailwarden case report: ${text(c.user.upn)}</h1>
<p class="meta">Case ${text(c.caseId)} (epoch ${c.epoch}) in tenant ${text(c.tenantId)}: ${text(c.status)}, opened ${text(c.openedAt)}${
    c.closedAt ? h`, closed ${text(c.closedAt)} (${text(c.closeReason ?? "")})` : ""
  }. Generated ${text(r.generatedAt)} from the case store (${r.journal.entries} journal entries). It holds before-images: keep it as confidential as the mailbox.</p>
<h2>Summary</h2>
<dl class="kv">
<dt>Exposure window</dt><dd id="exposure">${exposure(r.exposure)}</dd>
<dt>Hits</dt><dd>${r.hits.length}; linked sign-ins: ${r.signIns.length}</dd>
<dt>Changes</dt><dd>${made} made, ${r.changes.filter((x) => x.applied === false).length} already so, ${r.changes.filter((x) => x.status === "failed").length} failed, ${r.changes.filter((x) => x.status === "compensated").length} rolled back</dd>
<dt>Verification</dt><dd>${r.verification.length} check(s), ${r.verification.filter((v) => v.ok === false).length} not holding</dd>
${r.assessment ? h`<dt>Assessment</dt><dd>severity ${text(r.assessment.severity ?? "?")}, score ${text(r.assessment.score ?? "?")}</dd>` : ""}
</dl>
<h2>Hits and evidence</h2>
${r.hits.map(
  (x) => h`<section class="hit"><h3>${text(x.object)}</h3>
<dl class="kv"><dt>hit</dt><dd>${text(x.hitKey)} (${text(x.kind)}), severity ${text(x.severity ?? "?")}, score ${text(x.score ?? "?")}, detected by ${text(x.detectedBy ?? "?")} at ${text(x.detectedAt ?? "?")}</dd>
${x.incidentId ? h`<dt>Defender incident</dt><dd>${text(x.incidentId)}</dd>` : ""}${x.alertId ? h`<dt>Defender alert</dt><dd>${text(x.alertId)}</dd>` : ""}
${Object.entries(x.action).map(([k, v]) => h`<dt>action ${text(k)}</dt><dd>${text(compact(v))}</dd>`)}
</dl>
<ul>${x.reasons.map((why) => h`<li>${text(why.code)}: ${text(why.detail)}</li>`)}</ul></section>`,
)}
<h2>Linked sign-ins</h2>
${r.signIns.length ? grid([...SIGN_IN_HEADERS], signInRows(r)) : h`<p>None linked.</p>`}
${
  r.context.length || r.assessment
    ? h`<h2>Context gathered and assessment</h2>${grid(
        ["at", "gather", "action", "result"],
        r.context.map((x) => [x.at, x.gatherId, x.action, x.error ? `error: ${x.error}` : x.result]),
      )}${r.assessment ? h`<ul>${r.assessment.reasons.map((why) => h`<li>${text(compact(why))}</li>`)}</ul>` : ""}`
    : ""
}
<h2>Decisions</h2>
${
  r.decisions.length
    ? grid(
        ["at", "decision", "by", "steps", "reason"],
        r.decisions.map((d) => [d.at, d.kind, d.by, d.steps.join(", "), d.reason]),
      )
    : h`<p>None recorded.</p>`
}
<h2>Changes</h2>
${
  r.changes.length
    ? h`<table id="changes"><thead><tr><th>step</th><th>action / target</th><th>status</th><th>before</th><th>after</th><th>verified</th><th>request ids</th><th>undo</th></tr></thead><tbody>${r.changes.map(
        (x) =>
          h`<tr><td>${text(x.stepKey)}<br>${text(x.at)}</td><td>${text(x.actionId)}<br>${text(x.targetId)}</td><td>${x.status}${
            x.applied === false ? " (already so)" : x.applied === null ? " (applied: unknown)" : ""
          }</td><td>${text(compact(x.before))}</td><td>${text(compact(x.after))}</td><td>${yesNo(x.verified, "yes", "NO")}</td><td>${
            x.requestIds.length ? x.requestIds.map((id) => h`${text(id)} `) : "none recorded"
          }</td><td>${text(x.undo.outcome)}${x.undo.reason ? h`: ${text(x.undo.reason)}` : ""}</td></tr>`,
      )}</tbody></table>`
    : h`<p>None.</p>`
}
<h2>Verification</h2>
${
  r.verification.length
    ? h`<table><thead><tr><th>at</th><th>kind</th><th>step</th><th>result</th><th>observed</th></tr></thead><tbody>${r.verification.map(
        (v) =>
          h`<tr><td>${text(v.at)}</td><td>${v.kind}${v.due ? h` (due ${text(v.due)})` : ""}</td><td>${text(v.stepKey)}</td><td>${yesNo(v.ok, "holds", "does not hold")}${
            v.error ? h` ${text(v.error)}` : ""
          }</td><td>${text(compact(v.observed))}</td></tr>`,
      )}</tbody></table>`
    : h`<p>None recorded.</p>`
}
<h2>Watch</h2>
${
  r.watch.length
    ? grid(
        ["at", "kind", "what"],
        r.watch.map((w) => [w.at, w.kind, w.summary]),
      )
    : h`<p>Nothing recorded.</p>`
}
${
  r.comments.length
    ? h`<h2>Written back to Defender</h2>${grid(
        ["at", "to", "request id"],
        r.comments.map((x) => [x.at, x.target, x.requestId]),
      )}`
    : ""
}
<h2>How to undo</h2>
<p>Preview, then apply (every reversible change restored from its before-image, newest first, verified by re-reading):</p>
<pre id="undo">${r.undo.command}
${r.undo.command} --yes</pre>
<p>${r.undo.reversible} change(s) can be restored.</p>
${r.undo.irreversible.length ? h`<ul>${r.undo.irreversible.map((i) => h`<li>Cannot be undone: ${text(i.stepKey)}: ${text(i.reason)}</li>`)}</ul>` : ""}`;
  return page(`mailwarden case report ${c.caseId}`, body);
}
