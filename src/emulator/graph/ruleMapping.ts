/**
 * The correspondence between Graph's messageRulePredicates/messageRuleActions (apis.md A2 [D]) and the canonical,
 * Exchange-shaped rule (state.ts). One table per value kind, used in both directions: rendering the Graph view
 * and storing a Graph PATCH. A canonical member with no Graph counterpart (ReceivedAfterDate, PinMessage…) makes
 * the rule read-only for Graph (graph-docs #3336 [T]).
 */
import type { RecipientRef, RuleActions, RuleConditions } from "../state.js";

export interface GraphRecipient {
  emailAddress: { name: string; address: string };
}

type Bag = Record<string, unknown>;

const CONDITION_WORDS = [
  ["subjectContains", "subjectContainsWords"],
  ["bodyContains", "bodyContainsWords"],
  ["bodyOrSubjectContains", "subjectOrBodyContainsWords"],
  ["senderContains", "fromAddressContainsWords"],
  ["headerContains", "headerContainsWords"],
  ["recipientContains", "recipientAddressContainsWords"],
] as const satisfies ReadonlyArray<readonly [string, keyof RuleConditions]>;

const CONDITION_RECIPIENTS = [
  ["fromAddresses", "from"],
  ["sentToAddresses", "sentTo"],
] as const satisfies ReadonlyArray<readonly [string, keyof RuleConditions]>;

const CONDITION_FLAGS = [
  ["hasAttachments", "hasAttachment"],
  ["sentOnlyToMe", "sentOnlyToMe"],
  ["sentToMe", "myNameInToBox"],
  ["sentCcMe", "myNameInCcBox"],
  ["sentToOrCcMe", "myNameInToOrCcBox"],
  ["notSentToMe", "myNameNotInToBox"],
] as const satisfies ReadonlyArray<readonly [string, keyof RuleConditions]>;

const CONDITION_ENUMS = [
  ["importance", "withImportance"],
  ["sensitivity", "withSensitivity"],
  ["messageActionFlag", "flaggedForAction"],
] as const satisfies ReadonlyArray<readonly [string, keyof RuleConditions]>;

/** Graph boolean predicates that are one value of Exchange's MessageTypeMatches. */
const MESSAGE_TYPES = [
  ["isAutomaticReply", "AutomaticReply"],
  ["isAutomaticForward", "AutomaticForward"],
  ["isEncrypted", "Encrypted"],
  ["isMeetingRequest", "Calendaring"],
  ["isMeetingResponse", "CalendaringResponse"],
  ["isPermissionControlled", "PermissionControlled"],
  ["isVoicemail", "Voicemail"],
  ["isSigned", "Signed"],
  ["isApprovalRequest", "ApprovalRequest"],
  ["isReadReceipt", "ReadReceipt"],
  ["isNonDeliveryReport", "NonDeliveryReport"],
] as const;

const ACTION_RECIPIENTS = [
  ["forwardTo", "forwardTo"],
  ["redirectTo", "redirectTo"],
  ["forwardAsAttachmentTo", "forwardAsAttachmentTo"],
] as const satisfies ReadonlyArray<readonly [string, keyof RuleActions]>;

const ACTION_FLAGS = [
  ["delete", "deleteMessage"],
  ["permanentDelete", "permanentDelete"],
  ["markAsRead", "markAsRead"],
  ["stopProcessingRules", "stopProcessingRules"],
] as const satisfies ReadonlyArray<readonly [string, keyof RuleActions]>;

const ACTION_VALUES = [
  ["moveToFolder", "moveToFolder"],
  ["copyToFolder", "copyToFolder"],
  ["markImportance", "markImportance"],
  ["assignCategories", "assignCategories"],
] as const satisfies ReadonlyArray<readonly [string, keyof RuleActions]>;

export const GRAPH_PREDICATE_WORD_LISTS = [...CONDITION_WORDS.map(([g]) => g), "categories"] as const;
export const GRAPH_PREDICATE_RECIPIENT_LISTS = CONDITION_RECIPIENTS.map(([g]) => g);
export const GRAPH_PREDICATE_FLAGS = [...CONDITION_FLAGS.map(([g]) => g), ...MESSAGE_TYPES.map(([g]) => g)];
export const GRAPH_ACTION_RECIPIENT_LISTS = ACTION_RECIPIENTS.map(([g]) => g);
export const GRAPH_ACTION_FLAGS = ACTION_FLAGS.map(([g]) => g);

/** A member carries information (Graph and Exchange omit default members: false, empty, null). */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0);
}

const CONDITION_KEYS_GRAPH_CAN_EXPRESS = new Set<string>([
  ...CONDITION_WORDS.map(([, c]) => c),
  ...CONDITION_RECIPIENTS.map(([, c]) => c),
  ...CONDITION_FLAGS.map(([, c]) => c),
  ...CONDITION_ENUMS.map(([, c]) => c),
  "messageTypeMatches",
  "withinSizeRangeMinimumKb",
  "withinSizeRangeMaximumKb",
]);
const ACTION_KEYS_GRAPH_CAN_EXPRESS = new Set<string>([
  ...ACTION_RECIPIENTS.map(([, c]) => c),
  ...ACTION_FLAGS.map(([, c]) => c),
  ...ACTION_VALUES.map(([, c]) => c),
]);

export function conditionsExpressible(c: RuleConditions | undefined): boolean {
  if (!c) return true;
  return Object.entries(c).every(([k, v]) => {
    if (!isSet(v)) return true;
    if (!CONDITION_KEYS_GRAPH_CAN_EXPRESS.has(k)) return false;
    return k !== "messageTypeMatches" || (v as string[]).every((t) => MESSAGE_TYPES.some(([, x]) => x === t));
  });
}

export function actionsExpressible(a: RuleActions): boolean {
  return Object.entries(a).every(([k, v]) => !isSet(v) || ACTION_KEYS_GRAPH_CAN_EXPRESS.has(k));
}

function toGraphRecipient(r: RecipientRef): GraphRecipient {
  return { emailAddress: { name: r.name ?? r.address, address: r.address } };
}

function fromGraphRecipient(r: {
  emailAddress: { address: string; name?: string | undefined };
}): RecipientRef {
  const { address, name } = r.emailAddress;
  return name !== undefined && name !== "" ? { address, name } : { address };
}

/** Canonical conditions → Graph predicates (only non-default members). Call only when expressible. */
export function predicatesToGraph(c: RuleConditions): Bag {
  const src = c as Bag;
  const out: Bag = {};
  for (const [g, k] of CONDITION_WORDS) if (isSet(src[k])) out[g] = src[k];
  for (const [g, k] of CONDITION_RECIPIENTS)
    if (isSet(src[k])) out[g] = (src[k] as RecipientRef[]).map(toGraphRecipient);
  for (const [g, k] of CONDITION_FLAGS) if (isSet(src[k])) out[g] = true;
  for (const [g, t] of MESSAGE_TYPES) if (c.messageTypeMatches?.includes(t)) out[g] = true;
  for (const [g, k] of CONDITION_ENUMS) if (isSet(src[k])) out[g] = src[k];
  if (isSet(c.withinSizeRangeMinimumKb) || isSet(c.withinSizeRangeMaximumKb)) {
    out["withinSizeRange"] = {
      minimumSize: c.withinSizeRangeMinimumKb ?? 0,
      maximumSize: c.withinSizeRangeMaximumKb ?? 0,
    };
  }
  return out;
}

export function actionsToGraph(a: RuleActions): Bag {
  const src = a as Bag;
  const out: Bag = {};
  for (const [g, k] of ACTION_RECIPIENTS)
    if (isSet(src[k])) out[g] = (src[k] as RecipientRef[]).map(toGraphRecipient);
  for (const [g, k] of ACTION_FLAGS) if (isSet(src[k])) out[g] = true;
  for (const [g, k] of ACTION_VALUES) if (isSet(src[k])) out[g] = src[k];
  return out;
}

type GraphRecipientInput = { emailAddress: { address: string; name?: string | undefined } };

/** Graph predicates (validated) → canonical conditions. `categories` has no Exchange counterpart: not accepted. */
export function predicatesFromGraph(p: Bag): RuleConditions {
  const out: Bag = {};
  for (const [g, k] of CONDITION_WORDS) if (isSet(p[g])) out[k] = p[g];
  for (const [g, k] of CONDITION_RECIPIENTS) {
    if (isSet(p[g])) out[k] = (p[g] as GraphRecipientInput[]).map(fromGraphRecipient);
  }
  for (const [g, k] of CONDITION_FLAGS) if (p[g] === true) out[k] = true;
  const types = MESSAGE_TYPES.filter(([g]) => p[g] === true).map(([, t]) => t);
  if (types.length > 0) out["messageTypeMatches"] = types;
  for (const [g, k] of CONDITION_ENUMS) if (isSet(p[g])) out[k] = p[g];
  const range = p["withinSizeRange"] as
    { minimumSize?: number | null; maximumSize?: number | null } | null | undefined;
  if (range) {
    if (isSet(range.minimumSize)) out["withinSizeRangeMinimumKb"] = range.minimumSize;
    if (isSet(range.maximumSize)) out["withinSizeRangeMaximumKb"] = range.maximumSize;
  }
  return out;
}

export function actionsFromGraph(a: Bag): RuleActions {
  const out: Bag = {};
  for (const [g, k] of ACTION_RECIPIENTS) {
    if (isSet(a[g])) out[k] = (a[g] as GraphRecipientInput[]).map(fromGraphRecipient);
  }
  for (const [g, k] of ACTION_FLAGS) if (a[g] === true) out[k] = true;
  for (const [g, k] of ACTION_VALUES) if (isSet(a[g])) out[k] = a[g];
  return out;
}
