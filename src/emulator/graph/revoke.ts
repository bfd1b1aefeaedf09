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
  const at = isoSeconds(g.ctx.clock.now());
  const apply = () => {
    user.signInSessionsValidFromDateTime = at;
  };
  // "There might be a small delay of a few minutes before tokens are revoked" [D A3]: eventual consistency.
  const v = g.ctx.visibility;
  if (v) v.defer(`user:${user.id}:revoke`, apply, v.delayFor("revoke"));
  else apply();
  // Revocation invalidates refresh tokens and session cookies: a state change even within the same second.
  g.c.set("write", true);
  return graphJson(g.c, 200, { "@odata.context": `${g.serviceRoot}/$metadata#Edm.Boolean`, value: true });
}
