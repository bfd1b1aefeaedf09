/**
 * The allow-list check applied before anything runs: in the runner (before a request is written), in the pwsh
 * stand-in, and (as the same rules in PowerShell) in scripts/exo-bridge.ps1.
 */
import { EXO_CMDLETS, isExoCmdlet, type ExoCmdlet, type ParameterKind } from "./allowlist.js";
import type { BridgeError, InvokeParams, ParameterValue } from "./protocol.js";

export type Checked =
  { ok: true; cmdlet: ExoCmdlet; params: InvokeParams } | { ok: false; error: BridgeError };

const WILDCARD = /[*?]/;
const WORD = /^[A-Za-z]{1,64}$/;

const isWord = (value: unknown): value is string => typeof value === "string" && WORD.test(value);

function isIdentityArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => isIdentity(v as ParameterValue));
}

/** `{add?, remove?}` with only those keys, each an array of identities, at least one entry in all. */
function isListEdit(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (entries.length === 0) return false;
  let count = 0;
  for (const [key, list] of entries) {
    if ((key !== "add" && key !== "remove") || !isIdentityArray(list)) return false;
    count += list.length;
  }
  return count > 0;
}

function refuse(message: string): { ok: false; error: BridgeError } {
  return { ok: false, error: { category: "InvalidParameter", type: "System.ArgumentException", message } };
}

function isIdentity(value: ParameterValue | undefined): value is string {
  return typeof value === "string" && value.trim().length > 0 && !WILDCARD.test(value);
}

function checkValue(name: string, kind: ParameterKind, value: ParameterValue | undefined): string | null {
  switch (kind) {
    case "Identity":
      return isIdentity(value) ? null : `Parameter '${name}' must be a non-empty string without wildcards.`;
    case "IdentityOrNull":
      return value === null || isIdentity(value)
        ? null
        : `Parameter '${name}' must be a non-empty string without wildcards.`;
    case "StringOrNull":
      return value === null || typeof value === "string"
        ? null
        : `Parameter '${name}' must be null or a string.`;
    case "Switch":
    case "Bool":
      return typeof value === "boolean" ? null : `Parameter '${name}' must be a boolean.`;
    case "BoolOrNull":
      return value === null || typeof value === "boolean"
        ? null
        : `Parameter '${name}' must be null or a boolean.`;
    case "ResultSize":
      return value === "Unlimited" || (typeof value === "number" && Number.isSafeInteger(value) && value >= 1)
        ? null
        : `Parameter '${name}' must be 'Unlimited' or a positive integer.`;
    case "Word":
      return isWord(value) ? null : `Parameter '${name}' must be a single word.`;
    case "WordList":
      return Array.isArray(value) && value.length > 0 && value.every(isWord)
        ? null
        : `Parameter '${name}' must be a non-empty list of words.`;
    case "IdentityListEdit":
      return value === null || (isIdentityArray(value) && value.length > 0) || isListEdit(value)
        ? null
        : `Parameter '${name}' must be null, a non-empty list of identities, or {"add":[...],"remove":[...]}.`;
  }
}

/** Checks a cmdlet name and its parameters against the allow-list. Names are compared case-sensitively. */
export function checkInvocation(
  cmdlet: string,
  params: Readonly<Record<string, unknown>> | undefined,
): Checked {
  if (!isExoCmdlet(cmdlet)) {
    return {
      ok: false,
      error: {
        category: "Unsupported",
        type: "System.NotSupportedException",
        message: "The cmdlet is not on the bridge allow-list.",
      },
    };
  }
  const spec: Readonly<Record<string, ParameterKind>> = EXO_CMDLETS[cmdlet].parameters;
  const out: InvokeParams = {};
  for (const [name, raw] of Object.entries(params ?? {})) {
    const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
    if (kind === undefined) return refuse(`Parameter '${name}' is not allowed for ${cmdlet}.`);
    const value = raw as ParameterValue | undefined;
    const problem = checkValue(name, kind, value);
    if (problem !== null) return refuse(problem);
    out[name] = value as ParameterValue;
  }
  return { ok: true, cmdlet, params: out };
}
