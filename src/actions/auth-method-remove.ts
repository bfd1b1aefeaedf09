/**
 * authMethod.removeSessionMethods — remove the authentication methods registered in the attacker's session, never
 * all of the user's methods and never the last one besides the password. A method is the session's when its
 * createdDateTime (microsoftAuthenticator when registered for phone sign-in, fido2, windowsHelloForBusiness,
 * temporaryAccessPass) falls in the window, or — for types Graph v1.0 gives no creation time (phone, email,
 * softwareOath, an Authenticator for push only) — when a "User registered security info" audit record by the user
 * in the window, from an attacker IP where known, names that type and exactly one such method exists.
 * Irreversible: a removed method cannot be re-created with its secret (key, seed or registration); the user
 * registers again.
 */
import type { GraphAuthMethod, GraphDirectoryAudit } from "../adapters/graph/client.js";
import type { Json } from "../engine/machine.js";
import {
  inWindow,
  ipFits,
  jsonList,
  SESSION_WINDOW_LIMIT,
  sessionInputFromHit,
  sessionInputFromCase,
  deleteEach,
  userObjectId,
  windowJson,
  windowWarnings,
  type SessionInput,
} from "./session-window.js";
import {
  ActionError,
  defineAction,
  pollUntil,
  type ActionContext,
  type RunResult,
  signalOf,
} from "./types.js";

/** Per `@odata.type`: the DELETE segment and the words the audit record's resultReason uses for it. */
const TYPES: Record<string, { segment: string; registered: RegExp }> = {
  microsoftAuthenticatorAuthenticationMethod: {
    segment: "microsoftAuthenticatorMethods",
    registered: /authenticator app with notification|microsoft authenticator|passwordless/i,
  },
  fido2AuthenticationMethod: { segment: "fido2Methods", registered: /fido2|security key|passkey/i },
  phoneAuthenticationMethod: { segment: "phoneMethods", registered: /phone/i },
  emailAuthenticationMethod: { segment: "emailMethods", registered: /\bemail\b/i },
  softwareOathAuthenticationMethod: {
    segment: "softwareOathMethods",
    registered: /authenticator app with code|software oath|\boath\b/i,
  },
  windowsHelloForBusinessAuthenticationMethod: {
    segment: "windowsHelloForBusinessMethods",
    registered: /windows hello/i,
  },
  temporaryAccessPassAuthenticationMethod: {
    segment: "temporaryAccessPassMethods",
    registered: /temporary access pass/i,
  },
};

const typeOf = (m: GraphAuthMethod) => m["@odata.type"].replace(/^#?microsoft\.graph\./, "");

/** What a plan may show of a method: its type, id, time and label — never a phone number or address in full. */
function image(m: GraphAuthMethod): Json {
  const mask = (v: unknown) => (typeof v === "string" && v.length > 4 ? `…${v.slice(-4)}` : null);
  return {
    id: m.id,
    type: typeOf(m),
    createdDateTime: m.createdDateTime ?? null,
    ...(m.displayName ? { displayName: m.displayName } : {}),
    ...(m.phoneNumber ? { phoneNumber: mask(m.phoneNumber) } : {}),
    ...(m.emailAddress ? { emailAddress: mask(m.emailAddress) } : {}),
  };
}

interface Selection {
  remove: GraphAuthMethod[];
  keep: GraphAuthMethod[];
  notes: string[];
}

async function select(ctx: ActionContext, input: SessionInput): Promise<Selection> {
  const userId = userObjectId(input);
  const so = signalOf(ctx);
  const methods = (await ctx.graph.listAuthMethods(userId, so)).filter((m) => TYPES[typeOf(m)] !== undefined);
  const notes: string[] = [];
  let records: GraphDirectoryAudit[] | undefined;
  const registrations = async () =>
    (records ??= (
      await ctx.graph.listUserDirectoryAudits(
        { activity: "User registered security info", userId, since: input.windowStart },
        so,
      )
    ).filter((a) => a.result !== "failure" && ipFits(input, a.initiatedBy?.user?.ipAddress)));
  const remove: GraphAuthMethod[] = [];
  for (const m of methods) {
    const t = typeOf(m);
    if (m.createdDateTime) {
      if (inWindow(input, m.createdDateTime)) remove.push(m);
      continue;
    }
    // Registrations in the window naming this type, less those explained by methods of the type that carry a
    // creation time in the window: what is left was a method without one.
    const named = (await registrations()).filter((a) =>
      TYPES[t]!.registered.test(a.resultReason ?? ""),
    ).length;
    const timed = methods.filter((x) => typeOf(x) === t && inWindow(input, x.createdDateTime)).length;
    if (named - timed <= 0) continue;
    const sameType = methods.filter((x) => typeOf(x) === t && !x.createdDateTime);
    if (sameType.length === 1) remove.push(m);
    else if (!notes.some((n) => n.startsWith(t)))
      notes.push(
        `${t}: registered in the session, but ${sameType.length} such methods carry no creation time; none removed — review by hand`,
      );
  }
  const keep = methods.filter((m) => !remove.includes(m));
  return { remove, keep, notes };
}

/** Refuses a removal that would leave the user no method besides the password. */
function guard(s: Selection): void {
  if (s.remove.length && !s.keep.length)
    throw new ActionError(
      `refused: every authentication method of the user besides the password (${s.remove.map(typeOf).join(", ")}) was registered in the session window; removing them all would leave only the password. Reset the methods by hand (for instance with a Temporary Access Pass and re-registration).`,
      "precondition",
    );
}

const remaining = async (ctx: ActionContext, input: SessionInput, ids: string[]) =>
  (await ctx.graph.listAuthMethods(userObjectId(input), signalOf(ctx))).filter((m) => ids.includes(m.id));

export const authMethodRemoveSessionMethods = defineAction<SessionInput>({
  id: "authMethod.removeSessionMethods",
  scope: "user",
  description:
    "Remove the authentication methods registered in the attacker's session (never all of them; irreversible).",
  permissions: { graph: ["UserAuthenticationMethod.ReadWrite.All", "AuditLog.Read.All"], exchange: [] },
  reversibility: "irreversible",
  limits: [
    "Irreversible: a removed method cannot be re-created with its secret (key pair, OATH seed, authenticator registration); the user registers it again.",
    "Refused when it would leave the user no method besides the password: a human resets the methods (Temporary Access Pass, re-registration).",
    'Graph v1.0 gives phone, email and software OATH methods (and an Authenticator registered for push only) no creation time: such a method is removed only when a "User registered security info" record in the window names its type and it is the only one of that type; a replaced phone number keeps the method\'s id.',
    SESSION_WINDOW_LIMIT,
    "The password is never touched: reset it as a separate, human step.",
  ],
  inputFromHit: (hit) => sessionInputFromHit(hit),
  inputFromCase: sessionInputFromCase,
  targetId: (i) => `${i.userId}/authenticationMethods`,

  async plan(ctx, input) {
    const s = await select(ctx, input);
    guard(s);
    return {
      transport: "graph",
      before: { methods: s.remove.map(image) },
      after: { methods: [] },
      target: {
        methodIds: s.remove.map((m) => m.id),
        kept: s.keep.map(image),
        ...(windowJson(input) as object),
      },
      noop: s.remove.length === 0,
      reversibility: "irreversible",
      warnings: [
        ...windowWarnings(input),
        ...s.notes,
        ...(s.remove.length ? ["irreversible: the user registers removed methods again"] : []),
      ],
    };
  },

  async run(ctx, input, plan): Promise<RunResult> {
    const planned = jsonList<string>(plan.target, "methodIds");
    const all = await ctx.graph.listAuthMethods(userObjectId(input), signalOf(ctx));
    const still = all.filter((m) => planned.includes(m.id));
    // The guard again on live state: a method the user removed since the plan must not make this the last one.
    const others = all.filter((m) => TYPES[typeOf(m)] !== undefined && !planned.includes(m.id));
    if (still.length && !others.length) guard({ remove: still, keep: [], notes: [] });
    const removed = await deleteEach(still, (m) =>
      ctx.graph.deleteAuthMethod(input.userId, TYPES[typeOf(m)]!.segment, m.id, signalOf(ctx)),
    );
    return {
      before: plan.before,
      after: { methods: [], removed },
      alreadyDone: removed.length === 0,
    };
  },

  async verify(ctx, input, plan) {
    const planned = jsonList<string>(plan.target, "methodIds");
    const r = await pollUntil(
      ctx,
      () => remaining(ctx, input, planned),
      (left) => left.length === 0,
    );
    return { ok: r.ok, observed: { remaining: r.value.map(image) } };
  },
});
