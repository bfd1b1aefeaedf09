/** The hash an approval binds to (src/runner/approvals.ts). */
import { createHash } from "node:crypto";
import stringify from "safe-stable-stringify";
import type { StepState } from "../engine/machine.js";

/** sha256 over what a person approves: the action, its object, the resolved target, the before and after images. */
export function planHash(s: Pick<StepState, "action" | "input" | "plan">): string {
  const body = stringify({
    action: s.action,
    input: s.input,
    target: s.plan?.target ?? null,
    before: s.plan?.before ?? null,
    after: s.plan?.after ?? null,
  });
  return createHash("sha256")
    .update(body ?? "")
    .digest("hex");
}
