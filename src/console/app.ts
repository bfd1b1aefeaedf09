/**
 * The console's web app (Hono): the approval queue, a case with its evidence and its waiting steps' plans, and
 * approve / reject per step. Security in order: security headers on every answer, the Host check, sign-in (session
 * cookie or `Authorization: Bearer`), same-origin + CSRF token on every POST. See docs/console.md.
 */
import { readFileSync } from "node:fs";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import { caseView, decide, DecisionError, listWaiting, type DecideEnv } from "../runner/approvals.js";
import type { CaseStore } from "../store/types.js";
import { Activity } from "./activity.js";
import {
  FailureLimiter,
  findHolder,
  sameOrigin,
  sameSecret,
  Sessions,
  type Session,
  type TokenHolder,
} from "./auth.js";
import { casePage, errorPage, loginPage, queuePage, type PageContext } from "./render.js";

const ASSET_DIR = new URL("../../src/console/assets/", import.meta.url);
const ASSETS: Record<string, string> = {
  "console.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
};

export interface ConsoleAppOptions {
  store: CaseStore;
  /** What a decision needs (the tenant, the audit log, the playbooks), opened on first use. */
  decideEnv: () => Promise<DecideEnv>;
  /** The operator token (per start) and the named approvers. */
  holders: TokenHolder[];
  sessionMinutes: number;
  /** Host header values the console answers to (filled in once the port is known). */
  allowedHosts: () => Set<string>;
  /** Served over TLS: cookies are Secure (`__Host-` prefixed) and HSTS is sent. */
  secure: boolean;
}

interface Env {
  Variables: { session?: Session; bearer?: string; origin: string };
}

export function createConsoleApp(o: ConsoleAppOptions) {
  const sessions = new Sessions(o.sessionMinutes * 60_000);
  const activity = new Activity();
  const failures = new FailureLimiter();
  const assets = Object.fromEntries(
    Object.keys(ASSETS).map((f) => [f, readFileSync(new URL(f, ASSET_DIR), "utf8")]),
  );
  const SESSION = o.secure ? "__Host-mw_session" : "mw_session";
  const LOGIN = o.secure ? "__Host-mw_login" : "mw_login";
  const cookieOpts = { httpOnly: true, sameSite: "Strict", path: "/", secure: o.secure } as const;
  const hasOperator = o.holders.some((h) => h.operator);
  /** Runs a decision of this console is carrying out: one at a time per run. */
  const PENDING_RUNS = new Set<string>();
  const inFlight = new Set<Promise<void>>();

  const app = new Hono<Env>();

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      xFrameOptions: "DENY",
      // same-origin, not no-referrer: with no-referrer a form POST carries `Origin: null`, and the origin check needs it.
      referrerPolicy: "same-origin",
      crossOriginResourcePolicy: "same-origin",
      crossOriginOpenerPolicy: "same-origin",
      strictTransportSecurity: o.secure ? "max-age=31536000" : false,
    }),
  );

  // DNS rebinding: a page on evil.example that resolves to 127.0.0.1 sends Host: evil.example.
  app.use(async (c, next) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (!o.allowedHosts().has(host))
      return c.text("unknown Host: this console answers to its own address only\n", 421);
    c.set("origin", `${o.secure ? "https" : "http"}://${host}`);
    c.header("Cache-Control", "no-store");
    await next();
  });

  app.use(bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text("request too large\n", 413) }));

  app.get("/assets/:file", (c) => {
    const f = c.req.param("file");
    const type = ASSETS[f];
    if (!type) return c.notFound();
    c.header("Content-Type", type);
    return c.body(assets[f]!);
  });

  // Sign-in. The form carries a token bound to a cookie (double submit), so no other site can sign a browser in.
  const showLogin = (c: Context<Env>, status: 200 | 401 | 403 | 429, error?: string) => {
    const loginCsrf = randomToken();
    setCookie(c, LOGIN, loginCsrf, { ...cookieOpts, maxAge: 3600 });
    return c.html(
      loginPage({ loginCsrf, operatorToken: hasOperator, ...(error ? { error } : {}) }).toString(),
      status,
    );
  };
  app.get("/login", (c) => showLogin(c, 200));
  app.post("/login", async (c) => {
    if (!fromOwnPage(c)) return showLogin(c, 403, "This sign-in did not come from the console's own page.");
    const form = await c.req.parseBody();
    if (!sameSecret(str(form.csrf), getCookie(c, LOGIN)))
      return showLogin(c, 403, "The sign-in form expired: try again.");
    if (failures.blocked()) return showLogin(c, 429, "Too many failed sign-ins: wait a minute.");
    const holder = findHolder(o.holders, str(form.token) ?? "");
    if (!holder) {
      failures.fail();
      return showLogin(c, 401, "Token not recognised.");
    }
    const name = (str(form.name) ?? "").trim().slice(0, 200);
    const who = holder.operator ? (name ? `${name} (console operator)` : holder.name) : holder.name;
    const s = sessions.create(who);
    deleteCookie(c, LOGIN, { path: "/", secure: o.secure });
    setCookie(c, SESSION, s.id, { ...cookieOpts, maxAge: o.sessionMinutes * 60 });
    return c.redirect("/", 303);
  });

  // Everything below needs a signed-in session or a bearer token.
  app.use(async (c, next) => {
    const auth = c.req.header("authorization");
    if (auth !== undefined) {
      if (failures.blocked()) return c.json({ error: "too many failed sign-ins: wait a minute" }, 429);
      const m = /^Bearer (\S+)$/.exec(auth);
      const holder = m ? findHolder(o.holders, m[1]!) : undefined;
      if (!holder) {
        failures.fail();
        return c.json({ error: "token not recognised" }, 401);
      }
      c.set("bearer", holder.name);
      return next();
    }
    const s = sessions.get(getCookie(c, SESSION));
    if (!s) {
      if (c.req.method === "GET" && !c.req.path.startsWith("/api/")) return c.redirect("/login", 303);
      return c.json({ error: "sign in first" }, 401);
    }
    c.set("session", s);
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      if (!fromOwnPage(c)) return c.text("refused: not from the console's own page\n", 403);
      const form = await c.req.parseBody();
      if (!sameSecret(str(form.csrf), s.csrf)) return c.text("refused: missing or wrong CSRF token\n", 403);
    }
    return next();
  });

  const who = (c: Context<Env>) => c.get("session")?.name ?? c.get("bearer") ?? "?";
  const pageCtx = (c: Context<Env>): PageContext => {
    const s = c.get("session");
    const halt = o.store.getHalt();
    return { who: who(c), ...(s ? { csrf: s.csrf } : {}), ...(halt ? { halt } : {}) };
  };

  app.post("/logout", (c) => {
    sessions.end(c.get("session")?.id);
    deleteCookie(c, SESSION, { path: "/", secure: o.secure });
    return c.redirect("/login", 303);
  });

  app.get("/", (c) => c.html(queuePage(pageCtx(c), listWaiting(o.store)).toString()));

  app.get("/cases/:id", (c) => {
    const v = caseView(o.store, c.req.param("id"));
    if (!v) return c.html(errorPage(pageCtx(c), 404, "No such case in the store.").toString(), 404);
    return c.html(casePage(pageCtx(c), v, activity.forCase(v.case.caseId)).toString());
  });

  app.post("/decide", async (c) => {
    const form = await c.req.parseBody();
    const runId = str(form.runId) ?? "";
    const stepKey = str(form.stepKey) ?? "";
    const decision = str(form.decision);
    const reason = (str(form.reason) ?? "").trim();
    const planHash = str(form.planHash) ?? "";
    const run = o.store.getRun(runId);
    if (!run) return c.html(errorPage(pageCtx(c), 404, "No such run.").toString(), 404);
    if (decision !== "approve" && decision !== "reject")
      return c.html(errorPage(pageCtx(c), 400, "Choose approve or reject.").toString(), 400);
    if (!reason || reason.length > 2000)
      return c.html(
        errorPage(pageCtx(c), 400, "A reason (up to 2000 characters) is required.").toString(),
        400,
      );
    if (decision === "approve" && !/^[0-9a-f]{64}$/.test(planHash))
      return c.html(errorPage(pageCtx(c), 400, "An approval names the plan it approves.").toString(), 400);
    const entry = activity.add({ by: who(c), decision, runId, caseId: run.caseId, stepKey });
    if (PENDING_RUNS.has(runId)) {
      Object.assign(entry, {
        status: "refused",
        message: "a decision on this run is still being carried out",
      });
    } else {
      PENDING_RUNS.add(runId);
      const work = (async () => {
        try {
          const env = await o.decideEnv();
          const report = await decide(env, {
            runId,
            stepKeys: [stepKey],
            decision,
            by: entry.by,
            reason,
            ...(decision === "approve" ? { planHashes: { [stepKey]: planHash } } : {}),
          });
          Object.assign(entry, {
            status: "done",
            runState: report.state,
            ...(report.waiting ? { message: `waiting: ${report.waiting}` } : {}),
            ...(report.error ? { message: report.error } : {}),
          });
        } catch (e) {
          Object.assign(entry, {
            status: e instanceof DecisionError ? "refused" : "failed",
            message: e instanceof Error ? e.message : String(e),
          });
        } finally {
          PENDING_RUNS.delete(runId);
        }
      })();
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    }
    if (c.get("bearer")) return c.json(entry, 202);
    return c.redirect(`/cases/${encodeURIComponent(run.caseId)}#activity`, 303);
  });

  // Live updates (polled by /assets/console.js; rendered there with textContent only).
  app.get("/api/queue", (c) => c.json({ waiting: listWaiting(o.store), halt: o.store.getHalt() ?? null }));
  app.get("/api/cases/:id", (c) => {
    const v = caseView(o.store, c.req.param("id"));
    if (!v) return c.json({ error: "no such case" }, 404);
    return c.json({
      waitingKey: v.waiting.map((w) => `${w.runId}:${w.stepKey}:${w.planHash}`).join(","),
      runs: v.runs.map((r) => ({ runId: r.runId, state: r.state, updatedAt: r.updatedAt })),
      activity: activity.forCase(v.case.caseId),
      halt: o.store.getHalt() ?? null,
    });
  });

  app.notFound((c) => c.text("not found\n", 404));
  app.onError((e, c) => {
    process.stderr.write(`mailwarden console: ${e instanceof Error ? e.message : String(e)}\n`);
    return c.text("internal error\n", 500);
  });

  return {
    app,
    activity,
    pending: () => PENDING_RUNS.size,
    /** Resolves when the decisions being carried out have returned (they stop within a step on shutdown). */
    settled: async () => void (await Promise.allSettled([...inFlight])),
  };

  function fromOwnPage(c: Context<Env>): boolean {
    return sameOrigin(
      { origin: c.req.header("origin"), secFetchSite: c.req.header("sec-fetch-site") },
      c.get("origin"),
    );
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function randomToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}
