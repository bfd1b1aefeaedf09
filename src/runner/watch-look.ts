/**
 * The watch's looks: read a contained case's mailbox again for what it contained coming back. `rule`: an enabled
 * rule with the content fingerprint of a contained rule, or forwarding to an address a contained rule or setting
 * forwarded to; `forwarding`: mailbox forwarding set again. Each finding carries the hit that contains it again
 * (built from the case's own hit, so the case's severity and links carry over and the same gates apply).
 * `consent` is a hook: the OAuth-grant actions register its reader (`registerWatchLook`).
 */
import type { ActionContext } from "../actions/types.js";
import { computeHitKey, type Hit } from "../model/hit.js";
import type { NormalRule } from "../rules/normalize.js";
import { scanMailboxes, type JoinedRule } from "../scan/scan.js";

export interface WatchFinding {
  /** `rule-enabled-again`, `rule-recreated`, `rule-forwards-to-contained-address`, `forwarding-set-again`, … */
  what: string;
  /** The case target it is (an existing target key), or the new hit's key. */
  targetKey: string;
  /** The hit to contain again (undefined: report only). */
  hit?: Hit;
  detail?: string;
}

export interface LookInput {
  ctx: ActionContext;
  user: { id: string; upn: string };
  /** The case's hits (its targets), the base of every new hit. */
  hits: Hit[];
  now: Date;
}

export type WatchLook = (i: LookInput) => Promise<WatchFinding[]>;

const looks = new Map<string, WatchLook>();

/** Installs a look (e.g. `consent`); the watch skips, and journals, a look with no reader. */
export function registerWatchLook(name: string, look: WatchLook): void {
  looks.set(name, look);
}
export function watchLook(name: string): WatchLook | undefined {
  return looks.get(name);
}

const addresses = (n: NormalRule): string[] =>
  [...n.forwardTo, ...n.redirectTo, ...n.forwardAsAttachmentTo].flatMap((r) =>
    r.address ? [r.address.toLowerCase()] : [],
  );

const smtp = (v: string | null | undefined) => (v ? v.replace(/^smtp:/i, "").toLowerCase() : undefined);

/** One mailbox read (rules incl. hidden, forwarding), shared by the rule and forwarding looks of one check. */
async function readMailbox(i: LookInput) {
  const r = await scanMailboxes({
    tenantId: i.ctx.tenantId,
    tenantDomains: i.ctx.tenantDomains,
    graph: i.ctx.graph,
    ...(i.ctx.exchange ? { exchange: i.ctx.exchange } : {}),
    users: [i.user.id],
    delegation: false,
    transportRules: false,
    now: () => i.now,
    ...(i.ctx.signal ? { signal: i.ctx.signal } : {}),
  });
  if (r.notScanned.length) throw new Error(`the watch could not read the mailbox: ${r.errors.join("; ")}`);
  return r.mailboxes[0];
}

function again(base: Hit, target: Hit["target"], why: string, now: Date): Hit {
  return {
    ...base,
    target,
    hitKey: computeHitKey(base.tenantId, target),
    action: { operation: "observed" },
    reasons: [{ code: "watch.recurrence", detail: why, weight: 0 }, ...base.reasons],
    detectedBy: "scan",
    detectedAt: now.toISOString(),
  };
}

function ruleFindings(i: LookInput, rules: JoinedRule[], fwdAddresses: Set<string>): WatchFinding[] {
  const ruleHits = i.hits.filter((h) => h.target.kind === "inboxRule");
  const fps = new Set(
    ruleHits.map((h) => (h.target.kind === "inboxRule" ? h.target.contentFingerprint : "")),
  );
  // The addresses the contained rules forwarded to, from their live (disabled) copies.
  const watched = new Set(fwdAddresses);
  for (const r of rules) if (fps.has(r.fingerprint)) addresses(r.normal).forEach((a) => watched.add(a));
  const out: WatchFinding[] = [];
  for (const r of rules) {
    if (!r.enabled || r.system) continue;
    const same = fps.has(r.fingerprint);
    const to = addresses(r.normal).filter((a) => watched.has(a));
    if (!same && !to.length) continue;
    const base =
      ruleHits.find((h) => h.target.kind === "inboxRule" && h.target.contentFingerprint === r.fingerprint) ??
      ruleHits[0] ??
      i.hits[0]!;
    const target = {
      kind: "inboxRule" as const,
      mailboxId: i.user.id,
      upn: i.user.upn,
      ruleName: r.name,
      ...(r.ruleIdentity ? { ruleIdentity: r.ruleIdentity } : {}),
      ...(r.graphRuleId ? { graphRuleId: r.graphRuleId } : {}),
      contentFingerprint: r.fingerprint,
      hidden: r.hidden,
      graphReadOnly: r.graphReadOnly,
    };
    const known = ruleHits.find((h) => computeHitKey(h.tenantId, target) === h.hitKey);
    const what = known
      ? "rule-enabled-again"
      : same
        ? "rule-recreated"
        : "rule-forwards-to-contained-address";
    const why = same
      ? "a rule with the content of a contained rule is enabled again"
      : `a rule forwards to an address a contained rule or forwarding sent mail to (${to.join(", ")})`;
    const hit = again(base, target, why, i.now);
    out.push({ what, targetKey: hit.hitKey, hit, detail: why });
  }
  return out;
}

function forwardingFindings(
  i: LookInput,
  fwd:
    | {
        forwardingSmtpAddress: string | null;
        forwardingAddress: string | null;
        deliverToMailboxAndForward: boolean;
      }
    | undefined,
): WatchFinding[] {
  const base = i.hits.find((h) => h.target.kind === "mailboxForwarding");
  if (!base || !fwd || (!fwd.forwardingSmtpAddress && !fwd.forwardingAddress)) return [];
  const target = { kind: "mailboxForwarding" as const, mailboxId: i.user.id, upn: i.user.upn, ...fwd };
  const why = "mailbox forwarding is set again";
  const hit = again(base, target, why, i.now);
  return [{ what: "forwarding-set-again", targetKey: hit.hitKey, hit, detail: why }];
}

/** The built-in looks; `rule` and `forwarding` share one read of the mailbox. */
export async function builtinLooks(i: LookInput, look: readonly string[]): Promise<WatchFinding[]> {
  const wantRule = look.includes("rule") && i.hits.some((h) => h.target.kind === "inboxRule");
  const wantFwd = look.includes("forwarding") && i.hits.some((h) => h.target.kind === "mailboxForwarding");
  if (!wantRule && !wantFwd) return [];
  const mb = await readMailbox(i);
  if (!mb) return [];
  const fwdAddresses = new Set(
    i.hits.flatMap((h) =>
      h.target.kind === "mailboxForwarding"
        ? [smtp(h.target.forwardingSmtpAddress), smtp(h.target.forwardingAddress)].filter(
            (a): a is string => !!a,
          )
        : [],
    ),
  );
  return [
    ...(wantRule ? ruleFindings(i, mb.rules, fwdAddresses) : []),
    ...(wantFwd ? forwardingFindings(i, mb.forwarding) : []),
  ];
}
