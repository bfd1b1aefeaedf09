// mailwarden console: live updates by polling the console's JSON endpoints. Served as a file (the CSP allows
// no inline script). Every value goes into the page with textContent, never as markup.
(() => {
  "use strict";
  const body = document.body;
  const page = body.dataset.page;
  if (page !== "queue" && page !== "case") return;
  const PERIOD_MS = 2000;
  const status = document.getElementById("live-status");
  // Characters that do not show or that reorder text (as the server names them): see src/text/html.ts.
  const HIDDEN = /[^\P{C}\t\n]|[\p{Zl}\p{Zp}]/gu;

  const setText = (node, s) => {
    node.textContent = String(s ?? "").replace(/\0/g, "\uFFFD");
  };
  const el = (tag, s, cls) => {
    const e = document.createElement(tag);
    if (s !== undefined) setText(e, s);
    if (cls) e.className = cls;
    return e;
  };
  /** An attacker-controlled value: isolated for bidi, its hidden characters named after it. */
  const value = (s) => {
    const str = typeof s === "string" ? s : JSON.stringify(s ?? null);
    const frag = document.createDocumentFragment();
    frag.append(el("bdi", str, "v"));
    const hidden = [
      ...new Set(
        [...str.matchAll(HIDDEN)].map(
          (m) => "U+" + m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, "0"),
        ),
      ),
    ];
    if (hidden.length)
      frag.append(
        el(
          "span",
          "hidden: " + hidden.slice(0, 8).join(" ") + (hidden.length > 8 ? ` (+${hidden.length - 8})` : ""),
          "hidden-chars",
        ),
      );
    return frag;
  };
  const cell = (...children) => {
    const td = document.createElement("td");
    td.append(...children);
    return td;
  };

  async function getJson(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (r.status === 401) {
      location.assign("/login");
      throw new Error("signed out");
    }
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.json();
  }

  async function queue() {
    const q = await getJson("/api/queue");
    const rows = q.waiting.map((w) => {
      const tr = document.createElement("tr");
      tr.dataset.run = w.runId;
      tr.dataset.step = w.stepKey;
      const a = el("a", w.caseId.slice(0, 8));
      a.href = "/cases/" + encodeURIComponent(w.caseId);
      const change = document.createDocumentFragment();
      change.append(value(JSON.stringify(w.before ?? null)), " → ", value(JSON.stringify(w.after ?? null)));
      if (w.reversibility === "irreversible")
        change.append(" ", el("strong", "irreversible", "irreversible"));
      tr.append(
        cell(w.since),
        cell(value(w.user.upn)),
        cell(a),
        cell(value(w.stepKey)),
        cell(value(w.object)),
        cell(value(w.gate)),
        cell(change),
        cell(el("code", w.planHash.slice(0, 12))),
      );
      return tr;
    });
    document.querySelector("#queue tbody").replaceChildren(...rows);
    setText(document.getElementById("queue-count"), q.waiting.length);
  }

  async function oneCase() {
    const v = await getJson("/api/cases/" + encodeURIComponent(body.dataset.case));
    for (const r of v.runs)
      for (const td of document.querySelectorAll("[data-run-state]"))
        if (td.dataset.runState === r.runId) setText(td, r.state);
    const items = v.activity.map((a) => {
      const li = el("li", undefined, a.status);
      li.dataset.activity = String(a.id);
      li.append(
        el("span", a.at, "a-at"),
        " ",
        el("span", `${a.decision} ${a.runId.slice(0, 8)} ${a.stepKey} by `, "a-what"),
        value(a.by),
        ": ",
        el("span", a.status, "a-status"),
      );
      if (a.runState) li.append(" ", el("span", "run " + a.runState, "a-state"));
      if (a.message) {
        const m = el("span", undefined, "a-message");
        m.append(value(a.message));
        li.append(" ", m);
      }
      return li;
    });
    document.getElementById("activity").replaceChildren(...items);
    if (v.waitingKey !== body.dataset.waiting) {
      // The waiting steps changed (a step ran, a plan was made again): show the new plans. A reason being typed
      // is not thrown away: then only the notice shows.
      const typing = [...document.querySelectorAll("textarea")].some((t) => t.value.trim() !== "");
      const busy = v.activity.some((a) => a.status === "working");
      if (!typing && !busy) location.reload();
      else document.getElementById("changed").hidden = false;
    }
  }

  async function poll() {
    try {
      await (page === "queue" ? queue() : oneCase());
      setText(status, "live · updated " + new Date().toLocaleTimeString());
    } catch (e) {
      setText(status, "live updates paused: " + (e instanceof Error ? e.message : String(e)));
    }
    setTimeout(poll, PERIOD_MS);
  }
  setTimeout(poll, PERIOD_MS);
})();
