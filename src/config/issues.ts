/**
 * zod issues → `{ path, message }` with dotted paths, for every file mailwarden reads (config, playbooks, the
 * emulator's scenario and faults files). Every object in those schemas is strict: an unknown key is reported at
 * its own dotted path (`guardrails.protectedAcounts`), with "did you mean …" when it is close to a key the object
 * takes — a misspelt key must never be silently ignored (a misspelt `protectedAccounts` would leave the
 * break-glass account unprotected).
 */
import { distance } from "fastest-levenshtein";
import type { z } from "zod";

export interface Issue {
  path: string;
  message: string;
}

type Key = PropertyKey;

/** The parts of a zod v4 schema definition this module walks. */
interface Def {
  type: string;
  innerType?: Node;
  in?: Node;
  shape?: Record<string, Node>;
  element?: Node;
  options?: Node[];
  discriminator?: string;
  valueType?: Node;
  left?: Node;
  right?: Node;
  values?: unknown[];
  getter?: () => Node;
}
interface Node {
  _zod: { def: Def };
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);

/** The schema under optional/nullable/default/prefault/… wrappers, lazies and pipes (their input side). */
function unwrap(node: Node): Node {
  let n = node;
  for (let i = 0; i < 100; i++) {
    const d = n._zod.def;
    if (WRAPPERS.has(d.type) && d.innerType) n = d.innerType;
    else if (d.type === "pipe" && d.in) n = d.in;
    else if (d.type === "lazy" && d.getter) n = d.getter();
    else return n;
  }
  return n;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Does this union option take the discriminator value `v`? */
function takesDiscriminator(option: Node, key: string, v: unknown): boolean {
  const o = unwrap(option);
  const d = o._zod.def.type === "object" ? o._zod.def.shape?.[key] : undefined;
  if (!d) return false;
  const lit = unwrap(d)._zod.def;
  return lit.type === "literal" && (lit.values ?? []).includes(v);
}

/** The object schemas that may sit at `path` of a value of `schema` (unions resolved by the value where they can). */
function objectsAt(schema: Node, value: unknown, path: readonly Key[]): Node[] {
  const s = unwrap(schema);
  const d = s._zod.def;
  if (d.type === "union" && d.options) {
    let options = d.options;
    if (d.discriminator && isRecord(value)) {
      const disc = d.discriminator;
      const picked = options.filter((o) => takesDiscriminator(o, disc, value[disc]));
      if (picked.length) options = picked;
    }
    return options.flatMap((o) => objectsAt(o, value, path));
  }
  if (d.type === "intersection" && d.left && d.right)
    return [...objectsAt(d.left, value, path), ...objectsAt(d.right, value, path)];
  if (path.length === 0) return d.type === "object" ? [s] : [];
  const [head, ...rest] = path;
  const child = (v: unknown) =>
    isRecord(v) || Array.isArray(v) ? (v as Record<Key, unknown>)[head as string] : undefined;
  if (d.type === "object") {
    const next = d.shape?.[String(head)];
    return next ? objectsAt(next, child(value), rest) : [];
  }
  if (d.type === "array" && d.element) return objectsAt(d.element, child(value), rest);
  if (d.type === "record" && d.valueType) return objectsAt(d.valueType, child(value), rest);
  return [];
}

/** The keys the object at `path` takes (the union of every object that may sit there). */
export function knownKeysAt(schema: z.core.$ZodType, input: unknown, path: readonly Key[]): string[] {
  const keys = new Set<string>();
  for (const o of objectsAt(schema, input, path))
    for (const k of Object.keys(o._zod.def.shape ?? {})) keys.add(k);
  return [...keys];
}

/**
 * The known key `key` is most likely a typo of, if any: the nearest by edit distance (case ignored) within a
 * budget that grows with the key's length (1 for up to 3 characters, 2 up to 5, then a third of the length).
 */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (!best || d < best.d) best = { k, d };
  }
  if (!best) return undefined;
  const len = best.k.length;
  const budget = len <= 3 ? 1 : len <= 5 ? 2 : Math.max(2, Math.floor(len / 3));
  return best.d <= budget ? best.k : undefined;
}

const dotted = (path: readonly Key[]) => path.map(String).join(".") || "(root)";

function unknownKey(schema: z.core.$ZodType, input: unknown, at: readonly Key[], key: string): Issue {
  const known = knownKeysAt(schema, input, at);
  const near = didYouMean(key, known);
  const hint = near
    ? `; did you mean ${near}?`
    : known.length > 0 && known.length <= 12
      ? ` (${at.length ? `${dotted(at)} takes` : "expected"}: ${known.join(", ")})`
      : "";
  return { path: dotted([...at, key]), message: `unknown key${hint}` };
}

type ZodIssue = z.core.$ZodIssue;

function describe(
  schema: z.core.$ZodType,
  input: unknown,
  issues: readonly ZodIssue[],
  base: Key[],
): Issue[] {
  const out: Issue[] = [];
  for (const iss of issues) {
    const at = [...base, ...iss.path];
    if (iss.code === "unrecognized_keys") {
      for (const k of iss.keys) out.push(unknownKey(schema, input, at, k));
    } else if (iss.code === "invalid_union" && iss.errors.length > 0) {
      out.push(...describeUnion(schema, input, iss, at));
    } else {
      out.push({ path: dotted(at), message: iss.message });
    }
  }
  return out;
}

/**
 * A value no option of a plain union took. Options whose very type differs are dropped; if one option is left,
 * its issues are the story. Else unknown keys that every option rejects are reported (a typo usually is one), and
 * only if there are none the union's own message.
 */
function describeUnion(
  schema: z.core.$ZodType,
  input: unknown,
  iss: Extract<ZodIssue, { code: "invalid_union" }>,
  at: Key[],
): Issue[] {
  const branches = iss.errors.filter(
    (b) => !b.some((i) => i.path.length === 0 && (i.code === "invalid_type" || i.code === "invalid_value")),
  );
  if (branches.length === 1) return describe(schema, input, branches[0]!, at);
  const considered = branches.length ? branches : iss.errors;
  const unknownIn = (b: readonly ZodIssue[]) =>
    new Set(
      b.flatMap((i) =>
        i.code === "unrecognized_keys" ? i.keys.map((k) => JSON.stringify([...i.path, k])) : [],
      ),
    );
  const sets = considered.map(unknownIn);
  const common = [...(sets[0] ?? [])].filter((k) => sets.every((s) => s.has(k)));
  if (common.length === 0) return [{ path: dotted(at), message: iss.message }];
  return common.map((k) => {
    const rel = JSON.parse(k) as Key[];
    return unknownKey(schema, input, [...at, ...rel.slice(0, -1)], String(rel[rel.length - 1]));
  });
}

/** Every issue of a failed parse of `input` against `schema`, with dotted paths and "did you mean" hints. */
export function describeIssues(
  schema: z.core.$ZodType,
  input: unknown,
  error: { issues: readonly ZodIssue[] },
): Issue[] {
  return describe(schema, input, error.issues, []);
}
