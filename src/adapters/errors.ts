/** Failure checks shared across the Graph and Exchange adapters (errors are matched by shape, not instanceof). */

/** The object does not exist: Graph's `notFound` kind or Exchange's `NotFound` category. */
export function isNotFound(e: unknown): boolean {
  const x = e as { kind?: string; category?: string } | null;
  return x?.kind === "notFound" || x?.category === "NotFound";
}
