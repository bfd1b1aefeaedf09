/**
 * -ResultSize / -SkipCount for Get- cmdlets. When more objects exist than ResultSize allows, the REST response
 * carries a warning naming the ResultSize parameter (apis.md B5 [T]); the wording is Exchange's familiar one [I].
 */
import type { BoundParams, CmdletResult } from "../binding.js";
import type { RestObject } from "../json.js";

export function pageResults(all: RestObject[], params: BoundParams, defaultSize: number): CmdletResult {
  const skip = typeof params["SkipCount"] === "number" ? params["SkipCount"] : 0;
  const size = params["ResultSize"] === undefined ? defaultSize : params["ResultSize"];
  const rest = all.slice(skip);
  if (typeof size !== "number" || rest.length <= size)
    return { ok: true, value: rest, write: false, warnings: [] };
  const warning =
    size === defaultSize
      ? `By default, only the first ${defaultSize} items are returned. Use the ResultSize parameter to specify the number of items returned. To return all items, specify "-ResultSize Unlimited". Be aware that, depending on the actual number of items, returning all items can take a long time and consume a large amount of memory. Also, we don't recommend storing the results in a variable. Instead, pipe the results to another task or script to perform batch changes.`
      : `There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.`;
  return { ok: true, value: rest.slice(0, size), write: false, warnings: [warning] };
}
