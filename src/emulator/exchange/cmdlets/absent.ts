/** Removing a permission that is not there: a warning (default) or an error, per the face's switch [I]. */
import type { CmdletResult } from "../binding.js";
import { taskError } from "../errors.js";
import type { ExchangeFaceOptions } from "../options.js";

export function absentRemoval(options: Readonly<ExchangeFaceOptions>, text: string): CmdletResult {
  if (options.absentPermissionRemoval === "error")
    return { ok: false, failure: taskError("System.InvalidOperationException", text) };
  return { ok: true, value: [], write: false, warnings: [text] };
}
