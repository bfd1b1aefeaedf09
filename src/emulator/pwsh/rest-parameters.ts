/**
 * What the v3 module puts in `CmdletInput.Parameters` for the values the script binds (apis.md B5 [T]): -Confirm is
 * handled client-side and not sent; a switch is sent only when set (`true`); a string array stays a JSON array; the
 * `@{Add=…; Remove=…}` hashtable the script builds from `{add, remove}` travels as
 * `{"@odata.type":"#Exchange.GenericHashTable","Add":[…],"Remove":[…]}` (only the keys given).
 */
import { EXO_CMDLETS, type ExoCmdlet } from "../../adapters/exo/allowlist.js";
import type { InvokeParams } from "../../adapters/exo/protocol.js";

export const GENERIC_HASHTABLE = "#Exchange.GenericHashTable";

export function restParameters(cmdlet: ExoCmdlet, params: InvokeParams): Record<string, unknown> {
  const kinds: Readonly<Record<string, string>> = EXO_CMDLETS[cmdlet].parameters;
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    if (name === "Confirm") continue;
    if (kinds[name] === "Switch" && value !== true) continue;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      rest[name] = {
        "@odata.type": GENERIC_HASHTABLE,
        ...(value.add ? { Add: [...value.add] } : {}),
        ...(value.remove ? { Remove: [...value.remove] } : {}),
      };
      continue;
    }
    rest[name] = Array.isArray(value) ? [...value] : value;
  }
  return rest;
}
