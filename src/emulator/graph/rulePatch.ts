/**
 * Validating and applying `PATCH …/messageRules/{id}` (apis.md A2 [D messagerule-update]): each supplied top-level
 * complex property (conditions, actions, exceptions) replaces the stored one wholesale; unsupplied properties keep
 * their values. Unknown members are rejected the way OData rejects them.
 */
import { z } from "zod";
import type { InboxRuleState } from "../state.js";
import type { GraphErrorSpec } from "./errors.js";
import {
  GRAPH_ACTION_FLAGS,
  GRAPH_ACTION_RECIPIENT_LISTS,
  GRAPH_PREDICATE_FLAGS,
  GRAPH_PREDICATE_RECIPIENT_LISTS,
  GRAPH_PREDICATE_WORD_LISTS,
  actionsFromGraph,
  isSet,
  predicatesFromGraph,
} from "./ruleMapping.js";

const recipient = z.object({
  emailAddress: z.object({
    address: z.string().min(1),
    name: z
      .string()
      .nullable()
      .optional()
      .transform((v) => v ?? undefined),
  }),
});
const recipients = z.array(recipient).nullable().optional();
const strings = z.array(z.string()).nullable().optional();
const flag = z.boolean().nullable().optional();
const importance = z.enum(["low", "normal", "high"]).nullable().optional();

function shape(keys: readonly string[], schema: z.ZodType): Record<string, z.ZodType> {
  return Object.fromEntries(keys.map((k) => [k, schema]));
}

const predicates = z.strictObject({
  ...shape(GRAPH_PREDICATE_WORD_LISTS, strings),
  ...shape(GRAPH_PREDICATE_RECIPIENT_LISTS, recipients),
  ...shape(GRAPH_PREDICATE_FLAGS, flag),
  importance,
  sensitivity: z.enum(["normal", "personal", "private", "confidential"]).nullable().optional(),
  messageActionFlag: z
    .enum([
      "any",
      "call",
      "doNotForward",
      "followUp",
      "fyi",
      "forward",
      "noResponseNecessary",
      "read",
      "reply",
      "replyToAll",
      "review",
    ])
    .nullable()
    .optional(),
  withinSizeRange: z
    .strictObject({
      minimumSize: z.number().int().nonnegative().nullable().optional(),
      maximumSize: z.number().int().nonnegative().nullable().optional(),
    })
    .nullable()
    .optional(),
});

const actions = z.strictObject({
  ...shape(GRAPH_ACTION_RECIPIENT_LISTS, recipients),
  ...shape(GRAPH_ACTION_FLAGS, flag),
  moveToFolder: z.string().min(1).nullable().optional(),
  copyToFolder: z.string().min(1).nullable().optional(),
  markImportance: importance,
  assignCategories: strings,
});

const patchSchema = z.strictObject({
  displayName: z.string().min(1).optional(),
  sequence: z.number().int().min(1).optional(),
  isEnabled: z.boolean().optional(),
  conditions: predicates.nullable().optional(),
  exceptions: predicates.nullable().optional(),
  actions: actions.nullable().optional(),
  // Read-only properties a client may echo back from a GET; ignored.
  id: z.string().optional(),
  hasError: z.boolean().optional(),
  isReadOnly: z.boolean().optional(),
});

export type RulePatch = z.output<typeof patchSchema>;

const TYPE_NAMES: Record<string, string> = {
  conditions: "microsoft.graph.messageRulePredicates",
  exceptions: "microsoft.graph.messageRulePredicates",
  actions: "microsoft.graph.messageRuleActions",
};

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "The request body is invalid.";
  const top = String(issue.path[0] ?? "");
  if (issue.code === "unrecognized_keys") {
    const type =
      issue.path.length === 0
        ? "microsoft.graph.messageRule"
        : (TYPE_NAMES[top] ?? "microsoft.graph.messageRule");
    return `The property '${issue.keys[0] ?? ""}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`;
  }
  return `Invalid value for property '${issue.path.join(".")}': ${issue.message}`;
}

/** Drops OData annotations (`@odata.type`…) a client may send, at every level. */
function stripAnnotations(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripAnnotations);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([k]) => !k.startsWith("@"))
        .map(([k, x]) => [k, stripAnnotations(x)]),
    );
  }
  return v;
}

export function parseRulePatch(
  body: unknown,
): { ok: true; patch: RulePatch } | { ok: false; error: GraphErrorSpec } {
  const result = patchSchema.safeParse(stripAnnotations(body));
  if (!result.success) return { ok: false, error: [400, "RequestBodyRead", describe(result.error)] };
  const p = result.data;
  for (const which of ["conditions", "exceptions"] as const) {
    if (isSet((p[which] as Record<string, unknown> | null | undefined)?.["categories"])) {
      // Exchange inbox rules have no category condition the canonical rule could store.
      return {
        ok: false,
        error: [
          400,
          "ErrorInvalidRequest",
          `The emulated tenant does not model the '${which}.categories' predicate.`,
        ],
      };
    }
  }
  return { ok: true, patch: p };
}

/** The rule after the patch (a new object; the input is not modified). */
export function applyRulePatch(rule: InboxRuleState, patch: RulePatch): InboxRuleState {
  const next: InboxRuleState = { ...rule };
  if (patch.displayName !== undefined) next.name = patch.displayName;
  if (patch.sequence !== undefined) next.priority = patch.sequence;
  if (patch.isEnabled !== undefined) next.enabled = patch.isEnabled;
  if (patch.conditions !== undefined)
    next.conditions = patch.conditions ? predicatesFromGraph(patch.conditions) : {};
  if (patch.actions !== undefined) next.actions = patch.actions ? actionsFromGraph(patch.actions) : {};
  if (patch.exceptions !== undefined) {
    const ex = patch.exceptions ? predicatesFromGraph(patch.exceptions) : {};
    if (Object.keys(ex).length > 0) next.exceptions = ex;
    else delete next.exceptions;
  }
  return next;
}

/** Folder ids a rule's actions point at (to check they exist in the mailbox). */
export function referencedFolders(rule: InboxRuleState): string[] {
  return [rule.actions.moveToFolder, rule.actions.copyToFolder].filter(
    (f): f is string => typeof f === "string",
  );
}

/** Member-wise equality ignoring default members (false, empty, absent) and key order. */
export function sameRule(a: InboxRuleState, b: InboxRuleState): boolean {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === "object") {
      return Object.entries(v as Record<string, unknown>)
        .filter(
          ([, x]) =>
            isSet(x) &&
            !(typeof x === "object" && !Array.isArray(x) && Object.keys(x as object).length === 0),
        )
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([k, x]) => [k, norm(x)]);
    }
    return v;
  };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
