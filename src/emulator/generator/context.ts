/** What every scenario gets: the tenant being built, the recorder, the people, and a truth builder. */
import type { IdSource, SignInState, TenantState, UserState } from "../state.js";
import type { Person } from "./people.js";
import type { RecordedAudit, Recorder } from "./recorder.js";
import type { Rng } from "./rng.js";
import { DAY, HOUR, auditTime, isoZ } from "./time.js";
import {
  emptyContainment,
  strongestKey,
  USER_TIME_WINDOW_MINUTES,
  type LinkKey,
  type TruthBenign,
  type TruthLink,
  type TruthScenario,
} from "./truth.js";

export interface GenContext {
  rng: Rng;
  rec: Recorder;
  state: TenantState;
  ids: IdSource;
  people: Person[];
  /** The tenant's IT administrator (people[0]). */
  admin: Person;
  startMs: number;
  endMs: number;
  days: number;
  org: string;
  domain: string;
  /** Takes `n` people no other scenario has taken (never the administrator). */
  take(n: number): Person[];
  /** A working-hours time `daysBack` days before the end of the window (clamped into the window). */
  at(daysBack: number, hour?: number): number;
  /** Benign look-alikes recorded by scenarios. */
  benign: TruthBenign[];
}

export function makeAt(rng: Rng, startMs: number, endMs: number) {
  return (daysBack: number, hour?: number): number => {
    const dayStart = Math.floor((endMs - 1) / DAY) * DAY - Math.max(0, daysBack) * DAY;
    const t = Math.max(startMs, dayStart) + (hour ?? rng.int(8, 17)) * HOUR + rng.int(0, 3_599_999);
    return Math.max(startMs, Math.min(t, endMs - 4 * HOUR));
  };
}

function keysFor(
  rec: Recorder,
  a: RecordedAudit,
  s: SignInState,
): { keys: LinkKey[]; sentinel: LinkKey[]; net?: { asn: number; cidr: string } } {
  const keys: LinkKey[] = [];
  const sentinel: LinkKey[] = [];
  const both = (k: LinkKey) => {
    keys.push(k);
    sentinel.push(k);
  };
  const ctx = a.record.AppAccessContext as Record<string, unknown> | undefined;
  if (ctx && ctx.UniqueTokenId === s.uniqueTokenIdentifier) both("token");
  const viaCtx = ctx?.AADSessionId === s.sessionId;
  if (a.record.SessionId === s.sessionId || viaCtx) {
    keys.push("session");
    if (viaCtx || (rec.variants.officeActivitySessionId && a.record.SessionId === s.sessionId))
      sentinel.push("session");
  }
  if (a.ip !== null && a.ip === s.ipAddress) both("ip");
  const na = a.ip ? rec.networkOf(a.ip) : undefined;
  const ns = rec.networkOf(s.ipAddress);
  let net: { asn: number; cidr: string } | undefined;
  if (na && ns && na.asn === ns.asn) {
    both("network");
    net = { asn: na.asn, cidr: na.v4 };
  }
  const dt = a.ms - Date.parse(s.createdDateTime);
  if (a.actorId === s.userId && dt >= 0 && dt <= USER_TIME_WINDOW_MINUTES * 60_000) both("user-time");
  return { keys, sentinel, ...(net ? { net } : {}) };
}

export class ScenarioTruth {
  readonly t: TruthScenario;
  constructor(
    private readonly rec: Recorder,
    name: string,
    description: string,
  ) {
    this.t = {
      name,
      description,
      victims: [],
      attackerSignIns: [],
      actions: [],
      links: [],
      riskDetectionIds: [],
      alertIds: [],
      undone: [],
      containment: emptyContainment(),
    };
  }

  victim(u: UserState): void {
    if (!this.t.victims.some((v) => v.userId === u.id))
      this.t.victims.push({ userId: u.id, userPrincipalName: u.userPrincipalName });
    if (!this.t.containment.revokeSessions.some((v) => v.userId === u.id))
      this.t.containment.revokeSessions.push({ userId: u.id, userPrincipalName: u.userPrincipalName });
  }

  signIn(s: SignInState): void {
    if (this.t.attackerSignIns.some((x) => x.requestId === s.id)) return;
    const net = this.rec.networkOf(s.ipAddress);
    this.t.attackerSignIns.push({
      requestId: s.id,
      sessionId: s.sessionId,
      uniqueTokenId: s.uniqueTokenIdentifier,
      userId: s.userId,
      userPrincipalName: s.userPrincipalName,
      time: s.createdDateTime,
      ip: s.ipAddress,
      asn: net?.asn ?? 0,
      country: s.location?.countryOrRegion ?? "",
      interactive: s.isInteractive,
      riskLevelDuringSignIn: s.riskLevelDuringSignIn,
    });
  }

  /** An attacker action and the sign-ins it really came from; links are computed from what the records carry. */
  action(a: RecordedAudit, from: SignInState[], alsoLinked: SignInState[] = []): void {
    const rec = a.record;
    this.t.actions.push({
      table: "CloudAppEvents",
      reportId: a.reportId,
      auditId: a.id,
      operation: typeof rec.Operation === "string" ? rec.Operation : "",
      userId: a.actorId ?? "",
      userPrincipalName: typeof rec.UserId === "string" ? rec.UserId : "",
      mailboxOwnerUpn: typeof rec.MailboxOwnerUPN === "string" ? rec.MailboxOwnerUPN : null,
      time: `${auditTime(a.ms)}Z`,
      clientIP: a.clientIP,
    });
    for (const s of [...from, ...alsoLinked]) {
      if (from.includes(s)) this.signIn(s);
      const k = keysFor(this.rec, a, s);
      const strongest = strongestKey(k.keys);
      if (!strongest) continue;
      const link: TruthLink = {
        auditId: a.id,
        signInRequestId: s.id,
        keys: k.keys,
        strongest,
        sentinelKeys: k.sentinel,
        ...(k.net ? { network: k.net } : {}),
      };
      this.t.links.push(link);
    }
  }
}

export function benignTruth(kind: string, description: string, u: UserState): TruthBenign {
  return {
    kind,
    description,
    userId: u.id,
    userPrincipalName: u.userPrincipalName,
    ruleIdentities: [],
    auditIds: [],
    signInRequestIds: [],
    trustees: [],
  };
}

export { isoZ };
