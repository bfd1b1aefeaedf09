/**
 * A user's authentication methods [D authentication-list-methods and the per-type resources]:
 * `GET /users/{id}/authentication/methods` (every type, `@odata.type` tells them apart), `GET …/methods/{id}`,
 * `GET …/{type}Methods` and `DELETE …/{type}Methods/{id}` for the deletable types. The password method cannot be
 * deleted (no DELETE route: 405). Each v1.0 resource renders only its documented members: `createdDateTime` exists
 * on microsoftAuthenticator (null unless registered for passwordless phone sign-in), fido2, windowsHelloForBusiness,
 * temporaryAccessPass and password, and **not** on phone, email or softwareOath (beta adds it to softwareOath).
 * A delete is recorded in the directory audit log ("Admin deleted security info", service Authentication Methods).
 */
import { FIXED_METHOD_IDS } from "../buildIdentity.js";
import { fail, type GraphCall } from "./call.js";
import { listCollection } from "./collection.js";
import { appendAudit } from "./directoryAudits.js";
import { GraphErrors } from "./errors.js";
import { findUser } from "./lookup.js";
import { graphJson, graphNoContent } from "./respond.js";
import type { AuthMethodState, AuthMethodType, UserState } from "../state.js";

/** Per type: the navigation segment and the OData type. */
export const AUTH_METHOD_TYPES: Record<
  AuthMethodType,
  { segment: string; odataType: string; deletable: boolean }
> = {
  password: { segment: "passwordMethods", odataType: "passwordAuthenticationMethod", deletable: false },
  microsoftAuthenticator: {
    segment: "microsoftAuthenticatorMethods",
    odataType: "microsoftAuthenticatorAuthenticationMethod",
    deletable: true,
  },
  fido2: { segment: "fido2Methods", odataType: "fido2AuthenticationMethod", deletable: true },
  phone: { segment: "phoneMethods", odataType: "phoneAuthenticationMethod", deletable: true },
  email: { segment: "emailMethods", odataType: "emailAuthenticationMethod", deletable: true },
  softwareOath: {
    segment: "softwareOathMethods",
    odataType: "softwareOathAuthenticationMethod",
    deletable: true,
  },
  windowsHelloForBusiness: {
    segment: "windowsHelloForBusinessMethods",
    odataType: "windowsHelloForBusinessAuthenticationMethod",
    deletable: true,
  },
  temporaryAccessPass: {
    segment: "temporaryAccessPassMethods",
    odataType: "temporaryAccessPassAuthenticationMethod",
    deletable: true,
  },
};

function render(m: AuthMethodState, version: "v1.0" | "beta"): Record<string, unknown> {
  const head = { "@odata.type": `#microsoft.graph.${AUTH_METHOD_TYPES[m.type].odataType}`, id: m.id };
  switch (m.type) {
    case "password":
      return { ...head, password: null, createdDateTime: m.createdDateTime };
    case "microsoftAuthenticator":
      return {
        ...head,
        displayName: m.displayName ?? null,
        deviceTag: m.deviceTag ?? "SoftwareTokenActivated",
        phoneAppVersion: m.phoneAppVersion ?? "6.2401.0119",
        // "null if the device isn't registered for passwordless Phone Sign-In" [D].
        createdDateTime: m.passwordlessPhoneSignIn ? m.createdDateTime : null,
      };
    case "fido2":
      return {
        ...head,
        displayName: m.displayName ?? null,
        createdDateTime: m.createdDateTime,
        aaGuid: "cb69481e-8ff7-4039-93ec-0a2729a154a8",
        model: m.model ?? "YubiKey 5 Series",
        attestationCertificates: [],
        attestationLevel: "attested",
      };
    case "phone":
      return {
        ...head,
        phoneNumber: m.phoneNumber ?? null,
        phoneType: m.phoneType ?? "mobile",
        smsSignInState: "notAllowedByPolicy",
      };
    case "email":
      return { ...head, emailAddress: m.emailAddress ?? null };
    case "softwareOath":
      return {
        ...head,
        secretKey: null,
        ...(version === "beta" ? { createdDateTime: m.createdDateTime } : {}),
      };
    case "windowsHelloForBusiness":
      return {
        ...head,
        displayName: m.displayName ?? null,
        createdDateTime: m.createdDateTime,
        keyStrength: "normal",
      };
    case "temporaryAccessPass":
      return {
        ...head,
        createdDateTime: m.createdDateTime,
        startDateTime: m.createdDateTime,
        lifetimeInMinutes: 60,
        isUsableOnce: true,
        isUsable: false,
        methodUsabilityReason: "Expired",
      };
  }
}

function resolve(
  g: GraphCall,
): { ok: true; user: UserState; methods: AuthMethodState[] } | { ok: false; response: Response } {
  const ref = g.params["user"] ?? "";
  const user = findUser(g.ctx.state, ref);
  if (!user) return { ok: false, response: fail(g, GraphErrors.userNotFound(ref)) };
  const methods = (g.ctx.state.authMethods ?? []).filter((m) => m.userId === user.id);
  // Every user has a password method (not deletable); the scenario may list it to set its time.
  if (!methods.some((m) => m.type === "password"))
    methods.unshift({
      id: FIXED_METHOD_IDS.password,
      userId: user.id,
      type: "password",
      createdDateTime: user.lastPasswordChangeDateTime ?? user.createdDateTime,
    });
  return { ok: true, user, methods };
}

function list(g: GraphCall, type: AuthMethodType | undefined): Response {
  const r = resolve(g);
  if (!r.ok) return r.response;
  const segment = type ? AUTH_METHOD_TYPES[type].segment : "methods";
  const typeName = type
    ? `microsoft.graph.${AUTH_METHOD_TYPES[type].odataType}`
    : "microsoft.graph.authenticationMethod";
  const items = r.methods.filter((m) => !type || m.type === type).map((m) => render(m, g.version));
  return listCollection(g, {
    path: `users/${encodeURIComponent(r.user.id)}/authentication/${segment}`,
    contextName: `users('${r.user.id}')/authentication/${segment}`,
    typeName,
    items,
    properties: [...new Set(items.flatMap((i) => Object.keys(i)))],
    filterable: {},
    filterErrorCode: "Request_UnsupportedQuery",
    defaultPage: 100,
    maxPage: 100,
  });
}

export const listAuthMethods = (g: GraphCall) => list(g, undefined);
export const listAuthMethodsOfType = (type: AuthMethodType) => (g: GraphCall) => list(g, type);

/** [I] the authentication methods API answers a missing method with 404 itemNotFound. */
const methodNotFound = (id: string) =>
  [404, "itemNotFound", `The authentication method '${id}' was not found for this user.`] as const;

export function getAuthMethod(g: GraphCall): Response {
  const r = resolve(g);
  if (!r.ok) return r.response;
  const id = g.params["method"] ?? "";
  const m = r.methods.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!m) return fail(g, methodNotFound(id));
  return graphJson(g.c, 200, {
    "@odata.context": `${g.serviceRoot}/$metadata#users('${r.user.id}')/authentication/methods/$entity`,
    ...render(m, g.version),
  });
}

export const deleteAuthMethod = (type: AuthMethodType) => (g: GraphCall) => {
  const r = resolve(g);
  if (!r.ok) return r.response;
  const id = g.params["method"] ?? "";
  // A method of another type under this segment is not found, as in the service.
  const m = r.methods.find((x) => x.type === type && x.id.toLowerCase() === id.toLowerCase());
  if (!m) return fail(g, methodNotFound(id));
  const all = g.ctx.state.authMethods!;
  all.splice(all.indexOf(m), 1);
  g.c.set("write", true);
  appendAudit(g, {
    category: "UserManagement",
    activityDisplayName: "Admin deleted security info",
    operationType: "Delete",
    loggedByService: "Authentication Methods",
    targets: [
      {
        id: r.user.id,
        displayName: r.user.displayName,
        type: "User",
        userPrincipalName: r.user.userPrincipalName,
      },
    ],
    details: [{ key: "MethodType", value: AUTH_METHOD_TYPES[type].odataType }],
  });
  return graphNoContent(g.c);
};
