/**
 * Matching a fault rule's `match` against a request: `METHOD /path/{param}/…` templates (case-insensitive
 * literals, `{x}` = one segment, a final `*` = any rest) or, for the Exchange face, a cmdlet name.
 */
import type { FaultRule } from "./config.js";

/** What a face tells the fault engine about a request. */
export interface RequestDescriptor {
  face: FaultRule["face"];
  method: string;
  /** Decoded path segments (Graph: without the version segment). */
  segments: string[];
  /** Exchange: the cmdlet name from the InvokeCommand body. */
  cmdlet?: string;
}

function templateMatches(template: string, segments: readonly string[]): boolean {
  const parts = template.split("/").filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? "";
    if (p === "*" && i === parts.length - 1) return true;
    const s = segments[i];
    if (s === undefined) return false;
    if (/^\{[^}]*\}$/.test(p)) continue;
    if (p.toLowerCase() !== s.replace(/^microsoft\.graph\./i, "").toLowerCase()) return false;
  }
  return parts.length === segments.length;
}

export function ruleMatches(rule: FaultRule, req: RequestDescriptor): boolean {
  if (rule.face !== req.face) return false;
  if (rule.match === "*") return true;
  if (req.face === "exchange") return req.cmdlet?.toLowerCase() === rule.match.toLowerCase();
  const m = /^(?:(\w+)\s+)?(\/\S*)$/.exec(rule.match.trim());
  if (!m?.[2]) return false;
  if (m[1] && m[1].toUpperCase() !== req.method.toUpperCase()) return false;
  return templateMatches(m[2], req.segments);
}
