/** The request log: one entry per token/Graph/Exchange request (admin requests are not tenant traffic). */
import type { Face, RequestLogEntry } from "./context.js";

export class RequestLog {
  #entries: RequestLogEntry[] = [];

  append(entry: RequestLogEntry): void {
    this.#entries.push(entry);
  }

  /** Entries from index `since` on (copies). */
  list(since = 0): RequestLogEntry[] {
    return this.#entries.slice(Math.max(0, since)).map((e) => ({ ...e }));
  }

  clear(): void {
    this.#entries = [];
  }
}

const TOKEN_SEGMENTS = new Set(["oauth2", "v2.0", "discovery", ".well-known"]);

/** Which face a path belongs to, from its prefix; undefined for paths no face serves. */
export function faceOfPath(pathname: string): Face | undefined {
  const [first, second] = pathname.split("/").filter(Boolean);
  if (first === "_emulator") return "admin";
  if (first === "v1.0" || first === "beta") return "graph";
  if (first === "adminapi") return "exchange";
  if (first === "v1" && second === "workspaces") return "loganalytics";
  if (first !== undefined && second !== undefined && TOKEN_SEGMENTS.has(second)) return "token";
  return undefined;
}
