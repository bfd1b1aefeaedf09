/**
 * The faults middleware for the faces without their own hook (token, Exchange, Log Analytics; the Graph face
 * applies faults itself after authentication and routing, where it knows the route and the caller). It also
 * settles eventual-consistency changes that have become visible, before any face reads state.
 */
import type { Context, Next } from "hono";
import type { EmulatorContext, EmulatorEnv } from "../context.js";
import { splitGraphPath } from "../graph/router.js";
import type { RequestDescriptor } from "./match.js";

/** The cmdlet an InvokeCommand request names (body `CmdletInput.CmdletName`, else the X-CmdletName header). */
async function cmdletOf(c: Context<EmulatorEnv>): Promise<string | undefined> {
  try {
    const body = JSON.parse(await c.req.text()) as { CmdletInput?: { CmdletName?: unknown } } | null;
    const name = body?.CmdletInput?.CmdletName;
    if (typeof name === "string") return name;
  } catch {
    // Not JSON: the face answers it; the header may still name the cmdlet.
  }
  return c.req.header("x-cmdletname");
}

export function faultsMiddleware(ctx: EmulatorContext) {
  return async (c: Context<EmulatorEnv>, next: Next): Promise<Response | undefined> => {
    ctx.visibility?.settle();
    const face = c.get("face");
    const faults = ctx.faults;
    if (faults && (face === "token" || face === "exchange" || face === "loganalytics")) {
      const url = new URL(c.req.url);
      const req: RequestDescriptor = {
        face,
        method: c.req.method,
        segments: splitGraphPath(url.pathname),
        ...(face === "exchange" && c.req.method === "POST" ? { cmdlet: await cmdletOf(c) } : {}),
      };
      const refused = await faults.inject(c, req);
      if (refused) return refused;
    }
    await next();
    return undefined;
  };
}
