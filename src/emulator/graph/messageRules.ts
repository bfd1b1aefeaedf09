/** `/users/{id}/mailFolders/inbox/messageRules[/{ruleId}]`: list, get, create, PATCH, DELETE (apis.md A2). */
import type { InboxRuleState, MailboxState, UserState } from "../state.js";
import { fail, readJsonBody, type GraphCall } from "./call.js";
import { GraphErrors, type GraphErrorSpec } from "./errors.js";
import { resolveFolder, resolveMailbox, type Resolved } from "./mailboxes.js";
import { graphJson, graphNoContent } from "./respond.js";
import { applyRulePatch, parseRulePatch, referencedFolders, sameRule } from "./rulePatch.js";
import { isGraphReadOnly, renderRule, visibleRules } from "./ruleView.js";

// [I] Exact error for PATCH/DELETE of an isReadOnly rule is undocumented (apis.md E.1); 400 ErrorInvalidRequest chosen.
const READ_ONLY: GraphErrorSpec = [
  400,
  "ErrorInvalidRequest",
  "The rule is read-only and cannot be modified or deleted by the rules REST API.",
];
// [I] messageRules exist only on the Inbox.
const NOT_INBOX: GraphErrorSpec = [
  400,
  "ErrorInvalidRequest",
  "Rules are only supported on the Inbox folder.",
];
const EMPTY_BODY: GraphErrorSpec = [400, "BadRequest", "Empty Payload. JSON content expected."];

interface InboxTarget {
  user: UserState;
  mailbox: MailboxState;
}

function resolveInbox(g: GraphCall): Resolved<InboxTarget> {
  const mb = resolveMailbox(g);
  if (!mb.ok) return mb;
  const folder = resolveFolder(g, mb.value.mailbox);
  if (!folder.ok) return folder;
  if (folder.value.wellKnownName !== "inbox") return { ok: false, response: fail(g, NOT_INBOX) };
  return mb;
}

/** A rule Graph can address: hidden rules do not exist for Graph. */
function resolveRule(g: GraphCall, mailbox: MailboxState): Resolved<InboxRuleState> {
  const id = g.params["rule"] ?? "";
  const rule = mailbox.rules.find((r) => r.graphId === id && !r.hidden);
  if (!rule) return { ok: false, response: fail(g, GraphErrors.itemNotFound()) };
  return { ok: true, value: rule };
}

function collectionUrl(g: GraphCall, user: UserState): string {
  return `${g.serviceRoot}/$metadata#users('${user.id}')/mailFolders('inbox')/messageRules`;
}

export function listRules(g: GraphCall): Response {
  const t = resolveInbox(g);
  if (!t.ok) return t.response;
  return graphJson(g.c, 200, {
    "@odata.context": collectionUrl(g, t.value.user),
    value: visibleRules(t.value.mailbox.rules).map(renderRule),
  });
}

export function getRule(g: GraphCall): Response {
  const t = resolveInbox(g);
  if (!t.ok) return t.response;
  const rule = resolveRule(g, t.value.mailbox);
  if (!rule.ok) return rule.response;
  return graphJson(g.c, 200, {
    "@odata.context": `${collectionUrl(g, t.value.user)}/$entity`,
    ...renderRule(rule.value),
  });
}

export async function patchRule(g: GraphCall): Promise<Response> {
  const t = resolveInbox(g);
  if (!t.ok) return t.response;
  const { mailbox, user } = t.value;
  const rule = resolveRule(g, mailbox);
  if (!rule.ok) return rule.response;
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return fail(g, GraphErrors.unreadableBody());
  if (body.kind === "empty") return fail(g, EMPTY_BODY);
  const parsed = parseRulePatch(body.value);
  if (!parsed.ok) return fail(g, parsed.error);
  if (isGraphReadOnly(rule.value)) return fail(g, READ_ONLY);

  const next = applyRulePatch(rule.value, parsed.patch);
  if (referencedFolders(next).some((id) => !mailbox.folders.some((f) => f.id === id))) {
    return fail(g, GraphErrors.itemNotFound()); // [I] a move/copy target that is not a folder of this mailbox
  }
  if (!sameRule(rule.value, next)) {
    // Replaced in place; Outlook client-side rules (outlookClientRules) are untouched by Graph.
    const previous = rule.value;
    visibleLater(g, mailbox, () => {
      const i = mailbox.rules.indexOf(previous);
      if (i >= 0) mailbox.rules[i] = next;
    });
    g.c.set("write", true);
  }
  return graphJson(g.c, 200, { "@odata.context": `${collectionUrl(g, user)}/$entity`, ...renderRule(next) });
}

export function deleteRule(g: GraphCall): Response {
  const t = resolveInbox(g);
  if (!t.ok) return t.response;
  const { mailbox } = t.value;
  const rule = resolveRule(g, mailbox);
  if (!rule.ok) return rule.response;
  if (isGraphReadOnly(rule.value)) return fail(g, READ_ONLY);
  const target = rule.value;
  visibleLater(g, mailbox, () => {
    const i = mailbox.rules.indexOf(target);
    if (i >= 0) mailbox.rules.splice(i, 1);
  });
  g.c.set("write", true);
  return graphNoContent(g.c);
}

/** A rule change, visible to reads at once or (eventual consistency on) after the configured delay. */
function visibleLater(g: GraphCall, mailbox: MailboxState, apply: () => void): void {
  const v = g.ctx.visibility;
  if (v) v.defer(`rules:${mailbox.userId}`, apply, v.delayFor("rule"));
  else apply();
}

const REQUIRED_ON_CREATE = ["displayName", "sequence", "actions"] as const;

/** `POST …/messageRules` → 201 with the rule; displayName, sequence and actions are required [D A2]. */
export async function createRule(g: GraphCall): Promise<Response> {
  const t = resolveInbox(g);
  if (!t.ok) return t.response;
  const { mailbox, user } = t.value;
  const body = await readJsonBody(g.c);
  if (body.kind === "invalid") return fail(g, GraphErrors.unreadableBody());
  if (body.kind === "empty") return fail(g, EMPTY_BODY);
  const parsed = parseRulePatch(body.value);
  if (!parsed.ok) return fail(g, parsed.error);
  const p = parsed.patch;
  const missing = REQUIRED_ON_CREATE.find((k) => p[k] === undefined || p[k] === null);
  if (missing) {
    // [I] wording; the required members are documented.
    return fail(g, [
      400,
      "ErrorInvalidRequest",
      `The '${missing}' property is required to create a message rule.`,
    ]);
  }
  const blank: InboxRuleState = {
    ruleIdentity: g.ctx.ids.ruleIdentity(),
    graphId: g.ctx.ids.graphRuleId(),
    name: "",
    priority: 0,
    enabled: true,
    hidden: false,
    inError: false,
    conditions: {},
    actions: {},
    createdBy: "graph",
  };
  const rule = applyRulePatch(blank, p);
  if (referencedFolders(rule).some((id) => !mailbox.folders.some((f) => f.id === id))) {
    return fail(g, GraphErrors.itemNotFound());
  }
  visibleLater(g, mailbox, () => mailbox.rules.push(rule));
  g.c.set("write", true);
  return graphJson(g.c, 201, { "@odata.context": `${collectionUrl(g, user)}/$entity`, ...renderRule(rule) });
}
