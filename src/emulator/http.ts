/** Small HTTP helpers shared by the faces. */
import type { Context } from "hono";

/**
 * The origin clients used to reach this server (`https://host:port`), for absolute URLs in responses (nextLinks,
 * discovery documents). The server only listens on HTTPS.
 */
export function requestOrigin(c: Context): string {
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  return `https://${host}`;
}

/** Reads the body as text; an unreadable body is treated as empty. */
export async function bodyText(c: Context): Promise<string> {
  try {
    return await c.req.text();
  } catch {
    return "";
  }
}
