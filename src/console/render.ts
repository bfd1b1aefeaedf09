/**
 * The console's pages, rendered on the server. Every value from the store goes through `text()` (escaped, bidi
 * isolated, hidden characters named); the `html` helper escapes anything else interpolated. No inline script or
 * style: behaviour is /assets/console.js, looks are /assets/console.css (the CSP allows nothing else).
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { CaseView, WaitingItem } from "../runner/approvals.js";
import type { HaltState, JournalEntry, RunRow } from "../store/types.js";
import type { ActivityEntry } from "./activity.js";
import { planDiff } from "./diff.js";
import { text } from "./text.js";

type H = HtmlEscapedString;
/** hono's `html` is synchronous when nothing interpolated is a promise, as here. */
const h = (s: TemplateStringsArray, ...v: unknown[]): H => html(s, ...v) as H;

export interface PageContext {
  /** Signed-in approver (absent on the sign-in page). */
  who?: string;
  csrf?: string;
  halt?: HaltState | undefined;
}

function layout(
  title: string,
  page: string,
  ctx: PageContext,
  body: H,
  data: Record<string, string> = {},
): H {
  const attrs = Object.entries(data).map(([k, v]) => h` data-${k}="${v}"`);
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
${ctx.csrf ? h`<meta name="csrf-token" content="${ctx.csrf}">` : ""}
<title>${title} · mailwarden console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head>
<body data-page="${page}"${attrs}>
<header class="top">
  <a class="brand" href="/">mailwarden console</a>
  ${
    ctx.who
      ? h`<span class="who">signed in as ${text(ctx.who)}</span>
  <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${ctx.csrf ?? ""}"><button type="submit">Sign out</button></form>`
      : ""
  }
</header>
${
  ctx.halt
    ? h`<div class="halt" role="alert">Kill switch ON: no step writes. Reason: ${text(ctx.halt.reason)} (by ${text(ctx.halt.by)}, ${ctx.halt.at})</div>`
    : ""
}
<p id="live-status" class="live" role="status" aria-live="polite"></p>
<main>
${body}
</main>
</body>
</html>`;
}

export function loginPage(o: { loginCsrf: string; error?: string; operatorToken: boolean }): H {
  return layout(
    "Sign in",
    "login",
    {},
    h`<h1>Sign in</h1>
${o.error ? h`<p class="error" role="alert">${o.error}</p>` : ""}
<form method="post" action="/login" class="login">
  <input type="hidden" name="csrf" value="${o.loginCsrf}">
  <label>Token <input type="password" name="token" autocomplete="off" required></label>
  ${
    o.operatorToken
      ? h`<label>Your name <input type="text" name="name" autocomplete="name" maxlength="200"></label>
  <p class="hint">Your name is asked for with the operator token printed when the console started; a named approver token carries its own name.</p>`
      : ""
  }
  <button type="submit">Sign in</button>
</form>`,
  );
}

export function errorPage(ctx: PageContext, status: number, message: string): H {
  return layout(
    "Error",
    "error",
    ctx,
    h`<h1>${status}</h1><p class="error">${message}</p><p><a href="/">Queue</a></p>`,
  );
}

const short = (id: string) => id.slice(0, 8);
const compact = (v: unknown) => JSON.stringify(v ?? null);

export function queueRows(items: WaitingItem[]): H {
  return h`${items.map(
    (w) => h`<tr data-run="${w.runId}" data-step="${w.stepKey}">
  <td>${w.since}</td>
  <td>${text(w.user.upn)}</td>
  <td><a href="/cases/${encodeURIComponent(w.caseId)}">${short(w.caseId)}</a></td>
  <td>${text(w.stepKey)}</td>
  <td>${text(w.object)}</td>
  <td>${text(w.gate)}</td>
  <td>${text(compact(w.before))} → ${text(compact(w.after))}${
    w.reversibility === "irreversible" ? h` <strong class="irreversible">irreversible</strong>` : ""
  }</td>
  <td><code>${w.planHash.slice(0, 12)}</code></td>
</tr>`,
  )}`;
}

export function queuePage(ctx: PageContext, items: WaitingItem[]): H {
  return layout(
    "Waiting for approval",
    "queue",
    ctx,
    h`<h1>Waiting for approval</h1>
<p><span id="queue-count">${items.length}</span> step(s) wait for a decision. Open a case to see its evidence and decide.</p>
<table id="queue" class="grid">
<thead><tr><th>since</th><th>user</th><th>case</th><th>step</th><th>object</th><th>waits because</th><th>before → after</th><th>plan</th></tr></thead>
<tbody>${queueRows(items)}</tbody>
</table>`,
  );
}

function diffTable(w: WaitingItem): H {
  const rows = planDiff(w.before, w.after);
  const cell = (has: boolean, v: unknown) =>
    has ? text(typeof v === "string" ? v : compact(v)) : h`<em>absent</em>`;
  return h`<table class="grid diff"><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead><tbody>${rows.map(
    (r) =>
      h`<tr class="${r.changed ? "changed" : "same"}"><td>${r.path ? text(r.path) : h`<em>value</em>`}</td><td>${cell(
        r.hasBefore,
        r.before,
      )}</td><td>${cell(r.hasAfter, r.after)}</td></tr>`,
  )}</tbody></table>`;
}

function waitingStep(ctx: PageContext, w: WaitingItem): H {
  return h`<article class="step" data-run="${w.runId}" data-step="${w.stepKey}">
<h3>${text(w.stepKey)}</h3>
<dl class="kv">
  <dt>object</dt><dd>${text(w.object)}</dd>
  <dt>action</dt><dd>${text(w.action)} (${text(w.scope)})</dd>
  <dt>waits because</dt><dd>${text(w.gate)}</dd>
  <dt>transport</dt><dd>${text(w.transport ?? "")}</dd>
  <dt>reversibility</dt><dd>${
    w.reversibility === "irreversible"
      ? h`<strong class="irreversible">irreversible</strong>`
      : text(w.reversibility ?? "")
  }</dd>
  <dt>plan</dt><dd><code class="plan-hash">${w.planHash}</code></dd>
</dl>
${diffTable(w)}
<form method="post" action="/decide" class="decide">
  <input type="hidden" name="csrf" value="${ctx.csrf ?? ""}">
  <input type="hidden" name="runId" value="${w.runId}">
  <input type="hidden" name="stepKey" value="${w.stepKey}">
  <input type="hidden" name="planHash" value="${w.planHash}">
  <label>Reason <textarea name="reason" required maxlength="2000" rows="2"></textarea></label>
  <button type="submit" name="decision" value="approve" class="approve">Approve this plan</button>
  <button type="submit" name="decision" value="reject" class="reject">Reject</button>
</form>
</article>`;
}

export function activityItems(items: ActivityEntry[]): H {
  return h`${items.map(
    (a) =>
      h`<li data-activity="${a.id}" class="${a.status}"><span class="a-at">${a.at}</span> <span class="a-what">${a.decision} ${short(a.runId)} ${a.stepKey} by </span>${text(a.by)}: <span class="a-status">${a.status}</span>${
        a.runState ? h` <span class="a-state">run ${a.runState}</span>` : ""
      }${a.message ? h` <span class="a-message">${text(a.message)}</span>` : ""}</li>`,
  )}`;
}

const RISK: Record<number, string> = { 0: "not set", 1: "none", 10: "low", 50: "medium", 100: "high" };

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function kv(pairs: [string, unknown][]): H {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && !v.length));
  return h`<dl class="kv">${shown.map(
    ([k, v]) =>
      h`<dt>${k}</dt><dd>${Array.isArray(v) ? h`${v.map((x) => h`<span class="item">${text(x)}</span> `)}` : text(typeof v === "string" ? v : compact(v))}</dd>`,
  )}</dl>`;
}

function evidence(hitValue: unknown): H {
  const hit = asObj(hitValue);
  const target = asObj(hit.target);
  const action = asObj(hit.action);
  const targetPairs: [string, unknown][] = Object.entries(target).filter(([k]) => k !== "kind");
  const params = asObj(action.parameters);
  return h`<article class="hit">
<h3>${text(target.kind ?? "?")} · severity ${text(hit.severity ?? "?")} · score ${text(hit.score ?? "?")}</h3>
${kv(targetPairs)}
<h4>Action</h4>
${kv([
  ["operation", action.operation],
  ["time", action.time],
  ["ip", action.ip],
  ["client", action.clientInfo],
  ["source", action.source],
  ["record", action.recordId],
  ...Object.entries(params).map(([k, v]): [string, unknown] => [`parameter ${k}`, v]),
])}
<h4>Why it is suspect</h4>
<ul class="reasons">${asArr(hit.reasons).map((r) => {
    const o = asObj(r);
    return h`<li>${text(o.code ?? "")}: ${text(o.detail ?? "")}</li>`;
  })}</ul>
<h4>Linked sign-ins</h4>
${
  asArr(hit.links).length
    ? h`<table class="grid links"><thead><tr><th>link</th><th>time</th><th>IP</th><th>network</th><th>country</th><th>risk</th><th>user agent</th><th>app</th></tr></thead><tbody>${asArr(
        hit.links,
      ).map((l) => {
        const o = asObj(l);
        const risk = typeof o.risk === "number" ? (RISK[o.risk] ?? String(o.risk)) : undefined;
        return h`<tr>
  <td>${text(o.key ?? "")} (${text(o.strength ?? "")})${typeof o.gapMinutes === "number" ? h`, ${o.gapMinutes} min` : ""}</td>
  <td>${text(o.time ?? "")}</td>
  <td>${text(o.ip ?? "")}</td>
  <td>${o.asn !== undefined ? h`AS${text(o.asn)} ` : ""}${text(o.org ?? "")}${asArr(o.networkTags).map((t) => h` <span class="tag">${text(t)}</span>`)}</td>
  <td>${text(o.country ?? "")}</td>
  <td>${risk ? h`<span class="risk risk-${risk.replace(/\W/g, "")}">${risk}</span>` : ""}${asArr(o.riskEventTypes).map((t) => h` <span class="tag">${text(t)}</span>`)}</td>
  <td>${text(o.userAgent ?? "")}</td>
  <td>${text(o.app ?? "")}${o.interactive === true ? " (interactive)" : o.interactive === false ? " (non-interactive)" : ""}</td>
</tr>`;
      })}</tbody></table>`
    : h`<p class="none">none linked</p>`
}
<p class="meta">detected by ${text(hit.detectedBy ?? "?")} at ${text(hit.detectedAt ?? "?")}, hit ${text(hit.hitKey ?? "?")}</p>
</article>`;
}

function runsTable(runs: RunRow[]): H {
  return h`<table class="grid" id="runs"><thead><tr><th>run</th><th>playbook</th><th>mode</th><th>state</th><th>updated</th></tr></thead><tbody>${runs.map(
    (r) =>
      h`<tr><td><code>${r.runId}</code></td><td>${text(r.playbook)}</td><td>${r.mode}</td><td data-run-state="${r.runId}">${r.state}</td><td>${r.updatedAt}</td></tr>`,
  )}</tbody></table>`;
}

function journalTable(entries: JournalEntry[]): H {
  const last = entries.slice(-100);
  return h`<table class="grid" id="journal"><thead><tr><th>#</th><th>at</th><th>what</th><th>step</th><th>who / why</th></tr></thead><tbody>${last.map(
    (e) => {
      const d = asObj(e.detail);
      return h`<tr><td>${e.seq}</td><td>${e.at}</td><td>${text(e.kind)}</td><td>${text(e.stepKey ?? "")}</td><td>${
        d.by !== undefined ? h`${text(d.by)}: ${text(d.reason ?? "")}` : ""
      }</td></tr>`;
    },
  )}</tbody></table>`;
}

export function casePage(ctx: PageContext, v: CaseView, activity: ActivityEntry[]): H {
  const waitingKey = v.waiting.map((w) => `${w.runId}:${w.stepKey}:${w.planHash}`).join(",");
  return layout(
    `Case ${short(v.case.caseId)}`,
    "case",
    ctx,
    h`<h1>Case <code>${short(v.case.caseId)}</code> · ${text(v.case.userUpn)}</h1>
<p class="meta">case <code>${v.case.caseId}</code>, ${v.case.status}, opened ${v.case.openedAt}${
      v.case.closedAt ? h`, closed ${v.case.closedAt} (${text(v.case.closeReason ?? "")})` : ""
    }</p>
<p id="changed" class="changed" hidden>The waiting steps of this case changed. <a href="">Reload</a> to see the new plans before deciding.</p>
<section id="waiting"><h2>Waiting for a decision</h2>
${v.waiting.length ? v.waiting.map((w) => waitingStep(ctx, w)) : h`<p class="none">No step of this case waits.</p>`}
</section>
<section><h2>Decisions made here</h2><ul id="activity">${activityItems(activity)}</ul></section>
<section><h2>Runs</h2>${runsTable(v.runs)}</section>
<section id="evidence"><h2>Evidence (${v.hits.length} hit${v.hits.length === 1 ? "" : "s"})</h2>${v.hits.map(evidence)}</section>
<section><h2>Journal</h2>${journalTable(v.journal)}</section>`,
    { case: v.case.caseId, waiting: waitingKey },
  );
}
