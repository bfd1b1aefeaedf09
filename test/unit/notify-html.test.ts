/** Teams message HTML: every event string escaped, hostile ones included; big step lists cut to fit. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeHtml, markup } from "../../src/notify/html.js";
import type { NoticePayload } from "../../src/notify/event.js";
import { MAX_CONTENT_BYTES, renderTeamsHtml } from "../../src/notify/teams.js";

function unescape(s: string): string {
  return s
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");
}

const HOSTILE = [
  `<script>alert(1)</script>`,
  `"><img src=x onerror=alert(document.cookie)>`,
  `' onmouseover='alert(1)`,
  `&lt;already escaped&gt;`,
  `<at id="0">everyone</at>`,
  `</code></p><p style="font-size:99px">FAKE: case closed</p>`,
  `\u202eelur-gninrom`,
  `<!-- comment --><![CDATA[x]]>`,
];

function payload(over: Partial<NoticePayload> = {}): NoticePayload {
  return {
    schemaVersion: 1,
    id: "d-1",
    kind: "contained",
    tenant: "6a1d0ac2-3e0b-4d6f-9a51-c0f4b9e3d2a7",
    caseId: "case-1",
    runId: "run-1",
    user: { upn: "AdeleV@contoso.com" },
    summary: "Rule disabled",
    steps: [],
    counts: {},
    timestamp: "2026-12-05T10:00:00.000Z",
    ...over,
  };
}

describe("escapeHtml", () => {
  it.each(HOSTILE)("escapes %s", (s) => {
    const out = escapeHtml(s);
    expect(out).not.toMatch(/[<>"']/);
    expect(unescape(out)).toBe(s);
  });

  it("round-trips and leaves no markup character, for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        const out = escapeHtml(s);
        return !/[<>"']/.test(out) && unescape(out) === s;
      }),
    );
  });

  it("the markup template escapes values, not its literal parts, and does not escape twice", () => {
    const inner = markup`<b>${"<i>"}</b>`;
    expect(markup`<p>${inner}${"&"}</p>`.value).toBe("<p><b>&lt;i&gt;</b>&amp;</p>");
  });
});

describe("renderTeamsHtml", () => {
  it("escapes every attacker-controlled field", () => {
    const h = HOSTILE.join(" | ");
    const out = renderTeamsHtml(
      payload({
        summary: h,
        user: { upn: h },
        caseId: h,
        runId: h,
        hint: h,
        steps: [{ id: h, action: h, target: h, status: h }],
        counts: { [h]: 1 },
      }),
    );
    for (const s of HOSTILE) expect(out).toContain(escapeHtml(s));
    expect(out).not.toMatch(/<(script|img|at|!--|!\[)|<[a-z]+[^>]*\s(onerror|onmouseover|style)=/i);
    // Only the template's own tags remain.
    const tags = new Set([...out.matchAll(/<\/?([a-z]+)/g)].map((m) => m[1]));
    expect([...tags].sort()).toEqual(["b", "br", "code", "li", "p", "ul"]);
  });

  it("cuts a long step list to stay under the size bound, saying how many are left out", () => {
    const steps = Array.from({ length: 2000 }, (_, i) => ({
      id: `step-${i}`,
      target: `rule <${"x".repeat(40)}> ${i}`,
      status: "waiting",
    }));
    const out = renderTeamsHtml(payload({ steps }));
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_CONTENT_BYTES);
    const more = /… and (\d+) more/.exec(out);
    const shown = (out.match(/<li><code>/g) ?? []).length;
    expect(Number(more?.[1]) + shown).toBe(2000);
  });

  it("falls back to a short message when even the fields alone are too big", () => {
    const huge = '"'.repeat(4000);
    const out = renderTeamsHtml(payload({ summary: huge, hint: "'".repeat(1000), caseId: "<".repeat(5000) }));
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_CONTENT_BYTES);
    expect(out).toContain("too long for a Teams message");
    expect(out).not.toMatch(/<</);
  });
});
