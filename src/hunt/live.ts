/**
 * Live hunting: the query runs where the data is — Defender XDR advanced hunting through Graph
 * (`POST /security/runHuntingQuery`, ThreatHunting.Read.All) or a Sentinel workspace through the Log Analytics query
 * API (`POST /v1/workspaces/{id}/query`, Data.Read). Both return a table; rows come back as plain objects.
 */
import type { TokenCredential } from "@azure/identity";
import type { GraphAdapter } from "../adapters/graph/client.js";
import { trustingFetch, type FetchLike } from "../adapters/tls.js";

export interface ResultTable {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
}

/** A query the service refused or could not finish; `status` is the HTTP status when there was one. */
export class HuntServiceError extends Error {
  override readonly name = "HuntServiceError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export async function runDefender(
  graph: GraphAdapter,
  query: string,
  timespan?: string,
): Promise<ResultTable> {
  try {
    const r = await graph.runHuntingQuery(query, timespan ? { timespan } : {});
    return { columns: r.schema, rows: r.results };
  } catch (e) {
    const err = e as { status?: number; statusCode?: number; message?: string; kind?: string };
    const status = err.status ?? err.statusCode;
    const hint =
      status === 403
        ? " (the app needs ThreatHunting.Read.All)"
        : err.kind === "timeout"
          ? " (advanced hunting stops queries after 3 minutes: shorten the look-back)"
          : "";
    throw new HuntServiceError(
      `Defender advanced hunting refused the query: ${err.message ?? String(e)}${hint}`,
      status,
    );
  }
}

export interface LogAnalyticsOptions {
  credential: TokenCredential;
  baseUrl: string;
  workspaceId: string;
  timeoutMs?: number;
  /** Retries of a 429 (honouring Retry-After, capped); injectable sleep for tests. */
  throttleRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Default: Node's fetch, or undici's trusting the extra CA when trustCaInProcess was given one. */
  fetch?: FetchLike;
}

interface LaBody {
  tables?: { name?: string; columns?: { name: string; type: string }[]; rows?: unknown[][] }[];
  error?: { message?: string; code?: string; innererror?: { code?: string; message?: string } };
}

export async function runSentinel(
  o: LogAnalyticsOptions,
  query: string,
  timespan?: string,
): Promise<ResultTable> {
  const base = o.baseUrl.replace(/\/?$/, "/");
  const url = new URL(`v1/workspaces/${encodeURIComponent(o.workspaceId)}/query`, base);
  // The token audience is the public resource whatever host serves the API (a sovereign cloud or the emulator).
  const scope = "https://api.loganalytics.io/.default";
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retries = o.throttleRetries ?? 3;
  const fetchImpl = o.fetch ?? trustingFetch;
  for (let attempt = 0; ; attempt++) {
    const token = await o.credential.getToken(scope);
    if (!token) throw new HuntServiceError("no token for the Log Analytics API");
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token.token}`,
          "content-type": "application/json",
          prefer: "wait=180",
        },
        body: JSON.stringify({ query, ...(timespan ? { timespan } : {}) }),
        signal: AbortSignal.timeout(o.timeoutMs ?? 200_000),
      });
    } catch (e) {
      throw new HuntServiceError(`the Log Analytics API did not answer: ${(e as Error).message}`);
    }
    const text = await res.text();
    let body: LaBody = {};
    try {
      body = JSON.parse(text) as LaBody;
    } catch {
      /* non-JSON error page */
    }
    if (res.status === 429 && attempt < retries) {
      const after = Number(res.headers.get("retry-after"));
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 60) * 1000 : 2 ** attempt * 1000);
      continue;
    }
    if (!res.ok) {
      const inner = body.error?.innererror?.message;
      const hint =
        res.status === 403
          ? " (the app needs Data.Read on the workspace, e.g. the Log Analytics Reader role)"
          : "";
      throw new HuntServiceError(
        `Log Analytics refused the query (${res.status}${body.error?.code ? ` ${body.error.code}` : ""}): ${body.error?.message ?? text.slice(0, 200)}${inner ? ` — ${inner}` : ""}${hint}`,
        res.status,
      );
    }
    const t = body.tables?.[0];
    const columns = t?.columns ?? [];
    const rows = (t?.rows ?? []).map((r) =>
      Object.fromEntries(columns.map((c, i) => [c.name, r[i] ?? null])),
    );
    return { columns, rows };
  }
}
