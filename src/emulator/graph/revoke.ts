/**
 * `POST /users/{id | userPrincipalName}/revokeSignInSessions`: moves the user's signInSessionsValidFromDateTime to
 * the emulator clock's now and answers 200 `{"value": true}` (what the service really returns; apis.md A3 [D/T]).
 */
import { isoSeconds } from "../buildTenant.js";
import { fail, readJsonBody, type GraphCall } from "./call.js";
import { GraphErrors } from "./errors.js";
import { findUser } from "./lookup.js";
import { graphJson } from "./respond.js";

export async function revokeSignInSessions(g: GraphCall): Promise<Response> {
  const ref = g.params["user"] ?? "";
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return fail(g, GraphErrors.unreadableBody());
  const user = findUser(g.ctx.state, ref);
  if (!user) return fail(g, GraphErrors.userNotFound(ref));
  user.signInSessionsValidFromDateTime = isoSeconds(g.ctx.clock.now());
  // Revocation invalidates refresh tokens and session cookies: a state change even within the same second.
  g.c.set("write", true);
  return graphJson(g.c, 200, { "@odata.context": `${g.serviceRoot}/$metadata#Edm.Boolean`, value: true });
}
