import type { GraphAdapter, GraphMessageRule } from "../adapters/graph/client.js";

/**
 * Graph rules name folders by id; the analysis and the fingerprint need their names. Unresolvable ids (no
 * Mail.ReadBasic.All, folder gone) map to undefined and are reported through `onError`.
 */
export async function resolveRuleFolders(
  graph: GraphAdapter,
  userId: string,
  rules: GraphMessageRule[],
  opts: { signal?: AbortSignal; onError?: (folderId: string, e: unknown) => void } = {},
): Promise<Map<string, string | undefined>> {
  const names = new Map<string, string | undefined>();
  for (const r of rules) {
    for (const id of [r.actions?.moveToFolder, r.actions?.copyToFolder]) {
      if (!id || names.has(id)) continue;
      try {
        names.set(
          id,
          (await graph.getMailFolder(userId, id, opts.signal ? { signal: opts.signal } : {})).displayName,
        );
      } catch (e) {
        names.set(id, undefined);
        opts.onError?.(id, e);
      }
    }
  }
  return names;
}
