/**
 * Loads playbooks: YAML → structure (zod) → semantics (src/playbooks/check.ts: known actions, read-only gather,
 * unique ids, steps that fit the trigger, facts that exist). Errors carry the file and a dotted path; warnings
 * (an irreversible step, …) do not stop loading.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { getAction } from "../actions/registry.js";
import { describeIssues } from "../config/issues.js";
import { checkPlaybook, type ActionLookup, type PlaybookIssue } from "./check.js";
import { parseDuration, playbookSchema, type Playbook } from "./schema.js";

export type { PlaybookIssue } from "./check.js";

export class PlaybookError extends Error {
  override readonly name = "PlaybookError";
  constructor(
    readonly file: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`${file}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  }
}

/** The playbooks shipped with mailwarden (the package's playbooks/ folder). */
export const BUILTIN_PLAYBOOK_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../playbooks",
);

export interface ParseOptions {
  /** The action catalogue to check against (tests: a catalogue with actions another branch adds). */
  getAction?: ActionLookup;
}

/** Parses and checks a playbook: its structure, then its semantics; errors and warnings, with dotted paths. */
export function validatePlaybook(
  text: string,
  file: string,
  opts: ParseOptions = {},
): { playbook?: Playbook; issues: PlaybookIssue[] } {
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (e) {
    return { issues: [{ path: "(yaml)", message: (e as Error).message, level: "error" }] };
  }
  const parsed = playbookSchema.safeParse(data);
  if (!parsed.success)
    return {
      issues: describeIssues(playbookSchema, data, parsed.error).map((i) => ({ ...i, level: "error" })),
    };
  const issues = [
    ...checkPlaybook(parsed.data, opts.getAction ?? getAction),
    ...aftercareIssues(parsed.data).map((i) => ({ ...i, level: "error" as const })),
  ];
  return issues.some((i) => i.level === "error") ? { issues } : { playbook: parsed.data, issues };
}

/** A playbook, or a PlaybookError with its errors (warnings do not stop loading: see `playbookWarnings`). */
export function parsePlaybook(text: string, file: string, opts: ParseOptions = {}): Playbook {
  const r = validatePlaybook(text, file, opts);
  if (!r.playbook)
    throw new PlaybookError(
      file,
      r.issues.filter((i) => i.level === "error").map(({ path, message }) => ({ path, message })),
    );
  warnings.set(r.playbook, r.issues);
  return r.playbook;
}

const warnings = new WeakMap<Playbook, PlaybookIssue[]>();

/** The warnings a loaded playbook had (said by `doctor` and `playbooks validate`). */
export function playbookWarnings(p: Playbook): PlaybookIssue[] {
  return warnings.get(p) ?? checkPlaybook(p, getAction).filter((i) => i.level === "warning");
}

/** The playbook file `loadPlaybook` would read for an id, or undefined. */
export function findPlaybookFile(id: string, dirs: string[] = []): string | undefined {
  for (const dir of [...dirs, BUILTIN_PLAYBOOK_DIR])
    for (const ext of [".yaml", ".yml"]) {
      const file = path.join(dir, `${id}${ext}`);
      if (existsSync(file)) return file;
    }
  return undefined;
}

/**
 * The watch against the verification window. Errors, not warnings: a watch that ends before the re-check, or that
 * never looks within its own window, leaves a case unwatched while the playbook reads as if it were watched (a
 * unit slip such as `for: 7m` for `7d`), and an unattended loop's warnings go unread.
 */
export function aftercareIssues(p: Playbook): { path: string; message: string }[] {
  if (!p.watch) return [];
  const out: { path: string; message: string }[] = [];
  const recheck = p.verify?.recheckAfter ?? "15m";
  const polling = (p.verify?.attempts ?? 1) * (p.verify?.interval ? parseDuration(p.verify.interval) : 0);
  const window = parseDuration(recheck) + polling;
  if (parseDuration(p.watch.for) < window)
    out.push({
      path: "watch.for",
      message: `${p.watch.for} is shorter than the verification window (re-check after ${recheck}${polling ? " plus the polling" : ""}): the watch would end before the re-check`,
    });
  if (parseDuration(p.watch.every) > parseDuration(p.watch.for))
    out.push({
      path: "watch.every",
      message: `${p.watch.every} is longer than watch.for (${p.watch.for}): the watch would end before its first look`,
    });
  return out;
}

export function loadPlaybook(id: string, dirs: string[] = []): Playbook {
  for (const dir of [...dirs, BUILTIN_PLAYBOOK_DIR]) {
    for (const ext of [".yaml", ".yml"]) {
      const file = path.join(dir, `${id}${ext}`);
      if (existsSync(file)) {
        const p = parsePlaybook(readFileSync(file, "utf8"), file);
        if (p.metadata.id !== id)
          throw new PlaybookError(file, [
            { path: "metadata.id", message: `is ${p.metadata.id}, the file name says ${id}` },
          ]);
        return p;
      }
    }
  }
  throw new PlaybookError(id, [
    { path: "(file)", message: `no playbook ${id} in ${[...dirs, BUILTIN_PLAYBOOK_DIR].join(", ")}` },
  ]);
}
