import lists from "./lists.json" with { type: "json" };

export interface DetectionLists {
  hidingFolders: string[];
  strongHidingFolders: string[];
  keywords: { finance: string[]; security: string[] };
  /** Sender words of the mail an attacker hides (Microsoft's and IT's notices). */
  securitySenders: string[];
  systemRuleNames: string[];
  systemRulePrefixes: string[];
}

export const detectionLists: DetectionLists = lists;

/** System rules that a responder must never touch (Junk E-mail, OOF, Delegate Rule). */
export function isSystemRuleName(name: string): boolean {
  const n = name.trim().toLowerCase();
  return (
    detectionLists.systemRuleNames.includes(n) ||
    detectionLists.systemRulePrefixes.some((p) => n.startsWith(p))
  );
}
