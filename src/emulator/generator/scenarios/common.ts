/** Helpers the attack scenarios share. */
import { createHash } from "node:crypto";
import type { MailboxState, MobileDeviceState, RuleActions, RuleConditions, UserState } from "../../state.js";
import type { GenContext, ScenarioTruth } from "../context.js";
import { addRule, auditObjectId, newInboxRuleParameters, type NewRule } from "../mailbox.js";
import { pickV4, type Network } from "../networks.js";
import { UA_CHROME_LINUX, UNKNOWN_DEVICE, type Endpoint, type Person } from "../people.js";
import type { ClientIpForm, RecordedAudit, TokenUse } from "../recorder.js";

export interface ScenarioDef {
  description: string;
  /** People the scenario needs (besides the tenant administrator). */
  people: number;
  minDays: number;
  run(ctx: GenContext, t: ScenarioTruth, actors: Person[]): void;
}

/** External domains the attackers use (reserved `.example` names: never a real mailbox). */
export const DROP_DOMAINS = [
  "mail-archive-secure.example",
  "invoice-portal.example",
  "securemsg-relay.example",
  "docs-share-online.example",
] as const;

export function attackerEndpoint(
  ctx: GenContext,
  net: Network,
  ua = UA_CHROME_LINUX,
  os = "Linux",
): Endpoint {
  const ip = pickV4(net, ctx.rng);
  ctx.rec.noteIp(ip, net);
  return {
    net,
    ip,
    userAgent: ua,
    device: UNKNOWN_DEVICE(ua.includes("Edg/") ? "Edge 125.0.0" : "Chrome 124.0.0", os),
  };
}

export function dropAddress(ctx: GenContext, local: string): string {
  return `${local}@${ctx.rng.pick(DROP_DOMAINS)}`;
}

/** Creates the rule in the mailbox and writes its New-InboxRule audit record. */
export function newInboxRule(
  ctx: GenContext,
  o: {
    actor: UserState;
    owner: Person;
    rule: NewRule;
    ms: number;
    ip: string;
    form: ClientIpForm;
    token?: TokenUse;
    inState?: boolean;
  },
): { audit: RecordedAudit; rule: ReturnType<typeof addRule> | null } {
  const rule = o.inState === false ? null : addRule(ctx.ids, o.owner.mailbox, o.rule);
  const params = newInboxRuleParameters(o.rule);
  if (o.actor.id !== o.owner.user.id) params.push({ Name: "Mailbox", Value: o.owner.user.userPrincipalName });
  const audit = ctx.rec.audit({
    ms: o.ms,
    operation: "New-InboxRule",
    recordType: 1,
    actor: o.actor,
    ip: o.ip,
    form: o.form,
    ...(o.token ? { token: o.token } : {}),
    parameters: params,
    objectId: auditObjectId(ctx.org, o.owner.user, o.rule.name),
    userType: 2,
  });
  return { audit, rule };
}

export function containRule(t: ScenarioTruth, p: Person, rule: ReturnType<typeof addRule> | null): void {
  if (!rule) return;
  t.t.containment.rules.push({
    userId: p.user.id,
    userPrincipalName: p.user.userPrincipalName,
    name: rule.name,
    ruleIdentity: rule.ruleIdentity,
    graphId: rule.graphId,
    hidden: rule.hidden,
  });
}

/** OperationProperties of an Outlook/MAPI rule change (the 2023+ shape, formats.md §2.5.2): no rule name. */
export function mapiRuleProperties(
  operation: "AddMailboxRule" | "RemoveMailboxRule",
  condition: string,
  actions: { ActionType: string; [k: string]: unknown }[],
): { Name: string; Value?: string }[] {
  return [
    { Name: "RuleOperation", Value: operation },
    { Name: "RuleId", Value: "0" },
    { Name: "RuleState", Value: "Enabled, ExitAfterExecution" },
    { Name: "RuleCondition", Value: condition },
    { Name: "RuleName" },
    { Name: "RuleProvider", Value: "RuleOrganizer" },
    { Name: "RuleActions", Value: JSON.stringify(actions) },
  ];
}

export const SECURITY_WORDS = [
  "security",
  "phish",
  "password",
  "unusual sign-in",
  "suspicious",
  "verify your account",
];
export const FINANCE_WORDS = ["invoice", "payment", "wire", "remittance", "bank details"];

export type { RuleActions, RuleConditions };

/** Guid-shaped and device-id-shaped values derived from a seed string: no draw from the rng, so other ids stay put. */
function derived(seed: string): { guid: string; deviceId: string } {
  const h = createHash("sha256").update(seed).digest("hex");
  const g = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return { guid: g, deviceId: h.slice(32, 64).toUpperCase() };
}

/**
 * A mobile device partnership in the victim's mailbox, made at `ms`: the attacker's ActiveSync client synced from
 * the stolen session (`attacker`), or the victim's own phone from long before (`own`). Deterministic, no rng draw.
 */
export function addMobileDevice(
  mailbox: MailboxState,
  kind: "attacker" | "own",
  ms: number,
  seed: string,
): MobileDeviceState {
  const { guid, deviceId } = derived(`${kind}:${seed}`);
  const device: MobileDeviceState =
    kind === "attacker"
      ? {
          guid,
          deviceId,
          deviceType: "Android",
          deviceModel: "SM-G991B",
          deviceOS: "Android 13",
          deviceUserAgent: "Android-Mail/2023.04.02.526637418.Release",
          friendlyName: "",
          clientType: "EAS",
          firstSyncTime: new Date(ms).toISOString(),
          deviceAccessState: "Allowed",
          deviceAccessStateReason: "Global",
        }
      : {
          guid,
          deviceId,
          deviceType: "Outlook",
          deviceModel: "Outlook for iOS and Android",
          deviceOS: "iOS 17.4",
          deviceUserAgent: "Outlook-iOS/2.0",
          friendlyName: "iPhone",
          clientType: "Outlook",
          firstSyncTime: new Date(ms).toISOString(),
          deviceAccessState: "Allowed",
          deviceAccessStateReason: "Global",
        };
  (mailbox.mobileDevices ??= []).push(device);
  return device;
}
