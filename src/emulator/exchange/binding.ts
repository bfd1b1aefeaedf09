/**
 * Parameter binding for the InvokeCommand endpoint: `CmdletInput.Parameters` (JSON) → typed values, the way the
 * cmdlet's parameter binder would accept or refuse them. Names are case-insensitive like PowerShell's; a name the
 * cmdlet does not have, a value of the wrong type, or a missing mandatory parameter fails binding (400).
 */
import type { EmulatorContext } from "../context.js";
import { parameterInvalid, parameterMissing, parameterNotFound, type CmdletFailure } from "./errors.js";
import type { RestObject } from "./json.js";
import type { ExchangeFaceOptions } from "./options.js";

/**
 * - Identity: a string (a number is taken as its digits); `null` binds as "not given" on Get- cmdlets.
 * - Switch / Bool: JSON booleans only.
 * - NullableBool: a JSON boolean or null (a `[Nullable[bool]]` parameter such as Set-CASMailbox
 *   -SmtpClientAuthenticationDisabled, where `$null` means "follow the organisation").
 * - StringOrNull: a string or null.
 * - ResultSize: "Unlimited" (bound as null) or a positive integer.
 * - SkipCount: a non-negative integer.
 * - Accepted: any scalar; the emulator accepts the parameter and does not act on it.
 * - StringList: a string (one element, as PowerShell converts a scalar to an array) or an array of strings.
 * - MultiValued: a MultiValuedProperty parameter (Set-Mailbox -GrantSendOnBehalfTo): null (clear), a string or an
 *   array of strings (overwrite), or the edit hashtable `{"@odata.type":"#Exchange.GenericHashTable","Add":…,
 *   "Remove":…}` (apis.md B5 [T]); bound as `{ add, remove }`.
 * - a list of names: an enum parameter; a string naming one of them, case-insensitively, bound as the canonical name.
 */
export type ServerParamType =
  | "Identity"
  | "Switch"
  | "Bool"
  | "NullableBool"
  | "StringOrNull"
  | "ResultSize"
  | "SkipCount"
  | "Accepted"
  | "StringList"
  | "MultiValued"
  | readonly string[];

/** A bound `@{Add=…; Remove=…}` edit of a multi-valued property. */
export interface MultiValuedEdit {
  add: string[];
  remove: string[];
}

export type BoundValue = string | number | boolean | null | string[] | MultiValuedEdit;
export type BoundParams = Readonly<Record<string, BoundValue>>;

export type CmdletResult =
  | { ok: true; value: RestObject[]; write: boolean; warnings: string[] }
  | { ok: false; failure: CmdletFailure };

/** Who runs the cmdlet (app-only callers have no mailbox of their own) and the face's switches. */
export interface Caller {
  appId: string;
  options: Readonly<ExchangeFaceOptions>;
}

export interface ServerCmdlet {
  name: string;
  parameters: Readonly<Record<string, ServerParamType>>;
  mandatory?: readonly string[];
  run(ctx: EmulatorContext, params: BoundParams, caller: Caller): CmdletResult;
}

type Bound = { ok: true; params: BoundParams } | { ok: false; failure: CmdletFailure };

function describe(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

const GENERIC_HASHTABLE = "#Exchange.GenericHashTable";

function stringList(value: unknown): string[] | null {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === "string")) return [...value];
  return null;
}

function bindMultiValued(name: string, value: unknown): BoundValue | CmdletFailure {
  if (value === null) return null;
  const list = stringList(value);
  if (list) return list;
  const wrong = parameterInvalid(
    name,
    `Cannot convert value ${describe(value)} to type "Microsoft.Exchange.Data.MultiValuedProperty\`1[Microsoft.Exchange.Configuration.Tasks.ModernGroupMemberOrMailboxIdParameter]".`,
  );
  if (typeof value !== "object" || Array.isArray(value)) return wrong;
  const table = value as Record<string, unknown>;
  if (table["@odata.type"] !== GENERIC_HASHTABLE) return wrong;
  const edit: MultiValuedEdit = { add: [], remove: [] };
  for (const [key, v] of Object.entries(table)) {
    if (key === "@odata.type") continue;
    const op = key.toLowerCase();
    const items = v === null ? [] : stringList(v);
    if ((op !== "add" && op !== "remove") || items === null) return wrong;
    edit[op].push(...items);
  }
  return edit;
}

function bindValue(name: string, type: ServerParamType, value: unknown): BoundValue | CmdletFailure {
  const wrong = (target: string): CmdletFailure =>
    parameterInvalid(name, `Cannot convert value ${describe(value)} to type "${target}".`);
  if (typeof type !== "string") {
    const hit =
      typeof value === "string" ? type.find((t) => t.toLowerCase() === value.toLowerCase()) : undefined;
    if (hit !== undefined) return hit;
    return parameterInvalid(
      name,
      `Cannot convert value ${describe(value)} to an enumeration value. Specify one of the following enumerator names and try again: ${type.join(", ")}.`,
    );
  }
  switch (type) {
    case "Identity":
      if (value === null || typeof value === "string") return value;
      if (typeof value === "number" && Number.isInteger(value)) return String(value);
      return wrong("System.String");
    case "Switch":
      return typeof value === "boolean" ? value : wrong("System.Management.Automation.SwitchParameter");
    case "Bool":
      return typeof value === "boolean" ? value : wrong("System.Boolean");
    case "NullableBool":
      return value === null || typeof value === "boolean"
        ? value
        : wrong("System.Nullable`1[System.Boolean]");
    case "StringOrNull":
      return value === null || typeof value === "string" ? value : wrong("System.String");
    case "ResultSize": {
      if (typeof value === "string" && value.toLowerCase() === "unlimited") return null;
      const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
      return typeof n === "number" && Number.isSafeInteger(n) && n >= 1
        ? n
        : wrong("Microsoft.Exchange.Data.Unlimited`1[System.UInt32]");
    }
    case "SkipCount":
      return typeof value === "number" && Number.isSafeInteger(value) && value >= 0
        ? value
        : wrong("System.Int32");
    case "Accepted":
      return value === null || ["string", "number", "boolean"].includes(typeof value)
        ? (value as BoundValue)
        : wrong("System.String");
    case "StringList":
      return stringList(value) ?? wrong("System.String[]");
    case "MultiValued":
      return bindMultiValued(name, value);
  }
}

function isFailure(v: BoundValue | CmdletFailure): v is CmdletFailure {
  return v !== null && typeof v === "object" && !Array.isArray(v) && "errorId" in v;
}

export function bindParameters(cmdlet: ServerCmdlet, raw: Readonly<Record<string, unknown>>): Bound {
  const canonical = new Map(Object.keys(cmdlet.parameters).map((n) => [n.toLowerCase(), n]));
  const out: Record<string, BoundValue> = {};
  for (const [given, value] of Object.entries(raw)) {
    const name = canonical.get(given.toLowerCase());
    if (name === undefined) return { ok: false, failure: parameterNotFound(given) };
    if (Object.prototype.hasOwnProperty.call(out, name)) {
      return { ok: false, failure: parameterInvalid(name, "The parameter was specified more than once.") };
    }
    const type = cmdlet.parameters[name] ?? "Accepted";
    const bound = bindValue(name, type, value);
    if (isFailure(bound)) return { ok: false, failure: bound };
    out[name] = bound;
  }
  for (const name of cmdlet.mandatory ?? []) {
    const value = out[name];
    if (value === undefined) return { ok: false, failure: parameterMissing(name) };
    if (value === null || value === "" || (Array.isArray(value) && value.length === 0)) {
      return {
        ok: false,
        failure: parameterInvalid(
          name,
          "The argument is null or empty. Provide an argument that is not null or empty.",
        ),
      };
    }
  }
  return { ok: true, params: out };
}

/** An Identity-typed value that was given and is not null/empty ("" and null mean "all" on Get- cmdlets [D]). */
export function givenIdentity(params: BoundParams, name: string): string | null {
  const v = params[name];
  return typeof v === "string" && v !== "" ? v : null;
}

/** A bound StringList value, or null when the parameter was not given. */
export function givenList(params: BoundParams, name: string): string[] | null {
  const v = params[name];
  return Array.isArray(v) ? v : null;
}
