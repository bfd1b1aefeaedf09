/**
 * A playbook's semantic checks, after its structure passed zod: errors stop loading, warnings are said
 * (`playbooks validate`, `doctor`) and loading goes on. Every issue carries a dotted path into the file.
 */
import type { ActionDefinition } from "../actions/types.js";
import { computeHitKey, type Hit, type HitTarget } from "../model/hit.js";
import type { Playbook, Predicate } from "./schema.js";

export interface PlaybookIssue {
  path: string;
  message: string;
  level: "error" | "warning";
}

export type ActionLookup = (id: string) => ActionDefinition<unknown> | undefined;

/** The facts a condition can read (src/runner/facts.ts); a path under another root never holds. */
export const FACT_ROOTS = [
  "severity",
  "score",
  "linkStrength",
  "user",
  "hit",
  "target",
  "context",
  "assess",
] as const;

const SAMPLE_TARGETS: Record<HitTarget["kind"], HitTarget> = {
  inboxRule: {
    kind: "inboxRule",
    mailboxId: "m",
    upn: "u@x.example",
    ruleName: "r",
    contentFingerprint: "0".repeat(64),
    hidden: false,
    graphReadOnly: false,
  },
  mailboxForwarding: {
    kind: "mailboxForwarding",
    mailboxId: "m",
    upn: "u@x.example",
    forwardingSmtpAddress: "smtp:a@y.example",
    forwardingAddress: null,
    deliverToMailboxAndForward: false,
  },
  transportRule: { kind: "transportRule", guid: "g", name: "t", state: "Enabled" },
  delegation: {
    kind: "delegation",
    mailboxId: "m",
    upn: "u@x.example",
    delegationType: "FullAccess",
    trustee: "t@y.example",
    accessRights: ["FullAccess"],
  },
  auditAction: { kind: "auditAction", upn: "u@x.example", category: "other", summary: "s" },
};

/** A minimal hit of a target kind: what an action's inputFromHit is asked about to know the kinds it acts on. */
function sampleHit(kind: HitTarget["kind"]): Hit {
  const target = SAMPLE_TARGETS[kind];
  return {
    schemaVersion: 1,
    hitKey: computeHitKey("t", target),
    tenantId: "t",
    user: { id: "m", upn: "u@x.example" },
    target,
    action: { operation: "observed" },
    links: [],
    severity: "high",
    score: 90,
    reasons: [{ code: "sample", detail: "", weight: 0 }],
    detectedBy: "scan",
    detectedAt: "2026-01-01T00:00:00Z",
  };
}

/** The target kinds an action builds an input from. */
export function kindsOf(a: ActionDefinition<unknown>): HitTarget["kind"][] {
  return (Object.keys(SAMPLE_TARGETS) as HitTarget["kind"][]).filter(
    (k) => a.inputFromHit(sampleHit(k)) !== undefined,
  );
}

/** Every `path` in a predicate, with the dotted location of the predicate node that holds it. */
function pathsOf(p: Predicate, at: string): { at: string; path: string }[] {
  if ("all" in p) return p.all.flatMap((q, i) => pathsOf(q, `${at}.all.${i}`));
  if ("any" in p) return p.any.flatMap((q, i) => pathsOf(q, `${at}.any.${i}`));
  if ("not" in p) return pathsOf(p.not, `${at}.not`);
  return [{ at: `${at}.path`, path: p.path }];
}

export function checkPlaybook(p: Playbook, getAction: ActionLookup): PlaybookIssue[] {
  const issues: PlaybookIssue[] = [];
  const error = (path: string, message: string) => issues.push({ path, message, level: "error" });
  const warn = (path: string, message: string) => issues.push({ path, message, level: "warning" });
  const triggerKinds: HitTarget["kind"][] = [
    ...p.trigger.targets,
    ...(p.trigger.categories ? (["auditAction"] as const) : []),
  ];

  // gather: known, read-only actions; unique ids; a condition sees only what was gathered before it.
  const allGathered = new Set(p.gather.map((g) => g.id));
  const gathered = new Set<string>();
  p.gather.forEach((g, i) => {
    const a = getAction(g.action);
    if (!a) error(`gather.${i}.action`, `unknown action ${g.action}`);
    else if (!a.readOnly)
      error(
        `gather.${i}.action`,
        `${g.action} writes: gather takes read-only actions only (actions list shows them as read-only)`,
      );
    if (gathered.has(g.id)) error(`gather.${i}.id`, `duplicate gather id ${g.id}`);
    if (g.if) checkPaths(g.if, `gather.${i}.if`, { gathered: new Set(gathered), assess: false });
    gathered.add(g.id);
  });

  function checkPaths(pred: Predicate, at: string, sees: { gathered: Set<string>; assess: boolean }): void {
    for (const { at: where, path } of pathsOf(pred, at)) {
      const [root, second] = path.split(".");
      if (root === "context") {
        if (!second) error(where, "context needs a gather id: context.<id>");
        else if (!sees.gathered.has(second))
          error(
            where,
            allGathered.has(second)
              ? `context.${second} is gathered after this condition is evaluated`
              : `no gather step has id ${second} (gather ids: ${[...allGathered].join(", ") || "none"})`,
          );
      } else if (root === "assess") {
        if (!p.assess) error(where, "the playbook has no assess section: assess.* is never set");
        else if (!sees.assess) error(where, "assess.* is not known yet here (assess runs after gather)");
        else if (!["score", "severity", "reasons"].includes(second ?? ""))
          error(where, "assess facts are assess.score, assess.severity and assess.reasons");
      } else if (!(FACT_ROOTS as readonly string[]).includes(root ?? ""))
        warn(where, `${root} is not a fact (${FACT_ROOTS.join(", ")}): the condition never finds it`);
    }
  }

  p.assess?.rules.forEach((r, i) =>
    checkPaths(r.when, `assess.rules.${i}.when`, { gathered, assess: false }),
  );
  if (p.assess && p.assess.severity.medium > p.assess.severity.high)
    error("assess.severity", "medium must not be above high");

  const seen = new Set<string>();
  p.steps.forEach((s, i) => {
    const at = `steps.${i}`;
    if (seen.has(s.id)) error(`${at}.id`, `duplicate step id ${s.id}`);
    seen.add(s.id);
    if (s.onTimeout && !s.timeout) error(`${at}.onTimeout`, "needs a timeout (e.g. timeout: 4h)");
    if (s.if) checkPaths(s.if, `${at}.if`, { gathered, assess: true });
    if (s.approval && typeof s.approval === "object")
      checkPaths(s.approval.autoIf, `${at}.approval.autoIf`, { gathered, assess: true });
    const a = getAction(s.action);
    if (!a) {
      error(`${at}.action`, `unknown action ${s.action}`);
      return;
    }
    if (s.approval && s.approval !== "manual" && (a.attendedOnly || a.scope === "tenant"))
      error(
        `${at}.approval`,
        `${s.action} ${a.scope === "tenant" ? "is tenant-wide" : "is attended-only"}: it never runs unattended, so its approval can only be manual`,
      );
    if (a.scope !== "user") {
      const kinds = kindsOf(a);
      if (!kinds.some((k) => triggerKinds.includes(k)))
        error(
          `${at}.action`,
          `${s.action} acts on ${kinds.join(", ") || "no hit"} targets; the trigger takes ${triggerKinds.join(", ")}: the step would never run`,
        );
    }
    if (a.readOnly)
      warn(`${at}.action`, `${s.action} is read-only: as a step it changes nothing (gather it instead)`);
    else if (a.reversibility === "irreversible")
      warn(
        `${at}.action`,
        `${s.action} cannot be compensated (irreversible): a rollback leaves it as it is${a.limits[0] ? ` (${a.limits[0]})` : ""}`,
      );
    else if (!a.compensate)
      warn(`${at}.action`, `${s.action} has no compensation: a rollback leaves it as it is`);
  });
  return issues;
}
