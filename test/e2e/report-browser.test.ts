/**
 * The HTML case report in a real browser (headless Chromium from @sparticuz/chromium, driven by playwright-core),
 * with every hostile string in the fixtures as a linked sign-in's user agent, the rule name, an approver and a
 * parameter. With the page's CSP bypassed (escaping alone must hold) no script runs, no dialog opens, no
 * element or attribute a payload would bring exists, every value reads back as the exact text, and nothing but
 * the file itself is requested.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCaseReport } from "../../src/reports/build.js";
import { renderCaseHtml } from "../../src/reports/html.js";
import { asHtmlText, HOSTILE_STRINGS } from "../fixtures/hostile-strings.js";
import { seededStore } from "../helpers/report-store.js";

declare const window: { __pwned?: unknown };
declare const document: {
  title: string;
  querySelectorAll(
    s: string,
  ): ArrayLike<{ tagName: string; getAttributeNames(): string[]; textContent: string | null }>;
};

let browser: Browser;
let file: string;

beforeAll(async () => {
  const seeded = seededStore({
    ruleName: '"><script>window.__pwned=1</script>',
    userAgent: HOSTILE_STRINGS,
    approver: "<img src=x onerror=window.__pwned=1>",
    parameter: "</td></tr></table><svg onload=window.__pwned=1>",
  });
  try {
    file = path.join(seeded.dir, "case.html");
    writeFileSync(file, renderCaseHtml(buildCaseReport(seeded.store, seeded.caseId)));
  } finally {
    seeded.store.close();
  }
  const { default: chromium } = await import("@sparticuz/chromium");
  const { chromium: pw } = await import("playwright-core");
  browser = await pw.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((a) => a !== "--single-process"),
    headless: true,
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

const OWN_TAGS = new Set(
  "HTML HEAD META TITLE STYLE BODY H1 H2 H3 P DL DT DD SECTION UL LI TABLE THEAD TBODY TR TH TD STRONG SPAN BDI BR PRE".split(
    " ",
  ),
);

describe("the HTML case report in a browser", () => {
  for (const bypassCSP of [true, false])
    it(`${HOSTILE_STRINGS.length} hostile strings stay text; nothing runs or loads (CSP ${bypassCSP ? "bypassed" : "on"})`, async () => {
      const context = await browser.newContext({ bypassCSP, javaScriptEnabled: true });
      const dialogs: string[] = [];
      const requests: string[] = [];
      try {
        const page = await context.newPage();
        page.on("dialog", (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        page.on("request", (r) => requests.push(r.url()));
        const url = `file://${file}`;
        await page.goto(url, { waitUntil: "load" });
        await page.waitForTimeout(300);
        expect(dialogs).toEqual([]);
        expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
        expect(await page.title()).toMatch(/^mailwarden case report /);
        expect(requests).toEqual([url]);
        const found = await page.evaluate(() => {
          const tags: string[] = [];
          const attrs: string[] = [];
          for (const e of Array.from(document.querySelectorAll("*"))) {
            tags.push(e.tagName);
            for (const a of e.getAttributeNames())
              if (/^on|^style$|^src|^href$/i.test(a)) attrs.push(`${e.tagName}[${a}]`);
          }
          return { tags: [...new Set(tags)], attrs };
        });
        for (const tag of found.tags) expect(OWN_TAGS, tag).toContain(tag);
        expect(found.attrs).toEqual([]);
        // Every user agent reads back exactly (as HTML text can hold it) in the sign-ins table, in order.
        const agents = await page.evaluate(() =>
          Array.from(document.querySelectorAll("table")).length
            ? Array.from(document.querySelectorAll("h2 + table tbody tr td:nth-child(9) bdi")).map(
                (b) => b.textContent,
              )
            : [],
        );
        expect(agents).toEqual(HOSTILE_STRINGS.filter((s) => s !== "").map(asHtmlText));
      } finally {
        await context.close();
      }
    }, 120_000);
});
