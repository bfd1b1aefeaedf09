/**
 * The request ids of the writes a step makes, for the case report: Graph answers every request with a
 * `request-id` header (and echoes `client-request-id`), the id Microsoft support asks for. The Graph adapter's
 * last middleware records the id of every non-GET response into the collector of the async context it runs in;
 * the runner opens one collector around an action's `run`, so concurrent steps never mix their ids.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const collector = new AsyncLocalStorage<string[]>();

/** Called by the adapter for each write response (a no-op outside a collector). */
export function recordRequestId(method: string | undefined, headers: Headers): void {
  const ids = collector.getStore();
  if (!ids || (method ?? "GET").toUpperCase() === "GET") return;
  const id = headers.get("request-id") ?? headers.get("client-request-id");
  if (id) ids.push(id);
}

/** Runs `fn` with `ids` collecting the request ids of the writes it makes (also when it throws). */
export function collectRequestIds<T>(ids: string[], fn: () => Promise<T>): Promise<T> {
  return collector.run(ids, fn);
}
