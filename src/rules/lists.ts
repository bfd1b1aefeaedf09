import lists from "./lists.json" with { type: "json" };

export interface DetectionLists {
  /** Folder leaf names (lower-case, English and localised, with and without accents) an attacker hides mail in. */
  hidingFolders: string[];
  strongHidingFolders: string[];
  /** The Junk Email folder's leaf names: the one folder a system rule (the Junk E-mail rule) moves mail to. */
  junkFolders: string[];
  keywords: { finance: string[]; security: string[] };
  /** Sender words of the mail an attacker hides (Microsoft's and IT's notices). */
  securitySenders: string[];
  systemRuleNames: string[];
  systemRulePrefixes: string[];
  /** Lower-case prefixes of actor ids that are Exchange's own service accounts (A16 noise). */
  systemActorPrefixes: string[];
  /** ClientInfoString terms of records Exchange itself originated: their ClientIP is a service front end (C4). */
  serviceClientInfoTerms: string[];
  /** User-agent terms of scripts and HTTP libraries (B3). */
  unusualUserAgents: string[];
  /** Entra ClientAppUsed values of legacy (basic-auth) protocols (B3), lower-case. */
  legacyClientApps: string[];
}

export const detectionLists: DetectionLists = lists;

/** The lists the hunting queries receive as `let` parameters, by parameter name (one source of truth). */
export function huntingLists(): Record<string, readonly string[]> {
  const l = detectionLists;
  return {
    hidingFolders: l.hidingFolders,
    strongHidingFolders: l.strongHidingFolders,
    junkFolders: l.junkFolders,
    financeKeywords: l.keywords.finance,
    securityKeywords: l.keywords.security,
    securitySenders: l.securitySenders,
    systemRuleNames: l.systemRuleNames,
    systemRulePrefixes: l.systemRulePrefixes,
    systemActorPrefixes: l.systemActorPrefixes,
    serviceClientInfoTerms: l.serviceClientInfoTerms,
    unusualUserAgents: l.unusualUserAgents,
    legacyClientApps: l.legacyClientApps,
  };
}

/**
 * Whether a name is one Exchange gives its own rules (Junk E-mail, OOF, Delegate Rule). A name never makes a rule
 * a system rule (rules/system.ts decides by what the rule is); it only tells that a rule that is not one wears a
 * system rule's name.
 */
export function isSystemRuleName(name: string): boolean {
  const n = name.trim().toLowerCase();
  return (
    detectionLists.systemRuleNames.includes(n) ||
    detectionLists.systemRulePrefixes.some((p) => n.startsWith(p))
  );
}
