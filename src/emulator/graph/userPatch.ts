/**
 * `PATCH /users/{id}` for the properties an incident responder changes: `accountEnabled` and `passwordProfile`
 * (apis.md A4 [D user-update]). 204 on success. Least privilege per property: accountEnabled needs
 * User.EnableDisableAccount.All (or User.ReadWrite.All / Directory.ReadWrite.All), passwordProfile needs
 * User-PasswordProfile.ReadWrite.All (or the same higher ones). Sensitive-target rule: a user holding a privileged
 * admin role can only be changed by an app holding a privileged role itself → 403. The password is checked against
 * the default complexity policy and then forgotten: never stored, never logged.
 */
import { z } from "zod";
import { isoSeconds } from "../buildTenant.js";
import { fail, readJsonBody, type GraphCall } from "./call.js";
import { GraphErrors, type GraphErrorSpec } from "./errors.js";
import { findUser } from "./lookup.js";
import { graphNoContent } from "./respond.js";

const HIGHER = ["User.ReadWrite.All", "Directory.ReadWrite.All"];
const ROLES_FOR = {
  accountEnabled: ["User.EnableDisableAccount.All", ...HIGHER],
  passwordProfile: ["User-PasswordProfile.ReadWrite.All", ...HIGHER],
} as const;

/** App directory roles allowed to change sensitive properties of privileged users [D "Who can perform sensitive actions"]. */
const PRIVILEGED_APP_ROLES = ["Global Administrator", "Privileged Authentication Administrator"];

const patchSchema = z.strictObject({
  accountEnabled: z.boolean().optional(),
  passwordProfile: z
    .strictObject({
      password: z.string().optional(),
      forceChangePasswordNextSignIn: z.boolean().optional(),
      forceChangePasswordNextSignInWithMfa: z.boolean().optional(),
    })
    .optional(),
});

const PASSWORD_POLICY: GraphErrorSpec = [
  400,
  "Request_BadRequest",
  "The specified password does not comply with password complexity requirements. Please provide a different password.",
];

/** Entra's default policy: 8–256 characters, three of lower, upper, digit, symbol [D password policies]. */
function compliant(password: string): boolean {
  if (password.length < 8 || password.length > 256) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  return classes >= 3;
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    const where = issue.path.length === 0 ? "microsoft.graph.user" : "microsoft.graph.passwordProfile";
    return `Property '${issue.keys[0] ?? ""}' is not supported by the emulated tenant on '${where}' (only accountEnabled and passwordProfile are modelled).`;
  }
  // Never echo the value (it may be a password).
  return `Invalid value for property '${issue?.path.join(".") ?? ""}'.`;
}

export async function patchUser(g: GraphCall): Promise<Response> {
  const ref = g.params["user"] ?? "";
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return fail(g, GraphErrors.unreadableBody());
  if (body.kind === "empty") return fail(g, [400, "BadRequest", "Empty Payload. JSON content expected."]);
  const user = findUser(g.ctx.state, ref);
  if (!user) return fail(g, GraphErrors.userNotFound(ref));
  const value = body.value;
  const stripped =
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith("@")))
      : value;
  const parsed = patchSchema.safeParse(stripped);
  if (!parsed.success) return fail(g, [400, "Request_BadRequest", describe(parsed.error)]);
  const patch = parsed.data;

  for (const prop of ["accountEnabled", "passwordProfile"] as const) {
    if (patch[prop] === undefined) continue;
    if (!ROLES_FOR[prop].some((r) => g.token.roles.includes(r))) {
      return fail(g, GraphErrors.accessDenied("directory"));
    }
  }
  if (
    (user.privilegedRoles ?? []).length > 0 &&
    !g.app.directoryRoles.some((r) => PRIVILEGED_APP_ROLES.includes(r))
  ) {
    return fail(g, GraphErrors.accessDenied("directory"));
  }
  const pw = patch.passwordProfile;
  if (pw?.password !== undefined && !compliant(pw.password)) return fail(g, PASSWORD_POLICY);

  if (patch.accountEnabled !== undefined && patch.accountEnabled !== user.accountEnabled) {
    user.accountEnabled = patch.accountEnabled;
    g.c.set("write", true);
  }
  if (pw) {
    if (pw.password !== undefined) user.lastPasswordChangeDateTime = isoSeconds(g.ctx.clock.now());
    if (pw.forceChangePasswordNextSignIn !== undefined)
      user.forceChangePasswordNextSignIn = pw.forceChangePasswordNextSignIn;
    if (pw.password !== undefined || pw.forceChangePasswordNextSignIn !== undefined) g.c.set("write", true);
  }
  return graphNoContent(g.c);
}
