/** Sparse REST objects (apis.md B2 [T]): default-valued members (false, null, "", []) are omitted. */
import type { RestObject, RestValue } from "./json.js";

export function put(obj: RestObject, key: string, value: RestValue | undefined): void {
  if (value === undefined || value === null || value === false || value === "") return;
  if (Array.isArray(value) && value.length === 0) return;
  obj[key] = value;
}

export function sparse(entries: Readonly<Record<string, RestValue | undefined>>): RestObject {
  const obj: RestObject = {};
  for (const [key, value] of Object.entries(entries)) put(obj, key, value);
  return obj;
}
