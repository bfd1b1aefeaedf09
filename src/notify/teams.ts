/**
 * Teams notices: a channel message through Graph (`POST /teams/{id}/channels/{id}/messages`) as HTML, every
 * event string escaped. Graph posts channel messages only for a signed-in user (delegated ChannelMessage.Send);
 * an app-only token is refused (403 without Teamwork.Migrate.All, 401 with it: that permission is for importing
 * messages into a channel in migration mode). So the Teams channel takes its own delegated credential.
 */
import { UsernamePasswordCredential, type TokenCredential } from "@azure/identity";
import pThrottle from "p-throttle";
import { extraCaTransport } from "../adapters/credential.js";
import { GraphAdapter } from "../adapters/graph/client.js";
import type { GraphApiError } from "../adapters/graph/errors.js";
import type { NotifyConfig } from "../config/schema.js";
import type { NoticePayload } from "./event.js";
import { SafeHtml, markup } from "./html.js";

const PUBLIC_AUTHORITY = "https://login.microsoftonline.com";

/** Teams' message size bound is about 28 KB [D Teams bot message limits; I for Graph]: content stays under 24 KB. */
export const MAX_CONTENT_BYTES = 24 * 1024;

const TITLES: Record<NoticePayload["kind"], string> = {
  "approval-needed": "Approval needed",
  contained: "Contained",
  "cap-reached": "Containment cap reached",
  halted: "Halted",
  failed: "Failed",
};

function stepLine(s: NoticePayload["steps"][number]): SafeHtml {
  const action = s.action ? markup` (${s.action})` : markup``;
  const target = s.target !== undefined ? markup` — ${s.target}` : markup``;
  const status = s.status ? markup`: <b>${s.status}</b>` : markup``;
  return markup`<li><code>${s.id}</code>${action}${target}${status}</li>`;
}

/** The message's HTML. Steps beyond what fits are summarised ("… and N more"). */
export function renderTeamsHtml(p: NoticePayload): string {
  const user = p.user.upn ?? p.user.id ?? "(unknown user)";
  const counts = Object.entries(p.counts).map(([k, v]) => markup`${k}: ${v}`);
  const head = SafeHtml.join([
    markup`<p><b>mailwarden — ${TITLES[p.kind]}</b></p>`,
    markup`<p>${p.summary}</p>`,
    markup`<p>User: <b>${user}</b><br>Case: <code>${p.caseId}</code>`,
    p.runId ? markup`<br>Run: <code>${p.runId}</code>` : markup``,
    markup`<br>Tenant: <code>${p.tenant}</code><br>Time: ${p.timestamp}</p>`,
    counts.length > 0 ? markup`<p>${SafeHtml.join(counts, ", ")}</p>` : markup``,
  ]);
  const tail = p.hint ? markup`<p>Next: <code>${p.hint}</code></p>` : markup``;
  const size = (s: string) => Buffer.byteLength(s, "utf8");
  const lines = p.steps.map(stepLine);
  const build = (n: number): string => {
    if (lines.length === 0) return head.value + tail.value;
    const more = n < lines.length ? markup`<li>… and ${lines.length - n} more</li>` : markup``;
    return `${head.value}<ul>${SafeHtml.join(lines.slice(0, n)).value}${more.value}</ul>${tail.value}`;
  };
  // The most steps that fit (binary search: a case can have hundreds of targets).
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (size(build(mid)) <= MAX_CONTENT_BYTES) lo = mid;
    else hi = mid - 1;
  }
  const out = build(lo);
  if (size(out) <= MAX_CONTENT_BYTES) return out;
  // Even without steps too big (long fields full of characters that escape long): a short message instead.
  const cut = (v: string) => (v.length > 200 ? `${v.slice(0, 200)}…` : v);
  const title = markup`<p><b>mailwarden — ${TITLES[p.kind]}</b></p>`;
  return markup`${title}<p>Case <code>${cut(p.caseId)}</code>: the details are too long for a Teams message; see the webhook notice or the case report.</p>`
    .value;
}

export interface TeamsDeps {
  tenantId: string;
  authorityHost: string;
  graphBaseUrl: string;
  graphTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Replaces the configured delegated credential (tests; another delegated credential type). */
  credential?: TokenCredential;
  sleep?: (ms: number) => Promise<void>;
}

type TeamsConfig = NonNullable<NotifyConfig["teams"]>;

export type TeamsOutcome = { ok: true; messageId: string } | { ok: false; reason: string };

/** The delegated credential Teams notices use, or why there is none (a missing password variable). */
export function teamsCredential(
  cfg: TeamsConfig,
  deps: Pick<TeamsDeps, "tenantId" | "authorityHost" | "env" | "credential">,
): TokenCredential | string {
  if (deps.credential) return deps.credential;
  const c = cfg.credential;
  const password = deps.env[c.passwordEnv];
  if (!password)
    return `environment variable ${c.passwordEnv} (notify.teams.credential.passwordEnv) is not set`;
  const authorityHost = deps.authorityHost.replace(/\/+$/, "");
  // Resource owner password credentials: deprecated by @azure/identity because it cannot do MFA; the only
  // unattended delegated flow it offers (docs/notices.md says what this asks of the notices account).
  return new UsernamePasswordCredential(deps.tenantId, c.clientId, c.username, password, {
    authorityHost,
    disableInstanceDiscovery: authorityHost !== PUBLIC_AUTHORITY,
    ...extraCaTransport(),
  });
}

/** Graph's answers to an app-only token, turned into what to do about it. */
function explain(err: GraphApiError): string {
  const appOnly =
    (err.status === 401 && /application-only context/i.test(err.message)) ||
    (err.status === 403 && /Missing role permissions/i.test(err.message));
  if (appOnly) {
    return `${err.message} — Graph posts channel messages only with a delegated token (ChannelMessage.Send); an app-only credential cannot post: configure notify.teams.credential`;
  }
  return err.message;
}

/**
 * The Teams channel of one notifier: the credential and Graph client are made once and posts are paced to Teams' documented 10 messages per 10 seconds, so a burst of cases waits instead
 * of being throttled.
 */
export function createTeamsSender(
  cfg: TeamsConfig,
  deps: TeamsDeps,
): (p: NoticePayload) => Promise<TeamsOutcome> {
  let graph: GraphAdapter | string | undefined;
  const paced = pThrottle({ limit: 10, interval: 10_000 })(<T>(fn: () => Promise<T>) => fn());
  return async (payload) => {
    if (graph === undefined) {
      const credential = teamsCredential(cfg, deps);
      graph =
        typeof credential === "string"
          ? credential
          : new GraphAdapter({
              credential,
              baseUrl: deps.graphBaseUrl,
              timeoutMs: deps.graphTimeoutMs,
              ...(deps.sleep ? { sleep: deps.sleep } : {}),
            });
    }
    if (typeof graph === "string") return { ok: false, reason: graph };
    const client = graph;
    try {
      const msg = await paced(() =>
        client.postChannelMessage(cfg.teamId, cfg.channelId, {
          body: { contentType: "html", content: renderTeamsHtml(payload) },
        }),
      );
      return { ok: true, messageId: msg.id };
    } catch (e) {
      const err = e as GraphApiError;
      return { ok: false, reason: err.name === "GraphApiError" ? explain(err) : String(err.message ?? e) };
    }
  };
}
