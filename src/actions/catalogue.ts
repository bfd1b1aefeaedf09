/** The action catalogue as a document (docs/actions.md), generated from the definitions. */
import { actions } from "./registry.js";
import { reversibilityLabel } from "./types.js";

export function actionCatalogue(): string {
  const out = [
    "# Action catalogue",
    "",
    "Generated from `src/actions/` by `npm run gen`; a test fails when it is stale. Ids are logical: the transport",
    "(Graph or Exchange Online PowerShell) is chosen when planning, from what the target allows, and the plan says",
    "which. Idempotency key: `${tenantId}:${actionId}:${targetId}`. Reversibility `read-only`: the action never",
    "writes (plan, run and verify only read).",
    "",
    "Session-scoped actions (`…removeSession…`) act only on what the attacker's session made. The session window",
    "(`src/actions/session-window.ts`) starts at the earliest sign-in the case's hit links, else 24 hours before the",
    "suspect action; objects made earlier are kept, and the plan shows the window and what it keeps and why.",
    "",
    "| id | scope | transports | permissions | reversibility |",
    "|---|---|---|---|---|",
  ];
  for (const a of actions) {
    const transports = [
      a.permissions.graph.length ? "Graph" : "",
      a.permissions.exchange.length ? "Exchange" : "",
    ].filter(Boolean);
    const perms = [
      ...a.permissions.graph.map((p) => `Graph ${p}`),
      ...a.permissions.exchange.map((p) => `Exchange ${p}`),
    ];
    out.push(
      `| \`${a.id}\` | ${a.scope} | ${transports.join(", ")} | ${perms.join("<br>")} | ${reversibilityLabel(a)} |`,
    );
  }
  for (const a of actions) {
    out.push("", `## \`${a.id}\``, "", a.description, "", "What it does not cover:", "");
    for (const l of a.limits) out.push(`- ${l}`);
  }
  return out.join("\n") + "\n";
}
