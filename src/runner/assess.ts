/**
 * A playbook's `assess`: declarative scoring over the case's facts (hits and gathered context). Each rule whose
 * condition holds adds its points and its reason; the sum is kept within 0..100 and banded by the thresholds.
 */
import { holds } from "../engine/predicate.js";
import type { Playbook } from "../playbooks/schema.js";

export interface AssessResult {
  score: number;
  severity: "low" | "medium" | "high";
  reasons: string[];
}

export function assess(spec: NonNullable<Playbook["assess"]>, facts: unknown): AssessResult {
  let score = 0;
  const reasons: string[] = [];
  for (const r of spec.rules)
    if (holds(r.when, facts)) {
      score += r.add;
      reasons.push(`${r.reason} (${r.add >= 0 ? "+" : ""}${r.add})`);
    }
  score = Math.max(0, Math.min(100, score));
  const severity = score >= spec.severity.high ? "high" : score >= spec.severity.medium ? "medium" : "low";
  return { score, severity, reasons };
}
