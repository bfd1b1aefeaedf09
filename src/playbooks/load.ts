/**
 * Loads playbooks: YAML → structure (zod) → semantics (known actions, unique step ids, actions that fit the
 * trigger). Errors carry the file and a dotted path.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { getAction } from "../actions/registry.js";
import { describeIssues } from "../config/issues.js";
import { parseDuration, playbookSchema, type Playbook } from "./schema.js";

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

export function parsePlaybook(text: string, file: string): Playbook {
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (e) {
    throw new PlaybookError(file, [{ path: "(yaml)", message: (e as Error).message }]);
  }
  const parsed = playbookSchema.safeParse(data);
  if (!parsed.success) throw new PlaybookError(file, describeIssues(playbookSchema, data, parsed.error));
  const p = parsed.data;
  const issues: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  p.steps.forEach((s, i) => {
    if (seen.has(s.id)) issues.push({ path: `steps.${i}.id`, message: `duplicate step id ${s.id}` });
    seen.add(s.id);
    if (!getAction(s.action))
      issues.push({ path: `steps.${i}.action`, message: `unknown action ${s.action}` });
    if (s.onTimeout && !s.timeout)
      issues.push({ path: `steps.${i}.onTimeout`, message: "needs a timeout (e.g. timeout: 4h)" });
    const a = getAction(s.action);
    if (a && s.approval && s.approval !== "manual" && (a.attendedOnly || a.scope === "tenant"))
      issues.push({
        path: `steps.${i}.approval`,
        message: `${s.action} ${a.scope === "tenant" ? "is tenant-wide" : "is attended-only"}: it never runs unattended, so its approval can only be manual`,
      });
  });
  issues.push(...aftercareIssues(p));
  if (issues.length) throw new PlaybookError(file, issues);
  return p;
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
