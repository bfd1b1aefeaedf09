/**
 * Was this action's IP address Microsoft's own rather than the actor's? Decided from the record's context, never from
 * the address's network: attackers rent Azure VMs, so an address Microsoft announces is still a candidate attacker
 * address. A service-originated IP must never form an IP link (issue §5, formats.md §2.5 and §5.3 caveat 4).
 */
import { addressObject, parseAddress } from "./ip.js";

/** The fields of an audit record (AuditData / RawEventData / OfficeActivity row) that say who really acted. */
export interface ServiceContext {
  /** ClientIP / ClientIPAddress as logged (any spelling). */
  ip?: unknown;
  userId?: string | null;
  /** UserType enum number (AuditData) or name (OfficeActivity: `Regular`, `Admin`, `DcAdmin`, `System` …). */
  userType?: number | string | null;
  clientInfoString?: string | null;
  actorInfoString?: string | null;
  /** ExternalAccess: boolean in AuditData, `"TRUE"`/`"FALSE"` in OfficeActivity exports. */
  externalAccess?: boolean | string | null;
  /** Mailbox LogonType / InternalLogonType: enum number or name (Sentinel `Logon_Type`). */
  logonType?: number | string | null;
  internalLogonType?: number | string | null;
}

export interface ServiceOrigin {
  serviceOriginated: boolean;
  reason: string;
}

// UserType 3 DcAdmin (Microsoft datacenter operator), 4 System, 7 CustomPolicy, 8 SystemPolicy. Not 2 (Admin): OWA
// writes UserType 2 for ordinary users creating rules (formats.md §2.5.1), so it says nothing about the IP.
const SERVICE_USER_TYPES = new Map<string, string>([
  ["3", "DcAdmin"],
  ["4", "System"],
  ["7", "CustomPolicy"],
  ["8", "SystemPolicy"],
  ["dcadmin", "DcAdmin"],
  ["system", "System"],
  ["custompolicy", "CustomPolicy"],
  ["systempolicy", "SystemPolicy"],
]);

// Mailbox LogonType 3 Transport and 4 SystemService: mail flow and Exchange's own assistants, not a client.
const SERVICE_LOGON_TYPES = new Map<string, string>([
  ["3", "Transport"],
  ["4", "SystemService"],
  ["transport", "Transport"],
  ["systemservice", "SystemService"],
]);

// Windows principals only the service itself runs as (formats.md §2.1, §2.5.3, §2.5.5; realdata: S-1-5-18 + ::1).
const SYSTEM_PRINCIPAL = /^(?:NT AUTHORITY\\|NT SERVICE\\|S-1-5-(?:18|19|20)$)/i;

// Client strings of Exchange's own background callers. `Client=OWA;Action=ViaProxy` is deliberately absent: it is a
// user's browser session (and an AiTM marker in MAS), so its IP is the client's.
const SERVICE_CLIENTS: readonly [RegExp, string][] = [
  [/Client=RESTSystem/i, "Client=RESTSystem (Exchange background REST caller)"],
  [/Action=ConfigureGroupMailbox/i, "Action=ConfigureGroupMailbox (group mailbox provisioning service)"],
];

export function isServiceOriginated(ctx: ServiceContext): ServiceOrigin {
  const yes = (reason: string): ServiceOrigin => ({ serviceOriginated: true, reason });

  const parsed = parseAddress(ctx.ip);
  if (!parsed.ok && parsed.reason === "empty")
    return yes("no client IP recorded (service or background process)");
  if (!parsed.ok && /\("localhost"\)/i.test(parsed.reason))
    return yes("client is localhost (inside the service)");
  if (parsed.ok) {
    const range = addressObject(parsed).range();
    if (range === "loopback") return yes(`loopback address ${parsed.ip} (generated inside the service)`);
    if (range === "unspecified") return yes(`unspecified address ${parsed.ip}`);
  }

  const user = (ctx.userId ?? "").trim();
  if (SYSTEM_PRINCIPAL.test(user)) return yes(`system principal "${user}"`);

  const userType = SERVICE_USER_TYPES.get(key(ctx.userType));
  if (userType) return yes(`UserType ${userType} (Microsoft/system actor)`);

  for (const logon of [ctx.logonType, ctx.internalLogonType]) {
    const name = SERVICE_LOGON_TYPES.get(key(logon));
    if (name) return yes(`mailbox LogonType ${name} (Exchange itself, not a client)`);
  }

  // ExternalAccess true: "Microsoft datacenter administrator or delegated administrator" (Management API schema).
  if (ctx.externalAccess === true || key(ctx.externalAccess) === "true") {
    return yes("ExternalAccess true (Microsoft datacenter or delegated admin access)");
  }

  for (const info of [ctx.clientInfoString, ctx.actorInfoString]) {
    if (!info) continue;
    for (const [re, why] of SERVICE_CLIENTS) if (re.test(info)) return yes(why);
  }

  if (!parsed.ok) return { serviceOriginated: false, reason: `client IP unusable: ${parsed.reason}` };
  return { serviceOriginated: false, reason: "user session context: the IP is the client's" };
}

/** Reads the context fields from an AuditData / RawEventData object or an OfficeActivity row. */
export function serviceContextOf(record: Record<string, unknown>): ServiceContext {
  const str = (...names: string[]): string | null => {
    for (const n of names) {
      const v = record[n];
      if (typeof v === "string" && v.trim() !== "") return v;
    }
    return null;
  };
  const scalar = (...names: string[]): number | string | null => {
    for (const n of names) {
      const v = record[n];
      if (typeof v === "number" || (typeof v === "string" && v.trim() !== "")) return v;
    }
    return null;
  };
  const external = record.ExternalAccess;
  return {
    // Mailbox events carry the client in ClientIPAddress; ClientIP may then be a front end.
    ip: str("ClientIPAddress", "ClientIP", "ActorIpAddress"),
    userId: str("UserId"),
    userType: scalar("UserType"),
    clientInfoString: str("ClientInfoString"),
    actorInfoString: str("ActorInfoString"),
    externalAccess: typeof external === "boolean" || typeof external === "string" ? external : null,
    logonType: scalar("LogonType", "Logon_Type"),
    internalLogonType: scalar("InternalLogonType"),
  };
}

function key(v: unknown): string {
  return typeof v === "number" || typeof v === "string" ? String(v).trim().toLowerCase() : "";
}
